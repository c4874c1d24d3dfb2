//! `HostRoutes`: what one host serves, an app on the whole host and apps under path prefixes
//! (`example.com/blog`). A request goes to the longest prefix its path is under, on segment
//! boundaries (`/blog` takes `/blog`, `/blog/` and `/blog/x`, never `/blogger`), else to the
//! whole-host app. The path reaches the app unchanged. Each address's entry ([`RouteEntry`])
//! carries the app's traffic counters for that address along with the route.

use std::sync::Arc;

use crate::route::Route;
use crate::traffic::Counters;

/// What one address serves: the app's route, and the counters of the app's traffic on this
/// address (the same counters from one route of the app to the next).
#[derive(Debug)]
pub(crate) struct RouteEntry {
    pub(crate) route: Arc<Route>,
    pub(crate) traffic: Arc<Counters>,
}

impl RouteEntry {
    pub(crate) fn new(route: Arc<Route>, traffic: Arc<Counters>) -> Arc<RouteEntry> {
        Arc::new(RouteEntry { route, traffic })
    }
}

/// The routes of one host. A host without prefixes costs a request one emptiness check.
#[derive(Debug, Clone, Default)]
pub(crate) struct HostRoutes {
    whole: Option<Arc<RouteEntry>>,
    /// Path prefixes (`/blog`, never `/` or a trailing `/`), longest first.
    prefixes: Vec<(String, Arc<RouteEntry>)>,
}

impl HostRoutes {
    /// The route entry serving `path` on this host.
    pub(crate) fn pick(&self, path: &str) -> Option<&Arc<RouteEntry>> {
        if self.prefixes.is_empty() {
            return self.whole.as_ref();
        }
        self.prefixes
            .iter()
            .find(|(prefix, _)| is_under(path, prefix))
            .map(|(_, route)| route)
            .or(self.whole.as_ref())
    }

    /// Serve `prefix` (`""`: the whole host) with `route`; returns the entry it replaces.
    pub(crate) fn insert(
        &mut self,
        prefix: &str,
        route: Arc<RouteEntry>,
    ) -> Option<Arc<RouteEntry>> {
        if prefix.is_empty() {
            return self.whole.replace(route);
        }
        if let Some((_, held)) = self.prefixes.iter_mut().find(|(p, _)| p == prefix) {
            return Some(std::mem::replace(held, route));
        }
        self.prefixes.push((prefix.to_owned(), route));
        // Longest first, so the first match is the most specific one.
        self.prefixes
            .sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        None
    }

    /// Stop serving `prefix` (`""`: the whole host).
    pub(crate) fn remove(&mut self, prefix: &str) {
        if prefix.is_empty() {
            self.whole = None;
        } else {
            self.prefixes.retain(|(p, _)| p != prefix);
        }
    }

    /// Whether nothing on this host is served any more.
    pub(crate) fn is_empty(&self) -> bool {
        self.whole.is_none() && self.prefixes.is_empty()
    }
}

/// Whether `path` is `prefix` or below it: the prefix ends at a segment boundary.
fn is_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Splits a written address (`Example.com/blog/`) into the normalised host and the path
/// prefix as routed (`/blog`; `""` for the whole host). `None` when the host is unusable.
pub(crate) fn split_address(address: &str) -> Option<(String, String)> {
    let (host, path) = address.split_at(address.find('/').unwrap_or(address.len()));
    let host = crate::host::normalize_host(host)?;
    let path = path.strip_suffix('/').unwrap_or(path);
    Some((host, path.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(entries: &[(&str, &str)]) -> HostRoutes {
        let mut host = HostRoutes::default();
        for (prefix, app) in entries {
            host.insert(prefix, entry(app));
        }
        host
    }

    fn entry(app: &str) -> Arc<RouteEntry> {
        RouteEntry::new(Route::new(app, vec![]), Arc::new(Counters::new()))
    }

    fn app_for(host: &HostRoutes, path: &str) -> Option<String> {
        host.pick(path).map(|e| e.route.app().to_owned())
    }

    #[test]
    fn a_prefix_matches_on_segment_boundaries_only() {
        let host = routes(&[("/blog", "blog")]);
        for path in ["/blog", "/blog/", "/blog/x", "/blog/x/y"] {
            assert_eq!(app_for(&host, path).as_deref(), Some("blog"), "{path}");
        }
        for path in ["/", "/blogger", "/blog-old", "/blo", "/Blog", "", "*"] {
            assert_eq!(app_for(&host, path), None, "{path}");
        }
    }

    #[test]
    fn the_longest_prefix_wins_and_the_whole_host_takes_the_rest() {
        let host = routes(&[("", "site"), ("/blog", "blog"), ("/blog/api", "api")]);
        for (path, app) in [
            ("/", "site"),
            ("/about", "site"),
            ("/blogger", "site"),
            ("/blog", "blog"),
            ("/blog/post/1", "blog"),
            ("/blog/apis", "blog"),
            ("/blog/api", "api"),
            ("/blog/api/v1", "api"),
        ] {
            assert_eq!(app_for(&host, path).as_deref(), Some(app), "{path}");
        }
        // Inserted in another order, the same table.
        let host = routes(&[("/blog/api", "api"), ("/blog", "blog"), ("", "site")]);
        assert_eq!(app_for(&host, "/blog/api/v1").as_deref(), Some("api"));
        assert_eq!(app_for(&host, "/blog/x").as_deref(), Some("blog"));
    }

    #[test]
    fn insert_replaces_and_remove_empties() {
        let mut host = routes(&[("", "site"), ("/blog", "blog")]);
        let old = host.insert("/blog", entry("blog2"));
        assert_eq!(
            old.map(|e| e.route.app().to_owned()).as_deref(),
            Some("blog")
        );
        assert_eq!(app_for(&host, "/blog").as_deref(), Some("blog2"));
        host.remove("");
        assert_eq!(app_for(&host, "/"), None);
        assert!(!host.is_empty());
        host.remove("/blog");
        assert!(host.is_empty());
    }

    #[test]
    fn addresses_split_into_host_and_prefix() {
        let split = |a: &str| split_address(a);
        assert_eq!(
            split("Example.com"),
            Some(("example.com".into(), "".into()))
        );
        assert_eq!(
            split("example.com/"),
            Some(("example.com".into(), "".into()))
        );
        assert_eq!(
            split("example.com/blog/"),
            Some(("example.com".into(), "/blog".into()))
        );
        assert_eq!(split(""), None);
    }
}
