//! Changes to a running Swarm service (managers only): its number of replicas (`wharf stop`
//! sets 0, `wharf start` the process's scale) and a forced rolling update that replaces every
//! task (`wharf restart`). Each change is sent with the service's current version, as the Swarm requires, so a change made
//! meanwhile by someone else is refused rather than overwritten.

use bollard::models::ServiceSpec;
use bollard::query_parameters::UpdateServiceOptions;

use crate::docker::Docker;
use crate::error::{RuntimeError, is_not_found};
use crate::labels;
use crate::service::replicated;

impl Docker {
    /// Run `replicas` tasks of the service Wharf made (ID or name): 0 stops them all, more
    /// starts tasks again. Its tasks are otherwise unchanged.
    pub async fn set_service_replicas(
        &self,
        service: &str,
        replicas: u64,
    ) -> Result<(), RuntimeError> {
        self.update_managed_service(service, |spec| {
            spec.mode = Some(replicated(replicas));
        })
        .await
    }

    /// Replace every task of the service Wharf made (ID or name) by a new one, as its update
    /// settings say (one at a time by default): the Swarm's forced update, which the service's
    /// `ForceUpdate` counter asks for.
    pub async fn force_update_service(&self, service: &str) -> Result<(), RuntimeError> {
        self.update_managed_service(service, |spec| {
            if let Some(template) = spec.task_template.as_mut() {
                template.force_update = Some(template.force_update.unwrap_or(0).wrapping_add(1));
            }
        })
        .await
    }

    /// The number of tasks the service Wharf made (ID or name) is set to run; `None` if it
    /// is gone.
    pub async fn service_replicas(&self, service: &str) -> Result<Option<u64>, RuntimeError> {
        match self.client.inspect_service(service, None).await {
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(self.err(format!("inspecting service {service}"), e)),
            Ok(found) => Ok(Some(
                found
                    .spec
                    .and_then(|s| s.mode)
                    .and_then(|m| m.replicated)
                    .and_then(|r| r.replicas)
                    .and_then(|r| u64::try_from(r).ok())
                    .unwrap_or(0),
            )),
        }
    }

    /// Change the spec of a service Wharf made, from its current spec and version.
    pub(crate) async fn update_managed_service(
        &self,
        service: &str,
        change: impl FnOnce(&mut ServiceSpec),
    ) -> Result<(), RuntimeError> {
        let context = format!("updating service {service}");
        let inspected = match self.client.inspect_service(service, None).await {
            Err(e) if is_not_found(&e) => {
                return Err(RuntimeError::NotFound(format!("service {service}")));
            }
            other => other.map_err(|e| self.err(context.clone(), e))?,
        };
        let mut spec = inspected.spec.unwrap_or_default();
        if !spec.labels.as_ref().is_some_and(labels::is_managed) {
            return Err(RuntimeError::NotManaged(format!("service {service}")));
        }
        let version = inspected
            .version
            .and_then(|v| v.index)
            .and_then(|v| i32::try_from(v).ok())
            .ok_or_else(|| RuntimeError::Io(format!("service {service} has no version")))?;
        change(&mut spec);
        let options = UpdateServiceOptions {
            version,
            registry_auth_from: "spec".to_string(),
            rollback: None,
        };
        self.client
            .update_service(service, spec, options, None)
            .await
            .map_err(|e| self.err(context, e))?;
        Ok(())
    }
}
