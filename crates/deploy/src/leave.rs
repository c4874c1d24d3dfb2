//! `wharf cluster leave`: a cluster of one server becomes a single server again, without
//! downtime. It is refused while other nodes are in the Swarm. Every app whose processes run
//! as Swarm services is first redeployed as containers on this server (a deploy like any
//! other: health-checked, switched, the services' tasks drained and removed); then the
//! databases' overlay networks go, the engine leaves the Swarm (as its last manager it takes
//! the Swarm with it) and the cluster's registry is removed. A redeploy that fails stops it
//! before anything of the Swarm is touched.

use crate::deployer::INSTANCE_LABEL;
use crate::registry::{REGISTRY_CONTAINER, REGISTRY_VOLUME};
use crate::{DeployError, Deployer, Progress};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use wharf_domain::{AppName, NODE_NAME_LABEL, WEB};
use wharf_runtime::{RuntimeError, labels};

/// What `wharf cluster leave` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeftCluster {
    /// False when the server was no cluster: only leftovers were cleaned up.
    pub was_cluster: bool,
    /// The apps redeployed as containers.
    pub moved: Vec<AppName>,
}

/// Sets the flag for as long as it lives.
struct Leaving<'a>(&'a AtomicBool);

impl<'a> Leaving<'a> {
    fn set(flag: &'a AtomicBool) -> Leaving<'a> {
        flag.store(true, Ordering::SeqCst);
        Leaving(flag)
    }
}

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl Deployer {
    /// Make this server a single server again (see the module's doc).
    #[tracing::instrument(skip(self, progress))]
    pub async fn leave_cluster(&self, progress: &Progress) -> Result<LeftCluster, DeployError> {
        let membership = self.docker.swarm_membership().await?;
        if !membership.active() {
            // Nothing to leave; a registry left by an earlier leave that stopped goes.
            self.remove_registry(progress).await?;
            return Ok(LeftCluster::default());
        }
        if !membership.manager {
            return Err(DeployError::LeaveRefused(
                "this server's engine is a worker of a Swarm, not its manager; run `docker swarm leave` on it".to_string(),
            ));
        }
        let elsewhere = self.store.services_on_other_nodes(None)?;
        if !elsewhere.is_empty() {
            let names: Vec<String> = elsewhere.iter().map(|s| s.name.to_string()).collect();
            return Err(DeployError::LeaveRefused(format!(
                "the database(s) {} run on other nodes as Swarm services, which end with the Swarm; back each up and destroy it (`wharf services backup NAME`, `wharf services destroy NAME`), make it again on this server and restore the backup, then run `wharf cluster leave` again",
                names.join(", ")
            )));
        }
        let me = membership.node_id.unwrap_or_default();
        let others: Vec<String> = self
            .docker
            .swarm_nodes()
            .await?
            .into_iter()
            .filter(|node| node.id != me)
            .map(|node| {
                node.labels
                    .get(NODE_NAME_LABEL)
                    .cloned()
                    .unwrap_or(node.hostname)
            })
            .collect();
        if !others.is_empty() {
            return Err(DeployError::LeaveRefused(format!(
                "the cluster has other nodes ({}); move each out first: `wharf nodes drain NAME`, `docker swarm leave` on that machine, then `wharf nodes remove NAME`; then run `wharf cluster leave` again",
                others.join(", ")
            )));
        }
        let leaving = Leaving::set(&self.leaving_cluster);
        let mut moved = Vec::new();
        for app in self.apps_on_services().await? {
            let web_stopped = self
                .store
                .stopped_processes(&app)?
                .iter()
                .any(|p| p.as_str() == WEB);
            if web_stopped || self.store.active_release(&app)?.is_none() {
                progress.line(format!(
                    "-----> {app}'s web process is stopped: it stays stopped (`wharf redeploy {app}` starts it as containers)"
                ));
                continue;
            }
            progress.line(format!(
                "-----> Moving {app} from Swarm services to containers on this server"
            ));
            if let Err(err) = self.redeploy(&app, progress).await {
                let done = if moved.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({} already run as containers, which is fine in a cluster too)",
                        names(&moved)
                    )
                };
                return Err(DeployError::LeaveRefused(format!(
                    "{app} could not be moved to containers on this server: {err}{done}; fix that and run `wharf cluster leave` again"
                )));
            }
            self.wait_for_retirements(&app, progress).await;
            moved.push(app);
        }
        for service in self.store.services()? {
            if let Some(overlay) = self.database_overlay(&service.name).await? {
                self.docker.remove_network(&overlay).await?;
                progress.line(format!(
                    "-----> {}'s overlay network {overlay} removed: linked apps reach it on this server's network",
                    service.name
                ));
            }
        }
        self.docker.leave_swarm().await?;
        drop(leaving);
        progress.line("-----> This server's engine left the Swarm");
        self.remove_registry(progress).await?;
        Ok(LeftCluster {
            was_cluster: true,
            moved,
        })
    }

    /// The apps with Swarm services of this server (jobs aside), sorted.
    async fn apps_on_services(&self) -> Result<Vec<AppName>, DeployError> {
        let mine = [(INSTANCE_LABEL, self.settings.instance_id.as_str())];
        let apps: BTreeSet<String> = self
            .docker
            .list_services(&mine)
            .await?
            .into_iter()
            .filter(|s| !s.labels.contains_key(labels::TASK))
            .filter_map(|s| s.labels.get(labels::APP).cloned())
            .collect();
        Ok(apps
            .iter()
            .filter_map(|app| AppName::parse(app).ok())
            .collect())
    }

    /// Remove the cluster's registry, its container and the images in its volume.
    async fn remove_registry(&self, progress: &Progress) -> Result<(), DeployError> {
        let _guard = self.registry_lock.lock().await;
        match self.docker.inspect(REGISTRY_CONTAINER).await {
            Ok(registry)
                if registry.labels.get(INSTANCE_LABEL) == Some(&self.settings.instance_id) =>
            {
                self.docker
                    .stop_and_remove(&registry.id, self.settings.stop_grace)
                    .await?;
                progress.line(format!(
                    "-----> The cluster's registry ({REGISTRY_CONTAINER}) removed"
                ));
            }
            Ok(_) | Err(RuntimeError::NotFound(_)) => {}
            Err(err) => return Err(err.into()),
        }
        self.docker.remove_volume(REGISTRY_VOLUME).await?;
        Ok(())
    }
}

fn names(apps: &[AppName]) -> String {
    apps.iter()
        .map(AppName::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}
