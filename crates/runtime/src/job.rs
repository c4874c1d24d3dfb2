//! A one-off command as a Swarm job (managers only): a service in `replicated-job` mode whose
//! one task runs the command once, on a node the Swarm picks among those that meet the
//! placement constraints, and is never restarted. Its output is read through the manager
//! (`GET /tasks/{id}/logs`), its exit code from the task's status. The job's container takes
//! its node's hostname, so a command can tell where it ran. Whoever made the job removes it
//! ([`Docker::remove_service`]) once it is done.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{
    ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicatedJob, TaskSpecRestartPolicyConditionEnum,
};
use bollard::query_parameters::{ListTasksOptions, LogsOptionsBuilder};
use futures_util::{Stream, StreamExt};

use crate::container::ContainerSpec;
use crate::docker::{Docker, LONG_TIMEOUT};
use crate::error::{RuntimeError, is_not_found};
use crate::oneoff::{Output, RawOutput};
use crate::service::task_template;

/// The Swarm's template for the hostname of the node a task runs on.
const NODE_HOSTNAME: &str = "{{.Node.Hostname}}";
/// How often a job's task is checked on while its output is followed.
const CHECK_EVERY: Duration = Duration::from_millis(500);
/// Once the task ended, how long its output may stay silent before it is taken as complete
/// (the engine may keep a followed log open after the container exited).
const QUIET: Duration = Duration::from_millis(700);

/// The task of a job: where it runs and how it ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobTask {
    pub id: String,
    /// The hostname of the node it was given to, once it has one and the node is known.
    pub node: Option<String>,
    /// `new`, `pending`, `assigned`, ..., `running`, `complete`, `failed`, `rejected`...
    pub state: String,
    /// The Swarm's reason, when it has one (`no suitable node (...)`, `No such image: ...`,
    /// `task: non-zero exit (3)`).
    pub error: Option<String>,
    /// Its container's exit code, once it exited.
    pub exit_code: Option<i64>,
}

impl JobTask {
    /// Whether it ended, one way or another.
    pub fn finished(&self) -> bool {
        matches!(
            self.state.as_str(),
            "complete" | "failed" | "rejected" | "shutdown" | "orphaned" | "remove"
        )
    }

    /// Whether its command started (it runs or ran): its output can be read.
    pub fn started(&self) -> bool {
        self.state == "running" || self.finished()
    }

    /// Why the Swarm has no node for it while it waits for one (see
    /// [`crate::ServiceTask::unschedulable`]).
    pub fn unschedulable(&self) -> Option<&str> {
        (self.state == "pending")
            .then_some(self.error.as_deref())
            .flatten()
            .filter(|e| e.starts_with("no suitable node"))
    }

    /// How it ended, once it did: the command's exit code, or the Swarm's reason why the
    /// command never ran (its image is missing on the node, the command cannot be started).
    pub fn outcome(&self) -> Option<Result<i64, String>> {
        if !self.finished() {
            return None;
        }
        let reason = || {
            self.error
                .clone()
                .unwrap_or_else(|| format!("its task ended ({})", self.state))
        };
        let never_ran = self
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("starting container failed"));
        Some(match (self.state.as_str(), self.exit_code) {
            (_, _) if never_ran => Err(reason()),
            ("complete", code) => Ok(code.unwrap_or(0)),
            ("failed", Some(code)) => Ok(code),
            _ => Err(reason()),
        })
    }
}

impl Docker {
    /// Create a job that runs the container `spec` describes once, on a node that meets every
    /// one of `constraints` (none: any node), never restarted. The service is named and
    /// labelled as `spec`. Returns its ID.
    pub async fn create_job(
        &self,
        spec: &ContainerSpec,
        constraints: &[String],
    ) -> Result<String, RuntimeError> {
        let (labels, mut template) =
            task_template(spec, constraints, TaskSpecRestartPolicyConditionEnum::NONE)?;
        if let Some(container) = template.container_spec.as_mut() {
            container.hostname = Some(NODE_HOSTNAME.to_string());
        }
        let service = ServiceSpec {
            name: Some(spec.name.clone()),
            labels: Some(labels),
            task_template: Some(template),
            mode: Some(ServiceSpecMode {
                replicated_job: Some(ServiceSpecModeReplicatedJob {
                    max_concurrent: Some(1),
                    total_completions: Some(1),
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.create_from(service, "job").await
    }

    /// The task of the job `service` (ID or name), the newest if the Swarm made several;
    /// `None` until the Swarm made one.
    pub async fn job_task(&self, service: &str) -> Result<Option<JobTask>, RuntimeError> {
        let filters = HashMap::from([("service".to_string(), vec![service.to_string()])]);
        let tasks = match self
            .client
            .list_tasks(Some(ListTasksOptions {
                filters: Some(filters),
            }))
            .await
        {
            Err(e) if is_not_found(&e) => {
                return Err(RuntimeError::NotFound(format!("job {service}")));
            }
            other => {
                other.map_err(|e| self.err(format!("listing the tasks of job {service}"), e))?
            }
        };
        let Some(task) = tasks
            .into_iter()
            .max_by_key(|t| t.version.as_ref().and_then(|v| v.index).unwrap_or(0))
        else {
            return Ok(None);
        };
        let node = match &task.node_id {
            Some(id) => self
                .swarm_nodes()
                .await?
                .into_iter()
                .find(|n| &n.id == id)
                .map(|n| n.hostname),
            None => None,
        };
        let status = task.status.unwrap_or_default();
        Ok(Some(JobTask {
            id: task.id.unwrap_or_default(),
            node,
            state: status.state.map(|s| s.to_string()).unwrap_or_default(),
            error: status.err.filter(|e| !e.is_empty()),
            exit_code: status.container_status.and_then(|c| c.exit_code),
        }))
    }

    /// The output of the job `service`'s task `task_id` as it comes, from its start; the stream
    /// ends once the task ended and its output is all read.
    pub fn job_output(
        &self,
        service: &str,
        task_id: &str,
    ) -> impl Stream<Item = Result<Output, RuntimeError>> + Send + 'static {
        let options = LogsOptionsBuilder::default()
            .follow(true)
            .stdout(true)
            .stderr(true)
            .build();
        let raw: RawOutput = Box::pin(
            self.client_with_timeout(LONG_TIMEOUT)
                .task_logs(task_id, Some(options)),
        );
        let logs = self.output_stream(raw, format!("reading the output of job {service}"));
        let follow = Follow {
            logs: Box::pin(logs),
            docker: self.clone(),
            service: service.to_string(),
            ended: false,
        };
        futures_util::stream::unfold(follow, |mut follow| async move {
            loop {
                let wait = if follow.ended { QUIET } else { CHECK_EVERY };
                match tokio::time::timeout(wait, follow.logs.next()).await {
                    Ok(Some(item)) => return Some((item, follow)),
                    Ok(None) => return None,
                    Err(_) if follow.ended => return None,
                    Err(_) => {
                        follow.ended = match follow.docker.job_task(&follow.service).await {
                            Ok(task) => task.is_none_or(|t| t.finished()),
                            Err(_) => true,
                        };
                    }
                }
            }
        })
    }
}

/// A job's output being followed.
struct Follow {
    logs: std::pin::Pin<Box<dyn Stream<Item = Result<Output, RuntimeError>> + Send>>,
    docker: Docker,
    service: String,
    /// The task was seen ended: what is left of its output is read until it goes quiet.
    ended: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(state: &str, error: Option<&str>, exit_code: Option<i64>) -> JobTask {
        JobTask {
            id: "t1".to_string(),
            node: Some("node2".to_string()),
            state: state.to_string(),
            error: error.map(str::to_string),
            exit_code,
        }
    }

    #[test]
    fn a_job_ends_with_its_commands_exit_code() {
        assert_eq!(task("running", None, None).outcome(), None);
        assert!(task("running", None, None).started());
        assert_eq!(task("complete", None, Some(0)).outcome(), Some(Ok(0)));
        let failed = task("failed", Some("task: non-zero exit (3)"), Some(3));
        assert_eq!(failed.outcome(), Some(Ok(3)));
        assert!(failed.finished() && failed.started());
    }

    #[test]
    fn a_job_whose_command_never_ran_says_why() {
        let rejected = task("rejected", Some("No such image: blog:v3"), None);
        assert_eq!(
            rejected.outcome(),
            Some(Err("No such image: blog:v3".to_string()))
        );
        let not_found = task(
            "failed",
            Some("starting container failed: exec: \"nope\": executable file not found"),
            Some(127),
        );
        assert!(
            matches!(not_found.outcome(), Some(Err(e)) if e.contains("executable file not found"))
        );
        let pending = task(
            "pending",
            Some("no suitable node (scheduling constraints not satisfied on 3 nodes)"),
            None,
        );
        assert!(!pending.started());
        assert_eq!(pending.outcome(), None);
        assert!(
            pending
                .unschedulable()
                .unwrap()
                .starts_with("no suitable node")
        );
    }
}
