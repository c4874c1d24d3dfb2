//! Logs: the containers whose output `wharf logs` shows, each with the prefix its lines get,
//! and the stored build and deploy output of a release.

use crate::deployer::INSTANCE_LABEL;
use crate::tasks::{Task, task_of};
use crate::{DeployError, Deployer};
use wharf_domain::{AppName, ReleaseVersion};
use wharf_runtime::{ContainerInfo, labels};

/// A container whose log `wharf logs` shows, and the prefix its lines get (`web.1`).
#[derive(Debug, Clone)]
pub struct LogSource {
    pub id: String,
    pub label: String,
}

impl Deployer {
    /// The containers of `app`'s active release whose logs `wharf logs` shows: every process,
    /// or only `process`. Labelled `web.1`, `web.2`, ... (one-off runs: `run.NAME-SUFFIX`).
    pub async fn log_sources(
        &self,
        app: &AppName,
        process: Option<&str>,
    ) -> Result<Vec<LogSource>, DeployError> {
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        let release = self
            .store
            .active_release(app)?
            .ok_or_else(|| DeployError::NoRelease(app.to_string()))?;
        let version = release.version.get().to_string();
        let filters = [
            (labels::APP, app.as_str()),
            (INSTANCE_LABEL, self.settings.instance_id.as_str()),
            (labels::RELEASE, version.as_str()),
        ];
        // A process's containers, and the task containers of that name (`run`, `cron`): their
        // lines carry different prefixes (`cron.1` against `cron.v3-7`).
        let mut containers: Vec<ContainerInfo> = self
            .docker
            .list(&filters)
            .await?
            .into_iter()
            .filter(|c| process.is_none_or(|p| process_of(c) == p))
            .collect();
        containers.sort_by_key(|c| (process_of(c), replica_of(c), c.name.clone()));
        if containers.is_empty()
            && let Some(process) = process
        {
            return Err(DeployError::NoProcessContainers {
                app: app.to_string(),
                process: process.to_string(),
            });
        }
        Ok(containers
            .into_iter()
            .map(|c| LogSource {
                label: source_label(&c),
                id: c.id,
            })
            .collect())
    }

    /// Checks what a read of `app`'s kept lines names: the app, which must have had a
    /// release; the release, if one is given; the process, if given: one that a release of the
    /// app has, or one of Wharf's tasks (`run`, `cron`, ...).
    pub fn check_log_query(
        &self,
        app: &AppName,
        release: Option<ReleaseVersion>,
        process: Option<&str>,
    ) -> Result<(), DeployError> {
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        let releases = self.store.releases(app)?;
        if releases.is_empty() {
            return Err(DeployError::NoRelease(app.to_string()));
        }
        if let Some(version) = release {
            self.store.release(app, version)?;
        }
        let Some(process) = process else {
            return Ok(());
        };
        let mut known: Vec<String> = releases
            .iter()
            .flat_map(|r| r.spec.processes.iter().map(|p| p.name.to_string()))
            .chain(Task::ALL.iter().map(|t| t.as_str().to_string()))
            .collect();
        known.sort();
        known.dedup();
        if known.iter().any(|k| k == process) {
            return Ok(());
        }
        Err(DeployError::NoSuchProcess {
            app: app.to_string(),
            process: process.to_string(),
            known: known.join(", "),
        })
    }

    /// The build and deploy output of release `version` of `app`.
    pub fn release_log(
        &self,
        app: &AppName,
        version: ReleaseVersion,
    ) -> Result<String, DeployError> {
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        let release = self.store.release(app, version)?;
        Ok(self.store.release_log(release.id)?)
    }
}

/// The container's process, or for a task container its task.
fn process_of(c: &ContainerInfo) -> String {
    task_of(c)
        .or(c.labels.get(labels::PROCESS).map(String::as_str))
        .unwrap_or_default()
        .to_string()
}

fn replica_of(c: &ContainerInfo) -> u32 {
    c.labels
        .get(labels::REPLICA)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// `web.2` for replicas; `run.1a2b3c` (the start of the name's suffix, as in its `DYNO`) for
/// one-off containers, `cron.7` for cron jobs.
pub(crate) fn source_label(c: &ContainerInfo) -> String {
    let process = process_of(c);
    if let Some(replica) = c.labels.get(labels::REPLICA) {
        return format!("{process}.{replica}");
    }
    // Task containers: `wharf-APP.TASK-SUFFIX`; earlier `wharf run` ones: `wharf-APP-run-SUFFIX`.
    let suffix = match c.name.split_once(&format!(".{process}-")) {
        Some((_, suffix)) if process != Task::Run.as_str() => suffix,
        _ => {
            let suffix = c.name.rsplit('-').next().unwrap_or(&c.name);
            &suffix[..suffix.len().min(6)]
        }
    };
    format!("{process}.{suffix}")
}

/// The same for a one-off job of `task` in a cluster, from its service's name.
pub(crate) fn job_source_label(service: &str, task: &str) -> String {
    // Jobs: `wharf-APP_TASK-SUFFIX` (see `Task::job_name`).
    let suffix = service
        .split_once(&format!("_{task}-"))
        .map_or(service, |(_, suffix)| suffix);
    let suffix = if task == Task::Run.as_str() {
        &suffix[..suffix.len().min(6)]
    } else {
        suffix
    };
    format!("{task}.{suffix}")
}
