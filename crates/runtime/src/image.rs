//! Images: existence checks, EXPOSEd ports, listing and removing the images
//! Wharf built.

use std::collections::HashMap;

use bollard::query_parameters::{ListImagesOptionsBuilder, RemoveImageOptionsBuilder};
use serde::{Deserialize, Serialize};
use tracing::{debug, info, instrument};

use crate::docker::Docker;
use crate::error::{RuntimeError, is_not_found};
use crate::labels;

/// An image in the local store.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInfo {
    /// Image id (`sha256:...`).
    pub id: String,
    /// `repo:tag` references; empty for untagged images.
    pub tags: Vec<String>,
    /// Image labels.
    pub labels: HashMap<String, String>,
}

impl Docker {
    /// True if an image with this tag or id exists locally.
    #[instrument(skip(self))]
    pub async fn image_exists(&self, image: &str) -> Result<bool, RuntimeError> {
        match self.client.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(self.err(format!("inspecting image {image}"), e)),
        }
    }

    /// The TCP ports the image EXPOSEs, sorted, e.g. `[8080]`.
    #[instrument(skip(self))]
    pub async fn exposed_ports(&self, image: &str) -> Result<Vec<u16>, RuntimeError> {
        let inspect = match self.client.inspect_image(image).await {
            Ok(i) => i,
            Err(e) if is_not_found(&e) => {
                return Err(RuntimeError::NotFound(format!("image {image}")));
            }
            Err(e) => return Err(self.err(format!("inspecting image {image}"), e)),
        };
        let exposed = inspect
            .config
            .and_then(|c| c.exposed_ports)
            .unwrap_or_default();
        Ok(tcp_ports(&exposed))
    }

    /// The user the image's processes run as (its `USER`, `Config.User`: `app`, `1000:1000`,
    /// ...), or `None` when it sets none (root).
    #[instrument(skip(self))]
    pub async fn image_user(&self, image: &str) -> Result<Option<String>, RuntimeError> {
        let inspect = match self.client.inspect_image(image).await {
            Ok(i) => i,
            Err(e) if is_not_found(&e) => {
                return Err(RuntimeError::NotFound(format!("image {image}")));
            }
            Err(e) => return Err(self.err(format!("inspecting image {image}"), e)),
        };
        Ok(inspect
            .config
            .and_then(|c| c.user)
            .filter(|user| !user.trim().is_empty()))
    }

    /// Images carrying `wharf.managed=true` and every label in `filters`.
    #[instrument(skip(self))]
    pub async fn list_images(
        &self,
        filters: &[(&str, &str)],
    ) -> Result<Vec<ImageInfo>, RuntimeError> {
        let options = ListImagesOptionsBuilder::default()
            .all(false)
            .filters(&labels::managed_filters(filters))
            .build();
        let images = self
            .client
            .list_images(Some(options))
            .await
            .map_err(|e| self.err("listing images", e))?;
        let mut out: Vec<ImageInfo> = images
            .into_iter()
            .filter(|i| labels::is_managed(&i.labels))
            .map(|i| ImageInfo {
                id: i.id,
                tags: i
                    .repo_tags
                    .into_iter()
                    .filter(|t| t != "<none>:<none>")
                    .collect(),
                labels: i.labels,
            })
            .collect();
        out.sort_by(|a, b| a.tags.cmp(&b.tags).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Removes an image by tag or id. A missing image is not an error. Never
    /// forces: an image used by a container (running or stopped) yields
    /// [`RuntimeError::Conflict`]. Removing by tag when the image has other
    /// tags only removes that tag. Refuses ([`RuntimeError::NotManaged`])
    /// images Wharf did not build.
    #[instrument(skip(self))]
    pub async fn remove_image(&self, image: &str) -> Result<(), RuntimeError> {
        let inspect = match self.client.inspect_image(image).await {
            Ok(i) => i,
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(self.err(format!("inspecting image {image}"), e)),
        };
        let image_labels = inspect.config.and_then(|c| c.labels).unwrap_or_default();
        if !labels::is_managed(&image_labels) {
            return Err(RuntimeError::NotManaged(format!("image {image}")));
        }
        let options = RemoveImageOptionsBuilder::default()
            .force(false)
            .noprune(false)
            .build();
        match self.client.remove_image(image, Some(options), None).await {
            Ok(items) => {
                debug!(?items, "image delete response");
                info!(%image, "image removed");
                Ok(())
            }
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(self.err(format!("removing image {image}"), e)),
        }
    }
}

impl Docker {
    /// Remove an image a failed build of Wharf's left behind (see
    /// [`crate::BuildError::StepFailed`]). Only untagged images are removed, never one that
    /// has a tag; an image still used as a parent or by a container stays (`Conflict`).
    pub async fn remove_build_leftover(&self, id: &str) -> Result<(), RuntimeError> {
        let inspect = match self.client.inspect_image(id).await {
            Ok(i) => i,
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(self.err(format!("inspecting image {id}"), e)),
        };
        let tagged = inspect
            .repo_tags
            .unwrap_or_default()
            .iter()
            .any(|t| t != "<none>:<none>");
        if tagged {
            return Err(RuntimeError::NotManaged(format!("tagged image {id}")));
        }
        let options = RemoveImageOptionsBuilder::default()
            .force(false)
            .noprune(false)
            .build();
        match self.client.remove_image(id, Some(options), None).await {
            Ok(_) => {
                info!(image = %id, "removed a failed build's leftover image");
                Ok(())
            }
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(self.err(format!("removing image {id}"), e)),
        }
    }
}

/// Parses Docker's `"8080/tcp"` port keys, keeping TCP ports only.
fn tcp_ports(exposed: &[String]) -> Vec<u16> {
    let mut ports: Vec<u16> = exposed
        .iter()
        .filter_map(|key| {
            let (port, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
            if proto.eq_ignore_ascii_case("tcp") {
                port.trim().parse().ok()
            } else {
                None
            }
        })
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tcp_ports_only() {
        let exposed = vec![
            "8080/tcp".to_owned(),
            "53/udp".to_owned(),
            "3000".to_owned(),
            "junk/tcp".to_owned(),
            "8080/tcp".to_owned(),
        ];
        assert_eq!(tcp_ports(&exposed), vec![3000, 8080]);
    }
}
