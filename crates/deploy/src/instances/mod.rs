//! Instances: the containers serving each app's web process right now, with their proxy
//! targets, and the route that reaches them. Rebuilt from Docker's labels at start; changed
//! only by deploys under the app's lock. Its parts: starting a release's instances
//! ([`start`]; as the tasks of a Swarm service in a cluster: [`service`], which reach linked
//! databases over an overlay: [`overlay`]), replacing the serving ones with them ([`replace`]) and retiring the replaced
//! ones in the background ([`retire`]).

mod follow;
mod overlay;
mod replace;
mod retire;
mod service;
mod start;

pub use retire::Retiring;
pub(crate) use retire::{Retirements, drain_settled};
pub(crate) use service::{NO_SUITABLE_NODE_GRACE, created_line, placement_text, service_name};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wharf_domain::{AppConfig, AppName, ReleaseVersion, WebAddress};
use wharf_proxy::{Route, Target};

/// One running container of an app's web process and the proxy target that reaches it. In a
/// cluster it is a task of the release's Swarm service: `container_id` is then the task's ID
/// and `service` the service's, which is removed once all its tasks are retired.
#[derive(Clone)]
pub struct Instance {
    pub container_id: String,
    pub name: String,
    pub target: Arc<Target>,
    pub service: Option<String>,
}

/// The serving instances of every app, and which release they run.
#[derive(Default)]
pub struct Instances {
    by_app: Mutex<HashMap<AppName, (ReleaseVersion, Vec<Instance>)>>,
}

impl Instances {
    pub fn get(&self, app: &AppName) -> Option<(ReleaseVersion, Vec<Instance>)> {
        self.lock().get(app).cloned()
    }

    /// The instances serving `app` now (none if it is not running).
    pub fn serving(&self, app: &AppName) -> Vec<Instance> {
        self.lock()
            .get(app)
            .map(|(_, list)| list.clone())
            .unwrap_or_default()
    }

    /// Whether instances serve the app labelled `app` now.
    pub(crate) fn is_serving(&self, app: &str) -> bool {
        self.lock()
            .get(app)
            .is_some_and(|(_, list)| !list.is_empty())
    }

    pub fn set(&self, app: &AppName, version: ReleaseVersion, instances: Vec<Instance>) {
        self.lock().insert(app.clone(), (version, instances));
    }

    pub fn remove(&self, app: &AppName) -> Option<(ReleaseVersion, Vec<Instance>)> {
        self.lock().remove(app)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<AppName, (ReleaseVersion, Vec<Instance>)>> {
        self.by_app.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The proxy route to an app's instances, by its release's `config`: the health monitor
/// probes its `healthcheck` (or the path of the app's first address, else `/`) with that
/// address's domain as Host, or, for an app with neither a domain nor a health-check path,
/// connects to them over TCP; `asset_cache` has the proxy add `Cache-Control`.
pub(crate) fn route_for(
    app: &AppName,
    config: &AppConfig,
    instances: &[Instance],
    domains: &[WebAddress],
) -> std::sync::Arc<Route> {
    let healthcheck = config.healthcheck.as_deref();
    let targets = instances.iter().map(|i| i.target.clone()).collect();
    if healthcheck.is_none() && domains.is_empty() {
        // No HTTP request can reach it: checked as its deploy was, by a TCP connect.
        return Route::with_tcp_check(app.as_str(), targets);
    }
    let address = domains.first();
    let path = healthcheck.or_else(|| address.and_then(WebAddress::path));
    Route::with_health_check(
        app.as_str(),
        targets,
        path.map(str::to_owned),
        address.map(|a| a.domain().to_string()),
        config.asset_cache,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(written: &str) -> WebAddress {
        WebAddress::parse(written).unwrap()
    }

    fn config(healthcheck: Option<&str>) -> AppConfig {
        AppConfig {
            healthcheck: healthcheck.map(str::to_owned),
            ..AppConfig::default()
        }
    }

    #[test]
    fn an_app_under_a_path_is_health_checked_there_with_its_domain_as_host() {
        let blog = route_for(
            &AppName::parse("blog").unwrap(),
            &config(None),
            &[],
            &[address("example.com/blog")],
        );
        assert_eq!(
            (blog.health_path(), blog.health_host()),
            ("/blog", Some("example.com"))
        );
        let named = route_for(
            &AppName::parse("blog").unwrap(),
            &config(Some("/blog/up")),
            &[],
            &[address("example.com/blog")],
        );
        assert_eq!(named.health_path(), "/blog/up");
        let site = route_for(
            &AppName::parse("site").unwrap(),
            &AppConfig {
                asset_cache: true,
                ..AppConfig::default()
            },
            &[],
            &[address("example.com")],
        );
        assert_eq!(
            (site.health_path(), site.health_host()),
            ("/", Some("example.com"))
        );
        assert!(site.asset_cache() && !blog.asset_cache());
        assert!(route_for(&AppName::parse("db").unwrap(), &config(None), &[], &[]).tcp_check());
    }
}
