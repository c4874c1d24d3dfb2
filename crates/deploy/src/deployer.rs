//! The `Deployer`: the deploy pipeline for one server, one app at a time.

use crate::mypaas_env::add_mypaas_env;
use crate::spec::check_env_from_config;
use crate::tasks::Task;
use crate::{BuildContext, DeployError, Instance, Instances, Progress, ReleaseSpec};
use futures_util::future::join_all;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::{Instrument, info_span};
use wharf_domain::ProcessSpec;
use wharf_domain::{
    AppConfig, AppJson, AppName, Procfile, ProtectedPaths, ReleaseVersion, domain_of,
    shown_address, url_of,
};
use wharf_proxy::{Route, Router, Target};
use wharf_runtime::{ContainerInfo, ContainerSpec, Docker, RestartPolicy, RuntimeError, labels};
use wharf_store::{ReleaseRecord, Store, StoreError};

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
    pub api_domain: Option<String>,
    /// The host path of the certificate of the CA that issues database services' certificates;
    /// linked apps' containers get it read-only at `wharf_domain::SERVICES_CA_IN_APPS`.
    pub services_ca: Option<std::path::PathBuf>,
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
        }
    }
}

/// What a successful deploy produced.
#[derive(Debug, Clone)]
pub struct DeployOutcome {
    pub app: AppName,
    pub version: ReleaseVersion,
    pub urls: Vec<String>,
}

/// Runs deploys, destroys and the start-up reconcile. Deploys of one app are serialised.
pub struct Deployer {
    pub(crate) store: Arc<Store>,
    pub(crate) docker: Docker,
    pub(crate) router: Arc<Router>,
    pub(crate) settings: DeploySettings,
    pub(crate) instances: Instances,
    pub(crate) cron_jobs: crate::tasks::RunningJobs,
    pub(crate) retirements: crate::retire::Retirements,
    locks: Mutex<HashMap<AppName, Arc<tokio::sync::Mutex<()>>>>,
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
            locks: Mutex::new(HashMap::new()),
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn instances(&self) -> &Instances {
        &self.instances
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

    /// Deploy the app in `context` as a new release. `app_flag` is the name the client gave,
    /// if any. On error nothing changes: the running release keeps serving.
    pub async fn deploy(
        &self,
        context: BuildContext,
        app_flag: Option<&AppName>,
        progress: &Progress,
    ) -> Result<DeployOutcome, DeployError> {
        let files = AppFiles::read(&context)?;
        let app = resolve_app_name(app_flag, &files.config)?;
        // A volume reaching the server's own paths is refused before anything is stored or built.
        for volume in &files.config.volumes {
            self.check_mount(volume)?;
        }
        let span = info_span!("deploy", app = %app);
        self.deploy_app(app, files, context, progress)
            .instrument(span)
            .await
    }

    async fn deploy_app(
        &self,
        app: AppName,
        files: AppFiles,
        context: BuildContext,
        progress: &Progress,
    ) -> Result<DeployOutcome, DeployError> {
        let domains: Vec<String> = files
            .config
            .domains
            .iter()
            .map(|d| d.as_str().to_string())
            .collect();
        self.refuse_api_domain(&domains)?;
        self.store
            .check_domains_free(&app, &domains)
            .map_err(domain_taken)?;
        let _guard = self.lock_app(&app).await;
        let mut spec = ReleaseSpec::new(
            files.config,
            files.procfile.as_ref(),
            files.app_json.as_ref(),
            self.store.config_vars(&app)?,
        );
        spec.apply_settings(&self.store.process_settings(&app)?);
        spec.revision = context.revision.clone();
        // A Dockerfile's `env = NAME` needs its config var before anything is built.
        check_env_from_config(&spec, &app)?;
        // A Dockerfile volume on a storage mount's path fails before the build, and so does a
        // setting Docker would refuse when it creates the containers.
        self.mounts_for(&app, &spec)?;
        self.check_fits_server(&spec).await?;
        let created = self.store.ensure_app(&app)?;
        let release = self.record_release(&app, |v| image_tag(&app, v), &mut spec)?;
        progress.line(format!(
            "-----> Deploying {app} release {}{}",
            release.version,
            if created { " (new app)" } else { "" }
        ));
        let result = async {
            self.build(&release, &context, progress).await?;
            self.put_in_service(&release, &spec, progress).await
        }
        .await;
        let outcome = self
            .finish_release(&release, &spec, result, true, progress)
            .await;
        if outcome.is_err() && created {
            // A first deploy that failed leaves no app behind, nor images.
            self.remove_build_leftovers(&app).await;
            self.store.delete_app(&app)?;
        }
        outcome
    }

    /// No app may be served on the server's own API domain.
    pub(crate) fn refuse_api_domain(&self, domains: &[String]) -> Result<(), DeployError> {
        match &self.settings.api_domain {
            Some(api)
                if domains
                    .iter()
                    .any(|d| domain_of(d).eq_ignore_ascii_case(api)) =>
            {
                Err(DeployError::DomainIsTheApi(api.clone()))
            }
            _ => Ok(()),
        }
    }

    /// Record a new release of `app` with this config snapshot, noting which of its vars
    /// are the URLs of the app's links now.
    pub(crate) fn record_release(
        &self,
        app: &AppName,
        image_for: impl Fn(ReleaseVersion) -> String,
        spec: &mut ReleaseSpec,
    ) -> Result<ReleaseRecord, DeployError> {
        spec.link_vars = self
            .store
            .links_of_app(app)?
            .into_iter()
            .map(|link| link.var)
            .collect();
        Ok(self.store.create_release(app, image_for, spec)?)
    }

    /// Store how a release's deploy ended: live (it was recorded active at its switch, so only
    /// older images are pruned now) or failed (with its image removed if this deploy built it).
    /// The release log is kept either way.
    pub(crate) async fn finish_release(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        result: Result<(), DeployError>,
        built_here: bool,
        progress: &Progress,
    ) -> Result<DeployOutcome, DeployError> {
        match &result {
            Ok(()) => self.prune_images(&release.app).await,
            Err(err) => {
                tracing::warn!(error = %err, "deploy failed");
                self.store.fail_release(release.id, &err.to_string())?;
                if built_here && let Err(e) = self.docker.remove_image(&release.image).await {
                    tracing::warn!(error = %e, image = %release.image, "could not remove image of failed release");
                }
            }
        }
        self.store
            .append_release_log(release.id, &progress.take())?;
        result?;
        Ok(DeployOutcome {
            urls: self
                .domains_for(&release.app, spec)?
                .iter()
                // Plain HTTP redirects to HTTPS once the domain has a certificate.
                .map(|d| url_of(d, "http"))
                .collect(),
            app: release.app.clone(),
            version: release.version,
        })
    }

    /// Build the release's image from the build context.
    async fn build(
        &self,
        release: &ReleaseRecord,
        context: &BuildContext,
        progress: &Progress,
    ) -> Result<(), DeployError> {
        progress.line(format!("-----> Building image {}", release.image));
        let image_labels = HashMap::from([
            (labels::APP.to_string(), release.app.to_string()),
            (
                labels::RELEASE.to_string(),
                release.version.get().to_string(),
            ),
            (
                INSTANCE_LABEL.to_string(),
                self.settings.instance_id.clone(),
            ),
        ]);
        let mut on_line = |line: &str| progress.line(format!("       {line}"));
        self.docker
            .build(
                &context.tar_path,
                "Dockerfile",
                &release.image,
                image_labels,
                &mut on_line,
            )
            .await
            .map_err(|err| {
                if let wharf_runtime::BuildError::StepFailed { intermediates, .. } = &err
                    && let Err(e) = self.store.add_build_leftovers(&release.app, intermediates)
                {
                    tracing::warn!(error = %e, "cannot record a failed build's images");
                }
                build_error(err)
            })?;
        Ok(())
    }

    /// Run the release's predeploy and release commands, start its processes and switch
    /// traffic to them, then run its postdeploy command. Anything that fails before the switch
    /// leaves the running release untouched.
    pub(crate) async fn put_in_service(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        progress: &Progress,
    ) -> Result<(), DeployError> {
        // The instances an earlier deploy replaced are gone before this one replaces more.
        self.wait_for_retirements(&release.app, progress).await;
        let port = self.port_of(spec, &release.image).await?;
        // Storage that clashes with the release's volumes fails before anything starts.
        self.mounts_for(&release.app, spec)?;
        if let Some(command) = &spec.predeploy {
            self.run_task(release, spec, port, Task::Predeploy, command, progress)
                .await?;
        }
        if let Some(command) = &spec.release_command {
            self.run_task(release, spec, port, Task::Release, command, progress)
                .await?;
        }
        let others = self.start_others(release, spec, port, progress).await?;
        let web = if spec.zero_downtime() {
            self.switch_over(release, spec, port, progress).await
        } else {
            self.replace_in_place(release, spec, port, progress).await
        };
        if let Err(err) = web {
            self.remove_containers(others).await;
            return Err(err);
        }
        self.retire_others(release).await;
        if let Some(command) = &spec.postdeploy
            && let Err(err) = self
                .run_task(release, spec, port, Task::Postdeploy, command, progress)
                .await
        {
            progress.line(format!(
                "-----> Warning: postdeploy failed, the release stays live: {err}"
            ));
        }
        Ok(())
    }

    /// The port the release's web process listens on.
    pub(crate) async fn port_of(
        &self,
        spec: &ReleaseSpec,
        image: &str,
    ) -> Result<u16, DeployError> {
        if let Some(port) = spec.config.port {
            return Ok(port);
        }
        let exposed = self.docker.exposed_ports(image).await?;
        Ok(spec.config.effective_port(&exposed))
    }

    /// `scale >= 1`: start the new instances beside the old, switch when all are healthy; the
    /// old drain and go in the background.
    async fn switch_over(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        progress: &Progress,
    ) -> Result<(), DeployError> {
        let new = self.start_instances(release, spec, port, progress).await?;
        if let Err(err) = self.switch_to(release, spec, &new, progress) {
            self.remove_containers(new.iter().map(|i| i.container_id.clone()))
                .await;
            return Err(err);
        }
        let old = self.instances.serving(&release.app);
        self.instances.set(&release.app, release.version, new);
        self.retire_in_background(&release.app, old, progress);
        Ok(())
    }

    /// `scale = 0`: stop the old instance, start the new one. If the new one does not become
    /// healthy, the old one is started again.
    async fn replace_in_place(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        progress: &Progress,
    ) -> Result<(), DeployError> {
        let old = self.instances.serving(&release.app);
        if !old.is_empty() {
            progress.line("-----> Stopping the running instance (scale = 0 deploys in place)");
            join_all(
                old.iter()
                    .map(|i| crate::retire::drain_settled(&i.target, self.settings.drain_timeout)),
            )
            .await;
            for instance in &old {
                self.docker
                    .stop(&instance.container_id, self.settings.stop_grace)
                    .await?;
            }
        }
        let started = self.start_instances(release, spec, port, progress).await;
        let routed =
            started.and_then(|new| self.switch_to(release, spec, &new, progress).map(|_| new));
        match routed {
            Ok(new) => {
                self.instances.set(&release.app, release.version, new);
                self.remove_containers(old.into_iter().map(|i| i.container_id))
                    .await;
                Ok(())
            }
            Err(err) => {
                progress.line("-----> Starting the previous instance again");
                if let Err(restore) = self.restore(&release.app, old).await {
                    tracing::error!(error = %restore, "could not restart the previous instance");
                }
                Err(err)
            }
        }
    }

    /// Start the previous release's stopped instances again and route to them.
    async fn restore(&self, app: &AppName, old: Vec<Instance>) -> Result<(), DeployError> {
        let Some((version, _)) = self.instances.get(app) else {
            return Ok(());
        };
        let mut restored = Vec::new();
        for instance in old {
            self.docker.start(&instance.container_id).await?;
            let info = self.docker.inspect(&instance.container_id).await?;
            if let Some(ip) = info.ip {
                let addr = std::net::SocketAddr::new(ip, instance.target.addr().port());
                restored.push(Instance {
                    target: Target::new(addr),
                    ..instance
                });
            }
        }
        let healthcheck = match self.store.active_release(app)? {
            Some(active) => active.spec.config.healthcheck,
            None => None,
        };
        let domains = self.store.app(app)?.map(|a| a.domains).unwrap_or_default();
        let route = route_for(app, healthcheck.as_deref(), &restored, &domains);
        self.router.set_app(app.as_str(), &domains, route);
        self.instances.set(app, version, restored);
        Ok(())
    }

    /// Put the release live: record its domains, record it as the app's active release (its
    /// config vars become the app's), then point the domains at `instances`, atomically. The
    /// store says active from the moment users can be served the release, so a restart after
    /// a crash serves it again rather than the release it replaced.
    fn switch_to(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        instances: &[Instance],
        progress: &Progress,
    ) -> Result<(), DeployError> {
        let domains = self.domains_for(&release.app, spec)?;
        self.store
            .set_domains(&release.app, &domains)
            .map_err(domain_taken)?;
        self.store.activate_release(release.id)?;
        self.store.replace_config_vars(&release.app, &spec.vars)?;
        self.store.clear_stopped(&release.app)?;
        let route = route_for(
            &release.app,
            spec.config.healthcheck.as_deref(),
            instances,
            &domains,
        );
        self.router.set_app(release.app.as_str(), &domains, route);
        progress.line(format!(
            "-----> Routes switched to {} ({} instance{})",
            release.version,
            instances.len(),
            if instances.len() == 1 { "" } else { "s" }
        ));
        progress.line(format!(
            "-----> {} {} is live",
            release.app, release.version
        ));
        Ok(())
    }

    /// Start every replica of the release and wait until all are healthy. On failure, the
    /// containers started here are removed again.
    async fn start_instances(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        progress: &Progress,
    ) -> Result<Vec<Instance>, DeployError> {
        let mut started: Vec<ContainerInfo> = Vec::new();
        for replica in 1..=spec.replicas() {
            let created = async {
                let container = self.container_spec(release, spec, port, &spec.web(), replica)?;
                self.create_container(&container).await
            };
            match created.await {
                Ok(info) => {
                    progress.line(format!("       started {}", info.name));
                    started.push(info);
                }
                Err(err) => {
                    self.remove_containers(started.into_iter().map(|c| c.id))
                        .await;
                    return Err(err);
                }
            }
        }
        let path = spec.config.healthcheck.as_deref();
        let app_check = spec.startup_check(self.settings.probe_defaults());
        let app_check = app_check.as_ref();
        let domains = self.domains_for(&release.app, spec)?;
        let address = domains.first().map(String::as_str);
        progress.line(format!(
            "-----> Waiting for health checks ({})",
            crate::health::default_check(port, path, address)
        ));
        let checks = join_all(
            started
                .iter()
                .map(|c| self.wait_healthy(c, port, path, address, app_check)),
        )
        .await;
        let mut instances = Vec::new();
        let mut failure = None;
        for (container, check) in started.iter().zip(checks) {
            match check {
                Ok(addr) => instances.push(Instance {
                    container_id: container.id.clone(),
                    name: container.name.clone(),
                    target: Target::new(addr),
                }),
                Err(err) => {
                    failure.get_or_insert(err);
                }
            }
        }
        if let Some(err) = failure {
            self.remove_containers(started.into_iter().map(|c| c.id))
                .await;
            return Err(err);
        }
        Ok(instances)
    }

    /// Create and start a container. A leftover of this server under the same name is removed
    /// first; a container of the same name that is not this server's is never touched.
    pub(crate) async fn create_container(
        &self,
        spec: &ContainerSpec,
    ) -> Result<ContainerInfo, DeployError> {
        match self.docker.inspect(&spec.name).await {
            Ok(existing) => {
                if existing.labels.get(INSTANCE_LABEL) != Some(&self.settings.instance_id) {
                    return Err(DeployError::NameInUse(spec.name.clone()));
                }
                tracing::info!(container = %spec.name, "removing a leftover container of the same name");
                self.docker
                    .stop_and_remove(&existing.id, self.settings.stop_grace)
                    .await?;
            }
            Err(RuntimeError::NotFound(_)) => {}
            Err(err) => return Err(err.into()),
        }
        Ok(self.docker.create_and_start(spec).await?)
    }

    /// The container of one replica of one of the release's processes (or tasks), with the
    /// release's volumes and the app's storage mounts.
    pub(crate) fn container_spec(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        process: &ProcessSpec,
        replica: u32,
    ) -> Result<ContainerSpec, DeployError> {
        let config = &spec.config;
        let name = format!(
            "wharf-{}-{}-{}-{replica}",
            release.app, process.name, release.version
        );
        let mut env = spec.environment(port);
        // Heroku's name for the container, e.g. `web.1`; apps use it to tell replicas apart.
        env.push(("DYNO".to_string(), format!("{}.{replica}", process.name)));
        if config.mypaas {
            add_mypaas_env(&mut env, &release.app, process.scale, port, &name);
        }
        let labels = HashMap::from([
            (labels::APP.to_string(), release.app.to_string()),
            (
                labels::RELEASE.to_string(),
                release.version.get().to_string(),
            ),
            (labels::PROCESS.to_string(), process.name.to_string()),
            (labels::REPLICA.to_string(), replica.to_string()),
            (
                INSTANCE_LABEL.to_string(),
                self.settings.instance_id.clone(),
            ),
        ]);
        Ok(ContainerSpec {
            name,
            image: release.image.clone(),
            env,
            labels,
            cmd: process.command.as_ref().map(|command| shell(command)),
            mounts: self.mounts_for(&release.app, spec)?,
            memory_bytes: process.memory.or(config.max_memory).map(|m| m as i64),
            nano_cpus: process
                .cpus
                .or(config.max_cpus)
                .map(wharf_domain::cpus_to_nano),
            restart: RestartPolicy::UnlessStopped,
            network: None,
            extra_networks: self.linked_networks(&release.app)?,
            // SIGTERM reaches the app even when it would run as PID 1 without a handler
            // (busybox httpd, many Node apps), so a stop takes moments, not the stop grace.
            init: true,
            ..Default::default()
        })
    }

    /// The private networks of the services linked to `app`, which its containers join.
    pub(crate) fn linked_networks(&self, app: &AppName) -> Result<Vec<String>, DeployError> {
        Ok(self
            .store
            .links_of_app(app)?
            .iter()
            .map(|link| link.service.resource_name())
            .collect())
    }

    /// Stop and remove containers, logging (not failing on) errors: used on cleanup paths.
    pub(crate) async fn remove_containers(&self, ids: impl IntoIterator<Item = String>) {
        let grace = self.settings.stop_grace;
        let removals = ids.into_iter().map(|id| async move {
            if let Err(err) = self.docker.stop_and_remove(&id, grace).await {
                tracing::warn!(container = %id, error = %err, "could not remove container");
            }
        });
        join_all(removals).await;
    }
}

/// A command line run by the image's shell, so `$PORT` and friends expand as in Heroku.
pub(crate) fn shell(command: &str) -> Vec<String> {
    vec!["/bin/sh".to_string(), "-c".to_string(), command.to_string()]
}

/// The proxy route to an app's instances; the health monitor probes `healthcheck` (or the
/// path of the app's first address, else `/`) with that address's domain as Host, or, for an
/// app with neither a domain nor a health-check path, connects to them over TCP.
pub(crate) fn route_for(
    app: &AppName,
    healthcheck: Option<&str>,
    instances: &[Instance],
    domains: &[String],
) -> std::sync::Arc<Route> {
    let targets = instances.iter().map(|i| i.target.clone()).collect();
    if healthcheck.is_none() && domains.is_empty() {
        // No HTTP request can reach it: checked as its deploy was, by a TCP connect.
        return Route::with_tcp_check(app.as_str(), targets);
    }
    let address = domains.first().map(String::as_str);
    let path = healthcheck.or_else(|| address.and_then(path_of));
    Route::with_health_check(
        app.as_str(),
        targets,
        path.map(str::to_owned),
        address.map(|a| domain_of(a).to_owned()),
    )
}

/// The path prefix of a written address (`example.com/blog` -> `/blog`), if it has one.
pub(crate) fn path_of(address: &str) -> Option<&str> {
    address.find('/').map(|i| &address[i..])
}

/// The settings files of a build context, parsed before anything is created, so that a
/// mistake in any of them changes nothing.
struct AppFiles {
    config: AppConfig,
    procfile: Option<Procfile>,
    app_json: Option<AppJson>,
}

impl AppFiles {
    fn read(context: &BuildContext) -> Result<AppFiles, DeployError> {
        let procfile = context
            .procfile
            .as_deref()
            .map(Procfile::parse)
            .transpose()?;
        Ok(AppFiles {
            config: AppConfig::from_dockerfile(&context.dockerfile)?,
            procfile,
            app_json: context
                .app_json
                .as_deref()
                .map(AppJson::parse)
                .transpose()?,
        })
    }
}

/// The app name from `--app` and the Dockerfile's `app` setting, which must agree.
fn resolve_app_name(flag: Option<&AppName>, config: &AppConfig) -> Result<AppName, DeployError> {
    match (flag, &config.app) {
        (Some(flag), Some(file)) if flag != file => Err(DeployError::AppNameMismatch {
            given: flag.to_string(),
            in_dockerfile: file.to_string(),
        }),
        (Some(flag), _) => Ok(flag.clone()),
        (None, Some(file)) => Ok(file.clone()),
        (None, None) => Err(DeployError::NoAppName),
    }
}

pub(crate) fn domain_taken(err: StoreError) -> DeployError {
    match err {
        StoreError::DomainTaken { domain, app } => DeployError::DomainTaken {
            domain: shown_address(&domain),
            owner: app,
        },
        other => DeployError::Store(other),
    }
}

fn build_error(err: wharf_runtime::BuildError) -> DeployError {
    match err {
        wharf_runtime::BuildError::StepFailed { step, message, .. } => {
            DeployError::BuildFailed { step, message }
        }
        wharf_runtime::BuildError::Engine(e) => DeployError::Runtime(e),
        other => DeployError::Build(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_under_a_path_is_health_checked_there_with_its_domain_as_host() {
        let blog = route_for(
            &AppName::parse("blog").unwrap(),
            None,
            &[],
            &["example.com/blog".to_string()],
        );
        assert_eq!(
            (blog.health_path(), blog.health_host()),
            ("/blog", Some("example.com"))
        );
        let named = route_for(
            &AppName::parse("blog").unwrap(),
            Some("/blog/up"),
            &[],
            &["example.com/blog".into()],
        );
        assert_eq!(named.health_path(), "/blog/up");
        let site = route_for(
            &AppName::parse("site").unwrap(),
            None,
            &[],
            &["example.com".to_string()],
        );
        assert_eq!(
            (site.health_path(), site.health_host()),
            ("/", Some("example.com"))
        );
        assert!(route_for(&AppName::parse("db").unwrap(), None, &[], &[]).tcp_check());
    }

    #[test]
    fn a_taken_path_is_named_as_users_wrote_it() {
        let err = domain_taken(StoreError::DomainTaken {
            domain: "example.com/blog".into(),
            app: "blog".into(),
        });
        assert_eq!(
            err.to_string(),
            "https://example.com/blog is already served by the app `blog`; remove it there first"
        );
    }
}
