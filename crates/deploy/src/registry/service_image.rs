//! A database service's image on the cluster's registry: a database pinned to another node
//! runs as a Swarm service whose task pulls its image on that node, which may have no
//! access to the image's own registry (or the image may exist on the manager only, as a
//! mirror loaded there). So the manager pushes it to the cluster's registry first, as it does
//! an app's release, under `HOST:PORT/wharf-services/SERVICE:TAG`.

use crate::{DeployError, Deployer};
use wharf_domain::ServiceName;

impl Deployer {
    /// Push `image` (present on this server) to the cluster's registry for the database
    /// service `service`; the name its node pulls it by.
    pub async fn publish_service_image(
        &self,
        service: &ServiceName,
        image: &str,
    ) -> Result<String, DeployError> {
        let address = self.ensure_registry().await?;
        let _guard = self.registry_lock.lock().await;
        let repository = format!("{address}/wharf-services/{service}");
        let tag = tag_of(image);
        self.docker.tag_image(image, &repository, &tag).await?;
        self.docker
            .push_image(&repository, &tag, &mut |_| {})
            .await
            .map_err(|e| {
                DeployError::Registry(format!(
                    "pushing {repository}:{tag}: {e}; `wharf cluster status` shows the registry"
                ))
            })?;
        Ok(format!("{repository}:{tag}"))
    }
}

/// A registry tag naming `image`: its reference with what a tag cannot hold turned into `-`
/// (`postgres:17` is `postgres-17`), at most 128 characters.
fn tag_of(image: &str) -> String {
    let tag: String = image
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(128)
        .collect();
    tag.trim_start_matches(['.', '-']).to_string()
}

#[cfg(test)]
mod tests {
    use super::tag_of;

    #[test]
    fn an_image_reference_becomes_a_tag() {
        assert_eq!(tag_of("postgres:17"), "postgres-17");
        assert_eq!(
            tag_of("registry.example.com:5000/db/postgres:17"),
            "registry.example.com-5000-db-postgres-17"
        );
        assert!(tag_of(&"a".repeat(300)).len() <= 128);
    }
}
