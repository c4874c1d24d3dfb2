//! The daemon's HTTP API, served on the local unix socket (trusted by its file permissions) and,
//! for remote clients, on a TCP port and over HTTPS at `--api-domain` (see `api_host`); every
//! route requires a token there, and git can also push over its smart HTTP protocol.

pub(crate) mod acme;
pub(crate) mod apps;
mod auth;
pub(crate) mod certs;
pub(crate) mod cluster;
pub(crate) mod config;
pub(crate) mod deploy;
pub(crate) mod domains;
mod error;
pub(crate) mod events;
mod git;
pub(crate) mod logs;
pub(crate) mod notify;
pub(crate) mod params;
pub(crate) mod processes;
mod reach;
pub(crate) mod run;
pub(crate) mod services;
mod stats;
pub(crate) mod storage;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::task::TaskTracker;
use wharf_api::paths;
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
    /// The ACME directory certificates are ordered from, `None` when automatic HTTPS is off.
    pub acme_directory: Option<String>,
    /// Where apps' repositories are and how git runs, for pushes over HTTP.
    pub git: Arc<GitSettings>,
    /// Stored certificates and the resolver serving them.
    pub certs: Arc<crate::certs::Certs>,
    /// The database services.
    pub services: Arc<wharf_services::Services>,
    /// The stats sampler: the latest figures and the history.
    pub stats: Arc<crate::stats::Stats>,
}

/// What the smart HTTP git handlers need.
#[derive(Debug, Clone)]
pub struct GitSettings {
    pub data_dir: PathBuf,
    /// This binary, called by the repositories' pre-receive hook.
    pub binary: PathBuf,
    /// The `wharf` user git runs as (when the daemon runs as root and that user exists).
    pub run_as: Option<wharf_git::RunAs>,
    /// The `wharf` user's authorized_keys (`--authorized-keys`, else that user's own), where
    /// the dashboard's SSH keys page writes; `None` when there is neither.
    pub authorized_keys: Option<PathBuf>,
}

impl GitSettings {
    /// How push keys are written, as `wharf keys` writes them; `None` without an
    /// authorized_keys file to write.
    pub fn push_keys(&self) -> Option<crate::PushKeys> {
        Some(crate::PushKeys {
            authorized_keys: self.authorized_keys.clone()?,
            binary: self.binary.clone(),
            data_dir: self.data_dir.clone(),
            owner: self.run_as.clone(),
        })
    }
}

/// The API's routes as they are mounted: the router, and each method and path it serves (what
/// the tests hold against the OpenAPI document of `wharf_api`).
struct Mounted {
    router: Router<ApiState>,
    routes: Vec<(Method, &'static str)>,
}

impl Mounted {
    fn new() -> Mounted {
        Mounted {
            router: Router::new(),
            routes: Vec::new(),
        }
    }

    /// Serve `method` on `path` (one of `wharf_api::paths`) with `handler`.
    fn at<H, T>(self, method: Method, path: &'static str, handler: H) -> Mounted
    where
        H: Handler<T, ApiState>,
        T: 'static,
    {
        self.at_with(method, path, handler, |route| route)
    }

    /// As `at`, for a route whose body (an upload) may pass the default size limit: its
    /// handler counts the bytes against the server's own limit.
    fn upload<H, T>(self, method: Method, path: &'static str, handler: H) -> Mounted
    where
        H: Handler<T, ApiState>,
        T: 'static,
    {
        self.at_with(method, path, handler, |route| {
            route.layer(DefaultBodyLimit::disable())
        })
    }

    fn at_with<H, T>(
        mut self,
        method: Method,
        path: &'static str,
        handler: H,
        wrap: impl FnOnce(MethodRouter<ApiState>) -> MethodRouter<ApiState>,
    ) -> Mounted
    where
        H: Handler<T, ApiState>,
        T: 'static,
    {
        let filter = match MethodFilter::try_from(method.clone()) {
            Ok(filter) => filter,
            Err(err) => unreachable!("{method} is not a method axum routes: {err}"),
        };
        self.router = self.router.route(path, wrap(on(filter, handler)));
        self.routes.push((method, path));
        self
    }
}

/// Every route of the API but git's.
fn api_routes() -> Mounted {
    use Method as M;
    Mounted::new()
        .at(M::GET, paths::STATUS, apps::status)
        .at(M::GET, paths::ACME, acme::status)
        .at(M::GET, paths::APPS, apps::list)
        .at(M::DELETE, paths::APP, apps::destroy)
        .at(M::GET, paths::RELEASES, apps::releases)
        .at(M::GET, paths::RELEASE_LOG, logs::release_log)
        .at(M::GET, paths::CONFIG, config::show)
        .at(M::POST, paths::CONFIG, config::change)
        .at(M::POST, paths::ROLLBACK, config::rollback)
        .at(M::POST, paths::REDEPLOY, config::redeploy)
        .at(M::POST, paths::IMAGE, deploy::image)
        .at(M::GET, paths::PS, processes::ps)
        .at(M::GET, paths::FORMATION, processes::formation)
        .at(M::GET, paths::CRON, apps::cron)
        .at(M::GET, paths::APP_EVENTS, events::of_app)
        .at(M::POST, paths::SCALE, processes::scale)
        .at(M::POST, paths::LIMITS, processes::limits)
        .at(M::POST, paths::STOP, processes::stop)
        .at(M::POST, paths::START, processes::start)
        .at(M::POST, paths::RESTART, processes::restart)
        .at(M::POST, paths::RUN, run::run)
        .at(M::GET, paths::LOGS, logs::logs)
        .at(M::GET, paths::DOMAINS, domains::list)
        .at(M::POST, paths::DOMAINS, domains::add)
        .at(M::DELETE, paths::DOMAIN, domains::remove)
        .at(M::GET, paths::STORAGE, storage::list)
        .at(M::POST, paths::STORAGE_MOUNT, storage::mount)
        .at(M::POST, paths::STORAGE_UNMOUNT, storage::unmount)
        .at(M::GET, paths::SERVICES, services::list)
        .at(M::POST, paths::SERVICES, services::create)
        .at(M::GET, paths::SERVICE, services::info)
        .at(M::DELETE, paths::SERVICE, services::destroy)
        .at(M::POST, paths::SERVICE_LINK, services::link)
        .at(M::DELETE, paths::SERVICE_LINK, services::unlink)
        .at(M::POST, paths::SERVICE_EXPOSE, services::expose)
        .at(M::GET, paths::SERVICE_BACKUPS, services::backups)
        .at(M::POST, paths::SERVICE_BACKUPS, services::backup)
        .at(M::POST, paths::SERVICE_VERIFY, services::verify)
        .at(M::POST, paths::SERVICE_BACKUP_SCHEDULE, services::schedule)
        .upload(M::POST, paths::SERVICE_RESTORE, services::restore)
        .at(M::POST, paths::SERVICE_CONNECT, run::connect)
        .at(M::GET, paths::CERTS, certs::list)
        .at(M::POST, paths::CERTS, certs::add)
        .at(M::DELETE, paths::CERT, certs::remove)
        .at(M::GET, paths::EVENTS, events::list)
        .at(M::GET, paths::METRICS, crate::metrics::scrape)
        .at(M::GET, paths::STATS, stats::server)
        .at(M::GET, paths::APP_STATS, stats::app)
        .at(M::GET, paths::NOTIFY, notify::list)
        .at(M::POST, paths::NOTIFY_WEBHOOKS, notify::add_webhook)
        .at(M::POST, paths::NOTIFY_EMAILS, notify::add_email)
        .at(M::DELETE, paths::NOTIFY_CHANNEL, notify::remove)
        .at(M::POST, paths::NOTIFY_TEST, notify::test)
        .at(M::GET, paths::CLUSTER, cluster::status)
        .at(M::POST, paths::CLUSTER_INIT, cluster::init)
        .at(M::POST, paths::CLUSTER_LEAVE, cluster::leave)
        .at(M::GET, paths::NODES, cluster::list)
        .at(M::POST, paths::NODES, cluster::add)
        .at(M::DELETE, paths::NODE, cluster::remove)
        .at(M::POST, paths::NODE_AVAILABILITY, cluster::availability)
        .at(M::POST, paths::NODE_LABELS, cluster::labels)
        .at(M::POST, paths::NODE_NAME, cluster::rename)
        .upload(M::POST, paths::DEPLOY, deploy::deploy)
}

/// git's smart HTTP protocol (pushes only), for the TCP listener.
fn git_routes() -> Mounted {
    Mounted::new()
        .at(Method::GET, paths::GIT_INFO_REFS, git::info_refs)
        .upload(Method::POST, paths::GIT_RECEIVE_PACK, git::receive_pack)
}

/// The routes, without authentication (used on the unix socket), each change recorded in the
/// activity log (`events`).
pub fn routes(state: ApiState) -> Router {
    let store = state.deployer.store().clone();
    api_routes()
        .router
        .route_layer(axum::middleware::from_fn_with_state(store, events::record))
        .with_state(state)
}

/// The routes behind token authentication (bearer, or basic-auth password for git): used on
/// the TCP listener, with git's smart HTTP push.
pub fn authenticated_routes(state: ApiState) -> Router {
    let store = state.deployer.store().clone();
    routes(state.clone())
        .merge(git_routes().router.with_state(state))
        .layer(axum::middleware::from_fn_with_state(
            store,
            auth::require_token,
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use utoipa::OpenApi;

    #[test]
    fn the_router_mounts_exactly_the_documented_routes() {
        let mounted: Vec<(String, String)> = api_routes()
            .routes
            .into_iter()
            .chain(git_routes().routes)
            .map(|(method, path)| (method.to_string(), path.to_string()))
            .collect();
        let unique: BTreeSet<_> = mounted.iter().cloned().collect();
        assert_eq!(unique.len(), mounted.len(), "a route is mounted twice");
        let doc = wharf_api::ApiDoc::openapi();
        let mut documented = BTreeSet::new();
        for (path, item) in &doc.paths.paths {
            for (method, operation) in [
                ("GET", &item.get),
                ("POST", &item.post),
                ("DELETE", &item.delete),
            ] {
                if operation.is_some() {
                    documented.insert((method.to_string(), path.clone()));
                }
            }
        }
        let undocumented: Vec<_> = unique.difference(&documented).collect();
        assert!(
            undocumented.is_empty(),
            "mounted but not in the OpenAPI document: {undocumented:?}"
        );
        let unmounted: Vec<_> = documented.difference(&unique).collect();
        assert!(
            unmounted.is_empty(),
            "documented but not mounted: {unmounted:?}"
        );
    }
}
