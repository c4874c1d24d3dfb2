//! Storage mounted into an app by command (`wharf storage mount APP SOURCE:/path`).
//!
//! A *storage mount* ([`MountSpec`]) belongs to the app rather than to one release: it is
//! written like a Dockerfile `volume` setting, and a host path must in addition stay clear of the
//! server's own files ([`ProtectedPaths`](crate::ProtectedPaths), the same check as a Dockerfile
//! volume's, made by the deploy crate when the mount is applied): mounting `/`, `/etc` or
//! Wharf's data directory would hand the app the server. An unmount names a mount by
//! `SOURCE:/path` or by its container path alone ([`MountSelector`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::mount_spec::{ContainerPath, MountSource, MountSpec};
use crate::protected_paths::normalise;
use crate::volume::{VolumeError, VolumeSpec};

/// Why a storage mount or an unmount selector was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StorageError {
    /// Not a valid `SOURCE:/path[:ro]`.
    #[error("{0}")]
    Volume(#[from] VolumeError),
    /// The host path is, contains or lies inside one of the server's own paths
    /// ([`ProtectedPaths`]); the same message whoever declared the mount.
    #[error(
        "host path `{path}`{leads_to} is not allowed: it {relation} `{protected}` ({what}); mount a directory of the app's own instead, e.g. `/srv/APP/data`"
    )]
    ProtectedHostPath {
        /// The host path as given (normalised).
        path: String,
        /// ` (which leads to `REAL`)` when a symbolic link takes the path elsewhere, else empty.
        leads_to: String,
        /// How it relates to the protected path: `is`, `contains`, `is inside`.
        relation: &'static str,
        /// The protected path.
        protected: String,
        /// What the protected path is.
        what: String,
    },
    /// A host path starts with `~`, but the user Wharf runs as has no home directory.
    #[error(
        "host path `{path}` starts with `~`, the home directory of the user Wharf runs as, but the server knows no home directory (HOME is not set); write the full path, e.g. `/srv/APP/data`"
    )]
    NoHome {
        /// The host path as given.
        path: String,
    },
    /// An unmount named neither `SOURCE:/path` nor an absolute container path.
    #[error(
        "`{0}` names no mount; give `SOURCE:/path` (as shown by `wharf storage list`) or the container path, e.g. `/data`"
    )]
    Selector(String),
}

impl crate::Documented for StorageError {
    fn docs(&self) -> Option<crate::DocsLink> {
        Some(match self {
            StorageError::ProtectedHostPath { .. } => crate::docs_link::PROTECTED_PATHS,
            _ => crate::docs_link::STORAGE_ERRORS,
        })
    }
}

/// Which mount an unmount names; sent as its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum MountSelector {
    /// `SOURCE:/path` (an `:ro`/`:rw` suffix is accepted and ignored).
    Exact {
        source: MountSource,
        target: ContainerPath,
    },
    /// Only the container path: `/data`.
    Target(ContainerPath),
}

impl MountSelector {
    /// Parse `SOURCE:/path[:ro]` or `/path`.
    pub fn parse(input: &str) -> Result<MountSelector, StorageError> {
        let s = input.trim();
        if s.contains(':') {
            let spec = MountSpec::parse(s)?;
            return Ok(MountSelector::Exact {
                source: spec.source().clone(),
                target: spec.target().clone(),
            });
        }
        normalise(s)
            .filter(|t| t != "/" && !t.split('/').any(|part| part == ".."))
            .filter(|_| !s.chars().any(char::is_control))
            .map(|t| MountSelector::Target(ContainerPath::normalised(t)))
            .ok_or_else(|| StorageError::Selector(input.to_owned()))
    }

    /// Whether `mount` is the one named.
    pub fn matches(&self, mount: &VolumeSpec) -> bool {
        match self {
            MountSelector::Exact { source, target } => {
                source.is(&mount.source) && same_path(&mount.target, target.as_str())
            }
            MountSelector::Target(target) => same_path(&mount.target, target.as_str()),
        }
    }
}

/// `SOURCE:/path` or `/path`, the text [`MountSelector::parse`] reads back as the same selector
/// (a container path ending in white space, which the parser trims, gets a suffix that keeps it).
impl fmt::Display for MountSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MountSelector::Exact { source, target } => {
                write!(f, "{source}:{target}")?;
                if target.ends_in_space() {
                    f.write_str(":rw")?;
                }
                Ok(())
            }
            MountSelector::Target(target) => {
                f.write_str(target.as_str())?;
                if target.ends_in_space() {
                    f.write_str("/")?;
                }
                Ok(())
            }
        }
    }
}

impl FromStr for MountSelector {
    type Err = StorageError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MountSelector::parse(s)
    }
}

impl TryFrom<String> for MountSelector {
    type Error = StorageError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        MountSelector::parse(&s)
    }
}

impl From<MountSelector> for String {
    fn from(selector: MountSelector) -> String {
        selector.to_string()
    }
}

/// Whether two absolute paths name the same place once normalised (`/data/` is `/data`).
pub fn same_path(a: &str, b: &str) -> bool {
    match (normalise(a), normalise(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProtectedPaths;
    use crate::volume::VolumeSource;
    use proptest::prelude::*;

    fn rules() -> ProtectedPaths {
        ProtectedPaths::new("/var/lib/wharf")
    }

    /// A mount parsed, then its host path checked as the deploy crate's guard does first
    /// ([`ProtectedPaths::host_path`], lexical).
    fn checked(s: &str, paths: &ProtectedPaths) -> Result<VolumeSpec, StorageError> {
        let mut spec = MountSpec::parse(s)?.to_volume();
        if let VolumeSource::HostPath(path) = &spec.source {
            spec.source = VolumeSource::HostPath(paths.host_path(path)?);
        }
        Ok(spec)
    }

    fn mount(s: &str) -> Result<VolumeSpec, StorageError> {
        checked(s, &rules())
    }

    #[test]
    fn named_volumes_and_app_host_paths_are_accepted() {
        let m = mount("blog-media:/app/media").unwrap();
        assert_eq!(m.source, VolumeSource::Named("blog-media".into()));
        assert_eq!(m.target, "/app/media");
        let m = mount("/srv/blog//data/:/data/:ro").unwrap();
        assert_eq!(m.source, VolumeSource::HostPath("/srv/blog/data".into()));
        assert_eq!(m.target, "/data");
        assert!(m.read_only);
        assert!(
            mount("/var/lib/wharf-other:/x").is_ok(),
            "a sibling, not inside"
        );
        assert!(mount("/etcetera:/x").is_ok());
        assert!(mount("/home/me/data:/x").is_ok());
    }

    #[test]
    fn relative_and_dot_dot_paths_are_refused_like_dockerfile_volumes() {
        for bad in ["./data:/data", "~/data:/data", "data/sub:/data"] {
            assert!(
                matches!(
                    mount(bad),
                    Err(StorageError::Volume(VolumeError::RelativeHostPath { .. }))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            mount("/srv/../etc:/data"),
            Err(StorageError::Volume(VolumeError::DotDot { .. }))
        ));
        assert!(matches!(
            mount("vol:/app/../etc"),
            Err(StorageError::Volume(VolumeError::DotDot { .. }))
        ));
        assert!(matches!(
            mount("vol:relative"),
            Err(StorageError::Volume(VolumeError::RelativeTarget { .. }))
        ));
        assert!(matches!(
            mount("vol"),
            Err(StorageError::Volume(VolumeError::Format { .. }))
        ));
    }

    #[test]
    fn the_servers_own_paths_are_refused() {
        let refused = |s: &str| match mount(s) {
            Err(StorageError::ProtectedHostPath {
                relation,
                protected,
                ..
            }) => (relation, protected),
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(refused("/:/host"), ("contains", "/etc".to_string()));
        assert_eq!(refused("/etc:/x"), ("is", "/etc".to_string()));
        assert_eq!(refused("/etc/:/x"), ("is", "/etc".to_string()));
        assert_eq!(refused("/etc/ssh:/x"), ("is inside", "/etc".to_string()));
        assert_eq!(
            refused("/var/lib/wharf:/x"),
            ("is", "/var/lib/wharf".to_string())
        );
        assert_eq!(
            refused("/var/lib/wharf/certs:/x"),
            ("is inside", "/var/lib/wharf".to_string())
        );
        assert_eq!(
            refused("/var/lib:/x"),
            ("contains", "/var/lib/docker".to_string())
        );
        assert_eq!(
            refused("/var/run/docker.sock:/var/run/docker.sock"),
            ("is", "/var/run/docker.sock".to_string())
        );
        assert_eq!(
            refused("/run:/x"),
            ("contains", "/run/docker.sock".to_string())
        );
        let msg = mount("/var/lib/wharf:/x").unwrap_err().to_string();
        assert!(msg.contains("Wharf's data directory"), "{msg}");
    }

    #[test]
    fn more_paths_can_be_protected() {
        let mut paths = ProtectedPaths::new("/data/wharf");
        paths.add("/srv/engine.sock", "the Docker socket");
        paths.add("relative", "ignored");
        assert!(checked("/data:/x", &paths).is_err());
        assert!(checked("/srv/engine.sock:/s", &paths).is_err());
        assert!(checked("/srv/app:/s", &paths).is_ok());
        assert!(checked("/var/lib/wharf:/s", &paths).is_ok());
    }

    #[test]
    fn selectors_name_a_mount_by_source_and_path_or_by_path() {
        let m = mount("/srv/blog:/data:ro").unwrap();
        let exact = MountSelector::parse("/srv/blog/:/data").unwrap();
        assert!(exact.matches(&m));
        assert!(MountSelector::parse("/data/").unwrap().matches(&m));
        assert!(!MountSelector::parse("/other").unwrap().matches(&m));
        assert!(!MountSelector::parse("vol:/data").unwrap().matches(&m));
        assert_eq!(exact.to_string(), "/srv/blog:/data");
        for bad in ["data", "", "/", "/a/../b", "~/x"] {
            assert!(MountSelector::parse(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            MountSelector::parse("./x:/data"),
            Err(StorageError::Volume(_))
        ));
    }

    #[test]
    fn selectors_are_sent_as_their_text() {
        for text in ["/srv/blog:/data", "media:/app/media", "/data"] {
            let selector = MountSelector::parse(text).unwrap();
            let json = serde_json::to_string(&selector).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(
                serde_json::from_str::<MountSelector>(&json).unwrap(),
                selector
            );
        }
        let err = serde_json::from_str::<MountSelector>(r#""data""#).unwrap_err();
        assert!(err.to_string().contains("names no mount"), "{err}");
        let spaced = MountSelector::parse("/data /").unwrap();
        assert_eq!(MountSelector::parse(&spaced.to_string()).unwrap(), spaced);
    }

    proptest! {
        #[test]
        fn no_selector_panics_and_each_parses_back(text in "[/:a-z. \\t~\u{2003}-]{0,16}|.{0,16}") {
            if let Ok(selector) = MountSelector::parse(&text) {
                let written = selector.to_string();
                prop_assert_eq!(MountSelector::parse(&written), Ok(selector.clone()), "{}", written);
            }
        }
    }
}
