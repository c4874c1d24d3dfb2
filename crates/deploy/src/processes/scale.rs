//! Scaling and resource limits by command: `wharf scale APP web=2 worker=1` and
//! `wharf limits set APP web --memory 512m --cpus 0.5`. Each change is a new release of the
//! same image with the new formation, deployed like any other; the setting is stored (and
//! kept for later deploys) only once that release is live. Dokku's `ps:scale --skip-deploy`
//! only stores the setting, for the next deploy.

use crate::{DeployError, DeployOutcome, Deployer, Progress, ReleaseSpec};
#[allow(unused_imports)]
use wharf_domain::{AppName, ProcessName};
use wharf_store::ProcessSettings;

impl Deployer {
    /// Apply `settings` (scale and/or limits per process type) to the running app.
    #[tracing::instrument(skip(self, settings, progress))]
    pub async fn change_processes(
        &self,
        app: &AppName,
        settings: &[ProcessSettings],
        progress: &Progress,
    ) -> Result<DeployOutcome, DeployError> {
        let _guard = self.lock_app(app).await;
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        let active = self
            .store
            .active_release(app)?
            .ok_or_else(|| DeployError::NotDeployed(app.to_string()))?;
        let mut spec = active.spec.clone();
        check_known(app, &spec, settings)?;
        // Vars stored without a restart (`config:set --no-restart`) go live with this deploy.
        spec.vars = self.store.config_vars(app)?;
        // So do settings stored without a deploy (`ps:scale --skip-deploy`).
        spec.apply_settings(&self.store.process_settings(app)?);
        spec.apply_settings(settings);
        self.check_fits_server(&spec).await?;
        let image = active.image.clone();
        let release = self.record_release(app, |_| image.clone(), &mut spec, progress)?;
        progress.line(format!(
            "-----> Processes changed: deploying {app} release {} (image of {})",
            release.version, active.version
        ));
        let result = self.put_in_service(&release, &spec, progress).await;
        let outcome = self
            .finish_release(&release, &spec, result, false, progress)
            .await?;
        self.store
            .save_process_settings(app, &merged(&self.store.process_settings(app)?, settings))?;
        Ok(outcome)
    }
}

impl Deployer {
    /// Store `settings` for the app's next deploy without deploying now (`ps:scale
    /// --skip-deploy`). Processes must be the running release's, when there is one.
    #[tracing::instrument(skip(self, settings))]
    pub async fn store_processes(
        &self,
        app: &AppName,
        settings: &[ProcessSettings],
    ) -> Result<(), DeployError> {
        let _guard = self.lock_app(app).await;
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        if let Some(active) = self.store.active_release(app)? {
            check_known(app, &active.spec.clone(), settings)?;
        }
        self.store
            .save_process_settings(app, &merged(&self.store.process_settings(app)?, settings))?;
        Ok(())
    }
}

/// Every setting names one of the release's processes.
fn check_known(
    app: &AppName,
    spec: &ReleaseSpec,
    settings: &[ProcessSettings],
) -> Result<(), DeployError> {
    let known: Vec<ProcessName> = std::iter::once(spec.web().name)
        .chain(spec.others().map(|p| p.name.clone()))
        .collect();
    for setting in settings {
        if !known.contains(&setting.process) {
            return Err(DeployError::NoSuchProcess {
                app: app.to_string(),
                process: setting.process.to_string(),
                known: known
                    .iter()
                    .map(ProcessName::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(())
}

/// The stored settings with `changes` laid over them, field by field.
fn merged(stored: &[ProcessSettings], changes: &[ProcessSettings]) -> Vec<ProcessSettings> {
    changes
        .iter()
        .map(|change| {
            let old = stored
                .iter()
                .find(|s| s.process == change.process)
                .cloned()
                .unwrap_or_default();
            ProcessSettings {
                process: change.process.clone(),
                quantity: change.quantity.or(old.quantity),
                memory: change.memory.or(old.memory),
                cpus: change.cpus.or(old.cpus),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_lay_over_stored_settings_field_by_field() {
        let stored = vec![ProcessSettings {
            process: ProcessName::web(),
            quantity: Some(2),
            memory: Some(100),
            cpus: None,
        }];
        let change = vec![ProcessSettings {
            process: ProcessName::web(),
            cpus: Some(0.5),
            ..Default::default()
        }];
        assert_eq!(
            merged(&stored, &change),
            vec![ProcessSettings {
                process: ProcessName::web(),
                quantity: Some(2),
                memory: Some(100),
                cpus: Some(0.5),
            }]
        );
    }
}
