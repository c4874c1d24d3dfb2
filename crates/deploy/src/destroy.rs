//! Destroying an app: its routes, containers (and in a cluster its Swarm services and its
//! images in the cluster's registry), images, stored state and kept logs go; named volumes
//! stay, because they hold the user's data.

use crate::deployer::INSTANCE_LABEL;
use crate::{DeployError, Deployer};
use wharf_domain::AppName;
use wharf_runtime::labels;

impl Deployer {
    #[tracing::instrument(skip(self))]
    pub async fn destroy(&self, app: &AppName) -> Result<(), DeployError> {
        let _guard = self.lock_app(app).await;
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        self.router.remove_app(app.as_str());
        self.instances.remove(app);
        let filters = [
            (labels::APP, app.as_str()),
            (INSTANCE_LABEL, self.settings.instance_id.as_str()),
        ];
        let containers = self.docker.list(&filters).await?;
        self.remove_containers(containers.into_iter().map(|c| c.id))
            .await;
        if self.runs_services().await? {
            for service in self.docker.list_services(&filters).await? {
                self.docker.remove_service(&service.id).await?;
            }
        }
        for image in self.docker.list_images(&filters).await? {
            // Every name goes (in a cluster, an image also has the registry's name).
            let names = if image.tags.is_empty() {
                vec![image.id]
            } else {
                image.tags
            };
            for name in names {
                if let Err(err) = self.docker.remove_image(&name).await {
                    tracing::warn!(image = %name, error = %err, "could not remove image");
                }
            }
        }
        self.prune_registry(app, &std::collections::HashSet::new())
            .await;
        self.store.delete_app(app)?;
        self.live.forget(app);
        // Its containers are gone, so nothing writes its lines any more.
        if let Err(err) = self.settings.app_logs.remove(app) {
            tracing::warn!(error = %err, "could not delete the app's kept logs");
        }
        Ok(())
    }
}
