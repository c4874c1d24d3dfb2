//! Processes of an app: `GET /v1/apps/{app}/ps` (its containers), `GET
//! /v1/apps/{app}/formation` (the running release's process types and their scale), `POST /v1/apps/{app}/scale` (`{"web": 2}`)
//! and `POST /v1/apps/{app}/limits` (`{"process": "web", "memory": "512m", "cpus": "0.5"}`).
//! Changes deploy a new release and stream their progress like a deploy (a scale with
//! `?deploy=false` is only stored, for the next deploy).

use super::deploy::stream;
use super::params::{AppPath, JsonBody};
use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use wharf_api::{
    LifecycleRequest, LimitsRequest, Outcome, ProcessFormation, ProcessStatus, ScaleQuery,
    ScaleRequest,
};
use wharf_deploy::{Lifecycle, ProcessView};
use wharf_domain::{AppName, ProcessScale, parse_cpus, parse_memory};
use wharf_store::ProcessSettings;

pub async fn ps(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
) -> Result<Json<Vec<ProcessStatus>>, ApiError> {
    let views = state.deployer.ps(&app).await?;
    Ok(Json(views.into_iter().map(status).collect()))
}

pub async fn formation(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
) -> Result<Json<Vec<ProcessFormation>>, ApiError> {
    let formation = state.deployer.formation(&app)?;
    Ok(Json(
        formation
            .into_iter()
            .map(|p| ProcessFormation {
                process: p.process,
                scale: p.scale,
                started: p.started,
            })
            .collect(),
    ))
}

fn status(view: ProcessView) -> ProcessStatus {
    ProcessStatus {
        container: view.container,
        process: view.process,
        task: view.task,
        replica: view.replica,
        release: view.release,
        state: view.state,
        started_at: view.started_at,
        healthy: view.healthy,
    }
}

pub async fn scale(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    Query(query): Query<ScaleQuery>,
    JsonBody(ScaleRequest(request)): JsonBody<ScaleRequest>,
) -> Result<Response, ApiError> {
    if request.is_empty() {
        return Err(bad("give at least one PROCESS=COUNT, e.g. web=2"));
    }
    let mut settings = Vec::new();
    for (process, quantity) in request {
        let scale = ProcessScale::new(process, quantity).map_err(|e| bad(e.to_string()))?;
        settings.push(ProcessSettings {
            quantity: Some(scale.count()),
            process: scale.process().clone(),
            ..Default::default()
        });
    }
    if !query.deploy {
        let deployer = state.deployer.clone();
        return stream(&state, move |_progress| async move {
            deployer.store_processes(&app, &settings).await?;
            Ok::<_, wharf_deploy::DeployError>(Outcome::message(format!(
                "scale of {app} stored, not deployed (--skip-deploy): the next deploy runs it"
            )))
        });
    }
    change(state, app, settings)
}

pub async fn limits(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    JsonBody(request): JsonBody<LimitsRequest>,
) -> Result<Response, ApiError> {
    let process = request.process;
    if request.memory.is_none() && request.cpus.is_none() {
        return Err(bad("give --memory and/or --cpus"));
    }
    let memory = request
        .memory
        .as_deref()
        .map(parse_memory)
        .transpose()
        .map_err(|e| bad(format!("--memory: {e}")))?;
    let cpus = request
        .cpus
        .as_deref()
        .map(parse_cpus)
        .transpose()
        .map_err(|e| bad(format!("--cpus: {e}")))?;
    let settings = vec![ProcessSettings {
        process,
        quantity: None,
        memory,
        cpus,
    }];
    change(state, app, settings)
}

pub async fn stop(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    JsonBody(request): JsonBody<LifecycleRequest>,
) -> Result<Response, ApiError> {
    lifecycle(state, app, request, Lifecycle::Stop)
}

pub async fn start(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    JsonBody(request): JsonBody<LifecycleRequest>,
) -> Result<Response, ApiError> {
    lifecycle(state, app, request, Lifecycle::Start)
}

pub async fn restart(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    JsonBody(request): JsonBody<LifecycleRequest>,
) -> Result<Response, ApiError> {
    lifecycle(state, app, request, Lifecycle::Restart)
}

fn lifecycle(
    state: ApiState,
    app: AppName,
    request: LifecycleRequest,
    action: Lifecycle,
) -> Result<Response, ApiError> {
    let process = request.process;
    let deployer = state.deployer.clone();
    stream(&state, move |progress| async move {
        deployer
            .lifecycle(&app, process.as_ref(), action, &progress)
            .await?;
        Ok::<_, wharf_deploy::DeployError>(Outcome::message(format!("{app}: done")))
    })
}

fn change(
    state: ApiState,
    app: AppName,
    settings: Vec<ProcessSettings>,
) -> Result<Response, ApiError> {
    let deployer = state.deployer.clone();
    stream(&state, move |progress| async move {
        let deployed = deployer
            .change_processes(&app, &settings, &progress)
            .await?;
        Ok::<_, wharf_deploy::DeployError>(super::deploy::deployed(deployed))
    })
}

/// A process name of a request's body, parsed as it enters.
fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}
