//! Named volumes Wharf creates (a database service's data). Only volumes carrying
//! `wharf.managed=true` are removed.

use std::collections::HashMap;

use bollard::models::VolumeCreateRequest;
use bollard::query_parameters::RemoveVolumeOptionsBuilder;
use tracing::{info, instrument};

use crate::docker::Docker;
use crate::error::{RuntimeError, is_not_found};
use crate::labels;

impl Docker {
    /// True if a volume called `name` exists (Wharf's or not).
    #[instrument(skip(self))]
    pub async fn volume_exists(&self, name: &str) -> Result<bool, RuntimeError> {
        match self.client.inspect_volume(name).await {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(self.err(format!("inspecting volume {name}"), e)),
        }
    }

    /// Creates the volume `name` with `labels` (plus `wharf.managed=true`) unless it exists.
    /// An existing volume of that name that Wharf did not create is
    /// [`RuntimeError::NotManaged`].
    #[instrument(skip(self, labels))]
    pub async fn ensure_volume(
        &self,
        name: &str,
        labels: &HashMap<String, String>,
    ) -> Result<(), RuntimeError> {
        match self.client.inspect_volume(name).await {
            Ok(existing) if labels::is_managed(&existing.labels) => return Ok(()),
            Ok(_) => return Err(RuntimeError::NotManaged(format!("volume {name}"))),
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(self.err(format!("inspecting volume {name}"), e)),
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
        Ok(())
    }

    /// Removes the volume `name` if it exists and Wharf created it.
    #[instrument(skip(self))]
    pub async fn remove_volume(&self, name: &str) -> Result<(), RuntimeError> {
        match self.client.inspect_volume(name).await {
            Ok(existing) if labels::is_managed(&existing.labels) => {}
            Ok(_) => return Err(RuntimeError::NotManaged(format!("volume {name}"))),
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(self.err(format!("inspecting volume {name}"), e)),
        }
        let options = RemoveVolumeOptionsBuilder::default().build();
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
