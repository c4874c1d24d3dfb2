//! Rolling back: deploy an earlier release again, as a new release with that release's image
//! and its whole config (Dockerfile settings and config vars), so nothing is forgotten, except
//! the URLs of linked services: those belong to the link, not to a release. They keep their
//! current values, and the URL of a link removed since the earlier release stays away.

use crate::{DeployError, DeployOutcome, Deployer, Progress};
use wharf_domain::{AppName, EnvVars, ReleaseVersion};
use wharf_store::ReleaseStatus;

impl Deployer {
    /// Roll `app` back to release `version`, or to the release before the active one.
    #[tracing::instrument(skip(self, progress))]
    pub async fn rollback(
        &self,
        app: &AppName,
        version: Option<ReleaseVersion>,
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
                let below = active.as_ref().map(|a| a.version);
                self.store
                    .releases(app)?
                    .into_iter()
                    .find(|r| {
                        below.is_none_or(|below| r.version < below)
                            && r.status == ReleaseStatus::Superseded
                    })
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
        let mut spec = target.spec.clone();
        // The vars of the app's links now and of those the earlier release had.
        let mut link_vars: Vec<String> = self
            .store
            .links_of_app(app)?
            .into_iter()
            .map(|link| link.var)
            .collect();
        link_vars.extend(spec.link_vars.iter().cloned());
        spec.vars = keep_link_vars(spec.vars, &self.store.config_vars(app)?, &link_vars);
        self.store
            .check_domains_free(app, spec.domains())
            .map_err(crate::domains::domain_taken)?;
        let image = target.image.clone();
        let release = self.record_release(app, |_| image.clone(), &mut spec, progress)?;
        progress.line(format!(
            "-----> Rolling {app} back to {}: deploying it as release {}",
            target.version, release.version
        ));
        let result = self.put_in_service(&release, &spec, progress).await;
        self.finish_release(&release, &spec, result, false, progress)
            .await
    }
}

/// `vars` (an earlier release's) with every var in `link_vars` (those of the app's links now
/// and of the links the release had) as it is now, or left out where it is not set now: a
/// release from before a link would drop the service's URL while the app stays linked, one
/// from before a service was created again would bring back an old password, and one from
/// before an unlink would bring back the URL of a service the app can no longer reach.
fn keep_link_vars(mut vars: EnvVars, current: &EnvVars, link_vars: &[String]) -> EnvVars {
    let linked = |key: &str| link_vars.iter().any(|v| v == key);
    vars.retain(|key, _| !linked(key));
    let mut now = current.clone();
    now.retain(|key, _| linked(key));
    vars.extend(now);
    vars
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> EnvVars {
        EnvVars::from_pairs(items.iter().copied()).unwrap()
    }

    #[test]
    fn linked_urls_keep_their_current_values_and_the_rest_rolls_back() {
        let old = pairs(&[("DEBUG", "1"), ("REDIS_URL", "redis://old-password@cache")]);
        let current = pairs(&[
            ("DATABASE_URL", "postgres://db"),
            ("DEBUG", "0"),
            ("REDIS_URL", "redis://new-password@cache"),
        ]);
        let links = vec!["DATABASE_URL".to_string(), "REDIS_URL".to_string()];
        assert_eq!(
            keep_link_vars(old, &current, &links),
            pairs(&[
                ("DATABASE_URL", "postgres://db"),
                ("DEBUG", "1"),
                ("REDIS_URL", "redis://new-password@cache"),
            ])
        );
    }

    #[test]
    fn the_url_of_a_link_removed_since_stays_away() {
        let old = pairs(&[
            ("DATABASE_URL", "postgres://gone"),
            ("DEBUG", "1"),
            ("REDIS_URL", "redis://gone"),
        ]);
        // REDIS_URL was set by hand after its unlink: that value stays.
        let current = pairs(&[("DEBUG", "0"), ("REDIS_URL", "redis://by-hand")]);
        let links = vec!["DATABASE_URL".to_string(), "REDIS_URL".to_string()];
        assert_eq!(
            keep_link_vars(old, &current, &links),
            pairs(&[("DEBUG", "1"), ("REDIS_URL", "redis://by-hand")])
        );
    }

    #[test]
    fn without_links_the_old_vars_come_back_unchanged() {
        let old = pairs(&[("A", "1"), ("DATABASE_URL", "postgres://mine")]);
        let current = pairs(&[("A", "2")]);
        assert_eq!(keep_link_vars(old.clone(), &current, &[]), old);
    }
}
