//! New contents for a pinned service's secret files (managers only): a database's server
//! certificate near its end is replaced by a new one without moving the database. Swarm
//! secrets cannot change, so each file gets a new secret (`NAME-DIGEST`), the service is
//! updated to use it (the Swarm replaces the task on its node), and the old secret goes.

use std::collections::HashMap;

use crate::docker::Docker;
use crate::error::{RuntimeError, is_not_found};
use crate::labels;
use crate::pinned::{SecretFile, digest};

impl Docker {
    /// Gives the pinned service `service` new contents for its secret files, matched by their
    /// name in `/run/secrets/` (each keeps the owner and mode it had; a file the service does
    /// not have is ignored), and sets the service label `label`. The Swarm replaces its task.
    /// The replaced secrets are removed once the service no longer uses them.
    pub async fn replace_pinned_secrets(
        &self,
        service: &str,
        files: &[SecretFile],
        label: (&str, &str),
    ) -> Result<(), RuntimeError> {
        let inspected = match self.client.inspect_service(service, None).await {
            Err(e) if is_not_found(&e) => {
                return Err(RuntimeError::NotFound(format!("service {service}")));
            }
            other => other.map_err(|e| self.err(format!("inspecting service {service}"), e))?,
        };
        let spec = inspected.spec.unwrap_or_default();
        let service_labels = spec.labels.clone().unwrap_or_default();
        if !labels::is_managed(&service_labels) {
            return Err(RuntimeError::NotManaged(format!("service {service}")));
        }
        // The new secret of each file, by its name in /run/secrets/.
        let mut new: HashMap<&str, (String, String)> = HashMap::new();
        for file in files {
            let name = format!("{service}-{}", digest(&file.contents));
            let id = self
                .ensure_secret(&name, &file.contents, &service_labels)
                .await?;
            new.insert(file.target.as_str(), (id, name));
        }
        let mut replaced = Vec::new();
        self.update_managed_service(service, |spec| {
            spec.labels
                .get_or_insert_with(HashMap::new)
                .insert(label.0.to_string(), label.1.to_string());
            let refs = spec
                .task_template
                .as_mut()
                .and_then(|t| t.container_spec.as_mut())
                .and_then(|c| c.secrets.as_mut());
            for secret in refs.into_iter().flatten() {
                let target = secret.file.as_ref().and_then(|f| f.name.as_deref());
                let Some((id, name)) = target.and_then(|t| new.get(t)) else {
                    continue;
                };
                if secret.secret_name.as_deref() == Some(name.as_str()) {
                    continue;
                }
                replaced.extend(secret.secret_id.replace(id.clone()));
                secret.secret_name = Some(name.clone());
            }
        })
        .await?;
        for old in replaced {
            match self.client.delete_secret(&old).await {
                Ok(()) => {}
                Err(e) if is_not_found(&e) => {}
                Err(e) => {
                    tracing::warn!(secret = %old, error = %e, "could not remove a replaced secret");
                }
            }
        }
        Ok(())
    }
}

impl Docker {
    /// The labels of the service `service` (ID or name).
    pub async fn service_labels(
        &self,
        service: &str,
    ) -> Result<HashMap<String, String>, RuntimeError> {
        match self.client.inspect_service(service, None).await {
            Err(e) if is_not_found(&e) => Err(RuntimeError::NotFound(format!("service {service}"))),
            other => Ok(other
                .map_err(|e| self.err(format!("inspecting service {service}"), e))?
                .spec
                .and_then(|s| s.labels)
                .unwrap_or_default()),
        }
    }
}
