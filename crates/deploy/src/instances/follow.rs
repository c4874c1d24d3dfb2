//! Following the Swarm between deploys: in a cluster, the Swarm moves an app's web tasks on
//! its own (a task that crashes is replaced, a node that dies has its tasks started on the
//! others). Once a second, for every app served by its live release's service, this compares
//! the route's tasks with the service's tasks as the engine lists them: a task that stopped
//! running, is meant to stop, or sits on a node that is not `ready` leaves the route at once;
//! a new task that runs on a ready node is health-checked at its node's address (as a deploy
//! checks it) and then joins the route. The engine sends no events for tasks, so the task list
//! is polled (one list of tasks and one of nodes per app and second). An app whose lock is held
//! (a deploy, scale, stop or restore under way) is left to that for the round.

use super::service::{service_name, task_name};
use crate::deployer::INSTANCE_LABEL;
use crate::health::TaskProbe;
use crate::{DeployError, Deployer, Instance};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use wharf_domain::AppName;
use wharf_proxy::Target;
use wharf_runtime::{ServiceTask, labels};
use wharf_store::ReleaseRecord;

/// How often the tasks are compared while the engine is a Swarm manager.
const FOLLOW_INTERVAL: Duration = Duration::from_secs(1);
/// How often a server that is not a cluster checks whether it became one.
const IDLE_INTERVAL: Duration = Duration::from_secs(5);

/// Tasks whose health check is under way, by task ID, so a task is checked once at a time.
type Probing = Arc<Mutex<HashSet<String>>>;

impl Deployer {
    /// Keep every served app's route in line with its live release's service tasks until
    /// `shutdown`; does nothing on a server that is not a Swarm manager.
    pub async fn follow_service_tasks(self: Arc<Self>, shutdown: CancellationToken) {
        let probing: Probing = Arc::default();
        loop {
            let pause = match self.runs_services().await {
                Ok(true) => {
                    self.follow_once(&probing).await;
                    FOLLOW_INTERVAL
                }
                Ok(false) => IDLE_INTERVAL,
                Err(err) => {
                    tracing::debug!(error = %err, "cannot tell whether the engine is a Swarm manager");
                    IDLE_INTERVAL
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    async fn follow_once(self: &Arc<Self>, probing: &Probing) {
        let apps = match self.store.apps() {
            Ok(apps) => apps,
            Err(err) => {
                tracing::warn!(error = %err, "cannot list the apps");
                return;
            }
        };
        for app in apps {
            if let Err(err) = self.follow_app(&app.name, probing).await {
                tracing::warn!(app = %app.name, error = %err, "could not compare the app's route with its Swarm tasks");
            }
        }
    }

    /// One app: drop the route's tasks that no longer serve, start health checks of new ones.
    async fn follow_app(
        self: &Arc<Self>,
        app: &AppName,
        probing: &Probing,
    ) -> Result<(), DeployError> {
        let Some(_guard) = self.try_lock_app(app) else {
            return Ok(());
        };
        let Some(followed) = self.followed(app).await? else {
            return Ok(());
        };
        let Followed {
            release,
            serving,
            service_id,
            service,
            port,
        } = followed;
        let tasks = self.docker.service_tasks(&service_id, port).await?;
        let by_id: HashMap<&str, &ServiceTask> = tasks.iter().map(|t| (t.id.as_str(), t)).collect();
        let (kept, gone): (Vec<Instance>, Vec<Instance>) = serving.into_iter().partition(|i| {
            by_id
                .get(i.container_id.as_str())
                .is_some_and(|t| t.serves())
        });
        if !gone.is_empty() {
            for instance in &gone {
                let why = by_id
                    .get(instance.container_id.as_str())
                    .map(|t| why_not_serving(t))
                    .unwrap_or_else(|| "the Swarm no longer lists it".to_string());
                tracing::warn!(task = %instance.name, target = %instance.target.addr(), why, "taking a task out of the route");
            }
            self.route_instances(&release, &release.spec, kept.clone())?;
        }
        for task in tasks.iter().filter(|t| t.serves()) {
            if kept.iter().any(|i| i.container_id == task.id) {
                continue;
            }
            let Some(addr) = task.addr else { continue };
            if !lock(probing).insert(task.id.clone()) {
                continue;
            }
            let joining = Joining {
                release: release.clone(),
                service_id: service_id.clone(),
                task_id: task.id.clone(),
                name: task_name(&service, task),
                addr,
                port,
            };
            tracing::info!(task = %joining.name, %addr, "a new task of the service runs: checking its health");
            let (deployer, probing) = (self.clone(), probing.clone());
            tokio::spawn(
                async move {
                    if let Err(err) = deployer.admit(&joining).await {
                        tracing::warn!(task = %joining.name, error = %err, "not routing to the new task");
                    }
                    lock(&probing).remove(&joining.task_id);
                }
                .instrument(tracing::Span::current()),
            );
        }
        Ok(())
    }

    /// What is followed of `app` (its lock held): its live release's web service, when the
    /// route serves that release from the service's tasks and the web process is not stopped.
    async fn followed(&self, app: &AppName) -> Result<Option<Followed>, DeployError> {
        let Some(release) = self.store.active_release(app)? else {
            return Ok(None);
        };
        let web = release.spec.web();
        if self.store.stopped_processes(app)?.contains(&web.name) {
            return Ok(None);
        }
        let Some((version, serving)) = self.instances.get(app) else {
            return Ok(None);
        };
        // Another release's instances, or containers (an app deployed before the cluster).
        if version != release.version || serving.iter().any(|i| i.service.is_none()) {
            return Ok(None);
        }
        let service = service_name(&release, &web.name);
        let service_id = match serving.iter().find_map(|i| i.service.clone()) {
            Some(id) => id,
            None => {
                // Every task left the route: the service is found by its name.
                let mine = [
                    (INSTANCE_LABEL, self.settings.instance_id.as_str()),
                    (labels::APP, app.as_str()),
                ];
                let found = self
                    .docker
                    .list_services(&mine)
                    .await?
                    .into_iter()
                    .find(|s| s.name == service);
                match found {
                    Some(s) => s.id,
                    None => return Ok(None),
                }
            }
        };
        let port = self.port_of(&release.spec, &release.image).await?;
        Ok(Some(Followed {
            release,
            serving,
            service_id,
            service,
            port,
        }))
    }

    /// Health-check a new task as a deploy does, then add it to the route if, under the app's
    /// lock, its release is still the live one and the task still serves.
    async fn admit(&self, joining: &Joining) -> Result<(), DeployError> {
        let release = &joining.release;
        let spec = &release.spec;
        let app = &release.app;
        let path = spec.config.healthcheck.as_deref();
        let app_check = spec.startup_check(self.settings.probe_defaults());
        let domains = self.domains_for(app, spec)?;
        let probe = TaskProbe {
            app,
            name: &joining.name,
            addr: joining.addr,
            port: joining.port,
        };
        let addr = self
            .wait_task_healthy(&probe, path, domains.first(), app_check.as_ref())
            .await?;
        let _guard = self.lock_app(app).await;
        let Some(followed) = self.followed(app).await? else {
            return Ok(());
        };
        if followed.release.version != release.version
            || followed.service_id != joining.service_id
            || followed
                .serving
                .iter()
                .any(|i| i.container_id == joining.task_id)
        {
            return Ok(());
        }
        let tasks = self
            .docker
            .service_tasks(&joining.service_id, joining.port)
            .await?;
        if !tasks
            .iter()
            .any(|t| t.id == joining.task_id && t.serves() && t.addr == Some(addr))
        {
            return Ok(());
        }
        let mut serving = followed.serving;
        serving.push(Instance {
            container_id: joining.task_id.clone(),
            name: joining.name.clone(),
            target: Target::new(addr),
            service: Some(joining.service_id.clone()),
        });
        tracing::info!(task = %joining.name, %addr, serving = serving.len(), "the new task is healthy: routing to it");
        self.route_instances(release, spec, serving)
    }
}

/// An app whose route follows its live release's service.
struct Followed {
    release: ReleaseRecord,
    serving: Vec<Instance>,
    service_id: String,
    /// The service's name.
    service: String,
    port: u16,
}

/// A new task being checked before it joins the route.
struct Joining {
    release: ReleaseRecord,
    service_id: String,
    task_id: String,
    name: String,
    addr: SocketAddr,
    port: u16,
}

/// Why a task listed by the Swarm no longer serves, for the log.
fn why_not_serving(task: &ServiceTask) -> String {
    if !task.node_ready {
        format!(
            "its node {} is not ready",
            task.node.as_deref().unwrap_or("?")
        )
    } else {
        format!(
            "it is {} (meant to be {}){}",
            task.state,
            task.desired_state,
            task.error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        )
    }
}

fn lock(probing: &Probing) -> std::sync::MutexGuard<'_, HashSet<String>> {
    probing.lock().unwrap_or_else(|p| p.into_inner())
}
