//! The `Router`: the host -> routes table, published atomically with arc-swap so
//! request handling never takes a lock and an app's addresses change all at once. An address
//! is a host, or a host and a path prefix (`example.com/blog`): one host may be shared by apps
//! under different prefixes, beside the app serving the rest of it (see [`HostRoutes`]).
//! The router also keeps the apps' traffic counters ([`Router::traffic`]), handed to each
//! address's entry as a route is set, so they outlive the routes.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use crate::host::normalize_host;
use crate::host_routes::{HostRoutes, RouteEntry, split_address};
use crate::route::Route;
use crate::target::Target;
use crate::traffic::{OpenConnection, Registry, TrafficSnapshot};

/// A routed address: the normalised host and the path prefix (`""` for the whole host).
type Address = (String, String);

#[derive(Debug, Clone)]
struct AppEntry {
    addresses: Vec<Address>,
    route: Arc<Route>,
}

/// One immutable snapshot of the routing table.
#[derive(Debug, Clone, Default)]
struct Table {
    hosts: HashMap<String, HostRoutes>,
    apps: BTreeMap<String, AppEntry>,
}

impl Table {
    fn unroute(&mut self, (host, prefix): &Address) {
        if let Some(routes) = self.hosts.get_mut(host) {
            routes.remove(prefix);
            if routes.is_empty() {
                self.hosts.remove(host);
            }
        }
    }

    fn remove_app(&mut self, app: &str) {
        if let Some(old) = self.apps.remove(app) {
            for address in &old.addresses {
                self.unroute(address);
            }
        }
    }
}

/// Host (and path prefix) -> route table. Many addresses may point at one route.
#[derive(Debug, Default)]
pub struct Router {
    table: ArcSwap<Table>,
    /// Serialises writers so concurrent `set_app` calls never lose an update.
    write: Mutex<()>,
    traffic: Registry,
}

impl Router {
    /// An empty router.
    pub fn new() -> Arc<Router> {
        Arc::new(Router::default())
    }

    fn update(&self, f: impl FnOnce(&mut Table)) {
        // A poisoned lock only means another writer panicked; the table itself is always whole.
        let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = Table::clone(&self.table.load());
        f(&mut next);
        self.table.store(Arc::new(next));
    }

    /// Atomically replace everything `app` serves: its addresses (`example.com` or
    /// `example.com/blog`) now point at `route`; addresses it used to have that are not in
    /// `domains` are removed. An address that belonged to another app moves to this one.
    pub fn set_app<A: AsRef<str>>(&self, app: &str, domains: &[A], route: Arc<Route>) {
        let mut wanted: Vec<Address> = domains
            .iter()
            .filter_map(|d| split_address(d.as_ref()))
            .collect();
        wanted.sort();
        wanted.dedup();
        self.update(|t| {
            t.remove_app(app);
            for address in &wanted {
                let (host, prefix) = address;
                let counters = self.traffic.counters(app, &format!("{host}{prefix}"));
                let entry = RouteEntry::new(Arc::clone(&route), counters);
                let held = t.hosts.entry(host.clone()).or_default();
                if let Some(prev) = held.insert(prefix, entry)
                    && let Some(other) = t.apps.get_mut(prev.route.app())
                {
                    other.addresses.retain(|x| x != address);
                }
            }
            t.apps.insert(
                app.to_owned(),
                AppEntry {
                    addresses: wanted,
                    route,
                },
            );
        });
    }

    /// Remove an app and every address it serves, and forget its traffic.
    pub fn remove_app(&self, app: &str) {
        self.update(|t| t.remove_app(app));
        self.traffic.forget(app);
    }

    /// The route serving `path` on `host` (case-insensitive, port and trailing dot ignored).
    pub fn lookup(&self, host: &str, path: &str) -> Option<Arc<Route>> {
        let host = normalize_host(host)?;
        self.lookup_normalized(&host, path)
            .map(|entry| Arc::clone(&entry.route))
    }

    /// The entry serving `path` on `host` (already passed through [`normalize_host`]): the
    /// route and that address's traffic counters.
    pub(crate) fn lookup_normalized(&self, host: &str, path: &str) -> Option<Arc<RouteEntry>> {
        self.table.load().hosts.get(host)?.pick(path).cloned()
    }

    /// What the proxy has served each app (and each of its addresses) since the start:
    /// requests by status class, latency histogram, bytes, upstream errors and timeouts,
    /// open websockets; and the client connections open now. Counts survive route swaps
    /// (redeploys) and are forgotten with [`Router::remove_app`].
    pub fn traffic(&self) -> TrafficSnapshot {
        self.traffic.snapshot()
    }

    /// Count a client connection open until the guard drops.
    pub(crate) fn connection_opened(&self) -> OpenConnection<'_> {
        self.traffic.connection_opened()
    }

    /// The route of `app`, if it is registered.
    pub fn app_route(&self, app: &str) -> Option<Arc<Route>> {
        self.table
            .load()
            .apps
            .get(app)
            .map(|e| Arc::clone(&e.route))
    }

    /// A target for a request routed by `route`: one of its eligible targets or, when it has
    /// none because a redeploy swapped it out (and began draining its targets) after the
    /// request looked it up, one of the app's current route's.
    pub(crate) fn pick(&self, route: &Route) -> Option<Arc<Target>> {
        route.pick().or_else(|| {
            self.app_route(route.app())
                .filter(|current| !std::ptr::eq(Arc::as_ptr(current), route))
                .and_then(|current| current.pick())
        })
    }

    /// The addresses `app` currently serves (`host` or `host/path`; normalised, sorted).
    pub fn app_domains(&self, app: &str) -> Vec<String> {
        self.table
            .load()
            .apps
            .get(app)
            .map(|e| {
                e.addresses
                    .iter()
                    .map(|(host, prefix)| format!("{host}{prefix}"))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Names of all registered apps, sorted.
    pub fn apps(&self) -> Vec<String> {
        self.table.load().apps.keys().cloned().collect()
    }

    /// Every route currently registered (one per app).
    pub fn routes(&self) -> Vec<Arc<Route>> {
        self.table
            .load()
            .apps
            .values()
            .map(|e| Arc::clone(&e.route))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doms(d: &[&str]) -> Vec<String> {
        d.iter().map(|s| s.to_string()).collect()
    }

    #[tokio::test]
    async fn a_request_holding_a_swapped_out_route_picks_from_the_current_one() {
        let r = Router::new();
        let old = Target::new(([127, 0, 0, 1], 1).into());
        let new = Target::new(([127, 0, 0, 1], 2).into());
        let held = Route::new("blog", vec![old.clone()]);
        r.set_app("blog", &doms(&["blog.test"]), held.clone());
        assert_eq!(r.pick(&held).unwrap().addr().port(), 1);
        // A redeploy swaps the route, then drains the old target, while a request holds `held`.
        r.set_app("blog", &doms(&["blog.test"]), Route::new("blog", vec![new]));
        assert!(old.drain(std::time::Duration::ZERO).await);
        assert_eq!(r.pick(&held).unwrap().addr().port(), 2);
        // With nothing eligible in the current route either, there is no target.
        r.set_app("blog", &doms(&["blog.test"]), Route::new("blog", vec![]));
        assert!(r.pick(&held).is_none());
        let current = r.app_route("blog").unwrap();
        assert!(r.pick(&current).is_none());
    }

    #[test]
    fn set_lookup_replace_remove() {
        let r = Router::new();
        let r1 = Route::new("blog", vec![]);
        r.set_app(
            "blog",
            &doms(&["Blog.Example.com", "www.blog.test"]),
            r1.clone(),
        );
        assert!(Arc::ptr_eq(
            &r.lookup("blog.example.com:8080", "/").unwrap(),
            &r1
        ));
        assert!(Arc::ptr_eq(&r.lookup("WWW.BLOG.TEST.", "/x").unwrap(), &r1));
        assert!(r.lookup("other.test", "/").is_none());

        let r2 = Route::new("blog", vec![]);
        r.set_app("blog", &doms(&["www.blog.test"]), r2.clone());
        assert!(r.lookup("blog.example.com", "/").is_none());
        assert!(Arc::ptr_eq(&r.lookup("www.blog.test", "/").unwrap(), &r2));
        assert!(Arc::ptr_eq(&r.app_route("blog").unwrap(), &r2));
        assert_eq!(r.apps(), vec!["blog".to_string()]);

        r.remove_app("blog");
        assert!(r.lookup("www.blog.test", "/").is_none());
        assert!(r.app_route("blog").is_none());
        assert!(r.apps().is_empty());
        r.remove_app("never-there");
    }

    #[test]
    fn domain_moves_between_apps() {
        let r = Router::new();
        r.set_app("a", &doms(&["x.test", "a.test"]), Route::new("a", vec![]));
        r.set_app("b", &doms(&["x.test"]), Route::new("b", vec![]));
        assert_eq!(r.lookup("x.test", "/").unwrap().app(), "b");
        assert_eq!(r.app_domains("a"), doms(&["a.test"]));
        // Removing a must not remove b's domain.
        r.remove_app("a");
        assert_eq!(r.lookup("x.test", "/").unwrap().app(), "b");
    }

    fn app_at(r: &Router, host: &str, path: &str) -> Option<String> {
        r.lookup(host, path).map(|route| route.app().to_owned())
    }

    #[test]
    fn apps_share_a_host_under_prefixes() {
        let r = Router::new();
        r.set_app("site", &doms(&["example.test"]), Route::new("site", vec![]));
        r.set_app(
            "blog",
            &doms(&["Example.test/blog/", "blog.test"]),
            Route::new("blog", vec![]),
        );
        r.set_app(
            "api",
            &doms(&["example.test/blog/api"]),
            Route::new("api", vec![]),
        );
        for (path, app) in [
            ("/", "site"),
            ("/blogger", "site"),
            ("/blog", "blog"),
            ("/blog/", "blog"),
            ("/blog/x", "blog"),
            ("/blog/api/v1", "api"),
        ] {
            assert_eq!(
                app_at(&r, "example.test", path).as_deref(),
                Some(app),
                "{path}"
            );
        }
        assert_eq!(app_at(&r, "blog.test", "/").as_deref(), Some("blog"));
        assert_eq!(
            r.app_domains("blog"),
            doms(&["blog.test", "example.test/blog"])
        );

        // Each app's change leaves the others' addresses on the host alone.
        r.remove_app("site");
        assert_eq!(app_at(&r, "example.test", "/"), None);
        assert_eq!(
            app_at(&r, "example.test", "/blog/x").as_deref(),
            Some("blog")
        );
        r.set_app("blog", &doms(&["blog.test"]), Route::new("blog", vec![]));
        assert_eq!(app_at(&r, "example.test", "/blog/x"), None);
        assert_eq!(
            app_at(&r, "example.test", "/blog/api").as_deref(),
            Some("api")
        );
        r.remove_app("api");
        assert!(r.lookup("example.test", "/blog/api").is_none());
        assert!(!r.table.load().hosts.contains_key("example.test"));
    }

    #[test]
    fn a_prefix_moves_between_apps_like_a_domain() {
        let r = Router::new();
        r.set_app("a", &doms(&["x.test/p", "x.test"]), Route::new("a", vec![]));
        r.set_app("b", &doms(&["x.test/p"]), Route::new("b", vec![]));
        assert_eq!(app_at(&r, "x.test", "/p").as_deref(), Some("b"));
        assert_eq!(app_at(&r, "x.test", "/q").as_deref(), Some("a"));
        assert_eq!(r.app_domains("a"), doms(&["x.test"]));
        r.remove_app("a");
        assert_eq!(app_at(&r, "x.test", "/p").as_deref(), Some("b"));
    }
}
