//! Reconcile: make what runs match what is stored, in two steps so that serving never waits
//! for clean-up. [`Deployer::restore_apps`] routes every app's active release to its containers
//! again (in a cluster, its web process to its Swarm service's running tasks), starting those
//! that should run and do not (in a cluster, making a missing service of another process
//! again, never its containers here); it never removes anything, so it runs before the listeners open
//! at start and again whenever the Docker engine comes back. [`Deployer::remove_leftovers`]
//! then removes, in the background, the containers of this server that belong to no active
//! release (a cut-off deploy's, old releases'; in a cluster, Swarm services too), except
//! one-off `wharf run` containers that still run and database services' containers.
//! Containers without this server's labels are never looked at.

use crate::deployer::INSTANCE_LABEL;
use crate::instances::route_for;
use crate::{DeployError, Deployer, Instance, ProcessSpec, ReleaseSpec};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use wharf_domain::{AppName, ProcessName};
use wharf_proxy::Target;
use wharf_runtime::{ContainerInfo, labels};
use wharf_store::{ReleaseRecord, ReleaseStatus};

/// What [`Deployer::restore_apps`] did, for the log.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ReconcileReport {
    pub apps_routed: usize,
    pub apps_failed: usize,
    pub containers_started: usize,
    /// In a cluster: services of processes other than web that were missing and made again.
    pub services_made: usize,
}

impl Deployer {
    /// At start, before anything else: deploys that were under way when the server stopped
    /// are marked failed (their containers are leftovers for [`Deployer::remove_leftovers`]).
    /// Returns how many.
    pub fn fail_cut_off_deploys(&self) -> Result<usize, DeployError> {
        let unfinished = self.store.unfinished_releases()?;
        for release in &unfinished {
            tracing::warn!(app = %release.app, version = release.version.get(), "marking a deploy that was cut off as failed");
            self.store.fail_release(
                release.id,
                "interrupted: the server stopped during this deploy",
            )?;
        }
        Ok(unfinished.len())
    }

    /// Route every app's active release to its containers as they are now (fresh addresses),
    /// starting stopped ones and creating missing ones first. Removes nothing. An app that
    /// cannot be restored is logged and counted; the others are restored all the same.
    #[tracing::instrument(skip_all, name = "restore")]
    pub async fn restore_apps(&self) -> Result<ReconcileReport, DeployError> {
        let mut report = ReconcileReport::default();
        for app in self.store.apps()? {
            match self.restore_app(&app, &mut report).await {
                Ok(true) => report.apps_routed += 1,
                Ok(false) => {}
                Err(err) => {
                    report.apps_failed += 1;
                    tracing::error!(app = %app.name, error = %err, "could not restore the app");
                }
            }
        }
        tracing::info!(?report, "restored");
        Ok(report)
    }

    /// Restore one app; false if it has no active release.
    async fn restore_app(
        &self,
        app: &wharf_store::AppRecord,
        report: &mut ReconcileReport,
    ) -> Result<bool, DeployError> {
        let _guard = self.lock_app(&app.name).await;
        // Read under the lock: a deploy that just finished may have changed it.
        let Some(release) = self.store.active_release(&app.name)? else {
            return Ok(false);
        };
        let mine = [
            (INSTANCE_LABEL, self.settings.instance_id.as_str()),
            (labels::APP, app.name.as_str()),
        ];
        let all = self.docker.list(&mine).await?;
        let spec = release.spec.clone();
        // A release whose mounts are refused (recorded before a path was protected) runs
        // nowhere: its containers go at once.
        if let Err(err) = self.mounts_for(&app.name, &spec) {
            tracing::error!(app = %app.name, version = release.version.get(), error = %err, "not running a release whose mounts are refused");
            let version = release.version.get().to_string();
            let refused = all
                .iter()
                .filter(|c| c.labels.get(labels::RELEASE) == Some(&version))
                .map(|c| c.id.clone());
            self.remove_containers(refused).await;
            return Ok(false);
        }
        let port = self.port_of(&spec, &release.image).await?;
        let mut instances = Vec::new();
        let web = spec.web();
        let processes = std::iter::once(&web).chain(spec.others());
        let stopped = self.store.stopped_processes(&app.name)?;
        let services = self.runs_services().await?;
        for process in processes {
            if stopped.contains(&process.name) {
                // Stopped by the operator: start nothing.
                continue;
            }
            if services && process.name == web.name {
                // In a cluster the web process is a Swarm service's tasks, on any node.
                instances = self
                    .restore_service_instances(&release, &spec, port)
                    .await?;
                continue;
            }
            if services && of_process(&all, &release, &process.name).next().is_none() {
                // In a cluster the other processes are Swarm services too (a release deployed
                // before the cluster keeps its containers here until its next deploy).
                if self
                    .ensure_other_service(&release, &spec, port, process)
                    .await?
                {
                    report.services_made += 1;
                }
                continue;
            }
            let running = self
                .ensure_process(&all, &release, &spec, port, process, report)
                .await?;
            for info in running {
                if process.name == web.name
                    && let Some(ip) = info.ip
                {
                    instances.push(Instance {
                        container_id: info.id.clone(),
                        name: info.name.clone(),
                        target: Target::new(SocketAddr::new(ip, port)),
                        service: None,
                    });
                }
            }
        }
        let route = route_for(&app.name, &spec.config, &instances, &app.domains);
        self.router.set_app(app.name.as_str(), &app.domains, route);
        self.instances.set(&app.name, release.version, instances);
        Ok(true)
    }

    /// Remove this server's containers that belong to no active release of their app (nor
    /// to a deploy under way), app by app under the app's lock so that no deploy of it runs
    /// meanwhile. Stopping takes up to the stop grace each: run it after serving has begun.
    /// Returns how many containers it removed.
    #[tracing::instrument(skip_all, name = "remove_leftovers")]
    pub async fn remove_leftovers(&self) -> Result<usize, DeployError> {
        let ours = [(INSTANCE_LABEL, self.settings.instance_id.as_str())];
        let mut by_app: BTreeMap<AppName, Vec<ContainerInfo>> = BTreeMap::new();
        for container in self.docker.list(&ours).await? {
            if is_running_one_off(&container) || is_service(&container) {
                continue;
            }
            // Docker's labels enter here: only containers labelled with an app name count.
            if let Some(app) = container
                .labels
                .get(labels::APP)
                .and_then(|label| AppName::parse(label).ok())
            {
                by_app.entry(app).or_default().push(container);
            }
        }
        let mut removed = 0;
        if self.runs_services().await? {
            removed += self.remove_leftover_app_services().await?;
        }
        for (app, containers) in by_app {
            let _guard = self.lock_app(&app).await;
            // The processes of each release that runs or is being deployed, by version.
            let mut live: HashMap<String, HashSet<String>> = HashMap::new();
            for release in self.store.releases(&app)? {
                if matches!(
                    release.status,
                    ReleaseStatus::Active | ReleaseStatus::Deploying
                ) {
                    let spec = release.spec.clone();
                    let web = spec.web();
                    let names = std::iter::once(&web).chain(spec.others());
                    live.insert(
                        release.version.get().to_string(),
                        names.map(|p| p.name.to_string()).collect(),
                    );
                }
            }
            let leftovers: Vec<String> = containers
                .iter()
                .filter(|c| {
                    let processes = c.labels.get(labels::RELEASE).and_then(|v| live.get(v));
                    if is_one_off(c) {
                        // A run created a moment ago is about to start: not a leftover.
                        return c.state != "created" || processes.is_none();
                    }
                    // A container of a live release that runs none of its processes is one
                    // of an earlier naming scheme's tasks (e.g. an old cron job's).
                    processes.is_none_or(|names| {
                        c.labels
                            .get(labels::PROCESS)
                            .is_none_or(|process| !names.contains(process))
                    })
                })
                .map(|c| {
                    tracing::info!(container = %c.name, "removing leftover container");
                    c.id.clone()
                })
                .collect();
            removed += leftovers.len();
            self.remove_containers(leftovers).await;
        }
        tracing::info!(removed, "leftovers removed");
        Ok(removed)
    }
}

impl Deployer {
    /// In a cluster: every app's services that belong to no active or deploying release, and
    /// its jobs that ended, removed under the app's lock.
    async fn remove_leftover_app_services(&self) -> Result<usize, DeployError> {
        let mut removed = 0;
        for app in self.store.apps()? {
            let _guard = self.lock_app(&app.name).await;
            let live: HashSet<String> = self
                .store
                .releases(&app.name)?
                .into_iter()
                .filter(|r| matches!(r.status, ReleaseStatus::Active | ReleaseStatus::Deploying))
                .map(|r| r.version.get().to_string())
                .collect();
            removed += self.remove_leftover_services(&app.name, &live).await?;
            removed += self.remove_finished_jobs(&app.name).await?;
        }
        Ok(removed)
    }

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
        let wanted = if process.name.is_web() {
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

/// One of Wharf's task containers (`wharf run`, a cron job, a deploy command), of either
/// naming scheme.
fn is_one_off(container: &ContainerInfo) -> bool {
    crate::tasks::task_of(container).is_some()
}

/// A one-off `wharf run` container that still runs: it is someone's command, not a leftover.
/// (Exited ones are: their server stopped while the run was attached, so nobody removed them.)
fn is_running_one_off(container: &ContainerInfo) -> bool {
    container.running && crate::tasks::is_run(container)
}

/// A database service's container: the services manager looks after those.
fn is_service(container: &ContainerInfo) -> bool {
    container.labels.contains_key(labels::SERVICE)
}

/// The containers in `all` of the release's `process`.
fn of_process<'a>(
    all: &'a [ContainerInfo],
    release: &'a ReleaseRecord,
    process: &'a ProcessName,
) -> impl Iterator<Item = &'a ContainerInfo> {
    let version = release.version.get().to_string();
    all.iter().filter(move |c| {
        c.labels.get(labels::APP).map(String::as_str) == Some(release.app.as_str())
            && c.labels.get(labels::RELEASE) == Some(&version)
            && c.labels.get(labels::PROCESS).map(String::as_str) == Some(process.as_str())
    })
}

fn replica_of(container: &ContainerInfo) -> u32 {
    container
        .labels
        .get(labels::REPLICA)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}
