//! Swarm configs: small files the Swarm's managers keep and hand to the node of every task
//! that names one, so a service's tasks find the same file on any node (the services CA's
//! certificate linked apps trust). A config cannot change, so its name ends with a digest of
//! its content: new content is a new config, and the same content is found again.

use std::collections::HashMap;

use base64::Engine as _;
use bollard::models::ConfigSpec;
use sha2::{Digest, Sha256};

use crate::container::ConfigFile;
use crate::docker::Docker;
use crate::error::{RuntimeError, is_not_found};
use crate::labels;

impl Docker {
    /// The Swarm config holding `contents` (managers only), made unless it exists, named
    /// `PREFIX-DIGEST` and carrying `labels` (plus `wharf.managed=true`), as the file
    /// `target` of a service's tasks.
    pub async fn ensure_config(
        &self,
        prefix: &str,
        contents: &[u8],
        labels: &HashMap<String, String>,
        target: &str,
    ) -> Result<ConfigFile, RuntimeError> {
        let name = config_name(prefix, contents);
        let id = match self.client.inspect_config(&name).await {
            Ok(found) => found.id.unwrap_or_default(),
            Err(e) if is_not_found(&e) => {
                let spec = ConfigSpec {
                    name: Some(name.clone()),
                    labels: Some(labels::with_managed(labels)),
                    data: Some(base64::engine::general_purpose::STANDARD.encode(contents)),
                    ..Default::default()
                };
                self.client
                    .create_config(spec)
                    .await
                    .map_err(|e| self.err(format!("creating Swarm config {name}"), e))?
                    .id
            }
            Err(e) => return Err(self.err(format!("inspecting Swarm config {name}"), e)),
        };
        Ok(ConfigFile {
            config_id: id,
            config_name: name,
            target: target.to_string(),
        })
    }
}

/// `PREFIX-` and the first 12 hex digits of the SHA-256 of `contents`.
fn config_name(prefix: &str, contents: &[u8]) -> String {
    let digest = Sha256::digest(contents);
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{prefix}-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configs_name_follows_its_content() {
        let a = config_name("wharf-services-ca", b"one");
        assert_eq!(a, config_name("wharf-services-ca", b"one"));
        assert_ne!(a, config_name("wharf-services-ca", b"two"));
        assert!(a.starts_with("wharf-services-ca-") && a.len() == "wharf-services-ca-".len() + 12);
    }
}
