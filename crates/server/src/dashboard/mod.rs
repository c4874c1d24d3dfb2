//! The web dashboard, served at `/` of the API's TCP listener and of the `--api-domain` HTTPS
//! host: server-rendered HTML (maud), one embedded stylesheet and one small embedded script
//! that follows live output (Server-Sent Events, `live`), whole and readable with JavaScript
//! off. A hand-written script of a few lines instead of htmx: the pages need only to append
//! streamed lines, and a script of our own is one less thing to vendor and keep up to date. Every page reads through the API's own handlers (`crate::api`) and answers
//! in `wharf_api`'s types, so the dashboard shows what the CLI shows and changes things the
//! way the API does.
//!
//! Every route is mounted here with its `Access`: only the sign-in form, its second step (the
//! code, for a user with a second factor), the assets and the documentation (`docs_site`) are `Public`; every other route passes `session::guard` (a session, the role, and for a
//! change the CSRF token) before its handler runs. A dashboard session never opens the token
//! API, and an API token never opens the dashboard: each checks only its own credential.

mod activity;
mod app_page;
mod archive;
mod assets;
mod certs;
mod change;
mod cluster;
mod config_vars;
mod console;
mod console_socket;
mod cron_jobs;
mod database_backups;
mod database_confirm;
mod database_links;
mod database_page;
mod databases;
mod destroy;
mod docs_site;
mod domains;
mod error;
mod image_deploy;
mod keys;
mod layout;
mod live;
mod logs_page;
mod notice;
mod openapi;
mod overview;
mod processes;
mod rollback;
mod second_step;
mod session;
mod sign_in;
mod storage;
mod throttle;
mod through_api;
mod tokens;
mod upload;
mod users;

use crate::api::ApiState;
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, header};
use axum::routing::{MethodFilter, on};
use axum::{Extension, Router};
use std::sync::Arc;
use tower::ServiceBuilder;
use wharf_store::{SessionLimits, Store};

use second_step::PendingSignIns;
pub use session::Transport;
use throttle::Throttle;

/// Who may reach a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: the sign-in form, its code step, the assets and the documentation.
    Public,
    /// A signed-in user of any role.
    Signed,
    /// A signed-in admin.
    Admin,
    /// A signed-in admin sending a file: the form's first field is the CSRF token, checked
    /// before the file is read.
    Upload,
}

/// The dashboard's sign-in state shared by all the listeners it is served on: one throttle of
/// failed sign-ins, whichever way they come.
#[derive(Clone)]
pub struct Dashboard {
    store: Arc<Store>,
    throttle: Arc<Throttle>,
    pending: Arc<PendingSignIns>,
    limits: SessionLimits,
}

impl Dashboard {
    pub fn new(store: Arc<Store>) -> Dashboard {
        Dashboard {
            store,
            throttle: Arc::new(Throttle::default()),
            pending: Arc::new(PendingSignIns::default()),
            limits: SessionLimits::default(),
        }
    }

    /// The dashboard's router for a listener reached over `transport`.
    pub fn routes(&self, api: ApiState, transport: Transport) -> Router {
        let state = State {
            api_routes: crate::api::routes(api.clone()),
            api,
            auth: Arc::new(Auth {
                store: self.store.clone(),
                throttle: self.throttle.clone(),
                pending: self.pending.clone(),
                limits: self.limits,
                transport,
            }),
        };
        mounted().router.with_state(state.clone()).layer(
            ServiceBuilder::new()
                .layer(Extension(state))
                .layer(axum::middleware::map_response(security_headers)),
        )
    }
}

/// What the dashboard's handlers reach: the API's state (its handlers are called with it) and
/// the sign-in settings of this listener.
#[derive(Clone)]
struct State {
    api: ApiState,
    /// The API's routes, which every change goes through (`through_api`).
    api_routes: Router,
    auth: Arc<Auth>,
}

struct Auth {
    store: Arc<Store>,
    throttle: Arc<Throttle>,
    /// Sign-ins waiting for their second factor.
    pending: Arc<PendingSignIns>,
    limits: SessionLimits,
    transport: Transport,
}

/// The routes as mounted, with each one's access (what the tests walk through).
struct Mounted {
    router: Router<State>,
    routes: Vec<(Method, &'static str, Access)>,
}

impl Mounted {
    fn at<H, T>(mut self, method: Method, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, State>,
        T: 'static,
    {
        let filter = match MethodFilter::try_from(method.clone()) {
            Ok(filter) => filter,
            Err(err) => unreachable!("{method} is not a method axum routes: {err}"),
        };
        let route = on(filter, handler);
        // An upload's size is bounded as it is read, by the server's upload limit.
        let route = match access {
            Access::Upload => route.layer(axum::extract::DefaultBodyLimit::disable()),
            _ => route,
        };
        let route = match access {
            Access::Public => route,
            guarded => route.route_layer(axum::middleware::from_fn(move |request, next| {
                session::guard(guarded, request, next)
            })),
        };
        self.router = self.router.route(path, route);
        self.routes.push((method, path, access));
        self
    }
}

fn mounted() -> Mounted {
    use Access::{Admin, Public, Signed, Upload};
    use Method as M;
    Mounted {
        router: Router::new(),
        routes: Vec::new(),
    }
    .at(M::GET, assets::STYLESHEET, Public, assets::stylesheet)
    .at(M::GET, assets::SCRIPT, Public, assets::script)
    .at(
        M::GET,
        assets::CONSOLE_SCRIPT,
        Public,
        assets::console_script,
    )
    .at(
        M::GET,
        assets::TERMINAL_SCRIPT,
        Public,
        assets::terminal_script,
    )
    .at(
        M::GET,
        assets::TERMINAL_STYLESHEET,
        Public,
        assets::terminal_stylesheet,
    )
    .at(M::GET, docs_site::ENTRY, Public, docs_site::entry)
    .at(M::GET, docs_site::ROOT, Public, docs_site::index)
    .at(M::GET, docs_site::FILES_PATH, Public, docs_site::file)
    .at(M::GET, openapi::PATH, Public, openapi::document)
    .at(M::GET, sign_in::PATH, Public, sign_in::form)
    .at(M::POST, sign_in::PATH, Public, sign_in::submit)
    .at(M::GET, second_step::PATH, Public, second_step::form)
    .at(M::POST, second_step::PATH, Public, second_step::submit)
    .at(M::POST, sign_in::SIGN_OUT, Signed, sign_in::sign_out)
    .at(M::GET, "/", Signed, overview::page)
    .at(M::GET, activity::PATH, Signed, activity::page_of_all)
    .at(M::GET, "/apps/{app}", Signed, app_page::page)
    .at(M::POST, upload::PATH, Upload, upload::deploy)
    .at(M::POST, image_deploy::PATH, Admin, image_deploy::deploy)
    .at(M::GET, "/apps/{app}/deploy/live", Signed, live::deploy)
    .at(M::GET, "/apps/{app}/logs", Signed, logs_page::page_of)
    .at(M::GET, "/apps/{app}/logs/live", Signed, live::logs)
    .at(M::GET, "/apps/{app}/console", Admin, console::page)
    .at(
        M::GET,
        "/apps/{app}/console/socket",
        Admin,
        console_socket::socket,
    )
    .at(M::POST, "/apps/{app}/restart", Admin, processes::restart)
    .at(M::POST, "/apps/{app}/stop", Admin, processes::stop)
    .at(M::POST, "/apps/{app}/start", Admin, processes::start)
    .at(M::POST, "/apps/{app}/scale", Admin, processes::scale)
    .at(M::POST, "/apps/{app}/limits", Admin, processes::limits)
    .at(M::GET, "/apps/{app}/destroy", Admin, destroy::confirm)
    .at(M::POST, "/apps/{app}/destroy", Admin, destroy::submit)
    .at(M::GET, "/apps/{app}/rollback", Admin, rollback::confirm)
    .at(M::POST, "/apps/{app}/rollback", Admin, rollback::submit)
    .at(M::POST, "/apps/{app}/redeploy", Admin, rollback::redeploy)
    .at(M::POST, "/apps/{app}/config/set", Admin, config_vars::set)
    .at(
        M::POST,
        "/apps/{app}/config/reveal",
        Admin,
        config_vars::reveal,
    )
    .at(
        M::POST,
        "/apps/{app}/config/unset",
        Admin,
        config_vars::unset,
    )
    .at(M::POST, "/apps/{app}/storage/mount", Admin, storage::mount)
    .at(
        M::POST,
        "/apps/{app}/storage/unmount",
        Admin,
        storage::unmount,
    )
    .at(M::POST, "/apps/{app}/domains/add", Admin, domains::add)
    .at(
        M::POST,
        "/apps/{app}/domains/remove",
        Admin,
        domains::remove,
    )
    .at(M::GET, certs::PATH, Signed, certs::page_of)
    .at(M::GET, cluster::PATH, Admin, cluster::page_of)
    .at(M::POST, cluster::AVAILABILITY, Admin, cluster::availability)
    .at(M::GET, tokens::PATH, Admin, tokens::page_of)
    .at(M::POST, tokens::CREATE, Admin, tokens::create)
    .at(M::POST, tokens::REVOKE, Admin, tokens::revoke)
    .at(M::GET, keys::PATH, Admin, keys::page_of)
    .at(M::POST, keys::ADD, Admin, keys::add)
    .at(M::POST, keys::REMOVE, Admin, keys::remove)
    .at(M::GET, users::PATH, Admin, users::page_of)
    .at(M::POST, users::ADD, Admin, users::add)
    .at(M::POST, users::REMOVE, Admin, users::remove)
    .at(M::POST, users::PASSWD, Admin, users::passwd)
    .at(M::GET, databases::PATH, Signed, databases::page_of)
    .at(M::POST, databases::PATH, Admin, databases::create)
    .at(M::GET, "/databases/{name}", Signed, database_page::page)
    .at(
        M::POST,
        "/databases/{name}/reveal",
        Admin,
        database_page::reveal,
    )
    .at(
        M::POST,
        "/databases/{name}/link",
        Admin,
        database_links::link,
    )
    .at(
        M::POST,
        "/databases/{name}/unlink",
        Admin,
        database_links::unlink,
    )
    .at(
        M::POST,
        "/databases/{name}/backup",
        Admin,
        database_backups::backup,
    )
    .at(
        M::POST,
        "/databases/{name}/verify",
        Admin,
        database_backups::verify,
    )
    .at(
        M::POST,
        "/databases/{name}/schedule",
        Admin,
        database_backups::schedule,
    )
    .at(
        M::GET,
        "/databases/{name}/restore",
        Admin,
        database_confirm::restore_confirm,
    )
    .at(
        M::POST,
        "/databases/{name}/restore",
        Admin,
        database_confirm::restore,
    )
    .at(
        M::GET,
        "/databases/{name}/destroy",
        Admin,
        database_confirm::destroy_confirm,
    )
    .at(
        M::POST,
        "/databases/{name}/destroy",
        Admin,
        database_confirm::destroy,
    )
}

/// Every dashboard route: its method, path and who may reach it.
pub fn dashboard_routes() -> Vec<(Method, &'static str, Access)> {
    mounted().routes
}

/// Headers on every dashboard answer: nothing loads from elsewhere, only the dashboard's own
/// script runs (no inline script), streams come only from the dashboard, no page is framed, and pages are not cached (they hold what a signed-in user may see).
/// A page that needs another policy sets its own (the console, `console::CONSOLE_POLICY`).
async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sign_in_the_assets_and_the_documentation_are_public() {
        let public: Vec<_> = dashboard_routes()
            .into_iter()
            .filter(|(_, _, access)| *access == Access::Public)
            .map(|(method, path, _)| format!("{method} {path}"))
            .collect();
        assert_eq!(
            public,
            [
                "GET /assets/style.css",
                "GET /assets/live.js",
                "GET /assets/console.js",
                "GET /assets/xterm-6.0.0.js",
                "GET /assets/xterm-6.0.0.css",
                "GET /docs",
                "GET /docs/",
                "GET /docs/{*path}",
                "GET /api/openapi.json",
                "GET /sign-in",
                "POST /sign-in",
                "GET /sign-in/code",
                "POST /sign-in/code"
            ]
        );
    }

    #[test]
    fn tokens_keys_users_and_the_console_are_for_admins_and_certificates_for_everyone() {
        let access = |wanted: &str| {
            dashboard_routes()
                .into_iter()
                .find(|(method, path, _)| *method == Method::GET && *path == wanted)
                .map(|(_, _, access)| access)
        };
        assert_eq!(access("/certs"), Some(Access::Signed));
        assert_eq!(access("/cluster"), Some(Access::Admin));
        for page in [
            "/tokens",
            "/keys",
            "/users",
            "/apps/{app}/console",
            "/apps/{app}/console/socket",
        ] {
            assert_eq!(access(page), Some(Access::Admin), "{page}");
        }
    }

    #[test]
    fn every_change_but_signing_out_is_for_admins() {
        for (method, path, access) in dashboard_routes() {
            if method == Method::POST && access != Access::Public && path != sign_in::SIGN_OUT {
                assert!(
                    matches!(access, Access::Admin | Access::Upload),
                    "{method} {path}"
                );
            }
        }
    }
}
