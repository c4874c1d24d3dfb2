//! Wharf's deploy pipeline: from a validated build context to an app answering on its domains.
//!
//! A deploy reads top to bottom in [`Deployer::deploy`]: parse the Dockerfile's settings, record a
//! release, build its image, start its instances, wait until they are healthy (failing at once
//! if one dies), record the release active and switch the routes: it is live. The instances of
//! the release it replaces then drain and go in the background. Anything that fails before the
//! switch leaves the running release untouched.

mod config;
mod context;
mod deployer;
mod destroy;
mod domains;
mod error;
mod fits_server;
mod health;
mod instances;
mod logs;
mod mount_guard;
mod mypaas_env;
mod processes;
mod progress;
mod prune;
mod reconcile;
mod retire;
mod rollback;
mod spec;
mod storage;
mod tasks;

pub use config::{ConfigChange, ConfigOutcome};
pub use context::{BuildContext, ContextError, ContextLimits};
pub use deployer::{DeployOutcome, DeploySettings, Deployer, INSTANCE_LABEL, image_tag};
pub use domains::AppDomains;
pub use error::DeployError;
pub use instances::{Instance, Instances};
pub use logs::LogSource;
pub use processes::{FormationView, Lifecycle, ProcessView};
pub use progress::Progress;
pub use reconcile::ReconcileReport;
pub use retire::Retiring;
pub use storage::{StorageChange, StorageOutcome};
pub use tasks::{OneOff, RunOptions, Task, every_minute};
pub use wharf_domain::{CronSpec, HealthCheckSpec, ProcessSpec, ReleaseSpec};
