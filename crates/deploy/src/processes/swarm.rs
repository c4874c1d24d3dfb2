//! The processes other than web in a cluster: each process type of a release with a scale
//! above 0 runs as one Swarm service (`wharf-blog-worker-v3`, named as web's is), with its
//! scale as replicas and no published port, made from the same container spec as on a single
//! server (environment with `DYNO` per task slot, limits, labels), the release's image from
//! the cluster's registry, the app's placement rules and storage pin, and linked databases'
//! overlays. A deploy starts them before the web switch and fails, removing them, if a task
//! does not settle; `wharf stop` sets a service's replicas to 0, `wharf start` back to the
//! process's scale, and `wharf restart` replaces its tasks by a forced rolling update.

use super::SETTLE;
use crate::deployer::INSTANCE_LABEL;
use crate::instances::{NO_SUITABLE_NODE_GRACE, placement_text, service_name};
use crate::{DeployError, Deployer, ProcessSpec, Progress, ReleaseSpec};
use futures_util::StreamExt;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use wharf_domain::{AppName, ProcessName};
use wharf_runtime::{ServiceInfo, ServiceTask, labels};
use wharf_store::ReleaseRecord;

/// How many of a failed task's last output lines a deploy's error shows.
const LOG_LINES: usize = 20;
/// How long reading a failed task's output (from its node, through the manager) may take.
const LOG_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// A process's service made by a deploy: its ID, name and number of tasks.
#[derive(Debug, Clone)]
pub(crate) struct OtherService {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) process: ProcessName,
    pub(crate) replicas: u32,
}

impl OtherService {
    /// The running service `service` of `process`, meant to run `replicas` tasks.
    pub(crate) fn of(service: &ServiceInfo, process: &ProcessName, replicas: u32) -> Self {
        OtherService {
            id: service.id.clone(),
            name: service.name.clone(),
            process: process.clone(),
            replicas,
        }
    }
}

impl Deployer {
    /// Create the service of every non-web process of the release with a scale above 0, and
    /// wait until their tasks run and stay up; returns their IDs. A task that fails, exits or
    /// finds no node fails the deploy (with its output), and the services made are removed.
    pub(crate) async fn start_other_services(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        progress: &Progress,
    ) -> Result<Vec<String>, DeployError> {
        let processes: Vec<&ProcessSpec> = spec.others().filter(|p| p.scale > 0).collect();
        if processes.is_empty() {
            return Ok(Vec::new());
        }
        let image = self.service_image(release, spec, progress).await?;
        let mut started: Vec<OtherService> = Vec::new();
        for process in processes {
            match self
                .create_other_service(release, spec, port, process, &image, progress)
                .await
            {
                Ok(service) => started.push(service),
                Err(err) => {
                    self.remove_services(ids_of(&started)).await;
                    return Err(err);
                }
            }
        }
        if let Err(err) = self
            .wait_others_settled(release, spec, &started, &HashSet::new())
            .await
        {
            self.remove_services(ids_of(&started)).await;
            return Err(err);
        }
        for service in &started {
            progress.line(format!(
                "       {} runs its {} task{}",
                service.name,
                service.replicas,
                if service.replicas == 1 { "" } else { "s" }
            ));
        }
        Ok(started.into_iter().map(|s| s.id).collect())
    }

    /// Make the release's service of `process` (a same-named leftover goes first), with the
    /// process's scale as replicas.
    async fn create_other_service(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        process: &ProcessSpec,
        image: &str,
        progress: &Progress,
    ) -> Result<OtherService, DeployError> {
        let mut container = self.container_spec(release, spec, port, process, 1)?;
        container.name = service_name(release, &process.name);
        container.labels.remove(labels::REPLICA);
        container.image = image.to_string();
        container.extra_networks = self.linked_overlays(&release.app).await?;
        self.services_ca_as_config(&mut container).await?;
        for (key, value) in &mut container.env {
            if key == "DYNO" {
                // The Swarm fills in each task's replica number.
                *value = format!("{}.{{{{.Task.Slot}}}}", process.name);
            }
        }
        self.remove_leftover_service(&release.app, &container.name)
            .await?;
        let constraints = self.constraints_of(spec, &container, progress).await?;
        let id = self
            .docker
            .create_service(&container, u64::from(process.scale), None, &constraints)
            .await?;
        progress.line(crate::instances::created_line(
            &container.name,
            process.scale,
            &constraints,
        ));
        Ok(OtherService {
            id,
            name: container.name,
            process: process.name.clone(),
            replicas: process.scale,
        })
    }

    /// Wait until every task of `services` runs and they all stay up for [`SETTLE`], within
    /// the health timeout. A task that ended (the process exited, the Swarm rejected it) fails
    /// at once with its output; one no node may take, after [`NO_SUITABLE_NODE_GRACE`]. Tasks
    /// in `earlier` (those before a start or restart) are not looked at.
    pub(crate) async fn wait_others_settled(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        services: &[OtherService],
        earlier: &HashSet<String>,
    ) -> Result<(), DeployError> {
        let app = &release.app;
        let deadline = Instant::now() + self.settings.health_timeout;
        let mut unschedulable_since: Option<Instant> = None;
        let mut all_up_since: Option<Instant> = None;
        loop {
            let mut all_up = true;
            let mut unschedulable = None;
            let mut states = Vec::new();
            for service in services {
                let mut tasks = self.docker.service_tasks(&service.id, 0).await?;
                tasks.retain(|t| !earlier.contains(&t.id));
                if let Some(failed) = tasks.iter().find(|t| t.failed()) {
                    return Err(self.other_task_failed(app, service, failed).await);
                }
                if let Some(reason) = tasks.iter().find_map(ServiceTask::unschedulable) {
                    unschedulable = Some((service.name.clone(), reason.to_string()));
                }
                let running = tasks
                    .iter()
                    .filter(|t| t.running() && t.desired_state == "running")
                    .count();
                if running < service.replicas as usize {
                    all_up = false;
                }
                states.extend(
                    tasks
                        .iter()
                        .map(|t| format!("{}.{} {}", service.name, t.slot, t.state)),
                );
            }
            match unschedulable {
                None => unschedulable_since = None,
                Some((service, reason)) => {
                    let since = *unschedulable_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= NO_SUITABLE_NODE_GRACE || Instant::now() >= deadline {
                        let pinned = self
                            .mounts_for(app, spec)?
                            .iter()
                            .any(|m| m.target != wharf_domain::SERVICES_CA_IN_APPS);
                        return Err(DeployError::NoSuitableNode {
                            service,
                            reason,
                            placement: placement_text(spec, pinned),
                            serving: self.still_serving(app),
                        });
                    }
                }
            }
            if all_up {
                let since = *all_up_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= SETTLE {
                    return Ok(());
                }
            } else {
                all_up_since = None;
            }
            if Instant::now() >= deadline {
                return Err(DeployError::NotHealthyWithin {
                    within: self.settings.health_timeout,
                    reason: format!("not every task running ({})", states.join(", ")),
                    container: services
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    logs: "(`docker service ps SERVICE` on this server shows why)".to_string(),
                    serving: self.still_serving(app),
                });
            }
            tokio::time::sleep(self.settings.health_interval).await;
        }
    }

    /// The error for a task of a process's new service that ended: its process's exit code
    /// and last output lines, read from its node, as a container's that exits at once.
    async fn other_task_failed(
        &self,
        app: &AppName,
        service: &OtherService,
        task: &ServiceTask,
    ) -> DeployError {
        let read = self
            .docker
            .task_log_lines(&task.id, false, None)
            .collect::<Vec<_>>();
        let lines: Vec<String> = tokio::time::timeout(LOG_READ_TIMEOUT, read)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter_map(Result::ok)
            .map(|line| line.text)
            .collect();
        let mut logs = lines[lines.len().saturating_sub(LOG_LINES)..].join("\n");
        if let Some(error) = &task.error {
            // Why the Swarm ended it (e.g. an image its node cannot pull) comes first.
            logs = format!(
                "(task {}.{} on node {}: {error})\n{logs}",
                service.name,
                task.slot,
                task.node.as_deref().unwrap_or("?")
            );
        }
        DeployError::ProcessExited {
            process: service.process.to_string(),
            code: task.exit_code.unwrap_or(-1),
            logs,
            serving: self.still_serving(app),
        }
    }

    /// Remove the services `ids` (a deploy's that failed); errors are logged.
    pub(crate) async fn remove_services(&self, ids: Vec<String>) {
        for id in ids {
            if let Err(err) = self.docker.remove_service(&id).await {
                tracing::warn!(service = %id, error = %err, "could not remove a failed release's service");
            }
        }
    }

    /// In a cluster: remove the app's services of processes other than web of every release
    /// but `release` (web's are drained and removed by the retirement of its instances).
    pub(crate) async fn retire_other_services(&self, release: &ReleaseRecord) {
        let version = release.version.get().to_string();
        let services = match self.app_services(&release.app).await {
            Ok(services) => services,
            Err(err) => {
                tracing::warn!(error = %err, "cannot list old process services");
                return;
            }
        };
        let old = services
            .into_iter()
            .filter(|s| is_other_process(s) && s.labels.get(labels::RELEASE) != Some(&version));
        for service in old {
            tracing::info!(service = %service.name, "removing a replaced release's service");
            if let Err(err) = self.docker.remove_service(&service.id).await {
                tracing::warn!(service = %service.name, error = %err, "could not remove a replaced release's service");
            }
        }
    }

    /// The release's service of `process`, if there is one.
    pub(crate) async fn process_service(
        &self,
        release: &ReleaseRecord,
        process: &ProcessName,
    ) -> Result<Option<ServiceInfo>, DeployError> {
        let name = service_name(release, process);
        Ok(self
            .app_services(&release.app)
            .await?
            .into_iter()
            .find(|s| s.name == name))
    }

    /// The Swarm services this server made for `app` (processes and jobs).
    async fn app_services(&self, app: &AppName) -> Result<Vec<ServiceInfo>, DeployError> {
        let mine = [
            (INSTANCE_LABEL, self.settings.instance_id.as_str()),
            (labels::APP, app.as_str()),
        ];
        Ok(self.docker.list_services(&mine).await?)
    }

    /// At start, for a process other than web in a cluster: its service is made again when it
    /// is missing (its tasks are the Swarm's to keep running). Returns whether it was made.
    pub(crate) async fn ensure_other_service(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        process: &ProcessSpec,
    ) -> Result<bool, DeployError> {
        if process.scale == 0
            || self
                .process_service(release, &process.name)
                .await?
                .is_some()
        {
            return Ok(false);
        }
        tracing::warn!(app = %release.app, process = %process.name, "the active release's service is missing: making it again");
        let progress = Progress::silent();
        let image = self.service_image(release, spec, &progress).await?;
        self.create_other_service(release, spec, port, process, &image, &progress)
            .await?;
        Ok(true)
    }
}

/// The IDs of `services`.
fn ids_of(services: &[OtherService]) -> Vec<String> {
    services.iter().map(|s| s.id.clone()).collect()
}

/// Whether a service runs a process other than web (not web's, not a job's).
fn is_other_process(service: &ServiceInfo) -> bool {
    !service.labels.contains_key(labels::TASK)
        && service
            .labels
            .get(labels::PROCESS)
            .is_some_and(|p| p != wharf_domain::WEB)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn service(labels: &[(&str, &str)]) -> ServiceInfo {
        ServiceInfo {
            id: "s1".to_string(),
            name: "wharf-blog-worker-v2".to_string(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>(),
        }
    }

    #[test]
    fn only_services_of_processes_other_than_web_are_other_processes() {
        assert!(is_other_process(&service(&[(labels::PROCESS, "worker")])));
        assert!(is_other_process(&service(&[(labels::PROCESS, "clock")])));
        assert!(!is_other_process(&service(&[(labels::PROCESS, "web")])));
        assert!(!is_other_process(&service(&[])));
        // A job (one-off, release, cron) carries the task label.
        assert!(!is_other_process(&service(&[
            (labels::PROCESS, "worker"),
            (labels::TASK, "run"),
        ])));
    }
}
