//! One-off commands (`wharf run`): containers made from the active release's image and config.
//!
//! One-off containers are tasks (`wharf.task=run`, named `wharf-APP.run-SUFFIX`; see
//! [`crate::tasks`]). Attached runs are removed
//! by whoever attached once they exit; detached runs are removed by the engine (AutoRemove).
//! Reconcile leaves running one-off containers alone and removes exited ones (a run whose server
//! stopped while it was attached).
//!
//! In a cluster a run without a terminal is a Swarm job on a node instead
//! ([`Deployer::start_run_job`]; see [`super::job`]): whoever follows it removes it, a detached
//! one is removed by the server once it ended, and reconcile removes ended ones.

use crate::container::add_mypaas_env;
use crate::deployer::INSTANCE_LABEL;
use crate::tasks::{Job, Place, Task};
use crate::{DeployError, Deployer};
use std::collections::HashMap;
use wharf_domain::AppName;
use wharf_runtime::{ContainerSpec, OneOffSpec, RestartPolicy, labels};
use wharf_store::ReleaseRecord;

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The command and its arguments; must not be empty.
    pub cmd: Vec<String>,
    /// Allocate a TTY.
    pub tty: bool,
    /// Leave it running; the engine removes it when it exits.
    pub detach: bool,
    /// The client sends input to attach: in a cluster it stays a container here.
    pub stdin: bool,
}

/// A one-off container that was created (not started).
#[derive(Debug, Clone)]
pub struct OneOff {
    pub id: String,
    pub name: String,
}

impl Deployer {
    /// Start `wharf run`'s command on a node as a Swarm job, if that is where it goes (see
    /// [`super::job::place`]: in a cluster, a run without a terminal), and return the job once
    /// its command started; `None` when it runs here, in a container
    /// ([`Deployer::create_one_off`]).
    pub async fn start_run_job(
        &self,
        app: &AppName,
        options: &RunOptions,
    ) -> Result<Option<Job>, DeployError> {
        let (release, container, suffix) = self.run_container(app, options).await?;
        if self
            .place_of(&container, options.tty || options.stdin)
            .await?
            == Place::Here
        {
            return Ok(None);
        }
        let name = Task::Run.job_name(app, &suffix);
        let spec = release.spec.clone();
        let job = self
            .start_job(&release, &spec, container, name, &crate::Progress::silent())
            .await
            .map_err(|err| match err {
                DeployError::JobNotRun { reason, .. }
                    if reason.starts_with("starting container failed") =>
                {
                    DeployError::CannotStartCommand(reason)
                }
                other => other,
            })?;
        tracing::info!(%app, job = %job.name, node = ?job.node, cmd = ?options.cmd, "one-off job started");
        Ok(Some(job))
    }

    /// Create a one-off container for `app` from its active release: that image, its
    /// environment (`ReleaseSpec::environment`), volumes, storage mounts and limits, with
    /// `options.cmd`.
    pub async fn create_one_off(
        &self,
        app: &AppName,
        options: &RunOptions,
    ) -> Result<OneOff, DeployError> {
        let (_, container, _) = self.run_container(app, options).await?;
        let spec = OneOffSpec {
            container,
            tty: options.tty,
            stdin: !options.detach,
            auto_remove: options.detach,
        };
        self.prepare_volumes(&spec.container).await?;
        let id = self.docker.create_one_off(&spec).await?;
        tracing::info!(%app, container = %spec.container.name, cmd = ?options.cmd, "one-off container created");
        Ok(OneOff {
            id,
            name: spec.container.name,
        })
    }

    /// The container of a run of `options.cmd` for `app`, from its active release; and the
    /// suffix that names this run.
    async fn run_container(
        &self,
        app: &AppName,
        options: &RunOptions,
    ) -> Result<(ReleaseRecord, ContainerSpec, String), DeployError> {
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
        let suffix = suffix[..10].to_string();
        let name = Task::Run.container_name(app, &suffix);
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
        Ok((release, container, suffix))
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
}
