//! Checks that a release's settings fit this server, made before its image is built: Docker
//! refuses them only when it creates a container, which would come after a build that may
//! take minutes. A CPU limit above the engine's CPUs, and a Dockerfile volume from a server
//! directory that does not exist (the engine refuses to bind a missing path; a MyPaas
//! `~/dir` is made instead, as MyPaas does).

use crate::{DeployError, Deployer, ReleaseSpec};
use std::os::unix::fs::DirBuilderExt;
use wharf_domain::{VolumeSource, VolumeSpec};

impl Deployer {
    /// Refuse `spec` if Docker would refuse its containers on this server.
    pub(crate) async fn check_fits_server(&self, spec: &ReleaseSpec) -> Result<(), DeployError> {
        // The volumes as they will be mounted (`~` expanded, links followed), protected paths
        // refused first.
        let volumes = spec
            .config
            .volumes
            .iter()
            .map(|volume| self.check_mount(volume))
            .collect::<Result<Vec<_>, _>>()?;
        // MyPaas's `~/dir` volumes are made when missing, as MyPaas's server does: the path
        // is in the home of the user Wharf runs as, and has passed the protected paths.
        for (given, mounted) in spec.config.volumes.iter().zip(&volumes) {
            if let (VolumeSource::HostPath(given), VolumeSource::HostPath(path)) =
                (&given.source, &mounted.source)
                && given.starts_with('~')
                && !std::path::Path::new(path).exists()
            {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o755)
                    .create(path)
                    .map_err(|e| {
                        DeployError::BadConfig(format!(
                            "cannot make the volume's directory `{path}` (from `{given}`): {e}; make it yourself"
                        ))
                    })?;
                tracing::info!(path = %path, "made a missing ~ volume directory");
            }
        }
        if let Some(missing) = missing_host_path(&volumes) {
            return Err(DeployError::HostPathMissing(missing));
        }
        if cpu_limits(spec).next().is_none() {
            return Ok(());
        }
        let available = self.docker.cpu_count().await?;
        too_many_cpus(spec, available).map_or(Ok(()), Err)
    }
}

/// Every CPU limit of the release with where it was set.
fn cpu_limits(spec: &ReleaseSpec) -> impl Iterator<Item = (String, f64)> + '_ {
    let dockerfile = spec
        .config
        .max_cpus
        .map(|cpus| ("# wharf.maxcpu".to_string(), cpus));
    let processes = spec.processes.iter().filter_map(|p| {
        p.cpus.map(|cpus| {
            (
                format!("the CPU limit of `{}` (wharf limits)", p.name),
                cpus,
            )
        })
    });
    dockerfile.into_iter().chain(processes)
}

/// The first limit above `available` CPUs. An engine that reports no CPUs is not second-guessed.
fn too_many_cpus(spec: &ReleaseSpec, available: u64) -> Option<DeployError> {
    if available == 0 {
        return None;
    }
    cpu_limits(spec)
        .find(|(_, cpus)| *cpus > available as f64)
        .map(|(setting, asked)| DeployError::MoreCpusThanServer {
            setting,
            asked,
            available,
        })
}

/// The first server directory among `volumes` that does not exist.
fn missing_host_path(volumes: &[VolumeSpec]) -> Option<String> {
    volumes.iter().find_map(|volume| match &volume.source {
        VolumeSource::HostPath(path) if !std::path::Path::new(path).exists() => Some(path.clone()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wharf_domain::AppConfig;

    fn spec(dockerfile: &str) -> ReleaseSpec {
        let config = AppConfig::from_dockerfile(dockerfile).unwrap();
        ReleaseSpec::new(config, None, None, wharf_domain::EnvVars::new())
    }

    #[test]
    fn a_cpu_limit_above_the_servers_cpus_is_refused_with_both_numbers() {
        let err = too_many_cpus(&spec("# wharf.maxcpu = 1000\nFROM x\n"), 2).unwrap();
        let message = err.to_string();
        assert!(
            message.contains("maxcpu") && message.contains("1000") && message.contains("(2)"),
            "{message}"
        );
        assert!(too_many_cpus(&spec("# wharf.maxcpu = 2\nFROM x\n"), 2).is_none());
        assert!(too_many_cpus(&spec("# wharf.maxcpu = 1000\nFROM x\n"), 0).is_none());
    }

    #[test]
    fn a_process_limit_is_checked_too() {
        let mut spec = spec("FROM x\n");
        spec.processes[0].cpus = Some(4.0);
        let err = too_many_cpus(&spec, 2).unwrap().to_string();
        assert!(err.contains("`web`"), "{err}");
    }

    #[test]
    fn a_dockerfile_volume_from_a_missing_directory_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let here = format!("# wharf.volume = {}:/data\nFROM x\n", dir.path().display());
        assert_eq!(missing_host_path(&spec(&here).config.volumes), None);
        let gone = "# wharf.volume = /no/such/wharf/dir:/data\nFROM x\n";
        assert_eq!(
            missing_host_path(&spec(gone).config.volumes).as_deref(),
            Some("/no/such/wharf/dir")
        );
        assert_eq!(
            missing_host_path(
                &spec("# wharf.volume = media:/data\nFROM x\n")
                    .config
                    .volumes
            ),
            None
        );
    }
}
