//! Retiring replaced web instances in the background. A deploy is done when its release is
//! live: the instances it replaced then drain (their in-flight requests finish, up to the drain
//! timeout) and are stopped and removed (in a cluster, their release's Swarm service is removed)
//! by a task of their own, which `wharf ps` shows as
//! `draining`, then `stopping`. The next deploy of the same app waits for that task under the
//! app's lock; a server that dies during it leaves containers of a superseded release behind,
//! which reconcile removes at the next start.

use crate::{Deployer, Instance, Progress};
use futures_util::future::join_all;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::task::JoinHandle;
use tracing::{Instrument, info_span};
use wharf_domain::AppName;
use wharf_proxy::Target;
use wharf_runtime::Docker;

/// How long after its drain an instance still waits for requests that chose it just before it
/// left the route. (The proxy counts a request in before it looks for a drain, so none should
/// arrive late; but a redeploy test once saw a request cut by the stop about a second after its
/// switch, cause not yet found, so the container keeps a margin before it stops.)
const LATE_ARRIVALS: Duration = Duration::from_secs(3);

/// Where a replaced instance is on its way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retiring {
    /// Out of the route; its in-flight requests are finishing.
    Draining,
    /// Drained; its container is being stopped and removed.
    Stopping,
}

impl Retiring {
    pub fn as_str(self) -> &'static str {
        match self {
            Retiring::Draining => "draining",
            Retiring::Stopping => "stopping",
        }
    }
}

/// The instances being retired, by container id, and each app's retirement tasks.
#[derive(Default)]
pub(crate) struct Retirements {
    phases: Arc<Mutex<HashMap<String, Retiring>>>,
    tasks: Mutex<HashMap<AppName, Vec<JoinHandle<()>>>>,
}

impl Retirements {
    /// Where the container is on its way out, if it is being retired.
    pub(crate) fn phase(&self, container_id: &str) -> Option<Retiring> {
        lock(&self.phases).get(container_id).copied()
    }
}

impl Deployer {
    /// Take `old` out of service in the background: drain, then stop and remove. Returns at once.
    pub(crate) fn retire_in_background(
        &self,
        app: &AppName,
        old: Vec<Instance>,
        progress: &Progress,
    ) {
        if old.is_empty() {
            return;
        }
        progress.line(format!(
            "-----> Draining {} old instance(s) in the background (up to {:?}, then stopped)",
            old.len(),
            self.settings.drain_timeout
        ));
        let phases = self.retirements.phases.clone();
        set_phase(&phases, &old, Some(Retiring::Draining));
        let docker = self.docker.clone();
        let (drain, grace) = (self.settings.drain_timeout, self.settings.stop_grace);
        let retire = async move {
            join_all(old.iter().map(|i| drain_settled(&i.target, drain))).await;
            set_phase(&phases, &old, Some(Retiring::Stopping));
            remove_all(&docker, &old, grace).await;
            set_phase(&phases, &old, None);
            tracing::info!(
                instances = old.len(),
                "replaced instances drained and removed"
            );
        };
        let handle = tokio::spawn(retire.instrument(info_span!("retire", app = %app)));
        lock(&self.retirements.tasks)
            .entry(app.clone())
            .or_default()
            .push(handle);
    }

    /// Wait until the app's earlier replaced instances are gone. Called under the app's lock,
    /// so no new retirement of the app starts meanwhile.
    pub(crate) async fn wait_for_retirements(&self, app: &AppName, progress: &Progress) {
        let tasks = lock(&self.retirements.tasks)
            .remove(app)
            .unwrap_or_default();
        let pending: Vec<_> = tasks.into_iter().filter(|t| !t.is_finished()).collect();
        if pending.is_empty() {
            return;
        }
        progress.line("-----> Waiting for the previous deploy's old instances to finish draining");
        for task in pending {
            if let Err(err) = task.await {
                tracing::warn!(error = %err, "a retirement task failed");
            }
        }
    }
}

impl Deployer {
    /// Stop and remove instances' containers, and remove the Swarm services of those that
    /// are service tasks, logging (not failing on) errors: used on clean-up paths.
    pub(crate) async fn remove_instances(&self, instances: &[Instance]) {
        remove_all(&self.docker, instances, self.settings.stop_grace).await;
    }
}

/// Stop and remove the containers of `instances` (each within `grace`); remove once each
/// Swarm service they are tasks of (the Swarm stops its tasks).
async fn remove_all(docker: &Docker, instances: &[Instance], grace: Duration) {
    let services: BTreeSet<&str> = instances
        .iter()
        .filter_map(|i| i.service.as_deref())
        .collect();
    join_all(services.into_iter().map(|service| async move {
        if let Err(err) = docker.remove_service(service).await {
            tracing::warn!(service, error = %err, "could not remove a replaced release's service");
        }
    }))
    .await;
    join_all(
        instances
            .iter()
            .filter(|i| i.service.is_none())
            .map(|instance| async move {
                if let Err(err) = docker.stop_and_remove(&instance.container_id, grace).await {
                    tracing::warn!(container = %instance.name, error = %err, "could not remove a replaced instance");
                }
            }),
    )
    .await;
}

/// Drain `target` (in-flight requests finish, up to `timeout`), then give requests that chose it
/// just before it left the route the moment they need to count themselves in, and let those
/// finish too. Only then may its container stop: its process now stops at once on SIGTERM.
pub(crate) async fn drain_settled(target: &Target, timeout: Duration) {
    target.drain(timeout).await;
    tokio::time::sleep(LATE_ARRIVALS).await;
    target.drain(timeout).await;
}

fn set_phase(phases: &Mutex<HashMap<String, Retiring>>, of: &[Instance], to: Option<Retiring>) {
    let mut phases = lock(phases);
    for instance in of {
        match to {
            Some(phase) => phases.insert(instance.container_id.clone(), phase),
            None => phases.remove(&instance.container_id),
        };
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
