//! The daemon's HTTP API, served on the local unix socket (trusted by its file permissions) and
//! on a TCP port for remote clients (every route requires a bearer token there).

mod apps;
mod auth;
mod config;
mod deploy;
mod error;
mod logs;
mod run;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::task::TaskTracker;
use wharf_deploy::Deployer;

pub use error::ApiError;

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiState {
    pub deployer: Arc<Deployer>,
    /// Deploys run here, so shutdown can wait for them.
    pub tasks: TaskTracker,
    pub upload_dir: PathBuf,
    pub max_upload_bytes: u64,
}

/// The routes, without authentication: used as is on the unix socket.
pub fn routes(state: ApiState) -> Router {
    Router::new()
        .route("/v1/status", get(apps::status))
        .route("/v1/apps", get(apps::list))
        .route("/v1/apps/{app}", delete(apps::destroy))
        .route("/v1/apps/{app}/releases", get(apps::releases))
        .route(
            "/v1/apps/{app}/config",
            get(config::show).post(config::change),
        )
        .route("/v1/apps/{app}/rollback", post(config::rollback))
        .route("/v1/apps/{app}/run", post(run::run))
        .route("/v1/apps/{app}/logs", get(logs::logs))
        .route(
            "/v1/apps/{app}/releases/{version}/log",
            get(logs::release_log),
        )
        .route(
            "/v1/deploy",
            post(deploy::deploy).layer(DefaultBodyLimit::disable()),
        )
        .with_state(state)
}

/// The routes behind bearer-token authentication: used on the TCP listener.
pub fn authenticated_routes(state: ApiState) -> Router {
    let store = state.deployer.store().clone();
    routes(state).layer(axum::middleware::from_fn_with_state(
        store,
        auth::require_token,
    ))
}
