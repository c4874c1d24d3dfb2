//! Database services: `/v1/services` (list, create), `/v1/services/{name}` (info, destroy),
//! links (which redeploy the app and stream its progress), expose, backups, verify, the backup
//! schedule and restore (from a stored backup, or an uploaded file).

use super::deploy::{receive_upload, stream};
use super::params::{JsonBody, LinkPath, ServicePath};
use super::{ApiError, ApiState};
use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use wharf_api::{
    Backup, BackupScheduleRequest, CreateServiceRequest, DestroyServiceQuery, ExposeRequest,
    Outcome, RestoreQuery, Restored, Service, ServiceDestroyed, ServiceQuery, VerifyReport,
};
use wharf_deploy::ConfigOutcome;
use wharf_domain::{AppName, ServiceKind, ServiceName};
use wharf_services::{CreateRequest, RestoreSource, ServiceStatus};
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

/// A service as the API shows it.
fn service(status: ServiceStatus) -> Service {
    Service {
        name: status.name,
        kind: status.kind.to_string(),
        version: status.version,
        image: status.image,
        state: status.state,
        volume_bytes: status.volume_bytes,
        volume: status.volume,
        network: status.network,
        node: status.node,
        overlay: status.overlay,
        linked_apps: status.linked_apps,
        links: status.links.into_iter().collect(),
        exposed_port: status.exposed_port,
        backup_schedule: status.backup_schedule,
        backup_keep: status.backup_keep,
        last_backup: status.last_backup.map(backup_view),
        url: status.url,
        tls: status.tls,
    }
}

fn backup_view(record: BackupRecord) -> Backup {
    Backup {
        id: record.id,
        service: record.service.to_string(),
        file: record.file,
        size: record.size,
        sha256: record.sha256,
        scheduled: record.scheduled,
        started_at: record.started_at,
        error: record.error,
        verified_at: record.verified_at,
    }
}

pub async fn list(State(state): State<ApiState>) -> Result<Json<Vec<Service>>, ApiError> {
    let list = state.services.list().await?;
    Ok(Json(list.into_iter().map(service).collect()))
}

/// The list as `list` answers it, but without each service's data size (`volume_bytes` is
/// `null`), whose measure runs a process in each service's container. Not a route: for the
/// dashboard's pages that do not show sizes (the overview, an app's page).
pub async fn list_unmeasured(
    State(state): State<ApiState>,
) -> Result<Json<Vec<Service>>, ApiError> {
    let list = state.services.list_unmeasured().await?;
    Ok(Json(list.into_iter().map(service).collect()))
}

pub async fn create(
    State(state): State<ApiState>,
    JsonBody(request): JsonBody<CreateServiceRequest>,
) -> Result<Json<Service>, ApiError> {
    let services = state.services.clone();
    // The new service's name and kind enter here.
    let name = ServiceName::parse(&request.name)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    let kind =
        ServiceKind::parse(&request.kind).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e))?;
    let request = CreateRequest {
        kind,
        name,
        version: request.version,
        image: request.image,
        node: request.node,
    };
    let created = tracked(&state, async move { services.create(&request).await }).await?;
    Ok(Json(service(created)))
}

pub async fn info(
    State(state): State<ApiState>,
    ServicePath(name): ServicePath,
    Query(query): Query<ServiceQuery>,
) -> Result<Json<Service>, ApiError> {
    Ok(Json(service(
        state.services.info(&name, query.reveal).await?,
    )))
}

pub async fn destroy(
    State(state): State<ApiState>,
    ServicePath(name): ServicePath,
    Query(query): Query<DestroyServiceQuery>,
) -> Result<Json<ServiceDestroyed>, ApiError> {
    let services = state.services.clone();
    let purge = query.purge;
    let service = name.clone();
    let node = tracked(
        &state,
        async move { services.destroy(&service, purge).await },
    )
    .await?;
    Ok(Json(ServiceDestroyed {
        destroyed: name.to_string(),
        purged: purge,
        node: node.map(|n| n.to_string()),
    }))
}

fn link_outcome(app: &AppName, outcome: ConfigOutcome) -> Outcome {
    match outcome {
        ConfigOutcome::Deployed(outcome) => super::deploy::deployed(outcome),
        ConfigOutcome::Saved => {
            Outcome::message(format!("saved; {app} gets it at its first deploy"))
        }
        ConfigOutcome::Unchanged => Outcome::message("nothing changed"),
        ConfigOutcome::Stored => {
            Outcome::message(format!("stored; {app} gets it at its next deploy"))
        }
    }
}

pub async fn link(
    State(state): State<ApiState>,
    LinkPath(name, app): LinkPath,
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
    LinkPath(name, app): LinkPath,
) -> Result<Response, ApiError> {
    let services = state.services.clone();
    stream(&state, move |progress| async move {
        services
            .unlink(&name, &app, &progress)
            .await
            .map(|outcome| link_outcome(&app, outcome))
    })
}

pub async fn expose(
    State(state): State<ApiState>,
    ServicePath(name): ServicePath,
    JsonBody(request): JsonBody<ExposeRequest>,
) -> Result<Json<Service>, ApiError> {
    let services = state.services.clone();
    let status = tracked(
        &state,
        async move { services.expose(&name, request.port).await },
    )
    .await?;
    Ok(Json(service(status)))
}

pub async fn backups(
    State(state): State<ApiState>,
    ServicePath(name): ServicePath,
) -> Result<Json<Vec<Backup>>, ApiError> {
    let list = state.services.backups(&name)?;
    Ok(Json(list.into_iter().map(backup_view).collect()))
}

pub async fn backup(
    State(state): State<ApiState>,
    ServicePath(name): ServicePath,
) -> Result<Json<Backup>, ApiError> {
    let services = state.services.clone();
    let record = tracked(&state, async move { services.backup(&name, false).await }).await?;
    Ok(Json(backup_view(record)))
}

pub async fn verify(
    State(state): State<ApiState>,
    ServicePath(name): ServicePath,
) -> Result<Json<VerifyReport>, ApiError> {
    let services = state.services.clone();
    let report = tracked(&state, async move { services.verify(&name).await }).await?;
    Ok(Json(VerifyReport {
        service: report.service,
        file: report.file,
        size: report.size,
        sha256: report.sha256,
        restored_objects: report.restored_objects,
        seconds: report.seconds,
    }))
}

pub async fn schedule(
    State(state): State<ApiState>,
    ServicePath(name): ServicePath,
    JsonBody(request): JsonBody<BackupScheduleRequest>,
) -> Result<Json<Service>, ApiError> {
    state
        .services
        .set_backup_schedule(&name, request.schedule.as_deref(), request.keep)?;
    Ok(Json(service(state.services.info(&name, false).await?)))
}

pub async fn restore(
    State(state): State<ApiState>,
    ServicePath(name): ServicePath,
    Query(query): Query<RestoreQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Restored>, ApiError> {
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
    Ok(Json(Restored {
        restored: name.to_string(),
    }))
}
