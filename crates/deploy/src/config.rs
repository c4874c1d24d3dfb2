//! Changing an app's config vars. A change to a running app is a new release with the same image
//! and the new vars, deployed like any other (zero downtime with `scale >= 1`); the vars are
//! stored only once that release is live, so a change that breaks the app changes nothing.
//! A change made without a restart (Dokku's `--no-restart`) is only stored: the running release
//! keeps its vars, and the next deploy (a push, a config, scale or storage change, or a restart
//! of the whole app) takes the stored ones.

use crate::{DeployError, DeployOutcome, Deployer, Progress, ReleaseSpec};
use wharf_domain::{AppName, EnvVars};
use wharf_store::ReleaseRecord;

/// What `wharf config set/unset` asks for, with every name checked.
#[derive(Debug, Clone, Default)]
pub struct ConfigChange {
    pub set: EnvVars,
    pub unset: Vec<String>,
}

impl ConfigChange {
    /// Parse `KEY=VALUE` assignments and bare keys to unset, checking every key.
    pub fn parse(set: &[String], unset: &[String]) -> Result<ConfigChange, DeployError> {
        let set =
            EnvVars::from_assignments(set).map_err(|e| DeployError::BadConfig(e.to_string()))?;
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

    fn apply(&self, vars: &EnvVars) -> EnvVars {
        let mut out = vars.clone();
        out.retain(|key, _| !self.unset.iter().any(|u| u == key));
        out.extend(self.set.clone());
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
        app: &AppName,
        change: &ConfigChange,
        progress: &Progress,
    ) -> Result<ConfigOutcome, DeployError> {
        let (_guard, vars) = self.vars_after(app, change).await?;
        let Some(vars) = vars else {
            return Ok(ConfigOutcome::Unchanged);
        };
        let Some(active) = self.store.active_release(app)? else {
            self.store.replace_config_vars(app, &vars)?;
            return Ok(ConfigOutcome::Saved);
        };
        self.redeploy_with_vars(app, active, vars, "Config changed", progress)
            .await
            .map(ConfigOutcome::Deployed)
    }

    /// Deploy the release serving now again, as a new release of its image with the app's
    /// config as stored (a redeploy button's work: the health check, the release phase and
    /// the zero-downtime swap run again).
    #[tracing::instrument(skip(self, progress))]
    pub async fn redeploy(
        &self,
        app: &AppName,
        progress: &Progress,
    ) -> Result<DeployOutcome, DeployError> {
        let _guard = self.lock_app(app).await;
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        let Some(active) = self.store.active_release(app)? else {
            return Err(DeployError::NothingToRedeploy(app.to_string()));
        };
        let vars = self.store.config_vars(app)?;
        self.redeploy_with_vars(app, active, vars, "Redeploying", progress)
            .await
    }

    /// Deploy the config stored without a restart (`--no-restart`), if the running release does
    /// not have it yet: what `wharf restart APP` (Dokku's `ps:restart`) does first.
    pub(crate) async fn deploy_stored_config(
        &self,
        app: &AppName,
        progress: &Progress,
    ) -> Result<Option<DeployOutcome>, DeployError> {
        let _guard = self.lock_app(app).await;
        let Some(active) = self.store.active_release(app)? else {
            return Ok(None);
        };
        let vars = self.store.config_vars(app)?;
        if vars == active.spec.vars {
            return Ok(None);
        }
        self.redeploy_with_vars(app, active, vars, "Config changed", progress)
            .await
            .map(Some)
    }

    /// A new release of `active`'s image with `vars`, deployed, its first line saying `why`.
    /// The app's lock is held.
    pub(crate) async fn redeploy_with_vars(
        &self,
        app: &AppName,
        active: ReleaseRecord,
        vars: EnvVars,
        why: &str,
        progress: &Progress,
    ) -> Result<DeployOutcome, DeployError> {
        let mut spec = ReleaseSpec {
            vars,
            ..active.spec.clone()
        };
        // Unsetting a var the Dockerfile's `env = NAME` needs is refused.
        check_env_from_config(&spec, app)?;
        // Scale stored without a deploy (`ps:scale --skip-deploy`) goes live with this one.
        spec.apply_settings(&self.store.process_settings(app)?);
        let image = active.image.clone();
        let release = self.record_release(app, |_| image.clone(), &mut spec, progress)?;
        progress.line(format!(
            "-----> {why}: deploying {app} release {} (image of {})",
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
        app: &AppName,
        change: &ConfigChange,
    ) -> Result<ConfigOutcome, DeployError> {
        let (_guard, vars) = self.vars_after(app, change).await?;
        let Some(vars) = vars else {
            return Ok(ConfigOutcome::Unchanged);
        };
        self.store.replace_config_vars(app, &vars)?;
        Ok(if self.store.active_release(app)?.is_some() {
            ConfigOutcome::Stored
        } else {
            ConfigOutcome::Saved
        })
    }

    /// The app's lock and its vars after `change` (the app is made if new), or
    /// `None` when the change changes nothing.
    async fn vars_after(
        &self,
        app: &AppName,
        change: &ConfigChange,
    ) -> Result<(tokio::sync::OwnedMutexGuard<()>, Option<EnvVars>), DeployError> {
        let guard = self.lock_app(app).await;
        self.store.ensure_app(app)?;
        let current = self.store.config_vars(app)?;
        let vars = change.apply(&current);
        let changed = (vars != current).then_some(vars);
        Ok((guard, changed))
    }

    /// The app's config vars.
    pub fn config_vars(&self, app: &AppName) -> Result<EnvVars, DeployError> {
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        Ok(self.store.config_vars(app)?)
    }
}

/// Refuses a release whose Dockerfile names a variable for the server's config to fill
/// (`# mypaas.env = NAME`) that its config vars lack.
pub(crate) fn check_env_from_config(spec: &ReleaseSpec, app: &AppName) -> Result<(), DeployError> {
    match spec.missing_env_from_config() {
        Some(missing) => Err(DeployError::BadConfig(
            missing.missing_message(app.as_str()),
        )),
        None => Ok(()),
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
        let old = EnvVars::from_pairs([("A", "1"), ("B", "old")]).unwrap();
        assert_eq!(
            change.apply(&old).to_pairs(),
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
