//! A *pinned* service (managers only): one task, on one node the Swarm never moves it from
//! (`node.id==ID`), with a named volume the Swarm makes on that node, on one Swarm network
//! under host names given here, and files handed to it as Swarm secrets, owned by the user
//! its image runs as. A database service on another node of the cluster is one: its data
//! lives in that node's volume, so moving the task elsewhere would start it empty; when its
//! node is down, the task waits there.

use std::collections::HashMap;

use base64::Engine as _;
use bollard::models::{
    EndpointSpec, EndpointSpecModeEnum, Mount as DockerMount, MountType, MountVolumeOptions,
    MountVolumeOptionsDriverConfig, NetworkAttachmentConfig, SecretSpec, ServiceSpec,
    ServiceSpecMode, ServiceSpecModeReplicated, TaskSpec, TaskSpecContainerSpec,
    TaskSpecContainerSpecFile, TaskSpecContainerSpecSecrets, TaskSpecPlacement,
    TaskSpecRestartPolicy, TaskSpecRestartPolicyConditionEnum,
};
use bollard::query_parameters::ListSecretsOptions;
use sha2::{Digest, Sha256};

use crate::docker::Docker;
use crate::error::{RuntimeError, is_not_found};
use crate::labels;

/// A file a pinned service's task finds under `/run/secrets/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretFile {
    /// Its name in `/run/secrets/`.
    pub target: String,
    pub contents: Vec<u8>,
    pub uid: u64,
    pub gid: u64,
    pub mode: u32,
}

/// What a pinned service is made of.
#[derive(Debug, Clone, Default)]
pub struct PinnedService {
    /// The service's name (no dots: the Swarm refuses them).
    pub name: String,
    /// The name of its volume on its node.
    pub volume: String,
    pub image: String,
    pub env: Vec<(String, String)>,
    pub cmd: Option<Vec<String>>,
    pub stop_signal: Option<String>,
    /// On the service, its task's container, its volume and its secrets (plus
    /// `wharf.managed=true`).
    pub labels: HashMap<String, String>,
    /// The Swarm node ID it runs on, and only there.
    pub node_id: String,
    /// Where its volume is mounted in the container.
    pub volume_target: String,
    /// The Swarm network (an attachable overlay) it joins, under `aliases`.
    pub network: String,
    pub aliases: Vec<String>,
    pub secrets: Vec<SecretFile>,
}

impl Docker {
    /// Makes the pinned service `spec`: its secrets first (each named `NAME-DIGEST`, made
    /// unless it exists), then the service of one task restarted when it fails. Its volume is
    /// made by the node's engine when the task first starts there (local driver, with the
    /// service's labels); an existing volume of that name on the node is used as it is.
    /// Returns the service's ID.
    pub async fn create_pinned_service(
        &self,
        spec: &PinnedService,
    ) -> Result<String, RuntimeError> {
        let labels = labels::with_managed(&spec.labels);
        let mut secrets = Vec::new();
        for file in &spec.secrets {
            let name = format!("{}-{}", spec.name, digest(&file.contents));
            let id = self.ensure_secret(&name, &file.contents, &labels).await?;
            secrets.push(TaskSpecContainerSpecSecrets {
                file: Some(TaskSpecContainerSpecFile {
                    name: Some(file.target.clone()),
                    uid: Some(file.uid.to_string()),
                    gid: Some(file.gid.to_string()),
                    mode: Some(file.mode),
                }),
                secret_id: Some(id),
                secret_name: Some(name),
            });
        }
        let env = spec
            .env
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        let volume = DockerMount {
            source: Some(spec.volume.clone()),
            target: Some(spec.volume_target.clone()),
            typ: Some(MountType::VOLUME),
            volume_options: Some(MountVolumeOptions {
                labels: Some(labels.clone()),
                driver_config: Some(MountVolumeOptionsDriverConfig {
                    name: Some("local".to_string()),
                    options: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let task = TaskSpec {
            container_spec: Some(TaskSpecContainerSpec {
                image: Some(spec.image.clone()),
                labels: Some(labels.clone()),
                args: spec.cmd.clone(),
                env: Some(env),
                stop_signal: spec.stop_signal.clone(),
                mounts: Some(vec![volume]),
                secrets: (!secrets.is_empty()).then_some(secrets),
                ..Default::default()
            }),
            restart_policy: Some(TaskSpecRestartPolicy {
                condition: Some(TaskSpecRestartPolicyConditionEnum::ON_FAILURE),
                ..Default::default()
            }),
            placement: Some(TaskSpecPlacement {
                constraints: Some(vec![node_constraint(&spec.node_id)]),
                ..Default::default()
            }),
            networks: Some(vec![NetworkAttachmentConfig {
                target: Some(spec.network.clone()),
                aliases: Some(spec.aliases.clone()),
                ..Default::default()
            }]),
            ..Default::default()
        };
        let service = ServiceSpec {
            name: Some(spec.name.clone()),
            labels: Some(labels),
            task_template: Some(task),
            // Its host names resolve to its task's own address, not to a virtual IP the
            // nodes' kernels would balance: one task, and clients on any node reach it.
            endpoint_spec: Some(EndpointSpec {
                mode: Some(EndpointSpecModeEnum::DNSRR),
                ..Default::default()
            }),
            mode: Some(ServiceSpecMode {
                replicated: Some(ServiceSpecModeReplicated { replicas: Some(1) }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let created = self
            .client
            .create_service(service, None)
            .await
            .map_err(|e| self.err(format!("creating service {}", spec.name), e))?;
        created
            .id
            .ok_or_else(|| RuntimeError::Io(format!("the engine gave service {} no ID", spec.name)))
    }

    /// The ID of the Swarm secret `name`, made with `contents` unless it exists (a secret's
    /// name ends with its content's digest, so the same name holds the same content).
    pub(crate) async fn ensure_secret(
        &self,
        name: &str,
        contents: &[u8],
        labels: &HashMap<String, String>,
    ) -> Result<String, RuntimeError> {
        match self.client.inspect_secret(name).await {
            Ok(found) => return Ok(found.id.unwrap_or_default()),
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(self.err(format!("inspecting Swarm secret {name}"), e)),
        }
        let spec = SecretSpec {
            name: Some(name.to_string()),
            labels: Some(labels.clone()),
            data: Some(base64::engine::general_purpose::STANDARD.encode(contents)),
            ..Default::default()
        };
        let created = self
            .client
            .create_secret(spec)
            .await
            .map_err(|e| self.err(format!("creating Swarm secret {name}"), e))?;
        Ok(created.id)
    }

    /// Removes the Swarm secrets Wharf made that carry every label in `filters` and that no
    /// service uses any more (the engine refuses to remove one in use: that one stays).
    pub async fn remove_secrets(&self, filters: &[(&str, &str)]) -> Result<(), RuntimeError> {
        let options = ListSecretsOptions {
            filters: Some(labels::managed_filters(filters)),
        };
        let secrets = self
            .client
            .list_secrets(Some(options))
            .await
            .map_err(|e| self.err("listing Swarm secrets", e))?;
        for secret in secrets {
            let id = secret.id.unwrap_or_default();
            match self.client.delete_secret(&id).await {
                Ok(()) => {}
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(self.err(format!("removing Swarm secret {id}"), e)),
            }
        }
        Ok(())
    }
}

/// The placement constraint that keeps a task on the node `node_id`.
pub fn node_constraint(node_id: &str) -> String {
    format!("node.id=={node_id}")
}

/// The first 12 hex digits of the SHA-256 of `contents`.
pub(crate) fn digest(contents: &[u8]) -> String {
    Sha256::digest(contents)
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_task_may_run_on_its_node_only() {
        assert_eq!(node_constraint("abc123"), "node.id==abc123");
    }

    #[test]
    fn a_secrets_digest_follows_its_content() {
        assert_eq!(digest(b"key"), digest(b"key"));
        assert_ne!(digest(b"key"), digest(b"other"));
        assert_eq!(digest(b"key").len(), 12);
    }
}
