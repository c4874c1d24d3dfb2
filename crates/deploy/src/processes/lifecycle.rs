//! `wharf stop`, `start` and `restart`, per app or per process type. Stopped processes stay
//! stopped across daemon restarts until `wharf start` or the next deploy. A restart of `web`
//! is rolling: one instance at a time leaves the route, drains, restarts, passes its health
//! check and comes back, so an app with two or more replicas keeps serving. In a cluster each
//! process is a Swarm service: a stop sets its replicas to 0 (web's tasks leave the route and
//! drain first), a start sets them back to the process's scale (web's are health-checked and
//! routed again), and a restart of a process other than web is the Swarm's forced rolling
//! update; a restart of web deploys the running release again (same image and config), which
//! replaces every task as a deploy does, health-checked and drained.

use super::swarm::OtherService;
use crate::deployer::INSTANCE_LABEL;
use crate::instances::drain_settled;
use crate::instances::route_for;
use crate::{DeployError, Deployer, Instance, Progress, ReleaseSpec};
use futures_util::future::join_all;
use std::collections::HashSet;
use std::net::SocketAddr;
use wharf_domain::{AppName, ProcessName};
use wharf_proxy::Target;
use wharf_runtime::{ServiceInfo, labels};
use wharf_store::ReleaseRecord;

/// What to do with an app's processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Stop,
    Start,
    Restart,
}

impl Deployer {
    #[tracing::instrument(skip(self, progress))]
    pub async fn lifecycle(
        &self,
        app: &AppName,
        process: Option<&ProcessName>,
        action: Lifecycle,
        progress: &Progress,
    ) -> Result<(), DeployError> {
        // Config stored with `--no-restart` is what a restart of the whole app is for (Dokku's
        // `config:set --no-restart` then `ps:restart`): that restart deploys it.
        if action == Lifecycle::Restart
            && process.is_none()
            && self.deploy_stored_config(app, progress).await?.is_some()
        {
            return Ok(());
        }
        let _guard = self.lock_app(app).await;
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        let release = self
            .store
            .active_release(app)?
            .ok_or_else(|| DeployError::NotDeployed(app.to_string()))?;
        let spec = release.spec.clone();
        // A release whose mounts are refused (recorded before a path was protected) neither
        // starts nor restarts.
        if action != Lifecycle::Stop {
            self.mounts_for(app, &spec)?;
        }
        let all: Vec<ProcessName> = std::iter::once(spec.web().name)
            .chain(spec.others().map(|p| p.name.clone()))
            .collect();
        let chosen: Vec<ProcessName> = match process {
            Some(name) if all.contains(name) => vec![name.clone()],
            Some(name) => {
                return Err(DeployError::NoSuchProcess {
                    app: app.to_string(),
                    process: name.to_string(),
                    known: all
                        .iter()
                        .map(ProcessName::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            None => all,
        };
        let port = self.port_of(&spec, &release.image).await?;
        let cluster = self.runs_services().await?;
        if cluster && action == Lifecycle::Restart && chosen.iter().any(ProcessName::is_web) {
            let web = self.process_service(&release, &ProcessName::web()).await?;
            if let Some(web) = web
                && self.docker.service_replicas(&web.id).await? != Some(0)
            {
                // A Swarm task cannot be restarted in place from here: the release is
                // deployed again, which replaces every task as a deploy does (started,
                // health-checked, switched to, the old ones drained).
                progress.line(
                    "-----> In a cluster, a restart of web deploys the running release again (same image and config): every task is replaced, health-checked and drained",
                );
                let vars = release.spec.vars.clone();
                self.redeploy_with_vars(app, release, vars, "Restarting", progress)
                    .await?;
                return Ok(());
            }
        }
        for name in &chosen {
            if cluster {
                let found = self.process_service(&release, name).await?;
                if let Some(service) = found {
                    self.service_lifecycle(&release, &spec, port, name, &service, action, progress)
                        .await?;
                    continue;
                }
            }
            let ids = self.container_ids(&release, name).await?;
            let web = name.is_web();
            let services = web && cluster;
            match action {
                Lifecycle::Stop => {
                    self.store
                        .set_stopped(app, std::slice::from_ref(name), true)?;
                    if web {
                        self.route_instances(&release, &spec, Vec::new())?;
                    }
                    for id in &ids {
                        self.docker.stop(id, self.settings.stop_grace).await?;
                    }
                    progress.line(format!(
                        "-----> Stopped {app}'s {name} ({})",
                        containers(ids.len())
                    ));
                }
                Lifecycle::Start | Lifecycle::Restart if services => {
                    self.store
                        .set_stopped(app, std::slice::from_ref(name), false)?;
                    // In a cluster a stop takes the web service's tasks out of the route and
                    // leaves them running; a start or restart routes to them again.
                    let tasks = self
                        .restore_service_instances(&release, &spec, port)
                        .await?;
                    progress.line(format!(
                        "-----> {app}'s web routed to its {} Swarm task(s) again (in a cluster the tasks themselves are not restarted yet)",
                        tasks.len()
                    ));
                    self.route_instances(&release, &spec, tasks)?;
                }
                Lifecycle::Start | Lifecycle::Restart if web => {
                    self.store
                        .set_stopped(app, std::slice::from_ref(name), false)?;
                    self.restart_web(&release, &spec, port, &ids, action, progress)
                        .await?;
                }
                Lifecycle::Start | Lifecycle::Restart => {
                    self.store
                        .set_stopped(app, std::slice::from_ref(name), false)?;
                    for id in &ids {
                        if action == Lifecycle::Restart {
                            self.docker.stop(id, self.settings.stop_grace).await?;
                        }
                        self.docker.start(id).await?;
                    }
                    progress.line(format!(
                        "-----> {} {app}'s {name} ({})",
                        if action == Lifecycle::Start {
                            "Started"
                        } else {
                            "Restarted"
                        },
                        containers(ids.len())
                    ));
                }
            }
        }
        Ok(())
    }

    /// In a cluster, stop, start or restart the process `name`, which runs as `service`.
    #[allow(clippy::too_many_arguments)]
    async fn service_lifecycle(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        name: &ProcessName,
        service: &ServiceInfo,
        action: Lifecycle,
        progress: &Progress,
    ) -> Result<(), DeployError> {
        let app = &release.app;
        let web = name.is_web();
        let scale = if web {
            spec.replicas()
        } else {
            spec.others()
                .find(|p| &p.name == name)
                .map_or(0, |p| p.scale)
        };
        let set_to = self.docker.service_replicas(&service.id).await?;
        if action == Lifecycle::Stop {
            self.store
                .set_stopped(app, std::slice::from_ref(name), true)?;
            if web {
                // Out of the route first; requests in flight finish before the tasks stop.
                let leaving = self.instances.serving(app);
                self.route_instances(release, spec, Vec::new())?;
                join_all(
                    leaving
                        .iter()
                        .map(|i| drain_settled(&i.target, self.settings.drain_timeout)),
                )
                .await;
            }
            self.docker.set_service_replicas(&service.id, 0).await?;
            progress.line(format!(
                "-----> Stopped {app}'s {name} (its Swarm service {} set to 0 tasks)",
                service.name
            ));
            return Ok(());
        }
        self.store
            .set_stopped(app, std::slice::from_ref(name), false)?;
        let stopped = set_to == Some(0);
        if web {
            if stopped {
                self.docker
                    .set_service_replicas(&service.id, u64::from(scale))
                    .await?;
            }
            let tasks = self
                .service_instances(release, spec, &service.id, &service.name, port, progress)
                .await?;
            let count = tasks.len();
            self.route_instances(release, spec, tasks)?;
            progress.line(format!(
                "-----> {app}'s web routed to its {count} Swarm task{}",
                if count == 1 { "" } else { "s" }
            ));
            return Ok(());
        }
        let earlier: HashSet<String> = self
            .docker
            .service_tasks(&service.id, 0)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect();
        let change = worker_change(action, stopped, set_to, scale);
        match change {
            ServiceChange::SetReplicas => {
                self.docker
                    .set_service_replicas(&service.id, u64::from(scale))
                    .await?;
            }
            ServiceChange::Replace => self.docker.force_update_service(&service.id).await?,
            ServiceChange::Nothing => {}
        }
        if change != ServiceChange::Nothing {
            let waited = [OtherService::of(service, name, scale)];
            self.wait_others_settled(release, spec, &waited, &earlier)
                .await?;
        }
        let what = if action == Lifecycle::Start {
            "Started"
        } else {
            "Restarted"
        };
        progress.line(format!(
            "-----> {what} {app}'s {name} (its Swarm service {} runs {scale} task{})",
            service.name,
            if scale == 1 { "" } else { "s" }
        ));
        Ok(())
    }

    /// Start or restart the web containers one at a time, each health-checked before it goes
    /// back into the route.
    async fn restart_web(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        ids: &[String],
        action: Lifecycle,
        progress: &Progress,
    ) -> Result<(), DeployError> {
        let app = &release.app;
        let mut serving = self.instances.serving(app);
        let path = spec.config.healthcheck.as_deref();
        let app_check = spec.startup_check(self.settings.probe_defaults());
        let domains = self.domains_for(app, spec)?;
        let address = domains.first();
        for id in ids {
            if let Some(pos) = serving.iter().position(|i| &i.container_id == id) {
                let leaving = serving.remove(pos);
                self.route_instances(release, spec, serving.clone())?;
                drain_settled(&leaving.target, self.settings.drain_timeout).await;
            }
            if action == Lifecycle::Restart {
                self.docker.stop(id, self.settings.stop_grace).await?;
            }
            self.docker.start(id).await?;
            let info = self.docker.inspect(id).await?;
            let addr: SocketAddr = self
                .wait_healthy(&info, port, path, address, app_check.as_ref())
                .await?;
            progress.line(format!("       {} is back and healthy", info.name));
            serving.push(Instance {
                container_id: info.id.clone(),
                name: info.name.clone(),
                target: Target::new(addr),
                service: None,
            });
            self.route_instances(release, spec, serving.clone())?;
        }
        Ok(())
    }

    /// Point the app's domains at exactly `instances`.
    pub(crate) fn route_instances(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        instances: Vec<Instance>,
    ) -> Result<(), DeployError> {
        let domains = self
            .store
            .app(&release.app)?
            .map(|a| a.domains)
            .unwrap_or_default();
        let route = route_for(&release.app, &spec.config, &instances, &domains);
        self.router.set_app(release.app.as_str(), &domains, route);
        self.instances.set(&release.app, release.version, instances);
        Ok(())
    }

    /// The containers of the release's `process`.
    async fn container_ids(
        &self,
        release: &ReleaseRecord,
        process: &ProcessName,
    ) -> Result<Vec<String>, DeployError> {
        let version = release.version.get().to_string();
        let filters = [
            (labels::APP, release.app.as_str()),
            (INSTANCE_LABEL, self.settings.instance_id.as_str()),
            (labels::RELEASE, version.as_str()),
            (labels::PROCESS, process.as_str()),
        ];
        Ok(self
            .docker
            .list(&filters)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect())
    }
}

/// What a start or restart does to the service of a process other than web.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServiceChange {
    /// Run the process's scale of tasks again (it was stopped, or runs another number).
    SetReplicas,
    /// Replace every task, one at a time (the Swarm's forced update).
    Replace,
    /// It runs as it should already.
    Nothing,
}

/// The change `action` makes to a service of a process of `scale` that is `stopped` (as
/// recorded) and set to `set_to` tasks now (`None`: unknown).
fn worker_change(
    action: Lifecycle,
    stopped: bool,
    set_to: Option<u64>,
    scale: u32,
) -> ServiceChange {
    if stopped || set_to != Some(u64::from(scale)) {
        ServiceChange::SetReplicas
    } else if action == Lifecycle::Restart {
        ServiceChange::Replace
    } else {
        ServiceChange::Nothing
    }
}

/// `1 container`, `2 containers`.
fn containers(count: usize) -> String {
    match count {
        1 => "1 container".to_string(),
        n => format!("{n} containers"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_worker_gets_its_tasks_back_and_a_running_one_is_replaced_on_restart() {
        use Lifecycle::{Restart, Start};
        use ServiceChange::{Nothing, Replace, SetReplicas};
        // Stopped: 0 tasks; a start or a restart sets the scale again.
        assert_eq!(worker_change(Start, true, Some(0), 2), SetReplicas);
        assert_eq!(worker_change(Restart, true, Some(0), 2), SetReplicas);
        // Running as it should: a start changes nothing, a restart replaces the tasks.
        assert_eq!(worker_change(Start, false, Some(2), 2), Nothing);
        assert_eq!(worker_change(Restart, false, Some(2), 2), Replace);
        // Set to another number (changed by hand): back to the process's scale.
        assert_eq!(worker_change(Start, false, Some(5), 2), SetReplicas);
        assert_eq!(worker_change(Restart, false, None, 2), SetReplicas);
    }
}
