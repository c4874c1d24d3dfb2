//! `GET /v1/stats` and `GET /v1/apps/{app}/stats`: the sampler's latest figures and the stored
//! history (`crate::stats`).

use super::params::AppPath;
use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use wharf_api::{AppStats, ServerStats, StatsQuery};

pub async fn server(State(state): State<ApiState>) -> Result<Json<ServerStats>, ApiError> {
    Ok(Json(state.stats.server_stats()?))
}

pub async fn app(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    Query(query): Query<StatsQuery>,
) -> Result<Json<AppStats>, ApiError> {
    let span = query
        .span_secs()
        .map_err(|message| ApiError::new(StatusCode::BAD_REQUEST, message))?;
    if state.deployer.store().app(&app)?.is_none() {
        return Err(wharf_deploy::DeployError::NoSuchApp(app.to_string()).into());
    }
    Ok(Json(state.stats.app_stats(&app, span)?))
}
