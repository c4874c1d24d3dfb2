//! Prebuilt images an app may be deployed from (`wharf deploy --image REF`): the image
//! reference (`ImageRef`, Docker's grammar: `[REGISTRY/]PATH[:TAG][@DIGEST]`), the registry
//! it is pulled from (`RegistryHost`, also the key of a stored registry login), and the
//! settings such an app would otherwise write in its Dockerfile's comments (`ImageSettings`,
//! `KEY=VALUE`, read by the same parser as those comments).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::AppConfig;

/// Docker's own limit on a reference's length.
const MAX_REF: usize = 255;

/// Why an image reference, a registry or an image setting is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error(
        "image `{given}`: {why}; write it as Docker does, e.g. `ghcr.io/team/app:1.2` or `nginx:1.27`"
    )]
    Reference { given: String, why: &'static str },
    #[error(
        "registry `{given}`: {why}; write a host and an optional port, e.g. `ghcr.io` or `registry.example.com:5000`"
    )]
    Registry { given: String, why: &'static str },
    #[error("setting `{given}`: {why}")]
    Setting { given: String, why: String },
}

/// A Docker image reference, checked: `[REGISTRY/]PATH[:TAG][@sha256:DIGEST]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    text: String,
    registry: RegistryHost,
}

impl ImageRef {
    pub fn parse(given: &str) -> Result<ImageRef, ImageError> {
        let bad = |why| ImageError::Reference {
            given: given.to_string(),
            why,
        };
        if given.is_empty() {
            return Err(bad("it is empty"));
        }
        if given.len() > MAX_REF {
            return Err(bad("it is longer than 255 characters"));
        }
        if given.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("it contains a space or a control character"));
        }
        let (name, digest) = match given.split_once('@') {
            Some((name, digest)) => (name, Some(digest)),
            None => (given, None),
        };
        if let Some(digest) = digest {
            let hex = digest
                .strip_prefix("sha256:")
                .ok_or_else(|| bad("its digest does not start with `sha256:`"))?;
            if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return Err(bad("its digest is not 64 lowercase hex digits"));
            }
        }
        // A tag is a `:` after the last `/` (a `:` before it is a registry's port).
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (path, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
            None => (name, None),
        };
        if let Some(tag) = tag
            && !valid_tag(tag)
        {
            return Err(bad(
                "its tag is not 1 to 128 letters, digits, `_`, `.` or `-` (not starting with `.` or `-`)",
            ));
        }
        let mut components: Vec<&str> = path.split('/').collect();
        let registry = if components.len() > 1 && looks_like_registry(components[0]) {
            let host = components.remove(0);
            RegistryHost::parse(host).map_err(|_| bad("its registry is not a host[:port]"))?
        } else {
            RegistryHost::docker_hub()
        };
        if components.iter().any(|c| !valid_component(c)) {
            return Err(bad(
                "its path has an empty or invalid part (lowercase letters and digits, joined by `.`, `_`, `__` or `-`)",
            ));
        }
        Ok(ImageRef {
            text: given.to_string(),
            registry,
        })
    }

    /// The registry the image is pulled from (`docker.io` when the reference names none).
    pub fn registry(&self) -> &RegistryHost {
        &self.registry
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Docker's rule: a first part with a `.` or a `:`, or `localhost`, is a registry.
fn looks_like_registry(part: &str) -> bool {
    part.contains('.') || part.contains(':') || part == "localhost"
}

fn valid_tag(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// `[a-z0-9]+` runs joined by one `.`, one or two `_`, or any number of `-`.
fn valid_component(part: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = part.as_bytes();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &part[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-');
        if !ok {
            return false;
        }
    }
    true
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for ImageRef {
    type Err = ImageError;
    fn from_str(s: &str) -> Result<ImageRef, ImageError> {
        ImageRef::parse(s)
    }
}

impl Serialize for ImageRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for ImageRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ImageRef, D::Error> {
        let text = String::deserialize(d)?;
        ImageRef::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A registry's host and optional port, lowercase: `ghcr.io`, `registry.example.com:5000`,
/// `127.0.0.1:5000`. Docker Hub is `docker.io`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegistryHost(String);

impl RegistryHost {
    pub fn parse(given: &str) -> Result<RegistryHost, ImageError> {
        let bad = |why| ImageError::Registry {
            given: given.to_string(),
            why,
        };
        let lower = given.trim().to_ascii_lowercase();
        // What people paste from `docker login`'s examples.
        let lower = lower
            .strip_prefix("https://")
            .unwrap_or(&lower)
            .trim_end_matches('/');
        if lower.is_empty() {
            return Err(bad("it is empty"));
        }
        let (host, port) = match lower.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (lower, None),
        };
        if let Some(port) = port
            && !matches!(port.parse::<u16>(), Ok(p) if p > 0)
        {
            return Err(bad("its port is not a number from 1 to 65535"));
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if host.len() > 253 || !host.split('.').all(label_ok) {
            return Err(bad("its host is not a host name or an IPv4 address"));
        }
        if matches!(lower, "index.docker.io" | "registry-1.docker.io") {
            return Ok(RegistryHost::docker_hub());
        }
        Ok(RegistryHost(lower.to_string()))
    }

    pub fn docker_hub() -> RegistryHost {
        RegistryHost("docker.io".to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name the Docker engine files this registry's login under (its `X-Registry-Config`
    /// key): Docker Hub keeps its historical address.
    pub fn engine_key(&self) -> String {
        if self.0 == "docker.io" {
            "https://index.docker.io/v1/".to_string()
        } else {
            self.0.clone()
        }
    }
}

impl fmt::Display for RegistryHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for RegistryHost {
    type Err = ImageError;
    fn from_str(s: &str) -> Result<RegistryHost, ImageError> {
        RegistryHost::parse(s)
    }
}

/// The settings of an app deployed from an image, given as `KEY=VALUE` (`port=8080`,
/// `domain=example.com`): the keys and values of `# wharf.KEY = VALUE`, checked by the same
/// parser, and written as those comments atop the one-line Dockerfile the release is built
/// from. The app's name is never one of them (the deploy names it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct ImageSettings(Vec<(String, String)>);

impl ImageSettings {
    pub fn parse<S: AsRef<str>>(given: &[S]) -> Result<ImageSettings, ImageError> {
        let mut settings = Vec::new();
        for item in given {
            let item = item.as_ref();
            let bad = |why: String| ImageError::Setting {
                given: item.to_string(),
                why,
            };
            let Some((key, value)) = item.split_once('=') else {
                return Err(bad(
                    "write it as KEY=VALUE, e.g. `port=8080` or `domain=example.com`".into(),
                ));
            };
            let key = key.trim().to_ascii_lowercase();
            let key = key
                .strip_prefix("wharf.")
                .or_else(|| key.strip_prefix("mypaas."))
                .unwrap_or(&key)
                .to_string();
            if matches!(key.as_str(), "app" | "service" | "servicename") {
                return Err(bad(
                    "the app is named by the deploy itself (`--app NAME`), not by a setting".into(),
                ));
            }
            if value.chars().any(char::is_control) {
                return Err(bad(
                    "the value has a line break or a control character".into()
                ));
            }
            let line = format!("# wharf.{key} = {}", value.trim());
            AppConfig::from_dockerfile(&line).map_err(|err| bad(err.kind.to_string()))?;
            settings.push((key, value.trim().to_string()));
        }
        // Together, too: a key given twice that may be given once.
        let settings = ImageSettings(settings);
        let text = settings.comments();
        AppConfig::from_dockerfile(&text).map_err(|err| ImageError::Setting {
            given: given[err.line - 1].as_ref().to_string(),
            why: err.kind.to_string(),
        })?;
        Ok(settings)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The Dockerfile a release of `image` is built from: these settings as comments, then
    /// `FROM image`.
    pub fn dockerfile(&self, image: &ImageRef) -> String {
        format!("{}FROM {image}\n", self.comments())
    }

    /// One `# wharf.KEY = VALUE` line per setting, in the order given.
    fn comments(&self) -> String {
        self.0
            .iter()
            .map(|(key, value)| format!("# wharf.{key} = {value}\n"))
            .collect()
    }
}

impl TryFrom<Vec<String>> for ImageSettings {
    type Error = ImageError;
    fn try_from(given: Vec<String>) -> Result<ImageSettings, ImageError> {
        ImageSettings::parse(&given)
    }
}

impl From<ImageSettings> for Vec<String> {
    fn from(settings: ImageSettings) -> Vec<String> {
        settings
            .0
            .into_iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect()
    }
}

#[cfg(test)]
mod tests;
