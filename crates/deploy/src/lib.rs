//! Wharf's deploy pipeline: from a validated build context to an app answering on its domains.
//!
//! A deploy reads top to bottom in [`Deployer::deploy`]: parse the Dockerfile's settings, record a
//! release, build its image, start its instances, wait until they are healthy (failing at once
//! if one dies), record the release active and switch the routes: it is live. The instances of
//! the release it replaces then drain and go in the background. Anything that fails before the
//! switch leaves the running release untouched.

mod config;
mod context;
mod cron;
mod deployer;
mod destroy;
mod domains;
mod error;
mod fits_server;
mod health;
mod instances;
mod mount_guard;
mod mypaas_env;
mod predeploy;
mod processes;
mod progress;
mod prune;
mod reconcile;
mod retire;
mod rollback;
mod run;
mod spec;
mod storage;
mod task;
mod tasks;

pub use config::{ConfigChange, ConfigOutcome};
pub use context::{BuildContext, ContextError, ContextLimits};
pub use cron::every_minute;
pub use deployer::{DeployOutcome, DeploySettings, Deployer, INSTANCE_LABEL, image_tag};
pub use domains::AppDomains;
pub use error::DeployError;
pub use instances::{Instance, Instances};
pub use processes::{FormationView, Lifecycle, ProcessView};
pub use progress::Progress;
pub use reconcile::ReconcileReport;
pub use retire::Retiring;
pub use run::{LogSource, OneOff, RunOptions};
pub use storage::{StorageChange, StorageOutcome};
pub use task::Task;
pub use wharf_domain::{CronSpec, HealthCheckSpec, ProcessSpec, ReleaseSpec};
