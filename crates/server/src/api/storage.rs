//! An app's storage: `GET /v1/apps/{app}/storage` lists its mounts;
//! `POST /v1/apps/{app}/storage/mount` and `.../unmount` (`{"mount": "SOURCE:/path"}`) change
//! them, redeploying a running app and streaming its progress like a deploy. The mount's text is
//! parsed as the body is read (`MountSpec`, `MountSelector`); whether this server lets it be
//! mounted is the deployer's check.

use super::deploy::stream;
use super::params::{AppPath, JsonBody};
use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use wharf_api::{MountKind, MountRequest, Outcome, StorageMount, StorageMounts, UnmountRequest};
use wharf_deploy::{StorageChange, StorageOutcome};
use wharf_domain::{AppName, VolumeSource};

pub async fn list(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
) -> Result<Json<StorageMounts>, ApiError> {
    let mounts = state
        .deployer
        .storage_mounts(&app)?
        .into_iter()
        .map(|m| StorageMount {
            source: m.source.as_str().to_string(),
            kind: match m.source {
                VolumeSource::HostPath(_) => MountKind::HostPath,
                VolumeSource::Named(_) => MountKind::Volume,
            },
            mount: m.to_string(),
            target: m.target,
            read_only: m.read_only,
        })
        .collect::<Vec<_>>();
    let pinned_to = if mounts.is_empty() {
        None
    } else {
        super::cluster::this_node_name(state.deployer.docker()).await
    };
    Ok(Json(StorageMounts { mounts, pinned_to }))
}

pub async fn mount(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    JsonBody(request): JsonBody<MountRequest>,
) -> Result<Response, ApiError> {
    change(state, app, StorageChange::Mount(request.mount))
}

pub async fn unmount(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    JsonBody(request): JsonBody<UnmountRequest>,
) -> Result<Response, ApiError> {
    change(state, app, StorageChange::Unmount(request.mount))
}

/// Refuse bad input and unknown apps with a plain error, then change and redeploy, streamed.
fn change(state: ApiState, app: AppName, change: StorageChange) -> Result<Response, ApiError> {
    state.deployer.check_storage_change(&change)?;
    state.deployer.storage_mounts(&app)?;
    let deployer = state.deployer.clone();
    stream(&state, move |progress| async move {
        let outcome = deployer.change_storage(&app, &change, &progress).await?;
        Ok::<_, wharf_deploy::DeployError>(match outcome {
            StorageOutcome::Deployed(outcome) => super::deploy::deployed(outcome),
            StorageOutcome::Saved => Outcome::message(format!(
                "storage of {app} saved; it takes effect at its first deploy"
            )),
        })
    })
}
