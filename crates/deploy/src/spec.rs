//! How a release's config snapshot (`wharf_domain::ReleaseSpec`) meets the deploy's own
//! settings and the Docker runtime.

use crate::{DeployError, DeploySettings};
use wharf_domain::{AppName, ProbeDefaults, ReleaseSpec, VolumeSource, VolumeSpec};

/// Refuses a release whose Dockerfile names a variable for the server's config to fill
/// (`# mypaas.env = NAME`) that its config vars lack.
pub(crate) fn check_env_from_config(spec: &ReleaseSpec, app: &AppName) -> Result<(), DeployError> {
    match spec.missing_env_from_config() {
        Some(missing) => Err(DeployError::BadConfig(
            missing.missing_message(app.as_str()),
        )),
        None => Ok(()),
    }
}

impl DeploySettings {
    /// The probe timings a Dockerfile health check without its own falls back to.
    pub(crate) fn probe_defaults(&self) -> ProbeDefaults {
        ProbeDefaults {
            interval: self.health_interval,
            timeout: self.probe_timeout,
            total: self.health_timeout,
        }
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
