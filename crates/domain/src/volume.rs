//! Volume mounts: `SOURCE:TARGET[:ro|rw]`, where the source is a host path or a named volume.
//!
//! A Dockerfile volume may also name a host path in the home directory of the user Wharf runs
//! as, MyPaas-style: `~/data:/data` ([`VolumeSpec::parse_dockerfile`]). It is kept as written
//! and expanded where every host path is checked (`ProtectedPaths::host_path`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a volume spec was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VolumeError {
    /// Nothing was given.
    #[error("volume is empty; use `SOURCE:CONTAINER_PATH`, e.g. `blog-media:/app/media`")]
    Empty,
    /// Not two or three `:`-separated parts.
    #[error(
        "volume `{input}` is not `SOURCE:CONTAINER_PATH` or `SOURCE:CONTAINER_PATH:ro`; e.g. `blog-media:/app/media` or `/srv/data:/data:ro`"
    )]
    Format {
        /// What was given.
        input: String,
    },
    /// The third part is not `ro` or `rw`.
    #[error(
        "volume `{input}` has unknown option `{option}`; the only options are `ro` (read-only) and `rw`"
    )]
    Option {
        /// What was given.
        input: String,
        /// The rejected option.
        option: String,
    },
    /// The source is neither an absolute host path nor a valid volume name.
    #[error(
        "volume `{input}`: source `{source_text}` is neither an absolute host path (starting with `/`) nor a volume name (letters, digits, `_`, `.`, `-`, starting with a letter or digit, at least 2 characters)"
    )]
    Source {
        /// What was given.
        input: String,
        /// The rejected source.
        source_text: String,
    },
    /// The host path is relative (`./data`; `~/data` outside a Dockerfile).
    #[error(
        "volume `{input}`: host path `{path}` is relative; give an absolute path starting with `/`{home}"
    )]
    RelativeHostPath {
        /// What was given.
        input: String,
        /// The rejected path.
        path: String,
        /// What a Dockerfile accepts instead, if the path starts with `~`.
        home: &'static str,
    },
    /// The host or container path contains a `..` component.
    #[error("volume `{input}`: path `{path}` contains `..`; write the path without `..`")]
    DotDot {
        /// What was given.
        input: String,
        /// The rejected path.
        path: String,
    },
    /// The container path does not start with `/`.
    #[error("volume `{input}`: container path `{path}` must be absolute (start with `/`)")]
    RelativeTarget {
        /// What was given.
        input: String,
        /// The rejected path.
        path: String,
    },
    /// The container path is `/`.
    #[error(
        "volume `{input}`: cannot mount over the container's root `/`; choose a directory such as `/data`"
    )]
    RootTarget {
        /// What was given.
        input: String,
    },
    /// A control character in a path.
    #[error("volume `{input}` contains a control character; remove it")]
    ControlChar {
        /// What was given.
        input: String,
    },
}

/// Where a volume's data lives on the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VolumeSource {
    /// An absolute directory or file on the server, e.g. `/srv/blog/media`.
    HostPath(String),
    /// A Docker named volume, e.g. `blog-media`.
    Named(String),
}

impl VolumeSource {
    /// The path or name as given.
    pub fn as_str(&self) -> &str {
        match self {
            VolumeSource::HostPath(s) | VolumeSource::Named(s) => s,
        }
    }
}

/// A validated volume mount.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VolumeSpec {
    /// Where the data lives on the server.
    pub source: VolumeSource,
    /// Absolute path inside the container (never `/`, never with `..`).
    pub target: String,
    /// Mounted read-only (`:ro`).
    pub read_only: bool,
}

impl VolumeSpec {
    /// Parses `HOST:CONTAINER`, `HOST:CONTAINER:ro` (or `:rw`), or `NAME:CONTAINER[:ro]`.
    pub fn parse(input: &str) -> Result<VolumeSpec, VolumeError> {
        parse(input, false)
    }

    /// Like [`VolumeSpec::parse`], and a host path may also start with `~/` (or be `~`): the
    /// home directory of the user Wharf runs as, as MyPaas writes it. The path is kept as
    /// written; it is expanded when it is checked and mounted.
    pub fn parse_dockerfile(input: &str) -> Result<VolumeSpec, VolumeError> {
        parse(input, true)
    }
}

/// `~` or `~/...` (not `~user/...`).
pub(crate) fn is_home_path(path: &str) -> bool {
    path == "~" || path.starts_with("~/")
}

/// Parses a volume; `allow_home` accepts `~/...` host paths.
fn parse(input: &str, allow_home: bool) -> Result<VolumeSpec, VolumeError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(VolumeError::Empty);
    }
    if s.chars().any(char::is_control) {
        return Err(VolumeError::ControlChar {
            input: input.to_owned(),
        });
    }
    let format = || VolumeError::Format {
        input: input.to_owned(),
    };
    let parts: Vec<&str> = s.split(':').collect();
    let (source, target, read_only) = match parts.as_slice() {
        [source, target] => (*source, *target, false),
        [source, target, option] => {
            let read_only = match *option {
                "ro" => true,
                "rw" => false,
                other => {
                    return Err(VolumeError::Option {
                        input: input.to_owned(),
                        option: other.to_owned(),
                    });
                }
            };
            (*source, *target, read_only)
        }
        _ => return Err(format()),
    };
    if source.is_empty() || target.is_empty() {
        return Err(format());
    }
    let source = parse_source(input, source, allow_home)?;
    check_target(input, target)?;
    Ok(VolumeSpec {
        source,
        target: target.to_owned(),
        read_only,
    })
}

/// Validates the source part: an absolute host path or a volume name.
fn parse_source(input: &str, source: &str, allow_home: bool) -> Result<VolumeSource, VolumeError> {
    if source.starts_with('/') || (allow_home && is_home_path(source)) {
        if has_dot_dot(source) {
            return Err(VolumeError::DotDot {
                input: input.to_owned(),
                path: source.to_owned(),
            });
        }
        return Ok(VolumeSource::HostPath(source.to_owned()));
    }
    if source.starts_with('.') || source.starts_with('~') || source.contains('/') {
        let home = if source.starts_with('~') {
            if allow_home {
                " (`~/DIR` is the home directory of the user Wharf runs as; `~USER` is not supported)"
            } else {
                " (`~/DIR` is only understood in a Dockerfile's `volume`)"
            }
        } else {
            ""
        };
        return Err(VolumeError::RelativeHostPath {
            input: input.to_owned(),
            path: source.to_owned(),
            home,
        });
    }
    if is_volume_name(source) {
        return Ok(VolumeSource::Named(source.to_owned()));
    }
    Err(VolumeError::Source {
        input: input.to_owned(),
        source_text: source.to_owned(),
    })
}

/// Validates the container path.
fn check_target(input: &str, target: &str) -> Result<(), VolumeError> {
    if !target.starts_with('/') {
        return Err(VolumeError::RelativeTarget {
            input: input.to_owned(),
            path: target.to_owned(),
        });
    }
    if has_dot_dot(target) {
        return Err(VolumeError::DotDot {
            input: input.to_owned(),
            path: target.to_owned(),
        });
    }
    if target.split('/').all(|part| part.is_empty() || part == ".") {
        return Err(VolumeError::RootTarget {
            input: input.to_owned(),
        });
    }
    Ok(())
}

/// Whether a path has a `..` component.
fn has_dot_dot(path: &str) -> bool {
    path.split('/').any(|part| part == "..")
}

/// Docker's rule for volume names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
fn is_volume_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    first_ok
        && name.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

impl fmt::Display for VolumeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.source.as_str(), self.target)?;
        if self.read_only {
            f.write_str(":ro")?;
        }
        Ok(())
    }
}

impl FromStr for VolumeSpec {
    type Err = VolumeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VolumeSpec::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> VolumeSpec {
        VolumeSpec::parse(s).unwrap()
    }
    fn e(s: &str) -> VolumeError {
        VolumeSpec::parse(s).unwrap_err()
    }

    #[test]
    fn parses_host_paths() {
        assert_eq!(
            v("/srv/data:/data"),
            VolumeSpec {
                source: VolumeSource::HostPath("/srv/data".into()),
                target: "/data".into(),
                read_only: false
            }
        );
        let ro = v("/etc/app.conf:/app/app.conf:ro");
        assert!(ro.read_only);
        assert_eq!(ro.source.as_str(), "/etc/app.conf");
        assert!(!v("/a:/b:rw").read_only);
        assert_eq!(v(" /a:/b ").target, "/b");
    }

    #[test]
    fn parses_named_volumes() {
        let n = v("blog-media:/app/media");
        assert_eq!(n.source, VolumeSource::Named("blog-media".into()));
        assert_eq!(n.target, "/app/media");
        assert_eq!(
            v("Data_1.x:/d:ro").source,
            VolumeSource::Named("Data_1.x".into())
        );
        assert_eq!(v("9lives:/d").source, VolumeSource::Named("9lives".into()));
    }

    #[test]
    fn display_roundtrips() {
        for s in ["blog-media:/app/media", "/srv/x:/x:ro"] {
            assert_eq!(v(s).to_string(), s);
            assert_eq!(v(&v(s).to_string()), v(s));
        }
        assert_eq!(v("/a:/b:rw").to_string(), "/a:/b");
    }

    #[test]
    fn rejects_wrong_shape() {
        assert_eq!(e(""), VolumeError::Empty);
        assert_eq!(e("  "), VolumeError::Empty);
        for bad in ["/data", "a:b:c:d", ":/data", "/srv:", "vol::ro"] {
            assert!(matches!(e(bad), VolumeError::Format { .. }), "{bad}");
        }
        assert!(matches!(e("/a:/b:rx"), VolumeError::Option { ref option, .. } if option == "rx"));
        assert!(matches!(e("/a:/b:RO"), VolumeError::Option { .. }));
        assert!(matches!(e("/a:/b:"), VolumeError::Option { .. }));
    }

    #[test]
    fn rejects_bad_sources() {
        assert!(matches!(
            e("./data:/data"),
            VolumeError::RelativeHostPath { .. }
        ));
        assert!(matches!(
            e("~/data:/data"),
            VolumeError::RelativeHostPath { .. }
        ));
        assert!(matches!(
            e("data/sub:/data"),
            VolumeError::RelativeHostPath { .. }
        ));
        assert!(matches!(e("/srv/../etc:/data"), VolumeError::DotDot { .. }));
        assert!(matches!(e("/..:/data"), VolumeError::DotDot { .. }));
        assert!(matches!(e("x:/data"), VolumeError::Source { .. }));
        assert!(matches!(e("-vol:/data"), VolumeError::Source { .. }));
        assert!(matches!(e("_vol:/data"), VolumeError::Source { .. }));
        assert!(matches!(e("my vol:/data"), VolumeError::Source { .. }));
        assert!(matches!(e("vol$:/data"), VolumeError::Source { .. }));
        let msg = e("./data:/data").to_string();
        assert!(msg.contains("absolute path"), "{msg}");
    }

    #[test]
    fn a_dockerfile_may_name_the_home_as_mypaas_does() {
        let home = VolumeSpec::parse_dockerfile("~/data:/data:ro").unwrap();
        assert_eq!(home.source, VolumeSource::HostPath("~/data".into()));
        assert!(home.read_only);
        assert_eq!(
            VolumeSpec::parse_dockerfile("~:/h")
                .unwrap()
                .source
                .as_str(),
            "~"
        );
        let other_user = VolumeSpec::parse_dockerfile("~alice/x:/x").unwrap_err();
        assert!(other_user.to_string().contains("`~USER` is not supported"));
        assert!(VolumeSpec::parse_dockerfile("~/../etc:/x").is_err());
        let by_command = e("~/data:/data").to_string();
        assert!(
            by_command.contains("only understood in a Dockerfile"),
            "{by_command}"
        );
    }

    #[test]
    fn rejects_bad_targets() {
        assert!(matches!(e("vol:data"), VolumeError::RelativeTarget { .. }));
        assert!(matches!(e("vol:/"), VolumeError::RootTarget { .. }));
        assert!(matches!(e("vol://"), VolumeError::RootTarget { .. }));
        assert!(matches!(e("vol:/./"), VolumeError::RootTarget { .. }));
        assert!(matches!(e("vol:/app/../etc"), VolumeError::DotDot { .. }));
        assert!(matches!(e("vol:/.."), VolumeError::DotDot { .. }));
        assert!(e("vol:/").to_string().contains("root"));
        // `..` inside a name is not a `..` component.
        assert_eq!(v("vol:/app/..x").target, "/app/..x");
    }

    #[test]
    fn rejects_control_chars() {
        assert!(matches!(e("vol:/da\nta"), VolumeError::ControlChar { .. }));
        assert!(matches!(e("vol:/data\0"), VolumeError::ControlChar { .. }));
    }
}
