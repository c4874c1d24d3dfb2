//! `wharf ps`: every container of an app, with its process, release, state, start time and,
//! for web instances, whether the proxy considers it healthy (in a cluster, the tasks of its
//! process services, web's and workers', read from the Swarm and each named with its node:
//! those in the route, those starting, and those of a replaced release). Instances a deploy replaced show
//! as `draining`, then `stopping`, until their container is gone. Beside them, the running
//! release's formation: each process type and its scale, so that processes left at scale 0
//! (which have no container) can be named.

use crate::deployer::INSTANCE_LABEL;
use crate::tasks::task_of;
use crate::{DeployError, Deployer};
use wharf_domain::AppName;
use wharf_runtime::labels;

/// One container of an app, as `wharf ps` shows it.
#[derive(Debug, Clone)]
pub struct ProcessView {
    pub container: String,
    /// The Procfile process, or for one of Wharf's task containers the task (`run`, `cron`...).
    pub process: String,
    /// Whether this is a task container (`wharf run`, a cron job, a deploy's command) rather
    /// than a process of the Procfile; a Procfile process may be named like a task.
    pub task: bool,
    pub replica: String,
    pub release: String,
    pub state: String,
    pub started_at: Option<String>,
    /// For web instances in the route: whether the proxy sends them traffic.
    pub healthy: Option<bool>,
}

/// One process type of the running release and its scale, as `wharf ps` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FormationView {
    pub process: String,
    /// For `web`, the meaning of `# wharf.scale` (0: one container replaced in place); for the
    /// others, how many containers run.
    pub scale: u32,
    /// False for a process other than `web` at scale 0: it has no container.
    pub started: bool,
}

impl Deployer {
    /// The running release's process types and their scale; empty before the first deploy.
    pub fn formation(&self, app: &AppName) -> Result<Vec<FormationView>, DeployError> {
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        let Some(active) = self.store.active_release(app)? else {
            return Ok(Vec::new());
        };
        let spec = active.spec.clone();
        let web = spec.web();
        Ok(std::iter::once(&web)
            .chain(spec.others())
            .map(|p| FormationView {
                process: p.name.to_string(),
                scale: p.scale,
                started: p.name.is_web() || p.scale > 0,
            })
            .collect())
    }

    pub async fn ps(&self, app: &AppName) -> Result<Vec<ProcessView>, DeployError> {
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        let filters = [
            (labels::APP, app.as_str()),
            (INSTANCE_LABEL, self.settings.instance_id.as_str()),
        ];
        let routed = self.instances.serving(app);
        let label = |c: &wharf_runtime::ContainerInfo, key: &str| {
            c.labels.get(key).cloned().unwrap_or_default()
        };
        let mut views: Vec<ProcessView> = self
            .docker
            .list(&filters)
            .await?
            .into_iter()
            .map(|c| ProcessView {
                healthy: routed
                    .iter()
                    .find(|i| i.container_id == c.id)
                    .map(|i| i.target.is_healthy()),
                process: task_of(&c)
                    .map(str::to_string)
                    .unwrap_or_else(|| label(&c, labels::PROCESS)),
                task: task_of(&c).is_some(),
                replica: label(&c, labels::REPLICA),
                release: label(&c, labels::RELEASE),
                state: match self.retirements.phase(&c.id) {
                    Some(phase) => phase.as_str().to_string(),
                    None => c.state,
                },
                container: c.name,
                started_at: c.started_at,
            })
            .collect();
        // In a cluster the processes are Swarm services: their tasks run on any node.
        if self.runs_services().await? {
            views.extend(self.task_views(&filters, &routed).await?);
        }
        views.sort_by(|a, b| (&a.process, &a.replica).cmp(&(&b.process, &b.replica)));
        Ok(views)
    }
}

impl Deployer {
    /// The tasks of the app's process services (web's and the others'), as `SERVICE.SLOT@NODE`: those in the route (with
    /// their health), those of a replaced release still draining, and those the Swarm is
    /// starting (pending, preparing, or running but not yet checked). Tasks the Swarm has
    /// given up on (replaced, or on a node that is not `ready`) are left out.
    async fn task_views(
        &self,
        filters: &[(&str, &str)],
        routed: &[crate::Instance],
    ) -> Result<Vec<ProcessView>, DeployError> {
        let mut views = Vec::new();
        for service in self.docker.list_services(filters).await? {
            if service.labels.contains_key(labels::TASK) {
                continue; // A one-off, release or cron job: not a process.
            }
            let label = |key: &str| service.labels.get(key).cloned().unwrap_or_default();
            for task in self.docker.service_tasks(&service.id, 0).await? {
                let in_route = routed.iter().find(|i| i.container_id == task.id);
                let phase = self.retirements.phase(&task.id);
                if in_route.is_none()
                    && phase.is_none()
                    && (task.desired_state != "running" || !task.node_ready)
                {
                    continue;
                }
                let node = task.node.clone().unwrap_or_else(|| "?".to_string());
                views.push(ProcessView {
                    container: format!("{}.{}@{node}", service.name, task.slot),
                    process: label(labels::PROCESS),
                    task: false,
                    replica: task.slot.to_string(),
                    release: label(labels::RELEASE),
                    state: match phase {
                        Some(phase) => phase.as_str().to_string(),
                        None => task.state.clone(),
                    },
                    started_at: task.started_at.clone(),
                    healthy: in_route.map(|i| i.target.is_healthy()),
                });
            }
        }
        Ok(views)
    }
}
