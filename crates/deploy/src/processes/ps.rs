//! `wharf ps`: every container of an app, with its process, release, state, start time and,
//! for web instances, whether the proxy considers it healthy (in a cluster, the web service's
//! tasks in the route, each named with its node). Instances a deploy replaced show
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
        // In a cluster the web process is a Swarm service: its tasks run on any node, and
        // those in the route are listed as `SERVICE.SLOT@NODE`.
        if let Some((version, instances)) = self.instances.get(app) {
            views.extend(
                instances
                    .iter()
                    .filter(|i| i.service.is_some())
                    .map(|i| ProcessView {
                        container: i.name.clone(),
                        process: wharf_domain::ProcessName::web().to_string(),
                        task: false,
                        replica: task_slot(&i.name),
                        release: version.get().to_string(),
                        state: "running".to_string(),
                        started_at: None,
                        healthy: Some(i.target.is_healthy()),
                    }),
            );
        }
        views.sort_by(|a, b| (&a.process, &a.replica).cmp(&(&b.process, &b.replica)));
        Ok(views)
    }
}

/// The slot of a service task named `wharf-blog-web-v3.2@node2`: `2`.
fn task_slot(name: &str) -> String {
    name.split_once('.')
        .and_then(|(_, rest)| rest.split_once('@'))
        .map(|(slot, _)| slot.to_string())
        .unwrap_or_default()
}
