//! Processes: the Procfile's process types of a release and their containers. This module
//! owns the processes other than `web` (workers, clocks...) at deploy: they run unrouted; new
//! ones start before the web switch and the old release's go once the switch is done (the web
//! process's containers are the app's [`crate::instances`]); in a cluster they run as Swarm
//! services ([`swarm`]). Its parts: scale and limits by command ([`scale`]), stop, start and
//! restart ([`lifecycle`]), and what runs and what should ([`ps`]: `wharf ps` and the
//! formation).

mod lifecycle;
mod ps;
mod scale;
mod swarm;

pub use lifecycle::Lifecycle;
pub use ps::{FormationView, ProcessView};

use crate::deployer::INSTANCE_LABEL;
use crate::tasks::task_of;
use crate::{DeployError, Deployer, Progress, ReleaseSpec};
use std::time::Duration;
use wharf_domain::not_started_note;
use wharf_runtime::{ContainerInfo, labels};
use wharf_store::ReleaseRecord;

/// What a deploy started of the processes other than web: containers on this server, or in a
/// cluster Swarm services; removed again when the deploy fails after all.
#[derive(Debug, Default)]
pub(crate) struct StartedOthers {
    containers: Vec<String>,
    services: Vec<String>,
}

/// How long a new process must stay up after starting to count as started.
const SETTLE: Duration = Duration::from_secs(1);

impl Deployer {
    /// Start every non-web process of the release: its containers, or in a cluster its Swarm
    /// services ([`Deployer::start_other_services`]). A process that exits at once fails the
    /// deploy, and what was started is removed. Those left at scale 0 are named in the output,
    /// with how to start them.
    pub(crate) async fn start_others(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        progress: &Progress,
    ) -> Result<StartedOthers, DeployError> {
        for process in spec.not_started() {
            progress.line(format!(
                "       {}",
                not_started_note(release.app.as_str(), process.name.as_str())
            ));
        }
        if self.runs_services().await? {
            let services = self
                .start_other_services(release, spec, port, progress)
                .await?;
            return Ok(StartedOthers {
                containers: Vec::new(),
                services,
            });
        }
        let containers = self
            .start_other_containers(release, spec, port, progress)
            .await?;
        Ok(StartedOthers {
            containers,
            services: Vec::new(),
        })
    }

    /// Remove what [`Deployer::start_others`] started, when the deploy fails after it.
    pub(crate) async fn remove_others(&self, others: StartedOthers) {
        self.remove_containers(others.containers).await;
        self.remove_services(others.services).await;
    }

    /// Start the containers of every non-web process of the release; returns their ids.
    async fn start_other_containers(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        progress: &Progress,
    ) -> Result<Vec<String>, DeployError> {
        let mut started = Vec::new();
        for process in spec.others() {
            for replica in 1..=process.scale {
                let created = async {
                    let container = self.container_spec(release, spec, port, process, replica)?;
                    self.create_container(&container).await
                };
                match created.await {
                    Ok(info) => {
                        progress.line(format!("       started {}", info.name));
                        started.push(info.id);
                    }
                    Err(err) => {
                        self.remove_containers(started).await;
                        return Err(err);
                    }
                }
            }
        }
        if started.is_empty() {
            return Ok(started);
        }
        tokio::time::sleep(SETTLE).await;
        for id in &started {
            let info = self.docker.inspect(id).await?;
            let crashed = !info.running || info.state == "restarting" || info.restart_count > 0;
            if crashed {
                let logs = self.docker.logs_tail(id, 20).await.unwrap_or_default();
                self.remove_containers(started.clone()).await;
                return Err(DeployError::ProcessExited {
                    process: info
                        .labels
                        .get(labels::PROCESS)
                        .cloned()
                        .unwrap_or_default(),
                    code: info.exit_code.unwrap_or(-1),
                    logs: logs.join("\n"),
                    serving: self.still_serving(&release.app),
                });
            }
        }
        Ok(started)
    }

    /// Stop and remove the app's non-web process containers of every other release, and in a
    /// cluster their services.
    pub(crate) async fn retire_others(&self, release: &ReleaseRecord) {
        // Also while the server leaves its cluster (when new processes are containers again):
        // the replaced release's services go all the same.
        if matches!(self.docker.swarm_membership().await, Ok(m) if m.active() && m.manager) {
            self.retire_other_services(release).await;
        }
        let filters = [
            (labels::APP, release.app.as_str()),
            (INSTANCE_LABEL, self.settings.instance_id.as_str()),
        ];
        let version = release.version.get().to_string();
        let old = match self.docker.list(&filters).await {
            Ok(containers) => containers
                .into_iter()
                .filter(|c| {
                    is_long_running_other(c) && c.labels.get(labels::RELEASE) != Some(&version)
                })
                .map(|c| c.id)
                .collect::<Vec<_>>(),
            Err(err) => {
                tracing::warn!(error = %err, "cannot list old processes");
                return;
            }
        };
        self.remove_containers(old).await;
    }
}

/// Whether a container runs a long-running process other than `web` (task containers, of
/// `wharf run`, cron or a deploy's commands, do not).
pub(crate) fn is_long_running_other(container: &ContainerInfo) -> bool {
    let process = container.labels.get(labels::PROCESS).map(String::as_str);
    task_of(container).is_none() && !matches!(process, None | Some(wharf_domain::WEB))
}
