//! Networks: the private bridge networks Wharf creates for database services, which the
//! containers of linked apps join. Only networks carrying `wharf.managed=true` are removed.

use std::collections::HashMap;

use bollard::models::{
    EndpointSettings, NetworkConnectRequest, NetworkCreateRequest, NetworkDisconnectRequest,
};
use tracing::{info, instrument};

use crate::docker::Docker;
use crate::error::{RuntimeError, is_not_found};
use crate::labels;

impl Docker {
    /// Creates the bridge network `name` with `labels` (plus `wharf.managed=true`) unless it
    /// exists. An existing network of that name that Wharf did not create is
    /// [`RuntimeError::NotManaged`].
    #[instrument(skip(self, labels))]
    pub async fn ensure_network(
        &self,
        name: &str,
        labels: &HashMap<String, String>,
    ) -> Result<(), RuntimeError> {
        match self.client.inspect_network(name, None).await {
            Ok(existing) => {
                return if labels::is_managed(&existing.labels.unwrap_or_default()) {
                    Ok(())
                } else {
                    Err(RuntimeError::NotManaged(format!("network {name}")))
                };
            }
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(self.err(format!("inspecting network {name}"), e)),
        }
        let request = NetworkCreateRequest {
            name: name.to_owned(),
            driver: Some("bridge".to_owned()),
            labels: Some(labels::with_managed(labels)),
            ..Default::default()
        };
        self.client
            .create_network(request)
            .await
            .map_err(|e| self.err(format!("creating network {name}"), e))?;
        info!(network = %name, "network created");
        Ok(())
    }

    /// Removes the network `name` if it exists and Wharf created it, disconnecting any
    /// container still on it first.
    #[instrument(skip(self))]
    pub async fn remove_network(&self, name: &str) -> Result<(), RuntimeError> {
        let attached = match self.client.inspect_network(name, None).await {
            Ok(existing) if existing.labels.as_ref().is_some_and(labels::is_managed) => {
                existing.containers.unwrap_or_default()
            }
            Ok(_) => return Err(RuntimeError::NotManaged(format!("network {name}"))),
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(self.err(format!("inspecting network {name}"), e)),
        };
        // Containers still on it (an app's old instances, retiring after an unlink) would
        // make the engine refuse the removal: they leave the network first.
        for container in attached.keys() {
            let request = NetworkDisconnectRequest {
                container: container.clone(),
                force: Some(true),
            };
            match self.client.disconnect_network(name, request).await {
                Ok(()) => info!(network = %name, %container, "container disconnected"),
                Err(e) if is_not_found(&e) => {}
                Err(e) => {
                    return Err(self.err(
                        format!("disconnecting container {container} from network {name}"),
                        e,
                    ));
                }
            }
        }
        match self.client.remove_network(name).await {
            Ok(()) => {
                info!(network = %name, "network removed");
                Ok(())
            }
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(self.err(format!("removing network {name}"), e)),
        }
    }

    /// Connects a container (created, running or not) to `network`.
    #[instrument(skip(self))]
    pub(crate) async fn connect_network(
        &self,
        container: &str,
        network: &str,
    ) -> Result<(), RuntimeError> {
        let request = NetworkConnectRequest {
            container: container.to_owned(),
            endpoint_config: Some(EndpointSettings::default()),
        };
        match self.client.connect_network(network, request).await {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) => Err(RuntimeError::NotFound(format!("network {network}"))),
            Err(e) => Err(self.err(
                format!("connecting container {container} to network {network}"),
                e,
            )),
        }
    }
}
