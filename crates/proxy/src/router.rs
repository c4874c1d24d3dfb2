//! The `Router`: the host -> route table, published atomically with arc-swap so
//! request handling never takes a lock and an app's domains change all at once.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use crate::host::normalize_host;
use crate::route::Route;

#[derive(Debug, Clone)]
struct AppEntry {
    domains: Vec<String>,
    route: Arc<Route>,
}

/// One immutable snapshot of the routing table.
#[derive(Debug, Clone, Default)]
struct Table {
    hosts: HashMap<String, Arc<Route>>,
    apps: BTreeMap<String, AppEntry>,
}

/// Host -> route table. Many domains may point at one route.
#[derive(Debug, Default)]
pub struct Router {
    table: ArcSwap<Table>,
    /// Serialises writers so concurrent `set_app` calls never lose an update.
    write: Mutex<()>,
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

    /// Atomically replace everything `app` serves: its domains now point at `route`;
    /// domains it used to have that are not in `domains` are removed. A domain that
    /// belonged to another app moves to this one.
    pub fn set_app(&self, app: &str, domains: &[String], route: Arc<Route>) {
        let mut wanted: Vec<String> = domains.iter().filter_map(|d| normalize_host(d)).collect();
        wanted.sort();
        wanted.dedup();
        self.update(|t| {
            if let Some(old) = t.apps.remove(app) {
                for d in &old.domains {
                    t.hosts.remove(d);
                }
            }
            for d in &wanted {
                if let Some(prev) = t.hosts.insert(d.clone(), Arc::clone(&route))
                    && let Some(other) = t.apps.get_mut(prev.app())
                {
                    other.domains.retain(|x| x != d);
                }
            }
            t.apps.insert(
                app.to_owned(),
                AppEntry {
                    domains: wanted,
                    route,
                },
            );
        });
    }

    /// Remove an app and every domain it serves.
    pub fn remove_app(&self, app: &str) {
        self.update(|t| {
            if let Some(old) = t.apps.remove(app) {
                for d in &old.domains {
                    t.hosts.remove(d);
                }
            }
        });
    }

    /// The route serving `host` (case-insensitive, port and trailing dot ignored).
    pub fn lookup(&self, host: &str) -> Option<Arc<Route>> {
        let host = normalize_host(host)?;
        self.table.load().hosts.get(&host).cloned()
    }

    /// Like [`Router::lookup`] for a host already passed through [`normalize_host`].
    pub(crate) fn lookup_normalized(&self, host: &str) -> Option<Arc<Route>> {
        self.table.load().hosts.get(host).cloned()
    }

    /// The route of `app`, if it is registered.
    pub fn app_route(&self, app: &str) -> Option<Arc<Route>> {
        self.table
            .load()
            .apps
            .get(app)
            .map(|e| Arc::clone(&e.route))
    }

    /// The domains `app` currently serves (normalised, sorted).
    pub fn app_domains(&self, app: &str) -> Vec<String> {
        self.table
            .load()
            .apps
            .get(app)
            .map(|e| e.domains.clone())
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
            &r.lookup("blog.example.com:8080").unwrap(),
            &r1
        ));
        assert!(Arc::ptr_eq(&r.lookup("WWW.BLOG.TEST.").unwrap(), &r1));
        assert!(r.lookup("other.test").is_none());

        let r2 = Route::new("blog", vec![]);
        r.set_app("blog", &doms(&["www.blog.test"]), r2.clone());
        assert!(r.lookup("blog.example.com").is_none());
        assert!(Arc::ptr_eq(&r.lookup("www.blog.test").unwrap(), &r2));
        assert!(Arc::ptr_eq(&r.app_route("blog").unwrap(), &r2));
        assert_eq!(r.apps(), vec!["blog".to_string()]);

        r.remove_app("blog");
        assert!(r.lookup("www.blog.test").is_none());
        assert!(r.app_route("blog").is_none());
        assert!(r.apps().is_empty());
        r.remove_app("never-there");
    }

    #[test]
    fn domain_moves_between_apps() {
        let r = Router::new();
        r.set_app("a", &doms(&["x.test", "a.test"]), Route::new("a", vec![]));
        r.set_app("b", &doms(&["x.test"]), Route::new("b", vec![]));
        assert_eq!(r.lookup("x.test").unwrap().app(), "b");
        assert_eq!(r.app_domains("a"), doms(&["a.test"]));
        // Removing a must not remove b's domain.
        r.remove_app("a");
        assert_eq!(r.lookup("x.test").unwrap().app(), "b");
    }
}
