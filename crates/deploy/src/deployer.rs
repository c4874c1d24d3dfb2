//! The `Deployer`: Wharf's one deployer for one server, one app at a time. This file owns the
//! noun itself (its settings, its state, the per-app lock); what it does is in the modules
//! named for what they own: the pipeline ([`crate::deploy`]), containers
//! ([`crate::container`]), [`crate::instances`], [`crate::health`], [`crate::processes`],
//! [`crate::tasks`], [`crate::domains`], [`crate::storage`], [`crate::config`],
//! [`crate::rollback`], [`crate::destroy`] and [`crate::reconcile`].

use crate::Instances;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wharf_domain::{AppName, ProtectedPaths, ReleaseVersion};
use wharf_proxy::Router;
use wharf_runtime::Docker;
use wharf_store::Store;

/// Label that ties a container or image to one Wharf server (its data directory), so two
/// servers sharing an engine never touch each other's containers.
pub const INSTANCE_LABEL: &str = "wharf.instance";

/// Timeouts and identity for deploys. Defaults suit a small VPS.
#[derive(Debug, Clone)]
pub struct DeploySettings {
    /// How long new instances get to pass their health check.
    pub health_timeout: Duration,
    /// Pause between health probes.
    pub health_interval: Duration,
    /// Timeout of one health probe.
    pub probe_timeout: Duration,
    /// How long replaced instances get to finish in-flight requests.
    pub drain_timeout: Duration,
    /// Grace between SIGTERM and SIGKILL when stopping a container.
    pub stop_grace: Duration,
    /// This server's identity, put on everything it creates.
    pub instance_id: String,
    /// How many recent releases keep their image for rollbacks.
    pub keep_releases: usize,
    /// Server paths no storage mount may reach (the system's, the data directory's).
    pub protected_paths: ProtectedPaths,
    /// The server's own host name (`--api-domain`), which no app may take.
    pub api_domain: Option<wharf_domain::DomainName>,
    /// The host path of the certificate of the CA that issues database services' certificates;
    /// linked apps' containers get it read-only at `wharf_domain::SERVICES_CA_IN_APPS`.
    pub services_ca: Option<std::path::PathBuf>,
    /// Where apps' container output is kept (`DATA/app-logs`), and its bounds.
    pub app_logs: Arc<crate::AppLogs>,
    /// The cluster's image registry, run on the manager once this server is a cluster.
    pub registry: crate::RegistrySettings,
    /// Whether the overlay networks linked apps' tasks reach databases on are encrypted
    /// (IPsec between nodes); off only for kernels that cannot do it (`--unencrypted-overlays`).
    pub encrypt_overlays: bool,
}

impl DeploySettings {
    pub fn new(instance_id: impl Into<String>) -> DeploySettings {
        DeploySettings {
            health_timeout: Duration::from_secs(60),
            health_interval: Duration::from_millis(250),
            probe_timeout: Duration::from_secs(2),
            drain_timeout: Duration::from_secs(30),
            stop_grace: Duration::from_secs(10),
            instance_id: instance_id.into(),
            keep_releases: 5,
            protected_paths: ProtectedPaths::new("/var/lib/wharf"),
            api_domain: None,
            services_ca: None,
            app_logs: Arc::new(crate::AppLogs::new(
                "/var/lib/wharf/app-logs",
                crate::LogBounds::default(),
            )),
            registry: crate::RegistrySettings::default(),
            encrypt_overlays: true,
        }
    }
}

/// Runs deploys, destroys and the start-up reconcile. Deploys of one app are serialised.
pub struct Deployer {
    pub(crate) store: Arc<Store>,
    pub(crate) docker: Docker,
    pub(crate) router: Arc<Router>,
    pub(crate) settings: DeploySettings,
    pub(crate) instances: Instances,
    pub(crate) cron_jobs: crate::tasks::RunningJobs,
    pub(crate) retirements: crate::instances::Retirements,
    /// The jobs whose output the log follower has stored (see [`crate::app_logs::JobOutputs`]).
    pub(crate) job_outputs: Arc<crate::app_logs::JobOutputs>,
    pub(crate) live: crate::live::LiveDeploys,
    locks: Mutex<HashMap<AppName, Arc<tokio::sync::Mutex<()>>>>,
    /// Held while the registry starts, an image is pushed to it, or it is pruned: a garbage
    /// collection must not run during a push.
    pub(crate) registry_lock: tokio::sync::Mutex<()>,
    /// Set while `wharf cluster leave` moves apps back to containers: deploys then make
    /// containers although the engine is still a Swarm manager.
    pub(crate) leaving_cluster: std::sync::atomic::AtomicBool,
}

/// The image tag of release `version` of `app`.
pub fn image_tag(app: &AppName, version: ReleaseVersion) -> String {
    format!("wharf/{app}:{version}")
}

impl Deployer {
    pub fn new(
        store: Arc<Store>,
        docker: Docker,
        router: Arc<Router>,
        settings: DeploySettings,
    ) -> Deployer {
        Deployer {
            store,
            docker,
            router,
            settings,
            instances: Instances::default(),
            cron_jobs: Default::default(),
            retirements: Default::default(),
            job_outputs: Default::default(),
            live: Default::default(),
            locks: Mutex::new(HashMap::new()),
            registry_lock: tokio::sync::Mutex::new(()),
            leaving_cluster: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The store of every app's container output.
    pub fn app_logs(&self) -> &Arc<crate::AppLogs> {
        &self.settings.app_logs
    }

    pub fn instances(&self) -> &Instances {
        &self.instances
    }

    /// The proxy's routing table, whose traffic counters `/metrics` reads.
    pub fn router(&self) -> &Arc<Router> {
        &self.router
    }

    /// Each app's latest deploy, to watch as it happens.
    pub fn live(&self) -> &crate::live::LiveDeploys {
        &self.live
    }

    /// The Docker engine this deployer runs containers on.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    pub(crate) async fn lock_app(&self, app: &AppName) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
            locks.entry(app.clone()).or_default().clone()
        };
        lock.lock_owned().await
    }

    /// The app's lock if nobody holds it now (a deploy, scale or stop under way does).
    pub(crate) fn try_lock_app(&self, app: &AppName) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
            locks.entry(app.clone()).or_default().clone()
        };
        lock.try_lock_owned().ok()
    }
}
