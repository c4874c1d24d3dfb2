//! `wharf ps`: every container of an app, with its process, release, state, start time and,
//! for web instances, whether the proxy considers it healthy. Instances a deploy replaced show
//! as `draining`, then `stopping`, until their container is gone.

use crate::deployer::INSTANCE_LABEL;
use crate::task::task_of;
use crate::{DeployError, Deployer};
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

impl Deployer {
    pub async fn ps(&self, app: &str) -> Result<Vec<ProcessView>, DeployError> {
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        let filters = [
            (labels::APP, app),
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
        views.sort_by(|a, b| (&a.process, &a.replica).cmp(&(&b.process, &b.replica)));
        Ok(views)
    }
}
