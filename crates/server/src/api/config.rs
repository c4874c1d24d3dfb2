//! Config vars and rollback: `GET/POST /v1/apps/{app}/config`, `POST /v1/apps/{app}/rollback`.
//! Changes that redeploy stream their progress like a deploy.

use super::deploy::stream;
use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeMap;
use wharf_deploy::{ConfigChange, ConfigOutcome};

pub async fn show(
    State(state): State<ApiState>,
    Path(app): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let vars: BTreeMap<String, String> = state.deployer.config_vars(&app)?.into_iter().collect();
    Ok(Json(serde_json::json!({ "vars": vars })))
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
