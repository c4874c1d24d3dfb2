//! Reconcile at start: make what runs match what is stored. Deploys that were cut off are
//! cleaned up and marked failed; every app's active release is started where it is not running
//! and routed again; containers of this server that belong to no active release are removed,
//! except one-off `wharf run` containers that still run and database services' containers.
//! Containers without this server's labels are never looked at.

use crate::deployer::INSTANCE_LABEL;
use crate::deployer::route_for;
use crate::{DeployError, Deployer, Instance, ProcessSpec, ReleaseSpec};
use std::collections::HashSet;
use std::net::SocketAddr;
use wharf_proxy::Target;
use wharf_runtime::{ContainerInfo, labels};
use wharf_store::ReleaseRecord;

/// What reconcile did, for the log.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ReconcileReport {
    pub apps_routed: usize,
    pub containers_started: usize,
    pub leftovers_removed: usize,
    pub interrupted_releases: usize,
}

impl Deployer {
    #[tracing::instrument(skip_all, name = "reconcile")]
    pub async fn reconcile(&self) -> Result<ReconcileReport, DeployError> {
        let mut report = ReconcileReport::default();
        for release in self.store.unfinished_releases()? {
            tracing::warn!(app = %release.app, version = release.version, "marking a deploy that was cut off as failed");
            self.store.fail_release(
                release.id,
                "interrupted: the server stopped during this deploy",
            )?;
            report.interrupted_releases += 1;
        }
        let ours = [(INSTANCE_LABEL, self.settings.instance_id.as_str())];
        let all = self.docker.list(&ours).await?;
        let mut kept: HashSet<String> = HashSet::new();
        for app in self.store.apps()? {
            let Some(release) = self.store.active_release(&app.name)? else {
                continue;
            };
            let _guard = self.lock_app(&app.name).await;
            let spec = ReleaseSpec::of(&release)?;
            // A release whose mounts are refused (recorded before a path was protected) runs
            // nowhere: its containers are not kept, so they go with the leftovers.
            if let Err(err) = self.mounts_for(&app.name, &spec) {
                tracing::error!(app = %app.name, version = release.version, error = %err, "not running a release whose mounts are refused");
                continue;
            }
            let port = self.port_of(&spec, &release.image).await?;
            let mut instances = Vec::new();
            let web = spec.web();
            let processes = std::iter::once(&web).chain(spec.others());
            let stopped = self.store.stopped_processes(&app.name)?;
            for process in processes {
                if stopped.contains(&process.name) {
                    // Stopped by the operator: keep its containers, start nothing.
                    kept.extend(of_process(&all, &release, &process.name).map(|c| c.id.clone()));
                    continue;
                }
                let running = self
                    .ensure_process(&all, &release, &spec, port, process, &mut report)
                    .await?;
                for info in running {
                    kept.insert(info.id.clone());
                    if process.name == web.name
                        && let Some(ip) = info.ip
                    {
                        instances.push(Instance {
                            container_id: info.id.clone(),
                            name: info.name.clone(),
                            target: Target::new(SocketAddr::new(ip, port)),
                        });
                    }
                }
            }
            let route = route_for(
                &app.name,
                spec.config.healthcheck.as_deref(),
                &instances,
                &app.domains,
            );
            self.router.set_app(&app.name, &app.domains, route);
            self.instances.set(&app.name, release.version, instances);
            report.apps_routed += 1;
        }
        let leftovers: Vec<String> = all
            .iter()
            .filter(|c| !kept.contains(&c.id) && !is_running_one_off(c) && !is_service(c))
            .map(|c| {
                tracing::info!(container = %c.name, "removing leftover container");
                c.id.clone()
            })
            .collect();
        report.leftovers_removed = leftovers.len();
        self.remove_containers(leftovers).await;
        tracing::info!(?report, "reconciled");
        Ok(report)
    }
}

impl Deployer {
    /// Make the release's `process` run its replicas: start stopped containers, create missing
    /// ones. Returns the process's containers (a container that cannot start is still kept).
    async fn ensure_process(
        &self,
        all: &[ContainerInfo],
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        process: &ProcessSpec,
        report: &mut ReconcileReport,
    ) -> Result<Vec<ContainerInfo>, DeployError> {
        let mut mine: Vec<ContainerInfo> =
            of_process(all, release, &process.name).cloned().collect();
        let wanted = if process.name == wharf_domain::WEB {
            spec.replicas()
        } else {
            process.scale
        };
        let present: HashSet<u32> = mine.iter().map(replica_of).collect();
        for replica in (1..=wanted).filter(|r| !present.contains(r)) {
            let container = self.container_spec(release, spec, port, process, replica)?;
            match self.create_container(&container).await {
                Ok(info) => {
                    report.containers_started += 1;
                    mine.push(info);
                }
                Err(err) => {
                    tracing::error!(app = %release.app, process = %process.name, error = %err, "could not start a missing replica")
                }
            }
        }
        mine.sort_by_key(replica_of);
        let mut out = Vec::new();
        for info in mine {
            if info.running {
                out.push(info);
                continue;
            }
            match self.docker.start(&info.id).await {
                Ok(()) => {
                    report.containers_started += 1;
                    out.push(self.docker.inspect(&info.id).await?);
                }
                Err(err) => {
                    tracing::error!(container = %info.name, error = %err, "could not start container");
                    out.push(info);
                }
            }
        }
        Ok(out)
    }
}

/// A one-off `wharf run` container that still runs: it is someone's command, not a leftover.
/// (Exited ones are: their server stopped while the run was attached, so nobody removed them.)
fn is_running_one_off(container: &ContainerInfo) -> bool {
    container.running && crate::task::is_run(container)
}

/// A database service's container: the services manager looks after those.
fn is_service(container: &ContainerInfo) -> bool {
    container.labels.contains_key(labels::SERVICE)
}

/// The containers in `all` of the release's `process`.
fn of_process<'a>(
    all: &'a [ContainerInfo],
    release: &'a ReleaseRecord,
    process: &'a str,
) -> impl Iterator<Item = &'a ContainerInfo> {
    let version = release.version.to_string();
    all.iter().filter(move |c| {
        c.labels.get(labels::APP) == Some(&release.app)
            && c.labels.get(labels::RELEASE) == Some(&version)
            && c.labels.get(labels::PROCESS).map(String::as_str) == Some(process)
    })
}

fn replica_of(container: &ContainerInfo) -> u32 {
    container
        .labels
        .get(labels::REPLICA)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}
