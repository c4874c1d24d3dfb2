//! Networks: the private bridge networks Wharf creates for database services, which the
//! containers of linked apps join, and in a cluster the encrypted overlay networks that carry
//! linked apps' Swarm tasks on any node to a database. Only networks carrying
//! `wharf.managed=true` are removed.

use std::collections::HashMap;

use bollard::models::{
    EndpointSettings, NetworkConnectRequest, NetworkCreateRequest, NetworkDisconnectRequest,
};
use bollard::query_parameters::ListNetworksOptionsBuilder;
use tracing::{info, instrument};

use crate::docker::Docker;
use crate::error::{RuntimeError, is_gone_meanwhile, is_not_found};
use crate::labels;

/// The overlay driver's option that encrypts the traffic between nodes (IPsec, ESP).
const OVERLAY_ENCRYPTED: &str = "encrypted";

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
        let request = NetworkCreateRequest {
            name: name.to_owned(),
            driver: Some("bridge".to_owned()),
            labels: Some(labels::with_managed(labels)),
            ..Default::default()
        };
        self.ensure_network_as(request).await
    }

    /// Creates the Swarm overlay network `name` (managers only) with `labels` (plus
    /// `wharf.managed=true`) unless it exists: *attachable*, so plain containers (a database
    /// on this server) join it beside services' tasks, and, when `encrypted`, with the traffic
    /// between nodes in IPsec (ESP) rather than in the clear. An existing network of
    /// that name that Wharf did not create is [`RuntimeError::NotManaged`].
    #[instrument(skip(self, labels))]
    pub async fn ensure_overlay_network(
        &self,
        name: &str,
        labels: &HashMap<String, String>,
        encrypted: bool,
    ) -> Result<(), RuntimeError> {
        let options =
            encrypted.then(|| HashMap::from([(OVERLAY_ENCRYPTED.to_owned(), String::new())]));
        let request = NetworkCreateRequest {
            name: name.to_owned(),
            driver: Some("overlay".to_owned()),
            attachable: Some(true),
            options,
            labels: Some(labels::with_managed(labels)),
            ..Default::default()
        };
        self.ensure_network_as(request).await
    }

    /// The names of the networks carrying `wharf.managed=true` and every label in
    /// `filters`, sorted.
    pub async fn list_networks(
        &self,
        filters: &[(&str, &str)],
    ) -> Result<Vec<String>, RuntimeError> {
        let options = ListNetworksOptionsBuilder::default()
            .filters(&labels::managed_filters(filters))
            .build();
        let networks = self
            .client
            .list_networks(Some(options))
            .await
            .map_err(|e| self.err("listing networks", e))?;
        let mut names: Vec<String> = networks
            .into_iter()
            .filter(|n| n.labels.as_ref().is_some_and(labels::is_managed))
            .filter_map(|n| n.name)
            .collect();
        names.sort();
        Ok(names)
    }

    async fn ensure_network_as(&self, request: NetworkCreateRequest) -> Result<(), RuntimeError> {
        let name = request.name.clone();
        let name = name.as_str();
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
            Err(e) if is_gone_meanwhile(&e) => Ok(()),
            Err(e) => Err(self.err(format!("removing network {name}"), e)),
        }
    }

    /// Connects the container `container` (name or ID, running or not) to `network` under
    /// `aliases` as well as its name, unless it is on it already: a running container joins
    /// without a restart.
    #[instrument(skip(self))]
    pub async fn join_network(
        &self,
        container: &str,
        network: &str,
        aliases: &[String],
    ) -> Result<(), RuntimeError> {
        let info = self.inspect(container).await?;
        let attached = match self.client.inspect_network(network, None).await {
            Ok(existing) => existing.containers.unwrap_or_default(),
            Err(e) if is_not_found(&e) => {
                return Err(RuntimeError::NotFound(format!("network {network}")));
            }
            Err(e) => return Err(self.err(format!("inspecting network {network}"), e)),
        };
        if attached.contains_key(&info.id) {
            return Ok(());
        }
        let request = NetworkConnectRequest {
            container: info.id.clone(),
            endpoint_config: Some(EndpointSettings {
                aliases: Some(aliases.to_vec()),
                ..Default::default()
            }),
        };
        self.client
            .connect_network(network, request)
            .await
            .map_err(|e| {
                self.err(
                    format!("connecting container {container} to network {network}"),
                    e,
                )
            })?;
        info!(%network, %container, "container joined the network");
        Ok(())
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
