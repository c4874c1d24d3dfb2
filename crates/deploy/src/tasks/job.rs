//! Where a task runs, and tasks run as Swarm jobs. On a single server every task is a container
//! on this server's engine, as it always was. In a cluster (see [`Deployer::runs_services`]) a
//! task runs as a Swarm job on a node that can run the app: the web service's image
//! ([`Deployer::service_image`], from the cluster's registry), the release's environment and limits, the app's placement rules. What
//! needs this server's engine stays a container here: a run attached to a terminal or stdin
//! (a Swarm task cannot be attached to), a predeploy command whose changes are committed to
//! the release's image here, and an app with links (deployed before the cluster, it runs its
//! containers here). A task with storage is a job pinned to this server's node, as the app's
//! web tasks are ([`Deployer::constraints_of`]). [`place`] is that rule, and every way a task
//! starts asks it.
//!
//! A job's service is named `wharf-APP_TASK-SUFFIX` (see [`Task::job_name`]) and labelled as
//! the task's container; whoever made it removes it when it is done, and reconcile removes
//! finished ones left by a server that stopped meanwhile ([`Deployer::remove_finished_jobs`]).

use crate::instances::{NO_SUITABLE_NODE_GRACE, placement_text};
use crate::{DeployError, Deployer, Progress, ReleaseSpec};
use futures_util::StreamExt;
use std::time::{Duration, Instant};
use wharf_domain::AppName;
use wharf_runtime::{ContainerSpec, JobTask, Output, labels};
use wharf_store::ReleaseRecord;

use super::Task;
use crate::deployer::INSTANCE_LABEL;

/// How often a job's task is checked on.
const POLL: Duration = Duration::from_millis(250);
/// How long the removal of an ended job waits for the log follower to store its output.
const OUTPUT_STORED_WITHIN: Duration = Duration::from_secs(5);
/// How long a job's task may take to start once it has a node (its image pulled there, its
/// container made).
const START_WITHIN: Duration = Duration::from_secs(300);

/// Where a task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A container on this server's engine.
    Here,
    /// A Swarm job on a node the Swarm picks among those the app's placement rules allow.
    Node,
}

/// Where a task of `container` runs: on a node in a cluster, unless it needs this server's
/// engine (`attached`: a terminal or stdin to attach, or changes to commit to an image here)
/// or the networks of its links, which only this server has. (A task with storage is a job
/// too, pinned to this server's node as the app's web tasks are.)
pub fn place(cluster: bool, container: &ContainerSpec, attached: bool) -> Place {
    let local_only = !container.extra_networks.is_empty() || container.network.is_some();
    if cluster && !attached && !local_only {
        Place::Node
    } else {
        Place::Here
    }
}

/// How a job that was run to its end went.
pub(crate) struct JobRun {
    pub code: i64,
    /// The last lines of its output.
    pub lines: Vec<String>,
    /// The hostname of the node it ran on.
    pub node: String,
}

/// A task started as a Swarm job.
#[derive(Debug, Clone)]
pub struct Job {
    /// The service's ID.
    pub id: String,
    /// The service's name, `wharf-APP_TASK-SUFFIX`.
    pub name: String,
    /// Its task's ID, for its output.
    pub task: String,
    /// The hostname of the node it runs on.
    pub node: Option<String>,
    /// The app's placement rules, as errors show them.
    placement: String,
}

impl Deployer {
    /// Where a task of `container` runs on this server now (see [`place`]).
    pub(crate) async fn place_of(
        &self,
        container: &ContainerSpec,
        attached: bool,
    ) -> Result<Place, DeployError> {
        Ok(place(self.runs_services().await?, container, attached))
    }

    /// Start `container` (a task's, as [`Deployer::task_container`] makes it) as the job
    /// `name` of the release, and wait until its command started (or already ended). A job
    /// the Swarm finds no node for, or whose command cannot start, fails with the Swarm's
    /// reason, and is removed. Publishing the image to the registry is told to `progress`.
    pub(crate) async fn start_job(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        mut container: ContainerSpec,
        name: String,
        progress: &Progress,
    ) -> Result<Job, DeployError> {
        container.name = name;
        container.image = self.service_image(release, spec, progress).await?;
        let constraints = self.constraints_of(spec, &container, progress).await?;
        let id = self.docker.create_job(&container, &constraints).await?;
        let mut job = Job {
            id,
            name: container.name,
            task: String::new(),
            node: None,
            placement: placement_text(spec, !container.mounts.is_empty()),
        };
        match self.wait_job_started(&job).await {
            Ok(task) => {
                job.task = task.id;
                job.node = task.node;
                tracing::info!(job = %job.name, node = ?job.node, "job started");
                Ok(job)
            }
            Err(err) => {
                self.remove_job(&job).await;
                Err(err)
            }
        }
    }

    /// Wait until the job's task started: its node took it and its command runs or ran.
    async fn wait_job_started(&self, job: &Job) -> Result<JobTask, DeployError> {
        let deadline = Instant::now() + START_WITHIN;
        let mut unschedulable_since: Option<Instant> = None;
        loop {
            let task = self.docker.job_task(&job.id).await?;
            if let Some(task) = &task {
                match task.unschedulable() {
                    None => unschedulable_since = None,
                    Some(reason) => {
                        let since = *unschedulable_since.get_or_insert_with(Instant::now);
                        if since.elapsed() >= NO_SUITABLE_NODE_GRACE {
                            return Err(not_run(job, task, reason));
                        }
                    }
                }
                if let Some(Err(reason)) = task.outcome() {
                    return Err(not_run(job, task, &reason));
                }
                if task.started() {
                    return Ok(task.clone());
                }
            }
            if Instant::now() >= deadline {
                let state = task
                    .map(|t| t.state)
                    .unwrap_or_else(|| "not made".to_string());
                return Err(DeployError::JobNotRun {
                    job: job.name.clone(),
                    node: String::new(),
                    reason: format!("its task did not start within {START_WITHIN:?} ({state})"),
                    placement: job.placement.clone(),
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Wait until the job's command ended; its exit code.
    pub async fn wait_job_done(&self, job: &Job) -> Result<i64, DeployError> {
        loop {
            if let Some(task) = self.docker.job_task(&job.id).await?
                && let Some(outcome) = task.outcome()
            {
                return outcome.map_err(|reason| not_run(job, &task, &reason));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Run `container` as a job to its end (see [`Deployer::start_job`]): its exit code, the
    /// last `lines` lines of its output (stdout and stderr) and the node it ran on. The job is
    /// removed.
    pub(crate) async fn run_job(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        container: ContainerSpec,
        name: String,
        lines: usize,
        progress: &Progress,
    ) -> Result<JobRun, DeployError> {
        let job = self
            .start_job(release, spec, container, name, progress)
            .await?;
        let code = self.wait_job_done(&job).await;
        let mut output = Vec::new();
        let mut stream = std::pin::pin!(self.docker.job_output(&job.name, &job.task));
        while let Some(item) = stream.next().await {
            match item {
                Ok(Output::Stdout(data) | Output::Stderr(data)) => output.extend_from_slice(&data),
                Err(err) => {
                    tracing::warn!(job = %job.name, error = %err, "could not read all of a job's output");
                    break;
                }
            }
        }
        if code.is_ok() {
            self.remove_finished_job(&job).await;
        } else {
            // Its command never ran: there is no output to wait for.
            self.remove_job(&job).await;
        }
        let text = String::from_utf8_lossy(&output);
        let all: Vec<&str> = text.lines().collect();
        let kept = all[all.len().saturating_sub(lines)..]
            .iter()
            .map(|l| l.to_string())
            .collect();
        Ok(JobRun {
            code: code?,
            lines: kept,
            node: job.node.unwrap_or_else(|| "?".to_string()),
        })
    }

    /// Remove a job's service (its task's container goes on its node).
    pub async fn remove_job(&self, job: &Job) {
        if let Err(err) = self.docker.remove_service(&job.id).await {
            tracing::warn!(job = %job.name, error = %err, "could not remove a job");
        }
    }

    /// Remove a job whose task ended once the log follower has stored its output (up to
    /// [`OUTPUT_STORED_WITHIN`]): a job shorter than the follower's look is in `wharf logs` too.
    pub async fn remove_finished_job(&self, job: &Job) {
        if !self
            .job_outputs
            .wait_stored(&job.task, OUTPUT_STORED_WITHIN)
            .await
        {
            tracing::debug!(job = %job.name, "removing a job whose output was not seen stored");
        }
        self.remove_job(job).await;
    }

    /// Wait until a job that nobody follows (a detached run) ended, then remove it.
    pub async fn remove_job_when_done(&self, job: &Job) {
        match self.wait_job_done(job).await {
            Ok(code) => tracing::info!(job = %job.name, exit_code = code, "detached job ended"),
            Err(err) => tracing::warn!(job = %job.name, error = %err, "detached job ended"),
        }
        self.remove_finished_job(job).await;
    }

    /// This server's jobs that still run (or wait for a node), of every app: at start, those a
    /// detached run left are handed to [`Deployer::remove_job_when_done`] again.
    pub async fn running_jobs(&self) -> Result<Vec<Job>, DeployError> {
        // A single server has no Swarm to ask (the engine refuses to list services).
        if !self.runs_services().await? {
            return Ok(Vec::new());
        }
        let mine = [(INSTANCE_LABEL, self.settings.instance_id.as_str())];
        let mut running = Vec::new();
        for service in self.docker.list_services(&mine).await? {
            if !service.labels.contains_key(labels::TASK) {
                continue;
            }
            let task = self.docker.job_task(&service.id).await?;
            if task.as_ref().is_some_and(JobTask::finished) {
                continue;
            }
            let task = task.unwrap_or_default();
            running.push(Job {
                id: service.id,
                name: service.name,
                task: task.id,
                node: task.node,
                placement: "the placement rules of its release".to_string(),
            });
        }
        Ok(running)
    }

    /// Remove this server's jobs of `app` that ended (a server that stopped while it waited
    /// for them); jobs that run or wait for a node are someone's command and stay. Returns how
    /// many it removed.
    pub(crate) async fn remove_finished_jobs(&self, app: &AppName) -> Result<usize, DeployError> {
        let mine = [
            (INSTANCE_LABEL, self.settings.instance_id.as_str()),
            (labels::APP, app.as_str()),
        ];
        let mut removed = 0;
        for service in self.docker.list_services(&mine).await? {
            if !service.labels.contains_key(labels::TASK) {
                continue;
            }
            let ended = self
                .docker
                .job_task(&service.id)
                .await?
                .is_some_and(|t| t.finished());
            if ended {
                tracing::info!(job = %service.name, "removing a finished job");
                self.docker.remove_service(&service.id).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// The error of a job whose command never ran, or whose task ended without an exit code.
fn not_run(job: &Job, task: &JobTask, reason: &str) -> DeployError {
    DeployError::JobNotRun {
        job: job.name.clone(),
        node: task
            .node
            .as_ref()
            .map(|n| format!(" on node {n}"))
            .unwrap_or_default(),
        reason: reason.to_string(),
        placement: job.placement.clone(),
    }
}

impl Task {
    /// The Swarm job name of this task of `app`: `wharf-APP_TASK-SUFFIX`. A service's name
    /// may not hold the `.` of a task container's, and no app or process name holds a `_`,
    /// so no process's service can be named like a job.
    pub fn job_name(self, app: &AppName, suffix: &str) -> String {
        format!("wharf-{app}_{self}-{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wharf_runtime::Mount;

    #[test]
    fn in_a_cluster_a_task_runs_on_a_node_unless_it_needs_this_server() {
        let plain = ContainerSpec::default();
        assert_eq!(place(false, &plain, false), Place::Here);
        assert_eq!(place(false, &plain, true), Place::Here);
        assert_eq!(place(true, &plain, false), Place::Node);
        // A terminal or stdin cannot be attached to a Swarm task.
        assert_eq!(place(true, &plain, true), Place::Here);
        // Storage pins a job to this server's node, as it pins the web tasks.
        let mounted = ContainerSpec {
            mounts: vec![Mount::default()],
            ..Default::default()
        };
        assert_eq!(place(true, &mounted, false), Place::Node);
        let linked = ContainerSpec {
            extra_networks: vec!["wharf-svc-db".to_string()],
            ..Default::default()
        };
        assert_eq!(place(true, &linked, false), Place::Here);
    }

    #[test]
    fn a_jobs_output_is_kept_under_the_source_its_container_would_have() {
        let app = AppName::parse("blog").unwrap();
        let source = |task: Task, suffix: &str| {
            crate::logs::job_source_label(&task.job_name(&app, suffix), task.as_str())
        };
        assert_eq!(source(Task::Release, "v3"), "release.v3");
        assert_eq!(source(Task::Cron, "v3-7"), "cron.v3-7");
        assert_eq!(source(Task::Run, "1a2b3c4d5e"), "run.1a2b3c");
    }

    #[test]
    fn a_job_takes_a_name_no_web_service_can_have() {
        let app = AppName::parse("blog").unwrap();
        assert_eq!(Task::Release.job_name(&app, "v3"), "wharf-blog_release-v3");
        assert_eq!(Task::Run.job_name(&app, "ab12"), "wharf-blog_run-ab12");
    }
}
