//! Named volumes: created with Wharf's labels when an app's storage names one that does not
//! exist yet, and removed again only if they carry `wharf.managed=true`.

use std::collections::HashMap;

use bollard::models::VolumeCreateRequest;
use bollard::query_parameters::RemoveVolumeOptionsBuilder;
use tracing::{info, instrument};

use crate::docker::Docker;
use crate::error::{RuntimeError, is_not_found};
use crate::labels;

impl Docker {
    /// Whether the named volume `name` exists (whoever made it).
    #[instrument(skip(self))]
    pub async fn volume_exists(&self, name: &str) -> Result<bool, RuntimeError> {
        match self.client.inspect_volume(name).await {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(self.err(format!("inspecting volume {name}"), e)),
        }
    }

    /// Make sure the named volume `name` exists: if it does not, create it with `labels` (plus
    /// `wharf.managed=true`). Returns whether it was created here; an existing volume is left
    /// exactly as it is, whoever made it.
    #[instrument(skip(self, labels))]
    pub async fn ensure_volume(
        &self,
        name: &str,
        labels: &HashMap<String, String>,
    ) -> Result<bool, RuntimeError> {
        if self.volume_exists(name).await? {
            return Ok(false);
        }
        let request = VolumeCreateRequest {
            name: Some(name.to_owned()),
            labels: Some(labels::with_managed(labels)),
            ..Default::default()
        };
        self.client
            .create_volume(request)
            .await
            .map_err(|e| self.err(format!("creating volume {name}"), e))?;
        info!(volume = %name, "volume created");
        Ok(true)
    }

    /// Remove the named volume `name` if Wharf created it (it carries `wharf.managed=true`) and
    /// no container uses it. A volume Wharf did not create is never removed (`NotManaged`).
    #[instrument(skip(self))]
    pub async fn remove_volume(&self, name: &str) -> Result<(), RuntimeError> {
        let volume = match self.client.inspect_volume(name).await {
            Ok(v) => v,
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(self.err(format!("inspecting volume {name}"), e)),
        };
        if !labels::is_managed(&volume.labels) {
            return Err(RuntimeError::NotManaged(format!("volume {name}")));
        }
        let options = RemoveVolumeOptionsBuilder::default().force(false).build();
        match self.client.remove_volume(name, Some(options)).await {
            Ok(()) => {
                info!(volume = %name, "volume removed");
                Ok(())
            }
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(self.err(format!("removing volume {name}"), e)),
        }
    }
}
