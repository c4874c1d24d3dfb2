//! The deploy pipeline, read top to bottom in [`Deployer::deploy`]: read the build context's
//! settings files, record a release, build its image ([`Deployer::build`]), put it in service
//! ([`Deployer::put_in_service`]: predeploy and release commands, processes, the web switch,
//! postdeploy, with the release recorded active as its routes switch: [`Deployer::switch_to`])
//! and record how it ended ([`Deployer::finish_release`]). Its parts: the build
//! context ([`context`]), the checks that a release fits the server before its build
//! ([`fits_server`]) and the release images kept for rollbacks ([`images`]).

mod context;
mod dockerfile;
mod fits_server;
mod images;

pub use context::{BuildContext, ContextError, ContextLimits, image_context};

use crate::config::check_env_from_config;
use crate::deployer::{INSTANCE_LABEL, image_tag};
use crate::domains::domain_taken;
use crate::instances::route_for;
use crate::live::Ended;
use crate::tasks::Task;
use crate::{DeployError, Deployer, Instance, Progress, ReleaseSpec};
use std::collections::HashMap;
use tracing::{Instrument, info_span};
use wharf_domain::{
    AppConfig, AppJson, AppName, DomainName, ImageRef, Procfile, ReleaseVersion, WebAddress,
};
use wharf_runtime::{RegistryAuth, labels};
use wharf_store::ReleaseRecord;

/// What a successful deploy produced.
#[derive(Debug, Clone)]
pub struct DeployOutcome {
    pub app: AppName,
    pub version: ReleaseVersion,
    pub urls: Vec<String>,
}

impl Deployer {
    /// Deploy the app in `context` as a new release. `app_flag` is the name the client gave,
    /// if any. On error nothing changes: the running release keeps serving.
    pub async fn deploy(
        &self,
        context: BuildContext,
        app_flag: Option<&AppName>,
        progress: &Progress,
    ) -> Result<DeployOutcome, DeployError> {
        self.deploy_from(context, app_flag, None, progress).await
    }

    /// Deploy a prebuilt `image` as a new release of `app`: its release image is built from
    /// `context`, made by [`image_context`] (`FROM image`, with the app's settings as its
    /// comments), so releases, rollbacks, health checks, domains and config work as for an app
    /// built from source. The engine pulls the image, with the stored registry logins, unless
    /// it is already on the server.
    pub async fn deploy_image(
        &self,
        context: BuildContext,
        app: &AppName,
        image: &ImageRef,
        progress: &Progress,
    ) -> Result<DeployOutcome, DeployError> {
        self.deploy_from(context, Some(app), Some(image.clone()), progress)
            .await
    }

    async fn deploy_from(
        &self,
        mut context: BuildContext,
        app_flag: Option<&AppName>,
        image: Option<ImageRef>,
        progress: &Progress,
    ) -> Result<DeployOutcome, DeployError> {
        let dockerfile = match &image {
            Some(image) => dockerfile::of_image(&context, image, progress),
            None => dockerfile::choose(&mut context, progress)?,
        };
        let mut files = AppFiles::read(&context, dockerfile)?;
        files.image = image;
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
        let domains = &files.config.domains;
        self.refuse_api_domain(domains.iter().map(WebAddress::domain))?;
        self.store
            .check_domains_free(&app, domains)
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
        spec.builder = files.dockerfile.builder;
        spec.image = files.image;
        // A Dockerfile's `env = NAME` needs its config var before anything is built.
        check_env_from_config(&spec, &app)?;
        // A Dockerfile volume on a storage mount's path fails before the build, and so does a
        // setting Docker would refuse when it creates the containers.
        self.mounts_for(&app, &spec)?;
        self.check_fits_server(&spec).await?;
        let created = self.store.ensure_app(&app)?;
        let release = self.record_release(&app, |v| image_tag(&app, v), &mut spec, progress)?;
        progress.line(format!(
            "-----> Deploying {app} release {}{}",
            release.version,
            if created { " (new app)" } else { "" }
        ));
        let result = async {
            self.build(&release, &context, files.dockerfile.name, progress)
                .await?;
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
    pub(crate) fn refuse_api_domain<'a>(
        &self,
        mut domains: impl Iterator<Item = &'a DomainName>,
    ) -> Result<(), DeployError> {
        match &self.settings.api_domain {
            Some(api) if domains.any(|d| d == api) => Err(DeployError::DomainIsTheApi(api.clone())),
            _ => Ok(()),
        }
    }

    /// Record a new release of `app` with this config snapshot, noting which of its vars
    /// are the URLs of the app's links now; from here the deploy can be watched live.
    pub(crate) fn record_release(
        &self,
        app: &AppName,
        image_for: impl Fn(ReleaseVersion) -> String,
        spec: &mut ReleaseSpec,
        progress: &Progress,
    ) -> Result<ReleaseRecord, DeployError> {
        spec.link_vars = self
            .store
            .links_of_app(app)?
            .into_iter()
            .map(|link| link.var)
            .collect();
        let release = self.store.create_release(app, image_for, spec)?;
        progress.watch_as(self.live.begin(app, release.version));
        Ok(release)
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
        progress.end(match &result {
            Ok(()) => Ended::Live,
            Err(err) => Ended::Failed(err.to_string()),
        });
        result?;
        Ok(DeployOutcome {
            urls: self
                .domains_for(&release.app, spec)?
                .iter()
                // Plain HTTP redirects to HTTPS once the domain has a certificate.
                .map(|d| d.url("http"))
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
        dockerfile: &str,
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
        let logins: Vec<RegistryAuth> = self
            .store
            .registry_logins()?
            .into_iter()
            .map(|login| RegistryAuth {
                server: login.registry.engine_key(),
                username: login.username,
                password: login.password,
            })
            .collect();
        let mut on_line = |line: &str| progress.line(format!("       {line}"));
        self.docker
            .build_with_logins(
                &context.tar_path,
                dockerfile,
                &release.image,
                image_labels,
                &logins,
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
        // Storage that clashes with the release's volumes fails before anything starts, and so
        // does, in a cluster, what a Swarm service cannot have yet.
        self.mounts_for(&release.app, spec)?;
        if self.runs_services().await? {
            self.check_fits_cluster(&release.app, spec)?;
        } else if !spec.config.placement.is_empty() {
            // The same Dockerfile deploys on a single server and in a cluster.
            progress.line(
                "-----> Note: `placement` applies only in a cluster; this server is not one, so the app's containers run here",
            );
        }
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
            self.remove_others(others).await;
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

    /// Put the release live: record its domains, record it as the app's active release (its
    /// config vars become the app's), then point the domains at `instances`, atomically. The
    /// store says active from the moment users can be served the release, so a restart after
    /// a crash serves it again rather than the release it replaced.
    pub(crate) fn switch_to(
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
        let route = route_for(&release.app, &spec.config, instances, &domains);
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
}

/// The settings files of a build context, parsed before anything is created, so that a
/// mistake in any of them changes nothing.
struct AppFiles {
    dockerfile: dockerfile::AppDockerfile,
    config: AppConfig,
    procfile: Option<Procfile>,
    app_json: Option<AppJson>,
    /// The prebuilt image the release is made of, if it is not built from source.
    image: Option<ImageRef>,
}

impl AppFiles {
    fn read(
        context: &BuildContext,
        dockerfile: dockerfile::AppDockerfile,
    ) -> Result<AppFiles, DeployError> {
        let procfile = context
            .procfile
            .as_deref()
            .map(Procfile::parse)
            .transpose()?;
        Ok(AppFiles {
            config: AppConfig::from_dockerfile(&dockerfile.text)?,
            dockerfile,
            procfile,
            app_json: context
                .app_json
                .as_deref()
                .map(AppJson::parse)
                .transpose()?,
            image: None,
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

fn build_error(err: wharf_runtime::BuildError) -> DeployError {
    match err {
        wharf_runtime::BuildError::StepFailed { step, message, .. } => {
            let refused = ["no basic auth credentials", "unauthorized", "access denied"]
                .iter()
                .any(|words| message.contains(words));
            let message = if refused && step.contains("FROM") {
                format!(
                    "{message}\nThe registry refused to hand out the image: if it is private, log in to it on the server with `wharf registries login REGISTRY --username NAME < password.txt`."
                )
            } else {
                message
            };
            DeployError::BuildFailed { step, message }
        }
        wharf_runtime::BuildError::Engine(e) => DeployError::Runtime(e),
        other => DeployError::Build(other.to_string()),
    }
}
