//! The cluster's image registry: how a release's image reaches every node. In a cluster, Wharf
//! runs the `distribution` registry as one container on the manager (`wharf-registry`, its
//! blobs in the volume `wharf-registry`), listening on the manager's Swarm address only
//! (`HOST:5000`). It speaks TLS with a certificate from Wharf's *cluster CA*
//! (`DATA/cluster-ca/`) and lets in only clients that show a certificate of the same CA: the
//! engines of the cluster's nodes, which find the CA and their client certificate in
//! `/etc/docker/certs.d/HOST:PORT/`, written on the manager by Wharf and on each other node by
//! the join `wharf nodes add` gives ([`Deployer::registry_trust`]).
//!
//! A deploy names the release's image `HOST:PORT/wharf/APP:vN` and the manager's engine pushes
//! it ([`Deployer::publish_image`]); the Swarm's tasks pull that name on their nodes. Pruning
//! removes the tags of releases whose images are pruned on the manager, then lets the registry
//! collect what no tag uses ([`Deployer::prune_registry`]). A server that never ran `wharf
//! cluster init` never starts it.

mod service_image;
mod trust;

use crate::deployer::INSTANCE_LABEL;
use crate::{DeployError, Deployer, Progress};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;
use wharf_certs::{LocalCa, Usage};
use wharf_domain::{AppName, ReleaseVersion};
use wharf_runtime::{ContainerSpec, ExecSpec, FileEntry, Mount, PortBinding, RestartPolicy};

pub use trust::{TrustFile, certs_dir};

/// The registry's container on the manager.
pub const REGISTRY_CONTAINER: &str = "wharf-registry";
/// The volume holding the registry's images.
pub const REGISTRY_VOLUME: &str = "wharf-registry";
/// The label on the registry's container saying the address its certificate is for.
pub const ADDRESS_LABEL: &str = "wharf.registry.address";
/// The port the registry listens on inside its container.
const CONTAINER_PORT: u16 = 5000;
/// Where the registry's configuration, certificate and key are put in its container.
const CONFIG_DIR: (&str, &str) = ("/etc", "wharf-registry");
/// Where the registry keeps its data in its container.
const DATA_DIR: &str = "/var/lib/registry";
/// How long the registry's certificate and the nodes' client certificates are valid.
const CERT_LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// How long the registry gets to answer after it starts.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the registry comes from and where it listens.
#[derive(Debug, Clone)]
pub struct RegistrySettings {
    /// The registry's image (`registry:2`, Docker's distribution registry), pulled on the
    /// manager the first time if missing.
    pub image: String,
    /// The port on the manager's Swarm address.
    pub port: u16,
    /// The directory of the cluster CA (`DATA/cluster-ca`).
    pub ca_dir: PathBuf,
}

impl Default for RegistrySettings {
    fn default() -> RegistrySettings {
        RegistrySettings {
            image: "registry:2".to_string(),
            port: 5000,
            ca_dir: PathBuf::from("/var/lib/wharf/cluster-ca"),
        }
    }
}

/// Where the registry listens: the manager's Swarm address and the registry's port. Shown
/// as `HOST:PORT` (an IPv6 host in brackets), the form image names and `certs.d` use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryAddress {
    /// The manager's Swarm address, without brackets.
    pub host: String,
    pub port: u16,
}

impl RegistryAddress {
    pub fn new(host: &str, port: u16) -> RegistryAddress {
        RegistryAddress {
            host: host.trim_matches(['[', ']']).to_string(),
            port,
        }
    }
}

impl std::fmt::Display for RegistryAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

fn config_path() -> String {
    format!("{}/{}/config.yml", CONFIG_DIR.0, CONFIG_DIR.1)
}

/// The registry's configuration: its blobs on disk, deletes allowed (for pruning), and TLS
/// with client certificates of the cluster CA required.
fn config_yml() -> String {
    let dir = format!("{}/{}", CONFIG_DIR.0, CONFIG_DIR.1);
    format!(
        "version: 0.1\n\
         log:\n  level: warn\n  accesslog:\n    disabled: true\n\
         storage:\n  filesystem:\n    rootdirectory: {DATA_DIR}\n  delete:\n    enabled: true\n\
         http:\n  addr: :{CONTAINER_PORT}\n  tls:\n    certificate: {dir}/server.crt\n    key: {dir}/server.key\n    clientcas:\n      - {dir}/ca.crt\n"
    )
}

fn registry_error(what: impl std::fmt::Display) -> DeployError {
    DeployError::Registry(what.to_string())
}

impl Deployer {
    /// The cluster CA, made the first time it is needed.
    pub(crate) fn cluster_ca(&self) -> Result<LocalCa, DeployError> {
        LocalCa::load_or_create(&self.settings.registry.ca_dir, "cluster")
            .map_err(|e| registry_error(format!("the cluster CA: {e}")))
    }

    /// The registry's address: this server's Swarm address and the registry's port. Only a
    /// manager of an active Swarm has one.
    pub(crate) async fn registry_address(&self) -> Result<RegistryAddress, DeployError> {
        let membership = self.docker.swarm_membership().await?;
        match membership.node_addr {
            Some(host) if membership.active() && membership.manager => {
                Ok(RegistryAddress::new(&host, self.settings.registry.port))
            }
            _ => Err(registry_error(
                "this server is not a cluster manager: run `wharf cluster init` first",
            )),
        }
    }

    /// Make sure the registry runs on this server, for its current Swarm address, and that
    /// this server's engine trusts it; its address.
    pub async fn ensure_registry(&self) -> Result<RegistryAddress, DeployError> {
        let _guard = self.registry_lock.lock().await;
        let address = self.registry_address().await?;
        let label = address.to_string();
        if let Ok(existing) = self.docker.inspect(REGISTRY_CONTAINER).await {
            let same_address = existing.labels.get(ADDRESS_LABEL) == Some(&label);
            if existing.running && same_address {
                return Ok(address);
            }
            if same_address {
                self.docker.start(&existing.id).await?;
                self.wait_for_registry(&existing.id).await?;
                return Ok(address);
            }
            // Made for another address: its certificate no longer names this server.
            self.docker
                .stop_and_remove(&existing.id, self.settings.stop_grace)
                .await?;
        }
        let ca = self.cluster_ca()?;
        let server = ca
            .issue(
                "wharf-registry",
                vec![address.host.clone()],
                Usage::Server,
                CERT_LIFETIME,
            )
            .map_err(|e| registry_error(format!("issuing its certificate: {e}")))?;
        if !self
            .docker
            .image_exists(&self.settings.registry.image)
            .await?
        {
            let image = &self.settings.registry.image;
            self.docker
                .pull_image(image, &mut |line| tracing::debug!(line, "pulling"))
                .await
                .map_err(|e| {
                    registry_error(format!(
                        "its image {image} is not on this server and could not be pulled: {e}"
                    ))
                })?;
        }
        let labels = HashMap::from([
            (ADDRESS_LABEL.to_string(), label),
            (
                INSTANCE_LABEL.to_string(),
                self.settings.instance_id.clone(),
            ),
        ]);
        self.docker.ensure_volume(REGISTRY_VOLUME, &labels).await?;
        let spec = ContainerSpec {
            name: REGISTRY_CONTAINER.to_string(),
            image: self.settings.registry.image.clone(),
            labels,
            cmd: Some(vec![config_path()]),
            mounts: vec![Mount {
                source: REGISTRY_VOLUME.to_string(),
                target: DATA_DIR.to_string(),
                read_only: false,
            }],
            restart: RestartPolicy::UnlessStopped,
            ports: vec![PortBinding {
                host_ip: address.host.clone(),
                host_port: address.port,
                container_port: CONTAINER_PORT,
            }],
            ..ContainerSpec::default()
        };
        let id = self.docker.create(&spec).await?;
        let files: Vec<FileEntry> = [
            ("config.yml", config_yml().into_bytes(), 0o644),
            ("server.crt", server.cert_pem.into_bytes(), 0o644),
            ("server.key", server.key_pem.into_bytes(), 0o600),
            ("ca.crt", ca.cert_pem().as_bytes().to_vec(), 0o644),
        ]
        .into_iter()
        .map(|(name, contents, mode)| FileEntry {
            name: name.to_string(),
            contents,
            mode,
            uid: 0,
            gid: 0,
        })
        .collect();
        let started = async {
            self.docker
                .put_files(&id, CONFIG_DIR.0, CONFIG_DIR.1, &files)
                .await?;
            self.docker.start_created(&id, &spec).await?;
            self.wait_for_registry(&id).await
        }
        .await;
        if let Err(err) = started {
            let _ = self.docker.stop_and_remove(&id, Duration::ZERO).await;
            return Err(err);
        }
        self.trust_registry_here(&address, &ca).await?;
        tracing::info!(%address, "cluster registry started");
        Ok(address)
    }

    /// Wait until the registry's container runs and has not stopped again.
    async fn wait_for_registry(&self, id: &str) -> Result<(), DeployError> {
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        loop {
            let info = self.docker.inspect(id).await?;
            if info.running {
                // It listens within moments of starting; one that fails (a bad certificate,
                // a taken port) exits at once.
                tokio::time::sleep(Duration::from_millis(300)).await;
                if self.docker.inspect(id).await?.running {
                    return Ok(());
                }
            }
            if info.exit_code.is_some_and(|code| code != 0)
                || tokio::time::Instant::now() > deadline
            {
                let logs = self.docker.logs_tail(id, 10).await.unwrap_or_default();
                return Err(registry_error(format!(
                    "its container {REGISTRY_CONTAINER} did not start: {}",
                    logs.join(" / ").trim()
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Name the release's image for the registry and push it there from this server; the name
    /// the cluster's nodes pull it by, `HOST:PORT/wharf/APP:vN`.
    pub(crate) async fn publish_image(
        &self,
        app: &AppName,
        version: ReleaseVersion,
        image: &str,
        progress: &Progress,
    ) -> Result<String, DeployError> {
        let address = self.ensure_registry().await?;
        let _guard = self.registry_lock.lock().await;
        let repository = format!("{address}/wharf/{app}");
        let tag = version.to_string();
        self.docker.tag_image(image, &repository, &tag).await?;
        let mut pushed = 0usize;
        self.docker
            .push_image(&repository, &tag, &mut |line| {
                if line == "Pushed" {
                    pushed += 1;
                }
            })
            .await
            .map_err(|e| {
                registry_error(format!(
                    "pushing {repository}:{tag}: {e}; `wharf cluster status` shows the registry"
                ))
            })?;
        progress.line(format!(
            "       pushed {repository}:{tag} to the cluster's registry ({pushed} new layer{})",
            if pushed == 1 { "" } else { "s" }
        ));
        Ok(format!("{repository}:{tag}"))
    }

    /// Remove from the registry the app's tags other than `keep` (release versions), and the
    /// images no tag uses any more. Errors are logged, never fatal.
    pub(crate) async fn prune_registry(&self, app: &AppName, keep: &HashSet<ReleaseVersion>) {
        if !matches!(self.runs_services().await, Ok(true)) {
            return;
        }
        let Ok(registry) = self.docker.inspect(REGISTRY_CONTAINER).await else {
            return;
        };
        if !registry.running {
            return;
        }
        let _guard = self.registry_lock.lock().await;
        let tags_dir =
            format!("{DATA_DIR}/docker/registry/v2/repositories/wharf/{app}/_manifests/tags");
        let (code, listed) = match self
            .exec_in_registry(&registry.id, &["ls", &tags_dir])
            .await
        {
            Ok(result) => result,
            Err(err) => {
                tracing::warn!(error = %err, "cannot list the registry's tags");
                return;
            }
        };
        if code != 0 {
            return; // The app has nothing in the registry.
        }
        let mut removed = 0;
        for tag in listed.split_whitespace() {
            let kept = keep.iter().any(|version| version.to_string() == tag);
            let ours = tag.starts_with('v') && tag[1..].bytes().all(|b| b.is_ascii_digit());
            if kept || !ours {
                continue;
            }
            let path = format!("{tags_dir}/{tag}");
            match self
                .exec_in_registry(&registry.id, &["rm", "-rf", &path])
                .await
            {
                Ok((0, _)) => removed += 1,
                Ok((code, _)) => tracing::warn!(tag, code, "could not remove a registry tag"),
                Err(err) => tracing::warn!(tag, error = %err, "could not remove a registry tag"),
            }
        }
        if removed == 0 {
            return;
        }
        let config = config_path();
        match self
            .exec_in_registry(
                &registry.id,
                &["registry", "garbage-collect", "--delete-untagged", &config],
            )
            .await
        {
            Ok((0, _)) => {
                tracing::info!(%app, removed, "pruned old release images from the cluster's registry")
            }
            Ok((code, out)) => {
                tracing::warn!(code, output = %out.trim(), "the registry's garbage collection failed")
            }
            Err(err) => tracing::warn!(error = %err, "the registry's garbage collection failed"),
        }
    }

    async fn exec_in_registry(&self, id: &str, cmd: &[&str]) -> Result<(i64, String), DeployError> {
        let spec = ExecSpec {
            cmd: cmd.iter().map(|s| s.to_string()).collect(),
            ..ExecSpec::default()
        };
        let mut out: Vec<u8> = Vec::new();
        let result = self
            .docker
            .exec_to(id, &spec, None::<tokio::io::Empty>, &mut out)
            .await?;
        Ok((result.exit_code, String::from_utf8_lossy(&out).into_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_requires_client_certificates_and_allows_deletes() {
        let yml = config_yml();
        assert!(
            yml.contains("clientcas:\n      - /etc/wharf-registry/ca.crt"),
            "{yml}"
        );
        assert!(yml.contains("delete:\n    enabled: true"), "{yml}");
        assert!(yml.contains("addr: :5000"), "{yml}");
        assert_eq!(config_path(), "/etc/wharf-registry/config.yml");
    }

    #[test]
    fn an_address_shows_as_image_names_use_it() {
        assert_eq!(
            RegistryAddress::new("10.0.0.2", 5000).to_string(),
            "10.0.0.2:5000"
        );
        let v6 = RegistryAddress::new("[fd00::2]", 5001);
        assert_eq!(v6.host, "fd00::2");
        assert_eq!(v6.to_string(), "[fd00::2]:5001");
        assert_eq!(RegistryAddress::new("fd00::2", 5001), v6);
    }
}
