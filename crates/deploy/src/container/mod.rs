//! Containers: what every container of an app is made of (the release's image, environment,
//! labels, volumes and the app's storage mounts, limits, linked networks), creating one safely
//! and removing them on clean-up paths. Apps written for MyPaas also get its variables
//! ([`mypaas_env`]).

mod mypaas_env;

pub(crate) use mypaas_env::add_mypaas_env;

use crate::deployer::INSTANCE_LABEL;
use crate::{DeployError, Deployer, ReleaseSpec};
use futures_util::future::join_all;
use std::collections::HashMap;
use wharf_domain::{AppName, ProcessSpec, web_concurrency};
use wharf_runtime::{ContainerInfo, ContainerSpec, RestartPolicy, RuntimeError, labels};
use wharf_store::ReleaseRecord;

impl Deployer {
    /// The port the release's web process listens on.
    pub(crate) async fn port_of(
        &self,
        spec: &ReleaseSpec,
        image: &str,
    ) -> Result<u16, DeployError> {
        if let Some(port) = spec.config.port {
            return Ok(port);
        }
        let exposed = self.docker.exposed_ports(image).await?;
        Ok(spec.config.effective_port(&exposed))
    }

    /// Create and start a container. A leftover of this server under the same name is removed
    /// first; a container of the same name that is not this server's is never touched. The
    /// named volumes it mounts exist before it does (see [`Deployer::prepare_volumes`]).
    pub(crate) async fn create_container(
        &self,
        spec: &ContainerSpec,
    ) -> Result<ContainerInfo, DeployError> {
        self.prepare_volumes(spec).await?;
        match self.docker.inspect(&spec.name).await {
            Ok(existing) => {
                if existing.labels.get(INSTANCE_LABEL) != Some(&self.settings.instance_id) {
                    return Err(DeployError::NameInUse(spec.name.clone()));
                }
                tracing::info!(container = %spec.name, "removing a leftover container of the same name");
                self.docker
                    .stop_and_remove(&existing.id, self.settings.stop_grace)
                    .await?;
            }
            Err(RuntimeError::NotFound(_)) => {}
            Err(err) => return Err(err.into()),
        }
        Ok(self.docker.create_and_start(spec).await?)
    }

    /// The container of one replica of one of the release's processes (or tasks), with the
    /// release's volumes and the app's storage mounts.
    pub(crate) fn container_spec(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        process: &ProcessSpec,
        replica: u32,
    ) -> Result<ContainerSpec, DeployError> {
        let config = &spec.config;
        let name = format!(
            "wharf-{}-{}-{}-{replica}",
            release.app, process.name, release.version
        );
        let mut env = spec.environment(port);
        // Heroku's name for the container, e.g. `web.1`; apps use it to tell replicas apart.
        env.push(("DYNO".to_string(), format!("{}.{replica}", process.name)));
        let memory = process.memory.or(config.max_memory);
        if !env.iter().any(|(key, _)| key == "WEB_CONCURRENCY") {
            // Heroku's hint to gunicorn, Puma and the like: how many workers fit.
            let workers = web_concurrency(memory);
            env.push(("WEB_CONCURRENCY".to_string(), workers.to_string()));
        }
        if config.mypaas {
            add_mypaas_env(&mut env, &release.app, process.scale, port, &name);
        }
        let labels = HashMap::from([
            (labels::APP.to_string(), release.app.to_string()),
            (
                labels::RELEASE.to_string(),
                release.version.get().to_string(),
            ),
            (labels::PROCESS.to_string(), process.name.to_string()),
            (labels::REPLICA.to_string(), replica.to_string()),
            (
                INSTANCE_LABEL.to_string(),
                self.settings.instance_id.clone(),
            ),
        ]);
        Ok(ContainerSpec {
            name,
            image: release.image.clone(),
            env,
            labels,
            cmd: process.command.as_ref().map(|command| shell(command)),
            mounts: self.mounts_for(&release.app, spec)?,
            memory_bytes: memory.map(|m| m as i64),
            nano_cpus: process
                .cpus
                .or(config.max_cpus)
                .map(wharf_domain::cpus_to_nano),
            restart: RestartPolicy::UnlessStopped,
            network: None,
            extra_networks: self.linked_networks(&release.app)?,
            // SIGTERM reaches the app even when it would run as PID 1 without a handler
            // (busybox httpd, many Node apps), so a stop takes moments, not the stop grace.
            init: true,
            ..Default::default()
        })
    }

    /// The private networks of the services linked to `app`, which its containers join.
    pub(crate) fn linked_networks(&self, app: &AppName) -> Result<Vec<String>, DeployError> {
        Ok(self
            .store
            .links_of_app(app)?
            .iter()
            .map(|link| link.service.resource_name())
            .collect())
    }

    /// Stop and remove containers, logging (not failing on) errors: used on cleanup paths.
    pub(crate) async fn remove_containers(&self, ids: impl IntoIterator<Item = String>) {
        let grace = self.settings.stop_grace;
        let removals = ids.into_iter().map(|id| async move {
            if let Err(err) = self.docker.stop_and_remove(&id, grace).await {
                tracing::warn!(container = %id, error = %err, "could not remove container");
            }
        });
        join_all(removals).await;
    }
}

/// A command line run by the image's shell, so `$PORT` and friends expand as in Heroku.
pub(crate) fn shell(command: &str) -> Vec<String> {
    vec!["/bin/sh".to_string(), "-c".to_string(), command.to_string()]
}
