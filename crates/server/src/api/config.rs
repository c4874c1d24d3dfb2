//! Config vars and rollback: `GET/POST /v1/apps/{app}/config`, `POST /v1/apps/{app}/rollback`.
//! Changes that redeploy stream their progress like a deploy.

use super::deploy::stream;
use super::params::{AppPath, JsonBody};
use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use wharf_api::{ConfigChangeRequest, ConfigQuery, ConfigVars, Outcome, RollbackRequest};
use wharf_deploy::{ConfigChange, ConfigOutcome};
use wharf_domain::ReleaseVersion;

/// The app's config vars; values are masked unless `?reveal=true` (which read-only tokens may
/// not ask for), so secrets cross the network only when asked for.
pub async fn show(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    Query(query): Query<ConfigQuery>,
) -> Result<Json<ConfigVars>, ApiError> {
    let vars = state
        .deployer
        .config_vars(&app)?
        .iter()
        .map(|(key, value)| {
            let value = if query.reveal {
                value.to_string()
            } else {
                mask(value)
            };
            (key.to_string(), value)
        })
        .collect();
    Ok(Json(ConfigVars { vars }))
}

/// A hidden value: always the same eight stars, so not even a short secret's length shows
/// (an empty value stays empty: that it is unset is not a secret).
pub(super) fn mask(value: &str) -> String {
    if value.is_empty() {
        String::new()
    } else {
        "********".to_string()
    }
}

pub async fn change(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    JsonBody(request): JsonBody<ConfigChangeRequest>,
) -> Result<Response, ApiError> {
    let change = ConfigChange::parse(&request.set, &request.unset)?;
    let deployer = state.deployer.clone();
    stream(&state, move |progress| async move {
        let outcome = if request.no_restart {
            deployer.store_config(&app, &change).await?
        } else {
            deployer.change_config(&app, &change, &progress).await?
        };
        Ok::<_, wharf_deploy::DeployError>(match outcome {
            ConfigOutcome::Deployed(outcome) => super::deploy::deployed(outcome),
            ConfigOutcome::Saved => Outcome::message(format!(
                "config of {app} saved; it takes effect at its first deploy"
            )),
            ConfigOutcome::Stored => Outcome::message(format!(
                "config of {app} stored, not deployed (--no-restart): the running release keeps its vars until the next deploy (a push, a config, scale or storage change, or a restart of the app)"
            )),
            ConfigOutcome::Unchanged => {
                Outcome::message(format!("config of {app} unchanged; nothing deployed"))
            }
        })
    })
}

pub async fn redeploy(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
) -> Result<Response, ApiError> {
    let deployer = state.deployer.clone();
    stream(&state, move |progress| async move {
        let outcome = deployer.redeploy(&app, &progress).await?;
        Ok::<_, wharf_deploy::DeployError>(super::deploy::deployed(outcome))
    })
}

pub async fn rollback(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    JsonBody(request): JsonBody<RollbackRequest>,
) -> Result<Response, ApiError> {
    let version = request
        .version
        .map(ReleaseVersion::try_from)
        .transpose()
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    let deployer = state.deployer.clone();
    stream(&state, move |progress| async move {
        let outcome = deployer.rollback(&app, version, &progress).await?;
        Ok::<_, wharf_deploy::DeployError>(super::deploy::deployed(outcome))
    })
}
