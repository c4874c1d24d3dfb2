//! Replacing an app's web instances with a release's: beside them with a switch when the
//! release has `scale >= 1` (zero downtime), or in place when it has `scale = 0`, with the
//! previous instance started again if the new one fails.

use super::retire::drain_settled;
use crate::instances::route_for;
use crate::{DeployError, Deployer, Instance, Progress, ReleaseSpec};
use futures_util::future::join_all;
use wharf_domain::{AppConfig, AppName};
use wharf_proxy::Target;
use wharf_store::ReleaseRecord;

impl Deployer {
    /// `scale >= 1`: start the new instances beside the old, switch when all are healthy; the
    /// old drain and go in the background.
    pub(crate) async fn switch_over(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        progress: &Progress,
    ) -> Result<(), DeployError> {
        let new = self.start_instances(release, spec, port, progress).await?;
        if let Err(err) = self.switch_to(release, spec, &new, progress) {
            self.remove_instances(&new).await;
            return Err(err);
        }
        let old = self.instances.serving(&release.app);
        self.instances.set(&release.app, release.version, new);
        self.retire_in_background(&release.app, old, progress);
        Ok(())
    }

    /// `scale = 0`: stop the old instance, start the new one. If the new one does not become
    /// healthy, the old one is started again.
    pub(crate) async fn replace_in_place(
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
                    .map(|i| drain_settled(&i.target, self.settings.drain_timeout)),
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
                self.remove_instances(&old).await;
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
    pub(crate) async fn restore(
        &self,
        app: &AppName,
        old: Vec<Instance>,
    ) -> Result<(), DeployError> {
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
        let config = match self.store.active_release(app)? {
            Some(active) => active.spec.config,
            None => AppConfig::default(),
        };
        let domains = self.store.app(app)?.map(|a| a.domains).unwrap_or_default();
        let route = route_for(app, &config, &restored, &domains);
        self.router.set_app(app.as_str(), &domains, route);
        self.instances.set(app, version, restored);
        Ok(())
    }
}
