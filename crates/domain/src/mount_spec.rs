//! A storage mount as a user writes it (`wharf storage mount APP SOURCE:/path[:ro]`, SSH's
//! `storage:mount`, the API's `{"mount": "SOURCE:/path"}`), parsed once where it enters.
//!
//! A [`MountSpec`] has the syntax of a Dockerfile volume ([`VolumeSpec::parse`], the same
//! refusals) without the Dockerfile's `~/dir`: the client's shell would have expanded it. Its
//! paths are normalised (`/srv/x/` is `/srv/x`), so equal mounts compare equal, and it is sent
//! and stored as its text, which parses back to the same mount. Whether a host path may be
//! mounted on this server (the protected paths, where symbolic links lead, that it exists) is
//! not syntax: the deploy crate's guard checks it when the mount is applied.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::protected_paths::normalise;
use crate::volume::{VolumeError, VolumeSource, VolumeSpec};

/// A storage mount: where its data lives, where it appears in the app's containers, and
/// whether it is read-only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MountSpec {
    source: MountSource,
    target: ContainerPath,
    read_only: bool,
}

/// Where a storage mount's data lives on the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MountSource {
    /// A server directory or file, e.g. `/srv/blog/media`.
    HostPath(AbsPath),
    /// A Docker named volume, e.g. `blog-media`.
    Volume(VolumeName),
}

/// An absolute server path: normalised (no empty or `.` components, no trailing `/`), without
/// `..` or control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AbsPath(String);

/// A Docker volume name: letters, digits, `_`, `.`, `-`, starting with a letter or digit, at
/// least 2 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VolumeName(String);

/// A path inside a container: absolute, normalised, never `/`, without `..`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContainerPath(String);

impl MountSpec {
    /// Parse `SOURCE:/path`, `SOURCE:/path:ro` (or `:rw`): a host path (absolute) or a volume
    /// name, and a container path; refused as a Dockerfile volume would be ([`VolumeError`]),
    /// and `~/dir` too.
    pub fn parse(input: &str) -> Result<MountSpec, VolumeError> {
        let spec = VolumeSpec::parse(input)?;
        let source = match spec.source {
            VolumeSource::HostPath(path) => MountSource::HostPath(AbsPath::normalised(path)),
            VolumeSource::Named(name) => MountSource::Volume(VolumeName(name)),
        };
        Ok(MountSpec {
            source,
            target: ContainerPath::normalised(spec.target),
            read_only: spec.read_only,
        })
    }

    /// Where the data lives.
    pub fn source(&self) -> &MountSource {
        &self.source
    }

    /// Where it appears in the containers.
    pub fn target(&self) -> &ContainerPath {
        &self.target
    }

    /// Mounted read-only (`:ro`).
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// The mount as a volume of the app's containers.
    pub fn to_volume(&self) -> VolumeSpec {
        VolumeSpec {
            source: self.source.to_volume_source(),
            target: self.target.0.clone(),
            read_only: self.read_only,
        }
    }
}

impl MountSource {
    /// The path or name.
    pub fn as_str(&self) -> &str {
        match self {
            MountSource::HostPath(AbsPath(s)) | MountSource::Volume(VolumeName(s)) => s,
        }
    }

    /// Whether `source` (a stored or declared volume's) is this one.
    pub fn is(&self, source: &VolumeSource) -> bool {
        match (self, source) {
            (MountSource::HostPath(AbsPath(a)), VolumeSource::HostPath(b))
            | (MountSource::Volume(VolumeName(a)), VolumeSource::Named(b)) => a == b,
            _ => false,
        }
    }

    fn to_volume_source(&self) -> VolumeSource {
        match self {
            MountSource::HostPath(AbsPath(path)) => VolumeSource::HostPath(path.clone()),
            MountSource::Volume(VolumeName(name)) => VolumeSource::Named(name.clone()),
        }
    }
}

impl AbsPath {
    /// `path` (absolute: the parser checked it) normalised.
    fn normalised(path: String) -> AbsPath {
        AbsPath(normalise(&path).unwrap_or(path))
    }

    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl VolumeName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl ContainerPath {
    /// `path` (absolute, not `/`, no `..`: the parser checked it) normalised.
    pub(crate) fn normalised(path: String) -> ContainerPath {
        ContainerPath(normalise(&path).unwrap_or(path))
    }

    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the text ends in white space, which the parser would trim from the end of a
    /// mount's text: such a path is written with a suffix (`:rw`, `/`) so that it parses back.
    pub(crate) fn ends_in_space(&self) -> bool {
        self.0.ends_with(char::is_whitespace)
    }
}

impl fmt::Display for MountSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for AbsPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for VolumeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for ContainerPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `SOURCE:/path`, `SOURCE:/path:ro`; the text [`MountSpec::parse`] reads back as the same mount.
impl fmt::Display for MountSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.source, self.target)?;
        if self.read_only {
            f.write_str(":ro")
        } else if self.target.ends_in_space() {
            f.write_str(":rw")
        } else {
            Ok(())
        }
    }
}

impl FromStr for MountSpec {
    type Err = VolumeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MountSpec::parse(s)
    }
}

impl TryFrom<String> for MountSpec {
    type Error = VolumeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        MountSpec::parse(&s)
    }
}

impl From<MountSpec> for String {
    fn from(mount: MountSpec) -> String {
        mount.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(s: &str) -> MountSpec {
        MountSpec::parse(s).unwrap()
    }

    #[test]
    fn volumes_and_host_paths_parse_normalised() {
        let named = m("blog-media:/app/media/");
        assert_eq!(
            named.source(),
            &MountSource::Volume(VolumeName("blog-media".into()))
        );
        assert_eq!(named.target().as_str(), "/app/media");
        assert!(!named.read_only());
        let host = m(" /srv/blog//./data/:/data/:ro ");
        assert_eq!(
            host.source(),
            &MountSource::HostPath(AbsPath("/srv/blog/data".into()))
        );
        assert_eq!(host.target().as_str(), "/data");
        assert!(host.read_only());
        assert_eq!(host.to_string(), "/srv/blog/data:/data:ro");
        assert_eq!(
            host.to_volume(),
            VolumeSpec::parse("/srv/blog/data:/data:ro").unwrap()
        );
        assert_eq!(m("/a:/b:rw").to_string(), "/a:/b");
    }

    #[test]
    fn refusals_are_the_dockerfile_volumes_own() {
        for (bad, expected) in [
            ("./data:/data", VolumeSpec::parse("./data:/data")),
            ("vol", VolumeSpec::parse("vol")),
            ("vol:/app/../etc", VolumeSpec::parse("vol:/app/../etc")),
            ("vol:/", VolumeSpec::parse("vol:/")),
            ("/a:/b:rx", VolumeSpec::parse("/a:/b:rx")),
        ] {
            assert_eq!(MountSpec::parse(bad).map(|m| m.to_volume()), expected);
            assert!(expected.is_err(), "{bad}");
        }
        let home = MountSpec::parse("~/data:/d").unwrap_err().to_string();
        assert!(home.contains("only understood in a Dockerfile"), "{home}");
    }

    #[test]
    fn serde_is_the_text() {
        let mount = m("/srv/x/:/x:ro");
        let json = serde_json::to_string(&mount).unwrap();
        assert_eq!(json, r#""/srv/x:/x:ro""#);
        assert_eq!(serde_json::from_str::<MountSpec>(&json).unwrap(), mount);
        let err = serde_json::from_str::<MountSpec>(r#""./x:/x""#).unwrap_err();
        assert!(err.to_string().contains("is relative"), "{err}");
    }

    #[test]
    fn a_container_path_ending_in_space_still_parses_back() {
        let mount = m("/a:/b /");
        assert_eq!(mount.target().as_str(), "/b ");
        assert_eq!(mount.to_string(), "/a:/b :rw");
        assert_eq!(m(&mount.to_string()), mount);
    }

    /// Text built from the mount syntax's own pieces, which reaches further than random text.
    fn mount_text() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "/",
            "//",
            ":",
            "ro",
            "rw",
            "RO",
            ".",
            "..",
            "~",
            "~/",
            "srv",
            "data",
            "blog-media",
            "x",
            " ",
            "\t",
            "\n",
            "é",
            "a b",
            "_",
            "-",
            "\u{2003}",
        ]);
        prop_oneof![
            ".{0,24}",
            prop::collection::vec(piece, 0..10).prop_map(|parts| parts.concat()),
        ]
    }

    proptest! {
        #[test]
        fn no_input_panics_and_every_mount_parses_back(text in mount_text()) {
            if let Ok(mount) = MountSpec::parse(&text) {
                let written = mount.to_string();
                prop_assert_eq!(MountSpec::parse(&written), Ok(mount.clone()), "{}", written);
                prop_assert!(!mount.target().as_str().ends_with('/'));
            }
        }
    }
}
