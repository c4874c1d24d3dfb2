//! The health wait for a Swarm service's task: the same checks as a container's (app.json's,
//! else the default GET or TCP connect), made from the manager to the task's node address and
//! published port, which is where the proxy will send its requests. A task runs on another
//! machine, so its listening ports are not read here, and its log is pointed to (the kept
//! logs follow it) rather than quoted; a task the Swarm sees fail
//! stops the deploy in the wait for the tasks to run, before this one.

use super::{Attempt, app_json, probe_once};
use crate::{DeployError, Deployer, HealthCheckSpec};
use std::net::SocketAddr;
use std::time::Instant;
use wharf_domain::{AppName, WebAddress};

/// What the health wait needs to know of one task.
pub(crate) struct TaskProbe<'a> {
    pub app: &'a AppName,
    /// How the task is named in progress and errors, e.g. `wharf-blog-web-v3.2 on node2`.
    pub name: &'a str,
    pub addr: SocketAddr,
    pub port: u16,
}

impl Deployer {
    /// Probe the task at its address until it is healthy or the health timeout passes; with
    /// app.json's check, that check decides.
    pub(crate) async fn wait_task_healthy(
        &self,
        task: &TaskProbe<'_>,
        path: Option<&str>,
        address: Option<&WebAddress>,
        app_check: Option<&HealthCheckSpec>,
    ) -> Result<SocketAddr, DeployError> {
        let host = address.map(|a| a.domain().as_str());
        if let Some(check) = app_check {
            return match app_json::run(check, task.addr, host).await {
                Ok(()) => Ok(task.addr),
                Err(reason) => Err(DeployError::FailedHealthCheck {
                    reason,
                    container: task.name.to_string(),
                    logs: self.task_logs_hint(task),
                    serving: self.still_serving(task.app),
                }),
            };
        }
        let deadline = Instant::now() + self.settings.health_timeout;
        let reason = loop {
            let why = match probe_once(
                task.addr,
                task.port,
                path,
                address,
                self.settings.probe_timeout,
            )
            .await
            {
                Attempt::Healthy => return Ok(task.addr),
                Attempt::Answered(why) | Attempt::NoAnswer(why) => why,
            };
            if Instant::now() >= deadline {
                break why;
            }
            tokio::time::sleep(self.settings.health_interval).await;
        };
        Err(DeployError::NotHealthyWithin {
            within: self.settings.health_timeout,
            reason: format!("{reason} at {}", task.addr),
            container: task.name.to_string(),
            logs: self.task_logs_hint(task),
            serving: self.still_serving(task.app),
        })
    }

    /// Where a task's log is read, since it may run on another machine.
    fn task_logs_hint(&self, task: &TaskProbe<'_>) -> String {
        format!(
            "(the task's output: `wharf logs {} --process web`)",
            task.app
        )
    }
}
