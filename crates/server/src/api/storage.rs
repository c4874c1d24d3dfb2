//! An app's storage: `GET /v1/apps/{app}/storage` lists its mounts;
//! `POST /v1/apps/{app}/storage/mount` and `.../unmount` (`{"mount": "SOURCE:/path"}`) change
//! them, redeploying a running app and streaming its progress like a deploy.

use super::deploy::stream;
use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use wharf_deploy::{StorageChange, StorageOutcome};
use wharf_domain::VolumeSource;

pub async fn list(
    State(state): State<ApiState>,
    Path(app): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mounts: Vec<serde_json::Value> = state
        .deployer
        .storage_mounts(&app)?
        .into_iter()
        .map(|m| {
            let kind = match m.source {
                VolumeSource::HostPath(_) => "host path",
                VolumeSource::Named(_) => "volume",
            };
            serde_json::json!({
                "source": m.source.as_str(),
                "target": m.target,
                "read_only": m.read_only,
                "kind": kind,
                "mount": m.to_string(),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "mounts": mounts })))
}

#[derive(Deserialize)]
pub struct MountRequest {
    mount: String,
}

pub async fn mount(
    State(state): State<ApiState>,
    Path(app): Path<String>,
    Json(request): Json<MountRequest>,
) -> Result<Response, ApiError> {
    change(state, app, StorageChange::Mount(request.mount))
}

pub async fn unmount(
    State(state): State<ApiState>,
    Path(app): Path<String>,
    Json(request): Json<MountRequest>,
) -> Result<Response, ApiError> {
    change(state, app, StorageChange::Unmount(request.mount))
}

/// Refuse bad input and unknown apps with a plain error, then change and redeploy, streamed.
fn change(state: ApiState, app: String, change: StorageChange) -> Result<Response, ApiError> {
    state.deployer.check_storage_change(&change)?;
    state.deployer.storage_mounts(&app)?;
    let deployer = state.deployer.clone();
    stream(&state, move |progress| async move {
        let outcome = deployer.change_storage(&app, &change, &progress).await?;
        Ok::<_, wharf_deploy::DeployError>(match outcome {
            StorageOutcome::Deployed(deployed) => {
                serde_json::to_value(deployed).unwrap_or_default()
            }
            StorageOutcome::Saved => serde_json::json!({
                "message": format!("storage of {app} saved; it takes effect at its first deploy")
            }),
        })
    })
}
