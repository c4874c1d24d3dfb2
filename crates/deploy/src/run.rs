//! One-off commands (`wharf run`) and logs: containers made from the active release's image and
//! config, and the log sources of an app's containers.
//!
//! One-off containers are tasks (`wharf.task=run`, named `wharf-APP.run-SUFFIX`; see
//! [`crate::task`]). Attached runs are removed
//! by whoever attached once they exit; detached runs are removed by the engine (AutoRemove).
//! Reconcile leaves running one-off containers alone and removes exited ones (a run whose server
//! stopped while it was attached).

use crate::deployer::INSTANCE_LABEL;
use crate::mypaas_env::add_mypaas_env;
use crate::task::{Task, task_of};
use crate::{DeployError, Deployer};
use std::collections::HashMap;
use wharf_domain::{AppName, ReleaseVersion};
use wharf_runtime::{ContainerInfo, ContainerSpec, Docker, OneOffSpec, RestartPolicy, labels};

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The command and its arguments; must not be empty.
    pub cmd: Vec<String>,
    /// Allocate a TTY.
    pub tty: bool,
    /// Leave it running; the engine removes it when it exits.
    pub detach: bool,
}

/// A one-off container that was created (not started).
#[derive(Debug, Clone)]
pub struct OneOff {
    pub id: String,
    pub name: String,
}

/// A container whose log `wharf logs` shows, and the prefix its lines get (`web.1`).
#[derive(Debug, Clone)]
pub struct LogSource {
    pub id: String,
    pub label: String,
}

impl Deployer {
    /// The Docker engine this deployer runs containers on.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// Create a one-off container for `app` from its active release: that image, its
    /// environment (`ReleaseSpec::environment`), volumes, storage mounts and limits, with
    /// `options.cmd`.
    pub async fn create_one_off(
        &self,
        app: &AppName,
        options: &RunOptions,
    ) -> Result<OneOff, DeployError> {
        if options.cmd.is_empty() {
            return Err(DeployError::BadConfig(
                "no command given: `wharf run APP -- CMD ARGS...`".to_string(),
            ));
        }
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        let release = self
            .store
            .active_release(app)?
            .ok_or_else(|| DeployError::NoRelease(app.to_string()))?;
        let spec = release.spec.clone();
        let port = self.port_of(&spec, &release.image).await?;
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let suffix = &suffix[..10];
        let name = Task::Run.container_name(app, suffix);
        let mut env = spec.environment(port);
        // Heroku's name for a one-off container's dyno.
        env.push(("DYNO".to_string(), format!("run.{}", &suffix[..6])));
        let config = &spec.config;
        if config.mypaas {
            add_mypaas_env(&mut env, app, spec.web().scale, port, &name);
        }
        let container = ContainerSpec {
            name,
            image: release.image.clone(),
            env,
            labels: HashMap::from([
                (labels::APP.to_string(), app.to_string()),
                (
                    labels::RELEASE.to_string(),
                    release.version.get().to_string(),
                ),
                (labels::TASK.to_string(), Task::Run.to_string()),
                (
                    INSTANCE_LABEL.to_string(),
                    self.settings.instance_id.clone(),
                ),
            ]),
            cmd: Some(options.cmd.clone()),
            mounts: self.mounts_for(app, &spec)?,
            memory_bytes: config.max_memory.map(|m| m as i64),
            nano_cpus: config.max_cpus.map(wharf_domain::cpus_to_nano),
            restart: RestartPolicy::No,
            network: None,
            extra_networks: self.linked_networks(app)?,
            ..Default::default()
        };
        let spec = OneOffSpec {
            container,
            tty: options.tty,
            stdin: !options.detach,
            auto_remove: options.detach,
        };
        let id = self.docker.create_one_off(&spec).await?;
        tracing::info!(%app, container = %spec.container.name, cmd = ?options.cmd, "one-off container created");
        Ok(OneOff {
            id,
            name: spec.container.name,
        })
    }

    /// Start a created one-off container. If it cannot start (e.g. the command does not
    /// exist), it is removed and the engine's reason is returned.
    pub async fn start_one_off(&self, one_off: &OneOff) -> Result<(), DeployError> {
        match self.docker.start(&one_off.id).await {
            Ok(()) => Ok(()),
            Err(err) => {
                self.remove_one_off(&one_off.id).await;
                Err(DeployError::CannotStartCommand(err.to_string()))
            }
        }
    }

    /// Remove a one-off container now (killing it if it still runs).
    pub async fn remove_one_off(&self, id: &str) {
        if let Err(err) = self
            .docker
            .stop_and_remove(id, std::time::Duration::ZERO)
            .await
        {
            tracing::warn!(container = %id, error = %err, "could not remove one-off container");
        }
    }

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
fn source_label(c: &ContainerInfo) -> String {
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
