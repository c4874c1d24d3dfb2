//! One-off tasks of a deploy: the predeploy, `release` and postdeploy commands. Each runs once,
//! in a new container with the release's image and environment (in a cluster, as a Swarm job
//! on a node: see [`super::job`]), and must exit 0. A predeploy
//! command's changes are kept in the release's image (see [`super::predeploy`]).

use super::predeploy;
use crate::tasks::{Place, Task};
use crate::{DeployError, Deployer, Progress, ReleaseSpec};
use std::time::Duration;
use wharf_domain::{ProcessName, ProcessSpec};
use wharf_runtime::RestartPolicy;
use wharf_store::ReleaseRecord;

/// How often a running task is checked on.
const POLL: Duration = Duration::from_millis(200);
/// Lines of a task's output shown to the user.
const SHOWN_LINES: usize = 200;

impl Deployer {
    /// Run `command` as the release's `phase` task and wait for it; its output is reported.
    pub(crate) async fn run_task(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        phase: Task,
        command: &str,
        progress: &Progress,
    ) -> Result<(), DeployError> {
        progress.line(format!("-----> Running {phase}: {command}"));
        let suffix = release.version.to_string();
        let container = self.task_container(release, spec, port, phase, command, &suffix, 1)?;
        // A predeploy command's changes are committed to the release's image on this server.
        let keeps = phase == Task::Predeploy && predeploy::keeps_changes(release);
        let (outcome, logs) = match self.place_of(&container, keeps).await? {
            Place::Node => {
                let name = phase.job_name(&release.app, &suffix);
                let ran = self
                    .run_job(
                        release,
                        spec,
                        container,
                        name.clone(),
                        SHOWN_LINES,
                        progress,
                    )
                    .await?;
                progress.line(format!("       ran as job {name} on node {}", ran.node));
                (Ok(ran.code), ran.lines)
            }
            Place::Here if keeps => {
                return self
                    .run_predeploy_kept(release, spec, port, command, progress)
                    .await;
            }
            Place::Here => {
                let started = self.create_container(&container).await?;
                let outcome = self.wait_for_exit(&started.id).await;
                let logs = self
                    .docker
                    .logs_tail(&started.id, SHOWN_LINES)
                    .await
                    .unwrap_or_default();
                self.remove_containers([started.id]).await;
                (outcome, logs)
            }
        };
        for line in &logs {
            progress.line(format!("       {line}"));
        }
        let code = outcome?;
        if code != 0 {
            return Err(DeployError::TaskFailed {
                phase: phase.to_string(),
                code,
                logs: logs
                    .iter()
                    .rev()
                    .take(20)
                    .rev()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n"),
                serving: self.still_serving(&release.app),
            });
        }
        Ok(())
    }

    /// Wait until the container stops; its exit code.
    pub(crate) async fn wait_for_exit(&self, id: &str) -> Result<i64, DeployError> {
        loop {
            let info = self.docker.inspect(id).await?;
            if !info.running {
                return Ok(info.exit_code.unwrap_or(-1));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Deployer {
    /// The container of one run of `task` running `command` for the release: the release's
    /// container (environment, mounts, networks, limits) under the task's name and labels
    /// (`suffix` tells runs apart), never restarted.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn task_container(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        task: Task,
        command: &str,
        suffix: &str,
        replica: u32,
    ) -> Result<wharf_runtime::ContainerSpec, DeployError> {
        let process = ProcessSpec {
            name: ProcessName::parse(task.as_str())
                .map_err(|e| DeployError::Internal(e.to_string()))?,
            command: Some(command.to_string()),
            scale: 1,
            memory: None,
            cpus: None,
        };
        let mut container = self.container_spec(release, spec, port, &process, replica)?;
        container.restart = RestartPolicy::No;
        task.apply(&mut container, &release.app, suffix);
        Ok(container)
    }
}
