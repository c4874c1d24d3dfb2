//! A new named volume belongs to the user the app runs as.
//!
//! Docker makes a named volume's directory owned by root, unless the image has a directory at
//! the mount's path (then the volume takes that directory's owner and contents). An image that
//! runs as its own user (`USER app`, as the builder's images do) and mounts a new volume at a
//! path it lacks could not write there. So every named volume an app's container mounts passes
//! [`Deployer::prepare_volumes`] before the container is made: a volume that does not exist is
//! created here (with Wharf's labels), and its directory is given to the image's user by a
//! one-shot container of the same image run as root (`chown OWNER DIR`, passed as arguments),
//! labelled with the app (and no release), so reconcile removes it if a crash leaves it behind.
//!
//! A volume that existed before is never changed: its contents are the user's. Nor is a host
//! path. The one-shot container mounts the volume at a path of its own, not at the mount's
//! path, so Docker copies nothing into it there: when the image does have the mount's
//! directory, Docker still copies it (contents and owner) into the volume when the app's
//! container is made, as it would without Wharf.
//!
//! An image without a `chown` program (built `FROM scratch`, or distroless) cannot give it:
//! the volume is then left as Docker makes it, with a warning, as it was before Wharf gave
//! volumes away. Any other failure fails the deploy.

use crate::deployer::INSTANCE_LABEL;
use crate::{DeployError, Deployer};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use wharf_runtime::{ContainerSpec, Mount, RestartPolicy, labels};

/// Where the one-shot container mounts the new volume.
const VOLUME_DIR: &str = "/.wharf-new-volume";
/// Lines of the one-shot container's output kept for an error.
const SHOWN_LINES: usize = 20;
/// How long the one-shot container may take (it changes the owner of one empty directory).
const OWNER_TIMEOUT: Duration = Duration::from_secs(60);

/// Who a new volume is given to: the image's user as `chown` takes it, or `None` when the
/// image runs as root (its `Config.User` is empty, `root` or `0`, with any group). A name
/// without a group gets its login group (`app:`); a bare uid only its owner (`1000`), as a uid
/// the image's `/etc/passwd` lacks runs in Docker with the root group. An owner `chown` could
/// take for an option, or with characters no user or group name has, is refused.
pub(crate) fn chown_owner(image_user: Option<&str>) -> Result<Option<String>, String> {
    let Some(user) = image_user.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let (name, group) = match user.split_once(':') {
        Some((name, group)) => (name, Some(group).filter(|g| !g.is_empty())),
        None => (user, None),
    };
    for part in std::iter::once(name).chain(group) {
        let plain = part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '$'));
        if part.is_empty() || part.starts_with('-') || !plain {
            return Err(format!(
                "the image's user `{user}` is not a user name or uid (with an optional `:group`)"
            ));
        }
    }
    if name == "root" || name == "0" {
        return Ok(None);
    }
    Ok(Some(match group {
        Some(group) => format!("{name}:{group}"),
        None if name.chars().all(|c| c.is_ascii_digit()) => name.to_string(),
        None => format!("{name}:"),
    }))
}

impl Deployer {
    /// Make every named volume `container` mounts exist, giving each one created here to the
    /// user its image runs as (see the module's documentation). A volume that cannot be given
    /// is removed again, so the next deploy starts from a new one, and the error names it.
    pub(crate) async fn prepare_volumes(
        &self,
        container: &ContainerSpec,
    ) -> Result<(), DeployError> {
        let mut seen = HashSet::new();
        let mut owner = None;
        for mount in &container.mounts {
            if mount.source.starts_with('/') || !seen.insert(mount.source.as_str()) {
                continue;
            }
            if self.docker.volume_exists(&mount.source).await? {
                continue;
            }
            // The image's user is known before the volume is made, so nothing fails between
            // making it and giving it (a volume left to root would not be given later).
            if owner.is_none() {
                owner = Some(self.docker.image_user(&container.image).await?);
            }
            let volume_labels = volume_labels(&container.labels);
            if !self
                .docker
                .ensure_volume(&mount.source, &volume_labels)
                .await?
            {
                continue;
            }
            let image_user = owner.as_ref().and_then(Option::as_deref);
            let given = self.give_volume(container, mount, image_user).await;
            if let Err(Refused::NoChown(reason)) = &given {
                tracing::warn!(volume = %mount.source, target = %mount.target, %reason, "the image has no chown: the new volume is left to root, as Docker makes it");
                continue;
            }
            if let Err(Refused::Failed(reason)) = given {
                if let Err(err) = self.docker.remove_volume(&mount.source).await {
                    tracing::warn!(volume = %mount.source, error = %err, "could not remove a new volume that could not be given to the app's user");
                }
                let serving = match container.labels.get(labels::APP) {
                    Some(app) => self.serving_label(app),
                    None => crate::error::Serving::Nothing,
                };
                return Err(DeployError::VolumeOwner {
                    volume: mount.source.clone(),
                    target: mount.target.clone(),
                    user: image_user.unwrap_or_default().to_string(),
                    reason,
                    serving,
                });
            }
        }
        Ok(())
    }

    /// Give the new volume of `mount` to `image_user`, the user `container`'s image runs as
    /// (nothing to do for root): why not, if it could not.
    async fn give_volume(
        &self,
        container: &ContainerSpec,
        mount: &Mount,
        image_user: Option<&str>,
    ) -> Result<(), Refused> {
        let Some(owner) = chown_owner(image_user).map_err(Refused::Failed)? else {
            return Ok(());
        };
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let helper = ContainerSpec {
            name: format!("wharf-volume-owner-{}", &suffix[..12]),
            image: container.image.clone(),
            labels: volume_labels(&container.labels),
            entrypoint: Some(vec!["chown".to_string()]),
            cmd: Some(vec![owner.clone(), VOLUME_DIR.to_string()]),
            mounts: vec![Mount {
                source: mount.source.clone(),
                target: VOLUME_DIR.to_string(),
                read_only: false,
            }],
            restart: RestartPolicy::No,
            user: Some("0".to_string()),
            ..Default::default()
        };
        let started = self.docker.create_and_start(&helper).await.map_err(|e| {
            let reason = format!("`chown {owner}` could not run in the image: {e}");
            if no_such_program(&e.to_string()) {
                Refused::NoChown(reason)
            } else {
                Refused::Failed(reason)
            }
        })?;
        let code = tokio::time::timeout(OWNER_TIMEOUT, self.docker.wait(&started.id)).await;
        let output = self
            .docker
            .logs_tail(&started.id, SHOWN_LINES)
            .await
            .unwrap_or_default()
            .join("\n");
        self.remove_containers([started.id]).await;
        match code {
            Ok(Ok(0)) => {
                tracing::info!(volume = %mount.source, %owner, "new volume given to the image's user");
                Ok(())
            }
            Ok(Ok(127)) => Err(Refused::NoChown(format!(
                "`chown {owner}` was not found: {}",
                output.trim()
            ))),
            Ok(Ok(code)) => Err(Refused::Failed(format!(
                "`chown {owner}` exited with code {code}: {}",
                output.trim()
            ))),
            Ok(Err(e)) => Err(Refused::Failed(format!("`chown {owner}`: {e}"))),
            Err(_) => Err(Refused::Failed(format!(
                "`chown {owner}` did not finish within {} s",
                OWNER_TIMEOUT.as_secs()
            ))),
        }
    }
}

/// Why a new volume was not given to the image's user.
enum Refused {
    /// The image has no `chown` to run: the volume stays as Docker made it.
    NoChown(String),
    /// Anything else: the deploy fails, naming it.
    Failed(String),
}

/// Whether the engine's error says the program to run is not in the image.
fn no_such_program(error: &str) -> bool {
    error.contains("executable file not found") || error.contains("no such file or directory")
}

/// A volume Wharf creates carries the app and instance of the container that first needs it.
fn volume_labels(container: &HashMap<String, String>) -> HashMap<String, String> {
    container
        .iter()
        .filter(|(key, _)| *key == labels::APP || *key == INSTANCE_LABEL)
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_chown_is_told_from_other_failures() {
        assert!(no_such_program(
            "OCI runtime create failed: container_linux.go:380: starting container process caused: exec: \"chown\": executable file not found in $PATH: unknown"
        ));
        assert!(!no_such_program(
            "Error response from daemon: unable to find user app: no matching entries in passwd file"
        ));
    }

    fn owner(user: &str) -> Option<String> {
        chown_owner(Some(user)).unwrap()
    }

    #[test]
    fn root_and_no_user_need_no_owner() {
        assert_eq!(chown_owner(None).unwrap(), None);
        for user in ["", "  ", "root", "0", "0:0", "root:staff", "0:1000"] {
            assert_eq!(owner(user), None, "{user:?}");
        }
    }

    #[test]
    fn names_get_their_login_group_and_uids_their_owner_only() {
        assert_eq!(owner("app").as_deref(), Some("app:"));
        assert_eq!(owner("node").as_deref(), Some("node:"));
        assert_eq!(owner("1000").as_deref(), Some("1000"));
        assert_eq!(owner("1000:1000").as_deref(), Some("1000:1000"));
        assert_eq!(owner("app:staff").as_deref(), Some("app:staff"));
        assert_eq!(owner("app:").as_deref(), Some("app:"));
        assert_eq!(owner("www-data").as_deref(), Some("www-data:"));
        assert_eq!(owner(" app ").as_deref(), Some("app:"));
    }

    #[test]
    fn what_chown_could_misread_is_refused() {
        for user in [
            "-R", "app:-x", ":1000", "a b", "app;rm", "app:x:y", "../x/y",
        ] {
            let err = chown_owner(Some(user)).unwrap_err();
            assert!(err.contains(user.trim()), "{user:?}: {err}");
        }
    }
}
