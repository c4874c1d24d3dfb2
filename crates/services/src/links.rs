//! Linking a service to an app: the app's config gets the service's URL (DATABASE_URL,
//! REDIS_URL, or `NAME_DATABASE_URL` when that name is taken) and its containers join the
//! service's network; both go through one zero-downtime redeploy. Unlinking takes both back.
//! If the redeploy fails, the link is as it was and the running release keeps serving.

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
            Ok(outcome) => Ok(outcome),
            Err(err) => {
                self.store.add_link(service, app, &link.var)?;
                Err(err.into())
            }
        }
    }
}
