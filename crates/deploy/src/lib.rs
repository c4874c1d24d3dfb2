//! Wharf's deploy pipeline: from a validated build context to an app answering on its domains.
//!
//! A deploy reads top to bottom in [`Deployer::deploy`]: parse the Dockerfile's settings, record a
//! release, build its image, start its instances, wait until they are healthy (failing at once
//! if one dies), record the release active and switch the routes: it is live. The instances of
//! the release it replaces then drain and go in the background. Anything that fails before the
//! switch leaves the running release untouched.
//!
//! One module per noun the [`Deployer`] deals in: the deployer itself (`deployer`), its
//! pipeline (`deploy`), the containers it makes (`container`), the web process's `instances`
//! (start, replace, retire), their `health`, the release's `processes` (scale, limits,
//! stop/start/restart, ps, formation), Wharf's own one-off `tasks` (runs, cron, a deploy's
//! commands), `logs` and the `app_logs` store that keeps them, an app's `domains`, `storage`
//! and `config`, `rollback`, `destroy` and
//! `reconcile`.

mod app_logs;
mod config;
mod container;
mod deployer;
mod destroy;
mod domains;
mod error;
mod health;
mod instances;
mod leave;
mod live;
mod logs;
mod pipeline;
mod processes;
mod progress;
mod reconcile;
mod registry;
mod rollback;
mod storage;
mod tasks;

pub use app_logs::{
    AppLogError, AppLogs, DEFAULT_MAX_AGE, DEFAULT_MAX_BYTES, LogBounds, LogFilter, MIN_MAX_BYTES,
    Position, StoredLine,
};
pub use config::{ConfigChange, ConfigOutcome};
pub use deployer::{DeploySettings, Deployer, INSTANCE_LABEL, image_tag};
pub use domains::AppDomains;
pub use error::DeployError;
pub use instances::{Instance, Instances, Retiring};
pub use leave::LeftCluster;
pub use live::{Ended, LiveDeploy, LiveDeploys};
pub use logs::LogSource;
pub use pipeline::{BuildContext, ContextError, ContextLimits, DeployOutcome, image_context};
pub use processes::{FormationView, Lifecycle, ProcessView};
pub use progress::Progress;
pub use reconcile::ReconcileReport;
pub use registry::{
    ADDRESS_LABEL as REGISTRY_ADDRESS_LABEL, REGISTRY_CONTAINER, REGISTRY_VOLUME, RegistrySettings,
    TrustFile, certs_dir,
};
pub use storage::{StorageChange, StorageOutcome};
pub use tasks::{Job, OneOff, Place, RunOptions, Task, every_minute, place};
pub use wharf_domain::{CronSpec, HealthCheckSpec, ProcessSpec, ReleaseSpec};
