//! The daemon's HTTP API, served on the local unix socket (trusted by its file permissions) and,
//! for remote clients, on a TCP port and over HTTPS at `--api-domain` (see `api_host`); every
//! route requires a token there, and git can also push over its smart HTTP protocol.

mod acme;
mod apps;
mod auth;
mod certs;
mod config;
mod deploy;
mod domains;
mod error;
mod git;
mod logs;
mod processes;
mod reach;
mod run;
mod services;
mod storage;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::task::TaskTracker;
use wharf_deploy::Deployer;

pub use config::ConfigVars;
pub use error::ApiError;

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiState {
    pub deployer: Arc<Deployer>,
    /// Deploys run here, so shutdown can wait for them.
    pub tasks: TaskTracker,
    pub upload_dir: PathBuf,
    pub max_upload_bytes: u64,
    /// The ACME directory certificates are ordered from, `None` when automatic HTTPS is off.
    pub acme_directory: Option<String>,
    /// Where apps' repositories are and how git runs, for pushes over HTTP.
    pub git: Arc<GitSettings>,
    /// Stored certificates and the resolver serving them.
    pub certs: Arc<crate::certs::Certs>,
    /// The database services.
    pub services: Arc<wharf_services::Services>,
}

/// What the smart HTTP git handlers need.
#[derive(Debug, Clone)]
pub struct GitSettings {
    pub data_dir: PathBuf,
    /// This binary, called by the repositories' pre-receive hook.
    pub binary: PathBuf,
    /// The `wharf` user git runs as (when the daemon runs as root and that user exists).
    pub run_as: Option<wharf_git::RunAs>,
}

/// The routes, without authentication: used as is on the unix socket.
pub fn routes(state: ApiState) -> Router {
    Router::new()
        .route("/v1/status", get(apps::status))
        .route("/v1/acme", get(acme::status))
        .route("/v1/apps", get(apps::list))
        .route("/v1/apps/{app}", delete(apps::destroy))
        .route("/v1/apps/{app}/releases", get(apps::releases))
        .route(
            "/v1/apps/{app}/config",
            get(config::show).post(config::change),
        )
        .route("/v1/apps/{app}/rollback", post(config::rollback))
        .route("/v1/apps/{app}/ps", get(processes::ps))
        .route("/v1/apps/{app}/formation", get(processes::formation))
        .route("/v1/apps/{app}/cron", get(apps::cron))
        .route("/v1/apps/{app}/scale", post(processes::scale))
        .route("/v1/apps/{app}/limits", post(processes::limits))
        .route("/v1/apps/{app}/stop", post(processes::stop))
        .route("/v1/apps/{app}/start", post(processes::start))
        .route("/v1/apps/{app}/restart", post(processes::restart))
        .route("/v1/apps/{app}/run", post(run::run))
        .route(
            "/v1/apps/{app}/domains",
            get(domains::list).post(domains::add),
        )
        .route("/v1/apps/{app}/domains/{domain}", delete(domains::remove))
        .route("/v1/apps/{app}/storage", get(storage::list))
        .route("/v1/apps/{app}/storage/mount", post(storage::mount))
        .route("/v1/apps/{app}/storage/unmount", post(storage::unmount))
        .route("/v1/services", get(services::list).post(services::create))
        .route(
            "/v1/services/{name}",
            get(services::info).delete(services::destroy),
        )
        .route(
            "/v1/services/{name}/links/{app}",
            post(services::link).delete(services::unlink),
        )
        .route("/v1/services/{name}/expose", post(services::expose))
        .route(
            "/v1/services/{name}/backups",
            get(services::backups).post(services::backup),
        )
        .route("/v1/services/{name}/backups/verify", post(services::verify))
        .route(
            "/v1/services/{name}/backup-schedule",
            post(services::schedule),
        )
        .route(
            "/v1/services/{name}/restore",
            post(services::restore).layer(DefaultBodyLimit::disable()),
        )
        .route("/v1/services/{name}/connect", post(run::connect))
        .route("/v1/certs", get(certs::list).post(certs::add))
        .route("/v1/certs/{domain}", delete(certs::remove))
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

/// git's smart HTTP protocol (pushes only), for the TCP listener.
fn git_routes(state: ApiState) -> Router {
    Router::new()
        .route("/git/{repo}/info/refs", get(git::info_refs))
        .route(
            "/git/{repo}/git-receive-pack",
            post(git::receive_pack).layer(DefaultBodyLimit::disable()),
        )
        .with_state(state)
}

/// The routes behind token authentication (bearer, or basic-auth password for git): used on
/// the TCP listener, with git's smart HTTP push.
pub fn authenticated_routes(state: ApiState) -> Router {
    let store = state.deployer.store().clone();
    routes(state.clone())
        .merge(git_routes(state))
        .layer(axum::middleware::from_fn_with_state(
            store,
            auth::require_token,
        ))
}
