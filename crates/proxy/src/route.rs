//! A `Route`: the set of targets serving one app, with round-robin selection
//! and the path the health monitor probes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::per_worker::PerWorker;
use crate::target::Target;

/// Health-check path used when a route does not set one.
pub const DEFAULT_HEALTH_PATH: &str = "/";

/// The targets of one app and a round-robin cursor over them.
#[derive(Debug)]
pub struct Route {
    app: String,
    targets: Vec<Arc<Target>>,
    /// Round robin per worker, as nginx's workers do: no cache line shared between them.
    cursor: PerWorker<AtomicUsize>,
    health_path: String,
    /// The Host the health monitor sends (the app's domain), if any.
    health_host: Option<String>,
    /// Checked by a TCP connect instead of an HTTP request: an app with no domain and no
    /// health-check path, which no HTTP request can reach (a database run as an app, say).
    tcp_check: bool,
    /// Whether responses without `Cache-Control` get one (`# wharf.asset_cache`; see
    /// [`crate::asset_cache`]).
    asset_cache: bool,
}

impl Route {
    /// A route for `app` over `targets`, health-checked at `/`.
    pub fn new(app: impl Into<String>, targets: Vec<Arc<Target>>) -> Arc<Route> {
        Arc::new(Self::build(
            app.into(),
            targets,
            DEFAULT_HEALTH_PATH.to_owned(),
        ))
    }

    /// Like [`Route::new`] but probing `path` (a leading `/` is added if missing).
    pub fn with_health_path(
        app: impl Into<String>,
        targets: Vec<Arc<Target>>,
        path: impl Into<String>,
    ) -> Arc<Route> {
        Self::with_health_check(app, targets, Some(path.into()), None, false)
    }

    /// A route whose targets the health monitor probes at `path` (default `/`; a leading `/`
    /// is added if missing) with `Host: host` (default: the target's address), adding
    /// `Cache-Control` to responses without one if `asset_cache`.
    pub fn with_health_check(
        app: impl Into<String>,
        targets: Vec<Arc<Target>>,
        path: Option<String>,
        host: Option<String>,
        asset_cache: bool,
    ) -> Arc<Route> {
        let mut path = path.unwrap_or_else(|| DEFAULT_HEALTH_PATH.to_owned());
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        let mut route = Self::build(app.into(), targets, path);
        route.health_host = host;
        route.asset_cache = asset_cache;
        Arc::new(route)
    }

    fn build(app: String, targets: Vec<Arc<Target>>, health_path: String) -> Route {
        Route {
            app,
            targets,
            cursor: PerWorker::new(),
            health_path,
            health_host: None,
            tcp_check: false,
            asset_cache: false,
        }
    }

    /// A route whose targets the health monitor checks by a TCP connect only.
    pub fn with_tcp_check(app: impl Into<String>, targets: Vec<Arc<Target>>) -> Arc<Route> {
        let mut route = Self::build(app.into(), targets, DEFAULT_HEALTH_PATH.to_owned());
        route.tcp_check = true;
        Arc::new(route)
    }

    /// Whether the health monitor checks this route's targets by a TCP connect only.
    pub fn tcp_check(&self) -> bool {
        self.tcp_check
    }

    /// The app this route serves.
    /// Whether responses without `Cache-Control` get one (see [`crate::asset_cache`]).
    pub fn asset_cache(&self) -> bool {
        self.asset_cache
    }

    pub fn app(&self) -> &str {
        &self.app
    }

    /// All targets, whatever their state.
    pub fn targets(&self) -> &[Arc<Target>] {
        &self.targets
    }

    /// The path the health monitor probes.
    pub fn health_path(&self) -> &str {
        &self.health_path
    }

    /// The Host header of health probes, when the route has one.
    pub fn health_host(&self) -> Option<&str> {
        self.health_host.as_deref()
    }

    /// Round robin over healthy, non-draining targets; `None` if there is none.
    pub fn pick(&self) -> Option<Arc<Target>> {
        let n = self.targets.len();
        if n == 0 {
            return None;
        }
        let start = self.cursor.local().fetch_add(1, Ordering::Relaxed);
        (0..n)
            .map(|i| &self.targets[start.wrapping_add(i) % n])
            .find(|t| t.is_healthy())
            .cloned()
    }

    /// Like [`Route::pick`] but never returns `exclude` (used for the one retry).
    pub(crate) fn pick_other(&self, exclude: &Arc<Target>) -> Option<Arc<Target>> {
        let n = self.targets.len();
        let start = self.cursor.local().fetch_add(1, Ordering::Relaxed);
        (0..n)
            .map(|i| &self.targets[start.wrapping_add(i) % n])
            .find(|t| t.is_healthy() && !Arc::ptr_eq(t, exclude))
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    fn target(port: u16) -> Arc<Target> {
        Target::new(SocketAddr::from(([127, 0, 0, 1], port)))
    }

    #[test]
    fn round_robin_over_healthy() {
        let (a, b, c) = (target(1), target(2), target(3));
        let route = Route::new("app", vec![a.clone(), b.clone(), c.clone()]);
        let ports: Vec<u16> = (0..6)
            .map(|_| route.pick().unwrap().addr().port())
            .collect();
        assert_eq!(ports, [1, 2, 3, 1, 2, 3]);
        b.set_healthy(false);
        let ports: Vec<u16> = (0..4)
            .map(|_| route.pick().unwrap().addr().port())
            .collect();
        assert!(ports.iter().all(|p| *p != 2), "{ports:?}");
        assert!(ports.contains(&1) && ports.contains(&3));
    }

    #[tokio::test]
    async fn draining_and_empty() {
        let a = target(1);
        let route = Route::new("app", vec![a.clone()]);
        assert!(a.drain(std::time::Duration::ZERO).await);
        assert!(route.pick().is_none());
        assert!(Route::new("empty", vec![]).pick().is_none());
    }

    #[test]
    fn pick_other_excludes() {
        let (a, b) = (target(1), target(2));
        let route = Route::new("app", vec![a.clone(), b.clone()]);
        for _ in 0..4 {
            assert_eq!(route.pick_other(&a).unwrap().addr().port(), 2);
        }
        assert!(Route::new("solo", vec![a.clone()]).pick_other(&a).is_none());
    }

    #[test]
    fn health_path_normalised() {
        let r = Route::with_health_path("app", vec![], "healthz");
        assert_eq!(r.health_path(), "/healthz");
        assert_eq!(Route::new("x", vec![]).health_path(), "/");
    }
}
