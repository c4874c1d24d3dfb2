//! Tasks: Wharf's own one-off containers, `wharf run` commands ([`run`]), cron jobs
//! ([`cron`]) and a deploy's predeploy, `release` and postdeploy commands
//! ([`deploy_commands`], with what a predeploy command keeps in [`predeploy`]). This module
//! owns what marks a container as a task. Tasks live outside the Procfile's namespace, so a
//! Procfile may name a process `cron` or `run`:
//!
//! - a task container carries `wharf.task=TASK` and no `wharf.process` (nor `wharf.replica`);
//! - its name is `wharf-APP.TASK-...`: app and process names never hold a `.`, so no process
//!   container (`wharf-APP-PROCESS-vN-R`) can be named like one.
//!
//! Containers of the earlier scheme (`wharf.process=run` and friends) are still recognised where
//! it matters: a running `wharf run` of that scheme is kept at start.

mod cron;
mod deploy_commands;
mod job;
mod predeploy;
mod run;

pub(crate) use cron::RunningJobs;
pub use cron::every_minute;
pub use job::{Job, Place, place};
pub use run::{OneOff, RunOptions};

use std::fmt;
use wharf_domain::AppName;
use wharf_runtime::{ContainerInfo, ContainerSpec, labels};

/// One of Wharf's own one-off tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// `wharf run APP -- CMD`.
    Run,
    /// An app.json cron job.
    Cron,
    /// app.json's `scripts.dokku.predeploy`.
    Predeploy,
    /// The Procfile's `release` command.
    Release,
    /// app.json's `scripts.dokku.postdeploy`.
    Postdeploy,
}

impl Task {
    /// Every task.
    pub const ALL: [Task; 5] = [
        Task::Run,
        Task::Cron,
        Task::Predeploy,
        Task::Release,
        Task::Postdeploy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Task::Run => "run",
            Task::Cron => "cron",
            Task::Predeploy => "predeploy",
            Task::Release => "release",
            Task::Postdeploy => "postdeploy",
        }
    }

    /// The container name of this task of `app`: `wharf-APP.TASK-SUFFIX`.
    pub fn container_name(self, app: &AppName, suffix: &str) -> String {
        format!("wharf-{app}.{self}-{suffix}")
    }

    /// Turn a process container's spec into this task's: its name, and the task label in place
    /// of the process and replica labels.
    pub(crate) fn apply(self, container: &mut ContainerSpec, app: &AppName, suffix: &str) {
        container.name = self.container_name(app, suffix);
        container.labels.remove(labels::PROCESS);
        container.labels.remove(labels::REPLICA);
        container
            .labels
            .insert(labels::TASK.to_string(), self.as_str().to_string());
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The task a container runs, if it is a task container: its `wharf.task` label, or (earlier
/// scheme) a `wharf.process=run` label without a replica, which only `wharf run` made.
pub(crate) fn task_of(container: &ContainerInfo) -> Option<&str> {
    if let Some(task) = container.labels.get(labels::TASK) {
        return Some(task);
    }
    let process = container.labels.get(labels::PROCESS)?;
    (process == "run" && !container.labels.contains_key(labels::REPLICA)).then_some("run")
}

/// A `wharf run` container (of either scheme).
pub(crate) fn is_run(container: &ContainerInfo) -> bool {
    task_of(container) == Some(Task::Run.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn container(pairs: &[(&str, &str)]) -> ContainerInfo {
        ContainerInfo {
            labels: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>(),
            ..Default::default()
        }
    }

    #[test]
    fn a_task_takes_a_name_no_process_container_can_have() {
        let mut spec = ContainerSpec {
            name: "wharf-blog-cron-v3-1".into(),
            labels: HashMap::from([
                (labels::PROCESS.to_string(), "cron".to_string()),
                (labels::REPLICA.to_string(), "1".to_string()),
            ]),
            ..Default::default()
        };
        Task::Cron.apply(&mut spec, &AppName::parse("blog").unwrap(), "v3-7");
        assert_eq!(spec.name, "wharf-blog.cron-v3-7");
        assert_eq!(spec.labels.get(labels::TASK).unwrap(), "cron");
        assert!(!spec.labels.contains_key(labels::PROCESS));
        assert!(!spec.labels.contains_key(labels::REPLICA));
    }

    #[test]
    fn tasks_are_told_from_processes_of_the_same_name() {
        assert_eq!(task_of(&container(&[(labels::TASK, "cron")])), Some("cron"));
        let cron_process = container(&[(labels::PROCESS, "cron"), (labels::REPLICA, "1")]);
        assert_eq!(task_of(&cron_process), None);
        let run_process = container(&[(labels::PROCESS, "run"), (labels::REPLICA, "1")]);
        assert!(!is_run(&run_process));
    }

    #[test]
    fn a_run_container_of_the_earlier_scheme_is_still_a_run() {
        assert!(is_run(&container(&[(labels::PROCESS, "run")])));
        assert!(is_run(&container(&[(labels::TASK, "run")])));
    }
}
