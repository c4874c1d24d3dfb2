//! Storage mounted into an app by command (`wharf storage mount APP SOURCE:/path`).
//!
//! An app's storage mounts belong to the app, not to a release: every container of the app
//! (web, other processes, release tasks, cron, `wharf run`) gets the release's Dockerfile volumes
//! plus these, whichever release it runs, so a rollback keeps the data where it is. A mount or
//! unmount on a running app is a new release with the same image and config, deployed like a
//! config change (zero downtime with `scale >= 1`); if that deploy fails, the change is undone
//! and the running release keeps serving. Every mount, stored or from a Dockerfile, passes
//! [`mount_guard`] before it reaches a container, and a named volume that does not exist yet
//! is made for the container that first mounts it, owned by the user the app runs as
//! ([`volume_owner`]).

mod mount_guard;
mod volume_owner;

use mount_guard::guard_mount;

use crate::{DeployError, DeployOutcome, Deployer, Progress, ReleaseSpec};
use wharf_domain::{
    AppName, MountSelector, MountSpec, ProtectedPaths, VolumeSource, VolumeSpec, same_path,
};
use wharf_store::StorageMount;

/// What `wharf storage mount/unmount` asks for, parsed where it entered (its syntax only: what
/// this server lets be mounted is checked when the change is applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageChange {
    /// `SOURCE:/path[:ro]`.
    Mount(MountSpec),
    /// `SOURCE:/path` or `/path`.
    Unmount(MountSelector),
}

/// How a storage change ended.
#[derive(Debug, Clone)]
pub enum StorageOutcome {
    /// The app runs: a new release runs with the new mounts.
    Deployed(DeployOutcome),
    /// The app has no release yet: the mounts wait for its first deploy.
    Saved,
}

impl Deployer {
    /// The app's storage mounts, sorted by container path.
    pub fn storage_mounts(&self, app: &AppName) -> Result<Vec<VolumeSpec>, DeployError> {
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        self.app_mounts(app)
    }

    /// Check what a change asks before anything is done: that this server lets a mount's host
    /// path be mounted (see [`guard_mount`]) and that it exists. An unmount asks nothing of
    /// the server.
    pub fn check_storage_change(&self, change: &StorageChange) -> Result<(), DeployError> {
        match change {
            StorageChange::Mount(mount) => self.guard_new_mount(mount).map(drop),
            StorageChange::Unmount(_) => Ok(()),
        }
    }

    /// Mount or unmount storage; a running app is redeployed with the new mounts.
    #[tracing::instrument(skip(self, progress))]
    pub async fn change_storage(
        &self,
        app: &AppName,
        change: &StorageChange,
        progress: &Progress,
    ) -> Result<StorageOutcome, DeployError> {
        let _guard = self.lock_app(app).await;
        if self.store.app(app)?.is_none() {
            return Err(DeployError::NoSuchApp(app.to_string()));
        }
        let current = self.app_mounts(app)?;
        let active = self.store.active_release(app)?;
        let active_spec = active.as_ref().map(|a| a.spec.clone());
        let (mounts, added) = match change {
            StorageChange::Mount(mount) => {
                let mount = self.guard_new_mount(mount)?;
                check_new_mount(app, &current, &mount)?;
                if let Some(spec) = &active_spec {
                    check_clashes(spec, std::slice::from_ref(&mount))
                        .map_err(|clash| clash.with_fix("mount it at another path".to_string()))?;
                }
                let mut mounts = current.clone();
                mounts.push(mount.clone());
                (mounts, Some(mount))
            }
            StorageChange::Unmount(selector) => {
                let mounts: Vec<VolumeSpec> = current
                    .iter()
                    .filter(|m| !selector.matches(m))
                    .cloned()
                    .collect();
                if mounts.len() == current.len() {
                    return Err(DeployError::NotMounted {
                        app: app.to_string(),
                        selector: selector.to_string(),
                        mounts: listed(&current),
                    });
                }
                (mounts, None)
            }
        };
        // A new named volume is made by the first container that mounts it (and given to the
        // user the app runs as: see [`volume_owner`]); one made for a change that is undone
        // is removed again.
        let created = match &added {
            Some(VolumeSpec {
                source: VolumeSource::Named(name),
                ..
            }) if !self.docker.volume_exists(name).await? => Some(name.clone()),
            _ => None,
        };
        self.store.replace_storage_mounts(app, &to_store(&mounts))?;
        let (Some(active), Some(mut spec)) = (active, active_spec) else {
            progress.line(format!(
                "-----> Storage of {app} saved: {}",
                listed(&mounts)
            ));
            return Ok(StorageOutcome::Saved);
        };
        // Vars stored without a restart (`config:set --no-restart`) go live with this deploy.
        spec.vars = self.store.config_vars(app)?;
        let image = active.image.clone();
        let release = self.record_release(app, |_| image.clone(), &mut spec, progress)?;
        progress.line(format!(
            "-----> Storage changed ({}): deploying {app} release {} (image of {})",
            listed(&mounts),
            release.version,
            active.version
        ));
        let result = self.put_in_service(&release, &spec, progress).await;
        let failed = result.is_err();
        let outcome = self
            .finish_release(&release, &spec, result, false, progress)
            .await;
        if failed {
            self.store
                .replace_storage_mounts(app, &to_store(&current))?;
            if let Some(name) = created
                && let Err(err) = self.docker.remove_volume(&name).await
            {
                tracing::warn!(volume = %name, error = %err, "could not remove the volume made for a mount that was undone");
            }
        }
        outcome.map(StorageOutcome::Deployed)
    }

    /// The mounts of a container of `app` running `spec`: the release's Dockerfile volumes and
    /// the app's storage mounts, each through [`guard_mount`] (so a release recorded before a
    /// path was protected cannot mount it either), and, when the app is linked to a database
    /// service, the services CA (Wharf's own read-only file, not a user's mount). A storage
    /// mount on a Dockerfile volume's path is an error.
    pub(crate) fn mounts_for(
        &self,
        app: &AppName,
        spec: &ReleaseSpec,
    ) -> Result<Vec<wharf_runtime::Mount>, DeployError> {
        let storage = self.app_mounts(app)?;
        check_clashes(spec, &storage).map_err(|clash| {
            let fix = format!(
                "unmount it (`wharf storage unmount {app} {}`) or change the Dockerfile",
                clash.target
            );
            clash.with_fix(fix)
        })?;
        let mut mounts = spec
            .config
            .volumes
            .iter()
            .chain(&storage)
            .map(|mount| Ok(runtime_mount(&self.check_mount(mount)?)))
            .collect::<Result<Vec<_>, DeployError>>()?;
        mounts.extend(self.services_ca_mount(app)?);
        Ok(mounts)
    }

    /// A mount from any source (Dockerfile, storage mount, ...) checked against the server's
    /// protected paths and written out in full; see [`guard_mount`].
    pub fn check_mount(&self, mount: &VolumeSpec) -> Result<VolumeSpec, DeployError> {
        guard_mount(mount, &self.settings.protected_paths)
    }

    /// The services CA's certificate, read-only, for an app linked to a service (once the CA
    /// exists: it is made when the first service starts).
    fn services_ca_mount(
        &self,
        app: &AppName,
    ) -> Result<Option<wharf_runtime::Mount>, DeployError> {
        let Some(ca) = &self.settings.services_ca else {
            return Ok(None);
        };
        if !ca.is_file() || self.store.links_of_app(app)?.is_empty() {
            return Ok(None);
        }
        Ok(Some(wharf_runtime::Mount {
            source: ca.to_string_lossy().into_owned(),
            target: wharf_domain::SERVICES_CA_IN_APPS.to_string(),
            read_only: true,
        }))
    }

    /// The app's storage mounts as stored.
    fn app_mounts(&self, app: &AppName) -> Result<Vec<VolumeSpec>, DeployError> {
        Ok(self
            .store
            .storage_mounts(app)?
            .into_iter()
            .map(from_store)
            .collect())
    }

    /// A mount the user asks for, checked: that a host path avoids the server's own paths
    /// (also where a symbolic link leads) and exists.
    fn guard_new_mount(&self, mount: &MountSpec) -> Result<VolumeSpec, DeployError> {
        guard_new_mount(mount, &self.settings.protected_paths)
    }
}

/// A mount the user asks for, checked: that a host path avoids the `protected` paths (also
/// where a symbolic link leads) and exists on this server.
fn guard_new_mount(
    mount: &MountSpec,
    protected: &ProtectedPaths,
) -> Result<VolumeSpec, DeployError> {
    let mount = guard_mount(&mount.to_volume(), protected)?;
    if let VolumeSource::HostPath(path) = &mount.source
        && std::fs::metadata(path).is_err()
    {
        return Err(DeployError::HostPathMissing(path.clone()));
    }
    Ok(mount)
}

/// A new mount must not be there already, nor take a path another mount uses.
fn check_new_mount(
    app: &AppName,
    current: &[VolumeSpec],
    mount: &VolumeSpec,
) -> Result<(), DeployError> {
    match current.iter().find(|m| same_path(&m.target, &mount.target)) {
        Some(m) if m.source == mount.source && m.read_only == mount.read_only => {
            Err(DeployError::AlreadyMounted {
                app: app.to_string(),
                mount: mount.to_string(),
            })
        }
        Some(m) => Err(DeployError::MountTargetTaken {
            app: app.to_string(),
            existing: m.to_string(),
            target: m.target.clone(),
        }),
        None => Ok(()),
    }
}

/// A storage mount and a Dockerfile volume on the same container path.
#[derive(Debug)]
struct Clash {
    mount: String,
    volume: String,
    target: String,
}

impl Clash {
    fn with_fix(self, fix: String) -> DeployError {
        DeployError::MountClash {
            mount: self.mount,
            volume: self.volume,
            target: self.target,
            fix,
        }
    }
}

/// No storage mount may use the container path of one of the release's Dockerfile volumes.
fn check_clashes(spec: &ReleaseSpec, storage: &[VolumeSpec]) -> Result<(), Clash> {
    for mount in storage {
        if let Some(volume) = spec
            .config
            .volumes
            .iter()
            .find(|v| same_path(&v.target, &mount.target))
        {
            return Err(Clash {
                mount: mount.to_string(),
                volume: volume.to_string(),
                target: mount.target.clone(),
            });
        }
    }
    Ok(())
}

/// `a:/x, /srv/b:/y:ro`, or `none`.
fn listed(mounts: &[VolumeSpec]) -> String {
    if mounts.is_empty() {
        return "none".to_string();
    }
    mounts
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn to_store(mounts: &[VolumeSpec]) -> Vec<StorageMount> {
    mounts
        .iter()
        .map(|m| StorageMount {
            source: m.source.as_str().to_string(),
            target: m.target.clone(),
            read_only: m.read_only,
        })
        .collect()
}

fn from_store(mount: StorageMount) -> VolumeSpec {
    let source = if mount.source.starts_with('/') {
        VolumeSource::HostPath(mount.source)
    } else {
        VolumeSource::Named(mount.source)
    };
    VolumeSpec {
        source,
        target: mount.target,
        read_only: mount.read_only,
    }
}

/// A volume as the Docker runtime mounts it.
pub(crate) fn runtime_mount(volume: &VolumeSpec) -> wharf_runtime::Mount {
    wharf_runtime::Mount {
        source: match &volume.source {
            VolumeSource::HostPath(path) => path.clone(),
            VolumeSource::Named(name) => name.clone(),
        },
        target: volume.target.clone(),
        read_only: volume.read_only,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wharf_domain::AppConfig;

    fn v(s: &str) -> VolumeSpec {
        VolumeSpec::parse(s).unwrap()
    }

    fn m(s: &str) -> MountSpec {
        MountSpec::parse(s).unwrap()
    }

    #[test]
    fn a_new_mount_may_not_repeat_or_take_a_used_path() {
        let current = vec![v("media:/data")];
        let again = check_new_mount(
            &AppName::parse("blog").unwrap(),
            &current,
            &v("media:/data"),
        )
        .unwrap_err();
        assert!(matches!(again, DeployError::AlreadyMounted { .. }));
        let taken = check_new_mount(
            &AppName::parse("blog").unwrap(),
            &current,
            &v("other:/data/"),
        )
        .unwrap_err();
        let msg = taken.to_string();
        assert!(
            msg.contains("media:/data") && msg.contains("unmount"),
            "{msg}"
        );
        assert!(
            check_new_mount(
                &AppName::parse("blog").unwrap(),
                &current,
                &v("media:/data2")
            )
            .is_ok()
        );
    }

    #[test]
    fn a_mount_on_a_dockerfile_volume_path_names_both() {
        let spec = ReleaseSpec::new(
            AppConfig {
                volumes: vec![v("blog-media:/app/media")],
                ..AppConfig::default()
            },
            None,
            None,
            wharf_domain::EnvVars::new(),
        );
        let err = check_clashes(&spec, &[v("/srv/media:/app/media/")]).unwrap_err();
        let msg = err.with_fix("fix it".into()).to_string();
        assert!(
            msg.contains("/srv/media:/app/media") && msg.contains("blog-media:/app/media"),
            "{msg}"
        );
        assert!(check_clashes(&spec, &[v("/srv/media:/app/other")]).is_ok());
    }

    #[test]
    fn host_paths_must_exist_and_may_not_lead_to_protected_paths() {
        let dir = tempfile::tempdir().unwrap();
        let protected = ProtectedPaths::new("/var/lib/wharf");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let ok = format!("{}:/data", data.display());
        assert!(guard_new_mount(&m(&ok), &protected).is_ok());
        let missing = format!("{}/missing:/data", dir.path().display());
        let err = guard_new_mount(&m(&missing), &protected).unwrap_err();
        assert!(matches!(err, DeployError::HostPathMissing(_)), "{err}");
        assert!(err.to_string().contains("mkdir -p"), "{err}");
        let link = dir.path().join("etc-link");
        std::os::unix::fs::symlink("/etc", &link).unwrap();
        let err = guard_new_mount(&m(&format!("{}:/x", link.display())), &protected).unwrap_err();
        assert!(err.to_string().contains("`/etc`"), "{err}");
        let err = guard_new_mount(&m("/etc:/x"), &protected).unwrap_err();
        assert!(matches!(err, DeployError::Storage(_)), "{err}");
        assert!(guard_new_mount(&m("vol:/x"), &protected).is_ok());
    }

    #[test]
    fn mounts_round_trip_through_the_store() {
        for s in ["media:/data", "/srv/x:/x:ro"] {
            assert_eq!(from_store(to_store(&[v(s)]).remove(0)), v(s));
        }
        assert_eq!(listed(&[]), "none");
        assert_eq!(listed(&[v("a1:/a"), v("/b:/b:ro")]), "a1:/a, /b:/b:ro");
    }
}
