//! Rolling back: deploy an earlier release again, as a new release with that release's image
//! and its whole config (Dockerfile settings and config vars), so nothing is forgotten.

use crate::{DeployError, DeployOutcome, Deployer, Progress, ReleaseSpec};
use wharf_store::ReleaseStatus;

impl Deployer {
    /// Roll `app` back to release `version`, or to the release before the active one.
    #[tracing::instrument(skip(self, progress))]
    pub async fn rollback(
        &self,
        app: &str,
        version: Option<u32>,
        progress: &Progress,
    ) -> Result<DeployOutcome, DeployError> {
        let _guard = self.lock_app(app).await;
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        let active = self.store.active_release(app)?;
        let target = match version {
            Some(version) => self.store.release(app, version)?,
            None => {
                let below = active.as_ref().map(|a| a.version).unwrap_or(u32::MAX);
                self.store
                    .releases(app)?
                    .into_iter()
                    .find(|r| r.version < below && r.status == ReleaseStatus::Superseded)
                    .ok_or_else(|| DeployError::NoRollbackTarget(app.to_string()))?
            }
        };
        if target.status == ReleaseStatus::Failed || target.status == ReleaseStatus::Deploying {
            return Err(DeployError::CannotRollBackTo {
                app: app.to_string(),
                version: target.version,
                reason: "it never went live".to_string(),
            });
        }
        if active.as_ref().is_some_and(|a| a.id == target.id) {
            return Err(DeployError::CannotRollBackTo {
                app: app.to_string(),
                version: target.version,
                reason: "it is the release serving now".to_string(),
            });
        }
        if !self.docker.image_exists(&target.image).await? {
            return Err(DeployError::CannotRollBackTo {
                app: app.to_string(),
                version: target.version,
                reason: format!("its image {} no longer exists", target.image),
            });
        }
        let spec = ReleaseSpec::from_json(&target.config)
            .map_err(|e| DeployError::Internal(format!("release config of {app}: {e}")))?;
        self.store
            .check_domains_free(app, &spec.domains())
            .map_err(crate::deployer::domain_taken)?;
        let image = target.image.clone();
        let release = self.record_release(app, |_| image.clone(), &spec)?;
        progress.line(format!(
            "-----> Rolling {app} back to v{}: deploying it as release v{}",
            target.version, release.version
        ));
        let result = self.put_in_service(&release, &spec, progress).await;
        self.finish_release(&release, &spec, result, false, progress)
            .await
    }
}
