//! Links in a cluster: a database service stays a plain container on this server (the
//! manager, where its volume is and where backups run), and each linked app's Swarm tasks,
//! on whatever node, reach it over the service's own *overlay* network (labelled
//! `wharf.overlay=SERVICE`, named by [`ServiceName::overlay_name`]): attachable, so the
//! database's running container joins it beside the tasks, and encrypted (unless the server
//! runs with `--unencrypted-overlays`), so what crosses between nodes is IPsec. The database
//! joins under the same host name apps use on its bridge network, so the URL an app got when
//! it was linked (DATABASE_URL...) holds on every node. On a server that is not a cluster
//! none of this runs: linked containers join the service's bridge network
//! ([`Deployer::linked_networks`]).

use crate::deployer::INSTANCE_LABEL;
use crate::{DeployError, Deployer};
use std::collections::HashMap;
use wharf_domain::{AppName, ServiceName};
use wharf_runtime::{ContainerSpec, RuntimeError, labels};

impl Deployer {
    /// The overlay networks of the services linked to `app`, which its web service's tasks
    /// join; each exists, with its database's container on it, when this returns.
    pub(crate) async fn linked_overlays(&self, app: &AppName) -> Result<Vec<String>, DeployError> {
        let mut overlays = Vec::new();
        for link in self.store.links_of_app(app)? {
            let overlay =
                self.attach_database_overlay(&link.service)
                    .await
                    .map_err(|err| match err {
                        RuntimeError::NotFound(reason) => DeployError::LinkedServiceMissing {
                            app: app.to_string(),
                            service: link.service.to_string(),
                            reason: format!("{reason} not found"),
                        },
                        other => other.into(),
                    })?;
            overlays.push(overlay);
        }
        Ok(overlays)
    }

    /// The overlay network of `service`, when it has one (this server's only).
    pub async fn database_overlay(
        &self,
        service: &ServiceName,
    ) -> Result<Option<String>, RuntimeError> {
        let mine = [
            (labels::OVERLAY, service.as_str()),
            (INSTANCE_LABEL, self.settings.instance_id.as_str()),
        ];
        Ok(self.docker.list_networks(&mine).await?.into_iter().next())
    }

    /// Makes the overlay network of `service` unless it has one (managers only), and puts
    /// the service's running container on it under the service's name, without a restart.
    /// Returns the network's name. Also called by the services when they make a service's
    /// container again (a new certificate, a port published), so it stays reachable.
    /// A database pinned to another node ([`wharf_store::ServiceRecord::node`]) runs there as
    /// a Swarm service that joined the overlay when it was made: only the network is made.
    pub async fn attach_database_overlay(
        &self,
        service: &ServiceName,
    ) -> Result<String, RuntimeError> {
        let pinned_elsewhere = self
            .store
            .service(service)
            .map_err(|e| RuntimeError::Io(format!("reading service {service}: {e}")))?
            .and_then(|record| record.node);
        if let Some(node) = pinned_elsewhere {
            return self.ensure_database_overlay(service, Some(node)).await;
        }
        let overlay = self.ensure_database_overlay(service, None).await?;
        self.docker
            .join_network(
                &service.resource_name(),
                &overlay,
                &[service.as_str().to_string()],
            )
            .await?;
        Ok(overlay)
    }

    /// Makes the overlay network of `service` unless it has one (managers only), labelled
    /// with the node the database runs on (`node`, else this server's), and returns its name.
    pub async fn ensure_database_overlay(
        &self,
        service: &ServiceName,
        node: Option<String>,
    ) -> Result<String, RuntimeError> {
        let overlay = match self.database_overlay(service).await? {
            Some(existing) => existing,
            None => {
                let generation = uuid::Uuid::new_v4().simple().to_string();
                service.overlay_name(&generation[..8])
            }
        };
        let mut labels = HashMap::from([
            (labels::OVERLAY.to_string(), service.to_string()),
            (
                INSTANCE_LABEL.to_string(),
                self.settings.instance_id.clone(),
            ),
        ]);
        // The overlay records the node the database is pinned to, even for a service made
        // before the cluster, whose container and volume carry no such label.
        let node = match node {
            Some(node) => Some(node),
            None => self.docker.swarm_membership().await?.node_id,
        };
        if let Some(node) = node {
            labels.insert(labels::NODE.to_string(), node);
        }
        self.docker
            .ensure_overlay_network(&overlay, &labels, self.settings.encrypt_overlays)
            .await?;
        Ok(overlay)
    }

    /// Turns the services CA's certificate, mounted from this server's data directory into
    /// a linked app's containers, into a Swarm config (`wharf-services-ca-DIGEST`) at the
    /// same path for a service's tasks, which run on other nodes too.
    pub(crate) async fn services_ca_as_config(
        &self,
        container: &mut ContainerSpec,
    ) -> Result<(), DeployError> {
        let target = wharf_domain::SERVICES_CA_IN_APPS;
        let Some(at) = container.mounts.iter().position(|m| m.target == target) else {
            return Ok(());
        };
        let mount = container.mounts.remove(at);
        let pem = tokio::fs::read(&mount.source).await.map_err(|e| {
            RuntimeError::Io(format!(
                "reading the services CA's certificate {}: {e}",
                mount.source
            ))
        })?;
        let labels = HashMap::from([(
            INSTANCE_LABEL.to_string(),
            self.settings.instance_id.clone(),
        )]);
        let file = self
            .docker
            .ensure_config("wharf-services-ca", &pem, &labels, target)
            .await?;
        container.configs.push(file);
        Ok(())
    }
}
