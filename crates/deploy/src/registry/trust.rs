//! Trust between the nodes' engines and the registry: each engine finds, in
//! `/etc/docker/certs.d/HOST:PORT/`, the cluster CA's certificate (`ca.crt`, to check the
//! registry) and a client certificate with its key (`client.cert`, `client.key`, to be let in).
//! On the manager Wharf writes them itself, through a container of the registry's image that
//! is made with the host's `/etc` mounted, given the files and removed without ever running;
//! another node gets them from the join `wharf nodes add` prints or runs.

use super::{CERT_LIFETIME, registry_error};
use crate::deployer::INSTANCE_LABEL;
use crate::{DeployError, Deployer};
use std::collections::HashMap;
use std::time::Duration;
use wharf_certs::{LocalCa, Usage};
use wharf_runtime::{ContainerSpec, FileEntry, Mount, RestartPolicy};

/// Where a Docker engine looks for the certificates of the registry at `address`.
pub fn certs_dir(address: &str) -> String {
    format!("/etc/docker/certs.d/{address}")
}

/// One file of a node's trust in the registry, for its [`certs_dir`].
#[derive(Clone, PartialEq, Eq)]
pub struct TrustFile {
    /// `ca.crt`, `client.cert` or `client.key`.
    pub name: String,
    pub contents: String,
    /// 0644, or 0600 for the key.
    pub mode: u32,
}

impl std::fmt::Debug for TrustFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustFile")
            .field("name", &self.name)
            .field("mode", &format_args!("{:o}", self.mode))
            .finish_non_exhaustive()
    }
}

/// The CA's certificate and a new client certificate named `client`, as a node's files.
fn trust_files(ca: &LocalCa, client: &str) -> Result<Vec<TrustFile>, DeployError> {
    let issued = ca
        .issue(client, Vec::new(), Usage::Client, CERT_LIFETIME)
        .map_err(|e| registry_error(format!("issuing a client certificate: {e}")))?;
    Ok(vec![
        TrustFile {
            name: "ca.crt".to_string(),
            contents: ca.cert_pem().to_string(),
            mode: 0o644,
        },
        TrustFile {
            name: "client.cert".to_string(),
            contents: issued.cert_pem,
            mode: 0o644,
        },
        TrustFile {
            name: "client.key".to_string(),
            contents: issued.key_pem,
            mode: 0o600,
        },
    ])
}

impl Deployer {
    /// What the node `node` needs to pull from the registry: the registry's address and the
    /// files for its engine's [`certs_dir`], with a client certificate made for it. Starts the
    /// registry if it does not run yet.
    pub async fn registry_trust(
        &self,
        node: &str,
    ) -> Result<(String, Vec<TrustFile>), DeployError> {
        let address = self.ensure_registry().await?;
        let ca = self.cluster_ca()?;
        Ok((
            address.to_string(),
            trust_files(&ca, &format!("wharf-node {node}"))?,
        ))
    }

    /// Make this server's engine trust the registry at `address`: its [`certs_dir`] gets the
    /// files, through a container of the registry's image that never runs.
    pub(super) async fn trust_registry_here(
        &self,
        address: &super::RegistryAddress,
        ca: &LocalCa,
    ) -> Result<(), DeployError> {
        let files: Vec<FileEntry> = trust_files(ca, "wharf-manager")?
            .into_iter()
            .map(|file| FileEntry {
                name: file.name,
                contents: file.contents.into_bytes(),
                mode: file.mode,
                uid: 0,
                gid: 0,
            })
            .collect();
        let spec = ContainerSpec {
            name: format!("{}-trust", super::REGISTRY_CONTAINER),
            image: self.settings.registry.image.clone(),
            labels: HashMap::from([(
                INSTANCE_LABEL.to_string(),
                self.settings.instance_id.clone(),
            )]),
            entrypoint: Some(Vec::new()),
            cmd: Some(vec!["true".to_string()]),
            mounts: vec![Mount {
                source: "/etc".to_string(),
                target: "/host-etc".to_string(),
                read_only: false,
            }],
            restart: RestartPolicy::No,
            ..ContainerSpec::default()
        };
        if let Ok(leftover) = self.docker.inspect(&spec.name).await {
            self.docker
                .stop_and_remove(&leftover.id, Duration::ZERO)
                .await?;
        }
        let id = self.docker.create(&spec).await?;
        let dir = certs_dir(&address.to_string());
        let put = self
            .docker
            .put_files(&id, "/host-etc", dir.trim_start_matches("/etc/"), &files)
            .await;
        self.docker.stop_and_remove(&id, Duration::ZERO).await?;
        put.map_err(|e| {
            registry_error(format!(
                "writing {dir} on this server, so its engine trusts the registry: {e}"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_gets_the_ca_and_a_client_certificate_whose_key_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let ca = LocalCa::load_or_create(dir.path(), "cluster").unwrap();
        let files = trust_files(&ca, "wharf-node web-2").unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["ca.crt", "client.cert", "client.key"]);
        assert_eq!(files[0].contents, ca.cert_pem());
        assert_eq!(files[2].mode, 0o600);
        assert!(files[2].contents.contains("PRIVATE KEY"));
        assert!(!format!("{files:?}").contains("PRIVATE"));
        assert_eq!(
            certs_dir("10.0.0.2:5000"),
            "/etc/docker/certs.d/10.0.0.2:5000"
        );
    }
}
