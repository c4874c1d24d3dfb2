//! An app's containers and the changes to its processes: scale, limits, stop/start/restart.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use wharf_domain::ProcessName;

/// One process type of the running release and its scale, as `GET /v1/apps/{app}/formation`
/// lists it (`wharf ps` names those not started).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProcessFormation {
    /// The Procfile process (`web` always).
    pub process: String,
    /// For `web`, the meaning of `# wharf.scale` (0: one container replaced in place); for the
    /// others, how many containers run.
    pub scale: u32,
    /// False for a process other than `web` at scale 0: it has no container.
    pub started: bool,
}

/// One container of an app, as `GET /v1/apps/{app}/ps` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProcessStatus {
    /// The container's name.
    pub container: String,
    /// The Procfile process, or for one of Wharf's task containers the task (`run`, `cron`...).
    pub process: String,
    /// Whether this is a task container (`wharf run`, a cron job, a deploy's command) rather
    /// than a process of the Procfile; a Procfile process may be named like a task.
    pub task: bool,
    /// Which of the process's containers this is (`1`, `2`...); empty for tasks.
    pub replica: String,
    /// The release it runs (its number).
    pub release: String,
    /// The engine's state (`running`, `exited`...), or `draining`/`stopping` for an instance a
    /// deploy replaced.
    pub state: String,
    /// When it started (RFC 3339).
    pub started_at: Option<String>,
    /// For web instances in the route: whether the proxy sends them traffic.
    pub healthy: Option<bool>,
}

/// `POST /v1/apps/{app}/scale`: how many containers each named process runs, e.g.
/// `{"web": 2, "worker": 1}`; a key that is no process name is refused as the body is read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(value_type = BTreeMap<String, u32>)]
pub struct ScaleRequest(pub BTreeMap<ProcessName, u32>);

/// The query of `POST /v1/apps/{app}/scale`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScaleQuery {
    /// `false` stores the scale for the next deploy only.
    #[serde(default = "yes")]
    pub deploy: bool,
}

impl Default for ScaleQuery {
    fn default() -> ScaleQuery {
        ScaleQuery { deploy: true }
    }
}

fn yes() -> bool {
    true
}

/// `POST /v1/apps/{app}/limits`: a process's memory and CPU limits (at least one of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LimitsRequest {
    /// A process name, refused as the body is read if it is not one.
    #[schema(value_type = String)]
    pub process: ProcessName,
    /// e.g. `512m`, `1g`.
    #[serde(default)]
    pub memory: Option<String>,
    /// e.g. `0.5`, `2`.
    #[serde(default)]
    pub cpus: Option<String>,
}

/// `POST /v1/apps/{app}/stop`, `/start` and `/restart`: the app's processes, or one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LifecycleRequest {
    /// One process only; all of them when `null`. A name that is not a process name is
    /// refused as the body is read.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub process: Option<ProcessName>,
}

/// What `wharf stop|start|restart` asks of an app's processes; each has a route of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleAction {
    Stop,
    Start,
    Restart,
}

impl LifecycleAction {
    /// The route that carries the action.
    pub fn path(self) -> &'static str {
        match self {
            LifecycleAction::Stop => crate::paths::STOP,
            LifecycleAction::Start => crate::paths::START,
            LifecycleAction::Restart => crate::paths::RESTART,
        }
    }
}
