//! The instances (containers) serving each app's web process right now, with their proxy
//! targets. Rebuilt from Docker's labels at start; changed only by deploys under the app's lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
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
    by_app: Mutex<HashMap<String, (u32, Vec<Instance>)>>,
}

impl Instances {
    pub fn get(&self, app: &str) -> Option<(u32, Vec<Instance>)> {
        self.lock().get(app).cloned()
    }

    /// The instances serving `app` now (none if it is not running).
    pub fn serving(&self, app: &str) -> Vec<Instance> {
        self.lock()
            .get(app)
            .map(|(_, list)| list.clone())
            .unwrap_or_default()
    }

    pub fn set(&self, app: &str, version: u32, instances: Vec<Instance>) {
        self.lock().insert(app.to_string(), (version, instances));
    }

    pub fn remove(&self, app: &str) -> Option<(u32, Vec<Instance>)> {
        self.lock().remove(app)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Vec<Instance>)>> {
        self.by_app.lock().unwrap_or_else(|p| p.into_inner())
    }
}
