//! Changing an app's config vars. A change to a running app is a new release with the same image
//! and the new vars, deployed like any other (zero downtime with `scale >= 1`); the vars are
//! stored only once that release is live, so a change that breaks the app changes nothing.
//! A change made without a restart (Dokku's `--no-restart`) is only stored: the running release
//! keeps its vars, and the next deploy (a push, a config, scale or storage change, or a restart
//! of the whole app) takes the stored ones.

use crate::{DeployError, DeployOutcome, Deployer, Progress, ReleaseSpec};
use wharf_domain::{AppName, parse_env_assignment};
use wharf_store::ReleaseRecord;

/// What `wharf config set/unset` asks for.
#[derive(Debug, Clone, Default)]
pub struct ConfigChange {
    pub set: Vec<(String, String)>,
    pub unset: Vec<String>,
}

impl ConfigChange {
    /// Parse `KEY=VALUE` assignments and bare keys to unset, checking every key.
    pub fn parse(set: &[String], unset: &[String]) -> Result<ConfigChange, DeployError> {
        let set = set
            .iter()
            .map(|a| parse_env_assignment(a).map_err(|e| DeployError::BadConfig(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        for key in unset {
            if !wharf_domain::is_valid_env_key(key) {
                return Err(DeployError::BadConfig(format!(
                    "`{key}` is not a config var name (letters, digits and _, not starting with a digit)"
                )));
            }
        }
        Ok(ConfigChange {
            set,
            unset: unset.to_vec(),
        })
    }

    fn apply(&self, vars: &[(String, String)]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = vars
            .iter()
            .filter(|(k, _)| !self.unset.contains(k) && !self.set.iter().any(|(s, _)| s == k))
            .cloned()
            .collect();
        out.extend(self.set.iter().cloned());
        out.sort();
        out
    }
}

/// How a config change ended.
#[derive(Debug, Clone)]
pub enum ConfigOutcome {
    /// The app runs: a new release carries the new vars.
    Deployed(DeployOutcome),
    /// The app has no release yet: the vars wait for its first deploy.
    Saved,
    /// The change changes nothing.
    Unchanged,
    /// Stored without a restart: the next deploy takes the new vars.
    Stored,
}

impl Deployer {
    #[tracing::instrument(skip(self, change, progress))]
    pub async fn change_config(
        &self,
        app: &str,
        change: &ConfigChange,
        progress: &Progress,
    ) -> Result<ConfigOutcome, DeployError> {
        let (app, _guard, vars) = self.vars_after(app, change).await?;
        let Some(vars) = vars else {
            return Ok(ConfigOutcome::Unchanged);
        };
        let Some(active) = self.store.active_release(&app)? else {
            self.store.replace_config_vars(&app, &vars)?;
            return Ok(ConfigOutcome::Saved);
        };
        self.redeploy_with_vars(&app, active, vars, progress)
            .await
            .map(ConfigOutcome::Deployed)
    }

    /// Deploy the config stored without a restart (`--no-restart`), if the running release does
    /// not have it yet: what `wharf restart APP` (Dokku's `ps:restart`) does first.
    pub(crate) async fn deploy_stored_config(
        &self,
        app: &str,
        progress: &Progress,
    ) -> Result<Option<DeployOutcome>, DeployError> {
        let _guard = self.lock_app(app).await;
        let Some(active) = self.store.active_release(app)? else {
            return Ok(None);
        };
        let vars = self.store.config_vars(app)?;
        if vars == ReleaseSpec::of(&active)?.vars {
            return Ok(None);
        }
        self.redeploy_with_vars(app, active, vars, progress)
            .await
            .map(Some)
    }

    /// A new release of `active`'s image with `vars`, deployed. The app's lock is held.
    async fn redeploy_with_vars(
        &self,
        app: &str,
        active: ReleaseRecord,
        vars: Vec<(String, String)>,
        progress: &Progress,
    ) -> Result<DeployOutcome, DeployError> {
        let old = ReleaseSpec::of(&active)?;
        let mut spec = ReleaseSpec { vars, ..old };
        // Unsetting a var the Dockerfile's `env = NAME` needs is refused.
        spec.check_env_from_config(app)?;
        // Scale stored without a deploy (`ps:scale --skip-deploy`) goes live with this one.
        spec.apply_settings(&self.store.process_settings(app)?);
        let image = active.image.clone();
        let release = self.record_release(app, |_| image.clone(), &mut spec)?;
        progress.line(format!(
            "-----> Config changed: deploying {app} release v{} (image of v{})",
            release.version, active.version
        ));
        let result = self.put_in_service(&release, &spec, progress).await;
        self.finish_release(&release, &spec, result, false, progress)
            .await
    }

    /// Store a config change without deploying (Dokku's `--no-restart`): the running release
    /// keeps its vars until the next deploy, which takes these.
    #[tracing::instrument(skip(self, change))]
    pub async fn store_config(
        &self,
        app: &str,
        change: &ConfigChange,
    ) -> Result<ConfigOutcome, DeployError> {
        let (app, _guard, vars) = self.vars_after(app, change).await?;
        let Some(vars) = vars else {
            return Ok(ConfigOutcome::Unchanged);
        };
        self.store.replace_config_vars(&app, &vars)?;
        Ok(if self.store.active_release(&app)?.is_some() {
            ConfigOutcome::Stored
        } else {
            ConfigOutcome::Saved
        })
    }

    /// The app's name, its lock, and its vars after `change` (the app is made if new), or
    /// `None` when the change changes nothing.
    async fn vars_after(
        &self,
        app: &str,
        change: &ConfigChange,
    ) -> Result<
        (
            String,
            tokio::sync::OwnedMutexGuard<()>,
            Option<Vec<(String, String)>>,
        ),
        DeployError,
    > {
        let app = AppName::parse(app)?.as_str().to_string();
        let guard = self.lock_app(&app).await;
        self.store.ensure_app(&app)?;
        let current = self.store.config_vars(&app)?;
        let vars = change.apply(&current);
        let changed = (vars != current).then_some(vars);
        Ok((app, guard, changed))
    }

    /// The app's config vars.
    pub fn config_vars(&self, app: &str) -> Result<Vec<(String, String)>, DeployError> {
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        Ok(self.store.config_vars(app)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn changes_apply_in_order_set_wins_over_old_and_unset_removes() {
        let change = ConfigChange::parse(&strings(&["B=new", "C=x=y"]), &strings(&["A"])).unwrap();
        let old = vec![("A".into(), "1".into()), ("B".into(), "old".into())];
        assert_eq!(
            change.apply(&old),
            vec![
                ("B".to_string(), "new".to_string()),
                ("C".to_string(), "x=y".to_string())
            ]
        );
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(ConfigChange::parse(&strings(&["NOEQUALS"]), &[]).is_err());
        assert!(ConfigChange::parse(&strings(&["1X=a"]), &[]).is_err());
        let err = ConfigChange::parse(&[], &strings(&["BAD-KEY"])).unwrap_err();
        assert!(err.to_string().contains("BAD-KEY"));
    }
}
