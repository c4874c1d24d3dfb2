//! Committing a container's filesystem changes as an image: a deploy's predeploy command
//! writes files that the release's processes must see. The new image takes its config (CMD,
//! ENTRYPOINT, environment, labels, exposed ports, working directory, user, volumes, health
//! check) from the image the container was made from, never from the container, whose command
//! and environment were the task's own.

use bollard::models::{ContainerConfig, ImageConfig};
use bollard::query_parameters::CommitContainerOptions;
use tracing::{info, instrument};

use crate::docker::Docker;
use crate::error::{RuntimeError, is_not_found};

impl Docker {
    /// Commit container `id` as `tag` (`repo:tag`, replacing what the tag named before), with
    /// the image config of `config_of`. Returns the new image's id.
    #[instrument(skip(self))]
    pub async fn commit_as(
        &self,
        id: &str,
        tag: &str,
        config_of: &str,
    ) -> Result<String, RuntimeError> {
        self.ensure_managed(id).await?;
        let (repo, version) = tag
            .rsplit_once(':')
            .filter(|(repo, _)| !repo.is_empty() && !repo.ends_with('/'))
            .ok_or_else(|| RuntimeError::InvalidSpec(format!("`{tag}` is not REPO:TAG")))?;
        let image = match self.client.inspect_image(config_of).await {
            Ok(image) => image,
            Err(e) if is_not_found(&e) => {
                return Err(RuntimeError::NotFound(format!("image {config_of}")));
            }
            Err(e) => return Err(self.err(format!("inspecting image {config_of}"), e)),
        };
        let config = commit_config(image.config.unwrap_or_default());
        let options = CommitContainerOptions {
            container: Some(id.to_string()),
            repo: Some(repo.to_string()),
            tag: Some(version.to_string()),
            pause: false,
            ..Default::default()
        };
        let committed = self
            .client
            .commit_container(options, config)
            .await
            .map_err(|e| self.err(format!("committing container {id} as {tag}"), e))?;
        info!(image = %committed.id, %tag, "container committed");
        Ok(committed.id)
    }
}

/// The commit's config: the image's, field by field. The engine fills what is left empty from
/// the container, so an entrypoint (maybe an empty one) and a command are always given: an
/// image with neither CMD nor ENTRYPOINT gets `/bin/sh` (Wharf runs its processes' own
/// commands), never the container's command line.
fn commit_config(image: ImageConfig) -> ContainerConfig {
    let no_command = image.cmd.as_ref().is_none_or(Vec::is_empty)
        && image.entrypoint.as_ref().is_none_or(Vec::is_empty);
    ContainerConfig {
        user: image.user,
        exposed_ports: image.exposed_ports,
        env: image.env,
        cmd: if no_command {
            Some(vec!["/bin/sh".to_string()])
        } else {
            image.cmd
        },
        healthcheck: image.healthcheck,
        args_escaped: image.args_escaped,
        volumes: image.volumes,
        working_dir: image.working_dir,
        // An empty list, not nothing: nothing would take the container's entrypoint.
        entrypoint: Some(image.entrypoint.unwrap_or_default()),
        on_build: image.on_build,
        labels: image.labels,
        stop_signal: image.stop_signal,
        shell: image.shell,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_image_config_is_kept_and_a_command_is_always_given() {
        let image = ImageConfig {
            cmd: Some(vec!["httpd".into()]),
            env: Some(vec!["PATH=/bin".into()]),
            working_dir: Some("/app".into()),
            ..Default::default()
        };
        let config = commit_config(image);
        assert_eq!(config.cmd, Some(vec!["httpd".to_string()]));
        assert_eq!(config.env, Some(vec!["PATH=/bin".to_string()]));
        assert_eq!(config.working_dir.as_deref(), Some("/app"));
        assert_eq!(config.entrypoint, Some(vec![]));
        let entrypoint_only = commit_config(ImageConfig {
            entrypoint: Some(vec!["/start".into()]),
            ..Default::default()
        });
        assert_eq!(entrypoint_only.cmd, None);
        assert_eq!(
            commit_config(ImageConfig::default()).cmd,
            Some(vec!["/bin/sh".to_string()])
        );
    }
}
