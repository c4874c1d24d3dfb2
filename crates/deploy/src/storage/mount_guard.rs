//! The one gate between a declared mount and a container: a Dockerfile `volume` (or
//! `mypaas.volume`), a storage mount by CLI, API or SSH, and any later source of mounts all
//! pass [`guard_mount`] before a build starts or a mount is stored, and again whenever a
//! container spec is made, so a release or mount recorded before a path became protected
//! (rolled back to, restarted, reconciled) can never reach one.
//!
//! The check is lexical first ([`ProtectedPaths::host_path`]: `~` expanded, normalised, case
//! folded), then on the host: where the path really leads once symbolic links are followed
//! (for a path that does not exist yet, where its deepest existing parent leads).

use std::path::{Path, PathBuf};

use wharf_domain::{ProtectedPaths, VolumeSource, VolumeSpec};

use crate::DeployError;

/// `mount` with its host path checked against `protected` and written out in full (`~`
/// expanded, normalised); a named volume passes as it is.
pub(crate) fn guard_mount(
    mount: &VolumeSpec,
    protected: &ProtectedPaths,
) -> Result<VolumeSpec, DeployError> {
    let VolumeSource::HostPath(source) = &mount.source else {
        return Ok(mount.clone());
    };
    let path = protected.host_path(source)?;
    let real = real_path(Path::new(&path));
    protected.check_resolved(&path, &real.to_string_lossy())?;
    Ok(VolumeSpec {
        source: VolumeSource::HostPath(path),
        ..mount.clone()
    })
}

/// Where `path` (absolute) leads on this server: the canonical path of its deepest existing
/// ancestor, followed by the components that do not exist (yet).
fn real_path(path: &Path) -> PathBuf {
    let mut missing = Vec::new();
    let mut current = path;
    loop {
        if let Ok(real) = std::fs::canonicalize(current) {
            return missing.iter().rev().fold(real, |acc, part| acc.join(part));
        }
        match (current.parent(), current.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_owned());
                current = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(path: &str) -> VolumeSpec {
        VolumeSpec::parse_dockerfile(&format!("{path}:/data")).unwrap()
    }

    fn message(result: Result<VolumeSpec, DeployError>) -> String {
        match result {
            Err(DeployError::Storage(err)) => err.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn links_into_protected_paths_are_refused_existing_or_not() {
        let dir = tempfile::tempdir().unwrap();
        let protected = ProtectedPaths::new("/var/lib/wharf");
        let link = dir.path().join("etc-link");
        std::os::unix::fs::symlink("/etc", &link).unwrap();
        let msg = message(guard_mount(&host(&link.to_string_lossy()), &protected));
        assert!(
            msg.contains("(which leads to `/etc`) is not allowed"),
            "{msg}"
        );
        let below = format!("{}/new/dir", link.display());
        let msg = message(guard_mount(&host(&below), &protected));
        assert!(msg.contains("which leads to `/etc/new/dir`"), "{msg}");
        let plain = dir.path().join("data");
        let ok = guard_mount(&host(&format!("{}/", plain.display())), &protected).unwrap();
        assert_eq!(ok.source.as_str(), plain.to_string_lossy());
    }

    #[test]
    fn the_home_is_expanded_and_checked() {
        let home = tempfile::tempdir().unwrap();
        let mut protected = ProtectedPaths::new("/var/lib/wharf");
        protected.set_home(&home.path().to_string_lossy());
        let ok = guard_mount(&host("~/data"), &protected).unwrap();
        assert_eq!(
            ok.source.as_str(),
            format!("{}/data", home.path().display())
        );
        let msg = message(guard_mount(&host("~/.ssh"), &protected));
        assert!(
            msg.contains("home directory of the user Wharf runs as"),
            "{msg}"
        );
        std::os::unix::fs::symlink("/", home.path().join("all")).unwrap();
        let msg = message(guard_mount(&host("~/all"), &protected));
        assert!(msg.contains("which leads to `/`"), "{msg}");
    }

    #[test]
    fn named_volumes_pass() {
        let protected = ProtectedPaths::new("/var/lib/wharf");
        let named = VolumeSpec::parse("etc:/etc").unwrap();
        assert_eq!(guard_mount(&named, &protected).unwrap(), named);
    }
}
