//! Database services: `/v1/services` (list, create), `/v1/services/{name}` (info, destroy),
//! links (which redeploy the app and stream its progress), expose, backups, verify, the backup
//! schedule and restore (from a stored backup, or an uploaded file).

use super::deploy::{receive_upload, stream};
use super::{ApiError, ApiState};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use wharf_deploy::ConfigOutcome;
use wharf_services::{CreateRequest, RestoreSource, ServiceStatus, VerifyReport};
use wharf_store::BackupRecord;

/// Run `work` as a tracked task (shutdown waits for it; a client that goes away does not cut
/// it short) and answer with its result.
async fn tracked<T, F>(state: &ApiState, work: F) -> Result<T, ApiError>
where
    F: std::future::Future<Output = Result<T, wharf_services::ServiceError>> + Send + 'static,
    T: Send + 'static,
{
    Ok(state
        .tasks
        .spawn(work)
        .await
        .map_err(ApiError::internal)??)
}

pub async fn list(State(state): State<ApiState>) -> Result<Json<Vec<ServiceStatus>>, ApiError> {
    Ok(Json(state.services.list().await?))
}

pub async fn create(
    State(state): State<ApiState>,
    Json(request): Json<CreateRequest>,
) -> Result<Json<ServiceStatus>, ApiError> {
    let services = state.services.clone();
    let created = tracked(&state, async move { services.create(&request).await }).await?;
    Ok(Json(created))
}

#[derive(Deserialize)]
pub struct InfoQuery {
    #[serde(default)]
    reveal: bool,
}

pub async fn info(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Query(query): Query<InfoQuery>,
) -> Result<Json<ServiceStatus>, ApiError> {
    Ok(Json(state.services.info(&name, query.reveal).await?))
}

#[derive(Deserialize)]
pub struct DestroyQuery {
    #[serde(default)]
    purge: bool,
}

pub async fn destroy(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Query(query): Query<DestroyQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let services = state.services.clone();
    let purge = query.purge;
    let service = name.clone();
    tracked(
        &state,
        async move { services.destroy(&service, purge).await },
    )
    .await?;
    Ok(Json(
        serde_json::json!({ "destroyed": name, "purged": purge }),
    ))
}

fn link_outcome(app: &str, outcome: ConfigOutcome) -> serde_json::Value {
    match outcome {
        ConfigOutcome::Deployed(deployed) => serde_json::to_value(deployed).unwrap_or_default(),
        ConfigOutcome::Saved => serde_json::json!({
            "message": format!("saved; {app} gets it at its first deploy")
        }),
        ConfigOutcome::Unchanged => serde_json::json!({ "message": "nothing changed" }),
        ConfigOutcome::Stored => serde_json::json!({
            "message": format!("stored; {app} gets it at its next deploy")
        }),
    }
}

pub async fn link(
    State(state): State<ApiState>,
    Path((name, app)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let services = state.services.clone();
    stream(&state, move |progress| async move {
        services
            .link(&name, &app, &progress)
            .await
            .map(|outcome| link_outcome(&app, outcome))
    })
}

pub async fn unlink(
    State(state): State<ApiState>,
    Path((name, app)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let services = state.services.clone();
    stream(&state, move |progress| async move {
        services
            .unlink(&name, &app, &progress)
            .await
            .map(|outcome| link_outcome(&app, outcome))
    })
}

#[derive(Deserialize)]
pub struct ExposeRequest {
    /// The host port; `null` stops publishing.
    port: Option<u16>,
}

pub async fn expose(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Json(request): Json<ExposeRequest>,
) -> Result<Json<ServiceStatus>, ApiError> {
    let services = state.services.clone();
    let status = tracked(
        &state,
        async move { services.expose(&name, request.port).await },
    )
    .await?;
    Ok(Json(status))
}

pub async fn backups(
    State(state): State<ApiState>,
    Path(name): Path<String>,
) -> Result<Json<Vec<BackupRecord>>, ApiError> {
    Ok(Json(state.services.backups(&name)?))
}

pub async fn backup(
    State(state): State<ApiState>,
    Path(name): Path<String>,
) -> Result<Json<BackupRecord>, ApiError> {
    let services = state.services.clone();
    let record = tracked(&state, async move { services.backup(&name, false).await }).await?;
    Ok(Json(record))
}

pub async fn verify(
    State(state): State<ApiState>,
    Path(name): Path<String>,
) -> Result<Json<VerifyReport>, ApiError> {
    let services = state.services.clone();
    let report = tracked(&state, async move { services.verify(&name).await }).await?;
    Ok(Json(report))
}

#[derive(Deserialize)]
pub struct ScheduleRequest {
    /// Five-field cron schedule (UTC); `null` turns scheduled backups off.
    schedule: Option<String>,
    keep: Option<u32>,
}

pub async fn schedule(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Json(request): Json<ScheduleRequest>,
) -> Result<Json<ServiceStatus>, ApiError> {
    state
        .services
        .set_backup_schedule(&name, request.schedule.as_deref(), request.keep)?;
    Ok(Json(state.services.info(&name, false).await?))
}

#[derive(Deserialize)]
pub struct RestoreQuery {
    /// The name of one of the service's backups; without it, the body is the backup file.
    backup: Option<String>,
}

pub async fn restore(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Query(query): Query<RestoreQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (source, upload) = match query.backup {
        Some(file) => {
            if file.contains('/') || file.starts_with('.') {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "`{file}` is not a backup name; `wharf services backups {name}` lists them"
                    ),
                ));
            }
            (RestoreSource::Backup(file), None)
        }
        None => {
            let (upload, size) = receive_upload(
                &state,
                &headers,
                body,
                "the backup file is larger than the server's upload limit; restore it on the server or raise --max-upload",
            )
            .await?;
            if size == 0 {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "the uploaded backup file is empty",
                ));
            }
            (
                RestoreSource::File(upload.path().to_path_buf()),
                Some(upload),
            )
        }
    };
    let services = state.services.clone();
    let service = name.clone();
    tracked(&state, async move {
        let result = services.restore(&service, &source).await;
        drop(upload);
        result
    })
    .await?;
    Ok(Json(serde_json::json!({ "restored": name })))
}
