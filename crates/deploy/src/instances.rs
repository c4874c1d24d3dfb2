//! The instances (containers) serving each app's web process right now, with their proxy
//! targets. Rebuilt from Docker's labels at start; changed only by deploys under the app's lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wharf_domain::{AppName, ReleaseVersion};
use wharf_proxy::Target;

/// One running container of an app's web process and the proxy target that reaches it.
#[derive(Clone)]
pub struct Instance {
    pub container_id: String,
    pub name: String,
    pub target: Arc<Target>,
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
