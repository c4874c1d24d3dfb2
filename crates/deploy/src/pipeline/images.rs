//! Pruning old release images, so months of pushes do not fill the disk: the images of the
//! newest `keep_releases` releases (and of the active one) stay, so those can be rolled back to;
//! older images of the app go. Only this server's images are considered; in a cluster, the
//! registry's tags of the releases not kept go too.

use crate::Deployer;
use crate::deployer::INSTANCE_LABEL;
use std::collections::HashSet;
use wharf_domain::{AppName, ReleaseVersion};
use wharf_runtime::labels;

impl Deployer {
    /// Remove the images the app's failed builds left. One that a later build reused as cache
    /// is a parent of a release's image now, and Docker keeps it (it goes with that image).
    pub(crate) async fn remove_build_leftovers(&self, app: &AppName) {
        let leftovers = match self.store.take_build_leftovers(app) {
            Ok(leftovers) => leftovers,
            Err(err) => {
                tracing::warn!(error = %err, "cannot read a failed build's images");
                return;
            }
        };
        for image in leftovers {
            if let Err(err) = self.docker.remove_build_leftover(&image).await {
                tracing::debug!(image = %image, error = %err, "kept a failed build's image");
            }
        }
    }

    /// Remove the app's images that no kept release uses. Errors are logged, never fatal: a
    /// deploy that succeeded stays a success.
    pub(crate) async fn prune_images(&self, app: &AppName) {
        self.remove_build_leftovers(app).await;
        let releases = match self.store.releases(app) {
            Ok(releases) => releases,
            Err(err) => {
                tracing::warn!(error = %err, "cannot list releases to prune");
                return;
            }
        };
        let kept: Vec<&wharf_store::ReleaseRecord> = releases
            .iter()
            .filter(|r| r.status != wharf_store::ReleaseStatus::Failed)
            .take(self.settings.keep_releases)
            .chain(
                releases
                    .iter()
                    .filter(|r| r.status == wharf_store::ReleaseStatus::Active),
            )
            .collect();
        let versions: HashSet<ReleaseVersion> = kept.iter().map(|r| r.version).collect();
        self.prune_registry(app, &versions).await;
        let keep: HashSet<&str> = kept.iter().map(|r| r.image.as_str()).collect();
        let filters = [
            (labels::APP, app.as_str()),
            (INSTANCE_LABEL, self.settings.instance_id.as_str()),
        ];
        let images = match self.docker.list_images(&filters).await {
            Ok(images) => images,
            Err(err) => {
                tracing::warn!(error = %err, "cannot list images to prune");
                return;
            }
        };
        for image in images {
            if image.tags.iter().any(|t| keep.contains(t.as_str())) {
                continue;
            }
            for tag in &image.tags {
                match self.docker.remove_image(tag).await {
                    Ok(()) => tracing::info!(image = %tag, "pruned old release image"),
                    Err(err) => tracing::warn!(image = %tag, error = %err, "could not prune image"),
                }
            }
        }
    }
}
