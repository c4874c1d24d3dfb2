//! Linking a service to an app: the app's config gets the service's URL (DATABASE_URL,
//! REDIS_URL, or `NAME_DATABASE_URL` when that name is taken) and its containers join the
//! service's network; both go through one zero-downtime redeploy. Unlinking takes both back.
//! If the redeploy fails, the link is as it was and the running release keeps serving.
//! In a cluster, the app's tasks reach the service over its overlay network instead (see
//! `wharf_deploy`'s instances), which goes once the last app using it is unlinked.

use std::time::{Duration, Instant};

use wharf_deploy::{ConfigChange, ConfigOutcome, Progress};
use wharf_domain::{AppName, EnvVars, ServiceName};

use crate::{ServiceError, Services};

impl Services {
    #[tracing::instrument(skip(self, progress))]
    pub async fn link(
        &self,
        service: &ServiceName,
        app: &AppName,
        progress: &Progress,
    ) -> Result<ConfigOutcome, ServiceError> {
        let _guard = self.lock(service).await;
        let record = self.running_record(service)?;
        let (name, kind) = (record.name.clone(), record.kind);
        if self.store.app(app)?.is_none() {
            return Err(ServiceError::NoSuchApp(app.to_string()));
        }
        let app_links = self.store.links_of_app(app)?;
        if let Some(link) = app_links.iter().find(|l| l.service == *service) {
            return Err(ServiceError::AlreadyLinked {
                service: service.to_string(),
                app: app.to_string(),
                var: link.var.clone(),
            });
        }
        let vars = self.store.config_vars(app)?;
        let taken = |var: &str| app_links.iter().any(|l| l.var == var) || vars.contains(var);
        let var = [kind.url_var().to_string(), kind.alternate_url_var(&name)]
            .into_iter()
            .find(|v| !taken(v))
            .ok_or_else(|| {
                ServiceError::BadInput(format!(
                    "`{app}` already has both {} and {} set; unset one (`wharf config unset {app} VAR`) and link again",
                    kind.url_var(),
                    kind.alternate_url_var(&name)
                ))
            })?;
        self.store.add_link(service, app, &var)?;
        progress.line(format!(
            "-----> Linking {service} to {app} as {var} (network {})",
            name.resource_name()
        ));
        let change = ConfigChange {
            set: EnvVars::from_pairs([(var.clone(), kind.url(&name, &record.password))])
                .map_err(|e| ServiceError::BadInput(e.to_string()))?,
            unset: Vec::new(),
        };
        match self.deployer.change_config(app, &change, progress).await {
            Ok(outcome) => Ok(outcome),
            Err(err) => {
                self.store.remove_link(service, app)?;
                Err(err.into())
            }
        }
    }

    #[tracing::instrument(skip(self, progress))]
    pub async fn unlink(
        &self,
        service: &ServiceName,
        app: &AppName,
        progress: &Progress,
    ) -> Result<ConfigOutcome, ServiceError> {
        let _guard = self.lock(service).await;
        if self.store.service(service)?.is_none() {
            return Err(ServiceError::NoSuchService(service.to_string()));
        }
        let Some(link) = self
            .store
            .links_of_app(app)?
            .into_iter()
            .find(|l| l.service == *service)
        else {
            return Err(ServiceError::NotLinked {
                service: service.to_string(),
                app: app.to_string(),
            });
        };
        self.store.remove_link(service, app)?;
        progress.line(format!(
            "-----> Unlinking {service} from {app} ({} removed)",
            link.var
        ));
        let change = ConfigChange {
            set: EnvVars::new(),
            unset: vec![link.var.clone()],
        };
        match self.deployer.change_config(app, &change, progress).await {
            Ok(outcome) => {
                self.remove_unused_overlay(service, progress).await?;
                Ok(outcome)
            }
            Err(err) => {
                self.store.add_link(service, app, &link.var)?;
                Err(err.into())
            }
        }
    }
}

impl Services {
    /// In a cluster, once no app is linked to `service`: removes its overlay network when
    /// the last Swarm service on it (the unlinked app's replaced release, draining in the
    /// background) is gone, waiting for that up to the stop grace and a minute more. The
    /// database's container leaves the overlay only then, so requests in flight in the
    /// replaced tasks keep their database. Waiting too long is not an error: the overlay is
    /// left, unused, until the service is destroyed (or linked again, which uses it).
    async fn remove_unused_overlay(
        &self,
        service: &ServiceName,
        progress: &Progress,
    ) -> Result<(), ServiceError> {
        if !self.store.links_of_service(Some(service))?.is_empty() {
            return Ok(());
        }
        // A database on another node lives on its overlay: it stays until the database goes.
        if self
            .store
            .service(service)?
            .is_some_and(|r| r.node.is_some())
        {
            return Ok(());
        }
        let Some(overlay) = self.deployer.database_overlay(service).await? else {
            return Ok(());
        };
        progress.line(format!(
            "-----> Removing network {overlay} once the replaced release's tasks have left it"
        ));
        let deadline = Instant::now() + self.stop_grace + Duration::from_secs(60);
        loop {
            let users = self.docker.services_on_network(&overlay).await?;
            let result = if users.is_empty() {
                self.docker
                    .remove_network(&overlay)
                    .await
                    .map_err(|e| e.to_string())
            } else {
                Err(format!("still used by {}", users.join(", ")))
            };
            match result {
                Ok(()) => {
                    progress.line(format!("       removed network {overlay}"));
                    return Ok(());
                }
                Err(reason) if Instant::now() >= deadline => {
                    tracing::warn!(%service, %overlay, %reason, "could not remove the overlay network");
                    progress.line(format!(
                        "       kept network {overlay} for now ({reason}); it goes when `{service}` is destroyed"
                    ));
                    return Ok(());
                }
                Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
            }
        }
    }
}
