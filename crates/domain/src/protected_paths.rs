//! The server paths no mount may reach, whoever declares the mount.
//!
//! A *protected path* is a file or directory of the server itself: `/etc`, the kernel's files,
//! Docker's data and socket, Wharf's data directory, root's home. A host path mounted into an
//! app (a Dockerfile `volume`, MyPaas's `mypaas.volume`, `wharf storage mount` by CLI, API or
//! SSH) may not be one, contain one or lie inside one: mounting `/` or the Docker socket hands
//! the app the server, read-only or not. [`ProtectedPaths::host_path`] is the lexical check every
//! mount goes through; the deploy crate adds where symbolic links lead on the host.
//!
//! A *home* (root's, and the home of the user Wharf runs as, which `~` names in a Dockerfile
//! volume) is protected as a whole and in its hidden entries (`.ssh`, `.docker`, ...), which
//! hold keys and credentials; a directory in it not starting with `.` may be mounted, as MyPaas
//! users do with `~/data`.
//!
//! Paths are compared after lexical normalisation (no empty or `.` components, no trailing `/`)
//! and without regard to case, so `/ETC/` on a case-insensitive file system is `/etc` too.

use crate::storage::StorageError;
use crate::volume::{VolumeError, is_home_path};

/// A server path no mount may touch, and what it is (for the error message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedPath {
    /// Absolute, normalised (no trailing `/`, no `.` or empty components).
    pub path: String,
    /// What the path is, as the error message names it.
    pub what: String,
    /// A home directory: its directories not starting with `.` may be mounted.
    pub home: bool,
}

/// The server paths a mount's host path may not be, contain or lie inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedPaths {
    paths: Vec<ProtectedPath>,
    /// What `~` stands for in a Dockerfile volume.
    home: Option<String>,
}

/// The system's own paths, protected on every server.
const SYSTEM_PATHS: &[(&str, &str)] = &[
    ("/etc", "the system's configuration"),
    ("/proc", "the kernel's process files"),
    ("/sys", "the kernel's device files"),
    ("/dev", "the devices"),
    ("/boot", "the boot files"),
    ("/usr", "the system's programs"),
    ("/bin", "the system's programs"),
    ("/sbin", "the system's programs"),
    ("/lib", "the system's libraries"),
    ("/lib64", "the system's libraries"),
    ("/var/lib/docker", "Docker's data"),
    ("/var/lib/containerd", "containerd's data"),
    ("/var/run/docker.sock", "the Docker socket"),
    ("/run/docker.sock", "the Docker socket"),
    ("/var/run/containerd", "containerd's socket"),
    ("/run/containerd", "containerd's socket"),
];

/// What a home directory's entry in an error message adds.
const HOME_NOTE: &str = "its hidden files hold keys and credentials; mount a directory in it not starting with `.`, or one elsewhere";

impl ProtectedPaths {
    /// The system's paths (`/etc`, `/proc`, Docker's data and socket, root's home, ...) and
    /// Wharf's data directory `data_dir`.
    pub fn new(data_dir: &str) -> ProtectedPaths {
        let mut paths = ProtectedPaths {
            paths: Vec::new(),
            home: None,
        };
        for (path, what) in SYSTEM_PATHS {
            paths.add(path, what);
        }
        paths.add_home("/root", "root's home directory");
        paths.add(data_dir, "Wharf's data directory");
        paths
    }

    /// Protect one more absolute path (e.g. a Docker socket named by `DOCKER_HOST`). Relative
    /// paths are ignored: they name nothing a mount could reach.
    pub fn add(&mut self, path: &str, what: &str) {
        self.push(path, what, false);
    }

    /// The home directory of the user Wharf runs as: what `~` means in a Dockerfile volume,
    /// protected like root's home.
    pub fn set_home(&mut self, home: &str) {
        if let Some(normal) = normalise(home) {
            self.add_home(&normal, "the home directory of the user Wharf runs as");
            self.home = Some(normal);
        }
    }

    /// The protected paths, in the order they are checked.
    pub fn paths(&self) -> &[ProtectedPath] {
        &self.paths
    }

    fn add_home(&mut self, path: &str, what: &str) {
        self.push(path, &format!("{what}; {HOME_NOTE}"), true);
    }

    fn push(&mut self, path: &str, what: &str, home: bool) {
        if let Some(path) = normalise(path) {
            self.paths.push(ProtectedPath {
                path,
                what: what.to_owned(),
                home,
            });
        }
    }

    /// The host path a mount's source names, checked: `~` expanded to the home of the user
    /// Wharf runs as, normalised, without `..`, and clear of every protected path. This is
    /// the one lexical check for every way a mount is declared.
    pub fn host_path(&self, source: &str) -> Result<String, StorageError> {
        let expanded = if is_home_path(source) {
            let home = self.home.as_deref().ok_or_else(|| StorageError::NoHome {
                path: source.to_owned(),
            })?;
            format!("{home}{}", &source[1..])
        } else {
            source.to_owned()
        };
        if expanded.split('/').any(|part| part == "..") {
            return Err(VolumeError::DotDot {
                input: source.to_owned(),
                path: source.to_owned(),
            }
            .into());
        }
        let Some(path) = normalise(&expanded) else {
            return Err(VolumeError::RelativeHostPath {
                input: source.to_owned(),
                path: source.to_owned(),
                home: "",
            }
            .into());
        };
        self.check(&path)?;
        Ok(path)
    }

    /// Refuse `path` if it is, contains or lies inside a protected path.
    pub fn check(&self, path: &str) -> Result<(), StorageError> {
        self.check_as(path, path)
    }

    /// Refuse `real` (where the host path `given` really leads, past symbolic links) if it is,
    /// contains or lies inside a protected path; the error names both.
    pub fn check_resolved(&self, given: &str, real: &str) -> Result<(), StorageError> {
        self.check_as(given, real)
    }

    fn check_as(&self, given: &str, path: &str) -> Result<(), StorageError> {
        let Some(normal) = normalise(path) else {
            return Ok(());
        };
        let folded = normal.to_ascii_lowercase();
        for protected in &self.paths {
            let guarded = protected.path.to_ascii_lowercase();
            let relation = if folded == guarded {
                "is"
            } else if is_inside(&guarded, &folded) {
                "contains"
            } else if is_inside(&folded, &guarded)
                && !(protected.home && in_visible_entry(&folded, &guarded))
            {
                "is inside"
            } else {
                continue;
            };
            let given = normalise(given).unwrap_or_else(|| given.to_owned());
            let leads_to = if given == normal {
                String::new()
            } else {
                format!(" (which leads to `{normal}`)")
            };
            return Err(StorageError::ProtectedHostPath {
                path: given,
                leads_to,
                relation,
                protected: protected.path.clone(),
                what: protected.what.clone(),
            });
        }
        Ok(())
    }
}

/// Whether `path`, inside the home `home`, lies in an entry not starting with `.`.
fn in_visible_entry(path: &str, home: &str) -> bool {
    let rest = if home == "/" {
        path
    } else {
        &path[home.len()..]
    };
    rest.trim_start_matches('/')
        .split('/')
        .next()
        .is_some_and(|entry| !entry.starts_with('.'))
}

/// An absolute path without empty or `.` components and without a trailing `/`; `None` if
/// `path` is not absolute.
pub(crate) fn normalise(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    let parts: Vec<&str> = path
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    Some(format!("/{}", parts.join("/")))
}

/// Whether `path` lies strictly inside `dir` (both normalised).
fn is_inside(path: &str, dir: &str) -> bool {
    if dir == "/" {
        return path != "/";
    }
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> ProtectedPaths {
        let mut paths = ProtectedPaths::new("/var/lib/wharf");
        paths.set_home("/home/wharf/");
        paths
    }

    /// `(relation, protected)` of a refused path.
    fn refused(path: &str) -> (&'static str, String) {
        match rules().host_path(path) {
            Err(StorageError::ProtectedHostPath {
                relation,
                protected,
                ..
            }) => (relation, protected),
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn every_protected_path_is_refused_as_is_inside_and_above() {
        let rules = rules();
        for protected in rules.paths() {
            let path = &protected.path;
            assert_eq!(refused(path), ("is", path.clone()), "{path}");
            assert_eq!(refused(&format!("{path}/")), ("is", path.clone()));
            assert_eq!(refused(&format!("/.{path}//.")), ("is", path.clone()));
            assert_eq!(
                refused(&path.to_ascii_uppercase()),
                ("is", path.clone()),
                "case"
            );
            let hidden = format!("{path}/.x/y");
            assert_eq!(refused(&hidden), ("is inside", path.clone()), "{hidden}");
            if !protected.home {
                let inside = format!("{path}/x");
                assert_eq!(refused(&inside), ("is inside", path.clone()), "{inside}");
            }
            let parent = path.rsplit_once('/').map(|(p, _)| p).unwrap_or("/");
            let parent = if parent.is_empty() { "/" } else { parent };
            assert_eq!(refused(parent).0, "contains", "{parent}");
        }
        assert_eq!(refused("/"), ("contains", "/etc".to_string()));
    }

    #[test]
    fn the_list_holds_the_system_the_engine_and_wharf() {
        let rules = rules();
        let listed: Vec<&str> = rules.paths().iter().map(|p| p.path.as_str()).collect();
        for path in [
            "/etc",
            "/proc",
            "/sys",
            "/dev",
            "/boot",
            "/root",
            "/usr",
            "/bin",
            "/sbin",
            "/lib",
            "/lib64",
            "/var/lib/docker",
            "/var/lib/containerd",
            "/var/run/docker.sock",
            "/run/docker.sock",
            "/run/containerd",
            "/var/lib/wharf",
            "/home/wharf",
        ] {
            assert!(listed.contains(&path), "{path}");
        }
    }

    #[test]
    fn app_directories_pass_normalised() {
        let rules = rules();
        assert_eq!(rules.host_path("/srv/blog/").unwrap(), "/srv/blog");
        assert_eq!(rules.host_path("/srv/./blog").unwrap(), "/srv/blog");
        assert_eq!(
            rules.host_path("/var/lib/wharfish").unwrap(),
            "/var/lib/wharfish"
        );
        assert_eq!(rules.host_path("/etcetera").unwrap(), "/etcetera");
        assert_eq!(rules.host_path("/root/data").unwrap(), "/root/data");
        assert!(rules.host_path("/srv/../etc").is_err());
    }

    #[test]
    fn a_tilde_is_the_home_of_the_user_wharf_runs_as() {
        let rules = rules();
        assert_eq!(rules.host_path("~/data").unwrap(), "/home/wharf/data");
        assert_eq!(rules.host_path("~/data/x/").unwrap(), "/home/wharf/data/x");
        assert_eq!(refused("~"), ("is", "/home/wharf".to_string()));
        assert_eq!(refused("~/"), ("is", "/home/wharf".to_string()));
        assert_eq!(refused("~/.ssh"), ("is inside", "/home/wharf".to_string()));
        assert_eq!(
            refused("~/./.docker/config.json"),
            ("is inside", "/home/wharf".to_string())
        );
        assert!(matches!(
            rules.host_path("~/../etc"),
            Err(StorageError::Volume(VolumeError::DotDot { .. }))
        ));
        let mut root = ProtectedPaths::new("/var/lib/wharf");
        root.set_home("/root");
        assert_eq!(root.host_path("~/app-data").unwrap(), "/root/app-data");
        let no_home = ProtectedPaths::new("/var/lib/wharf");
        let err = no_home.host_path("~/data").unwrap_err();
        assert!(matches!(err, StorageError::NoHome { .. }), "{err}");
    }

    #[test]
    fn where_a_link_leads_is_named() {
        let err = rules()
            .check_resolved("/srv/link/", "/etc/ssh")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "`/srv/link` (which leads to `/etc/ssh`) is not allowed: it is inside `/etc`"
            ),
            "{err}"
        );
        assert!(rules().check_resolved("/srv/link", "/srv/data").is_ok());
    }

    #[test]
    fn the_message_names_the_real_data_directory() {
        let rules = ProtectedPaths::new("/data/wharf-7");
        let err = rules
            .host_path("/data/wharf-7/certs")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`/data/wharf-7/certs` is not allowed: it is inside `/data/wharf-7` (Wharf's data directory)"),
            "{err}"
        );
        assert!(rules.host_path("/var/lib/wharf").is_ok());
    }
}
