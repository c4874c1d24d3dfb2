//! Config vars and rollback: `GET/POST /v1/apps/{app}/config`, `POST /v1/apps/{app}/rollback`.
//! Changes that redeploy stream their progress like a deploy.

use super::deploy::stream;
use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use wharf_deploy::{ConfigChange, ConfigOutcome};

#[derive(Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    reveal: bool,
}

/// The answer to `GET /v1/apps/{app}/config` (and what `wharf config show --json` prints):
/// the app's config vars by name.
#[derive(Debug, Serialize, Deserialize)]
pub struct ConfigVars {
    pub vars: BTreeMap<String, String>,
}

/// The app's config vars; values are masked unless `?reveal=true` (which read-only tokens may
/// not ask for), so secrets cross the network only when asked for.
pub async fn show(
    State(state): State<ApiState>,
    Path(app): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Result<Json<ConfigVars>, ApiError> {
    let vars = state
        .deployer
        .config_vars(&app)?
        .into_iter()
        .map(|(key, value)| {
            let value = if query.reveal { value } else { mask(&value) };
            (key, value)
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

#[derive(Deserialize)]
pub struct ChangeRequest {
    #[serde(default)]
    set: Vec<String>,
    #[serde(default)]
    unset: Vec<String>,
    /// Store the change without deploying (Dokku's `--no-restart`).
    #[serde(default)]
    no_restart: bool,
}

pub async fn change(
    State(state): State<ApiState>,
    Path(app): Path<String>,
    Json(request): Json<ChangeRequest>,
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
            ConfigOutcome::Deployed(deployed) => serde_json::to_value(deployed).unwrap_or_default(),
            ConfigOutcome::Saved => serde_json::json!({
                "message": format!("config of {app} saved; it takes effect at its first deploy")
            }),
            ConfigOutcome::Stored => serde_json::json!({
                "message": format!(
                    "config of {app} stored, not deployed (--no-restart): the running release keeps its vars until the next deploy (a push, a config, scale or storage change, or a restart of the app)"
                )
            }),
            ConfigOutcome::Unchanged => serde_json::json!({
                "message": format!("config of {app} unchanged; nothing deployed")
            }),
        })
    })
}

#[derive(Deserialize)]
pub struct RollbackRequest {
    version: Option<u32>,
}

pub async fn rollback(
    State(state): State<ApiState>,
    Path(app): Path<String>,
    Json(request): Json<RollbackRequest>,
) -> Result<Response, ApiError> {
    let deployer = state.deployer.clone();
    stream(&state, move |progress| async move {
        deployer.rollback(&app, request.version, &progress).await
    })
}
