//! The error returned when the `# wharf.*` settings in a Dockerfile are wrong.

use thiserror::Error;

use crate::docs_link::{self, DocsLink, Documented};
use crate::{
    CpuError, DomainError, EnvError, MemoryError, NameError, PathError, PlacementError, VolumeError,
};

/// A problem with a Dockerfile setting, tied to the 1-based line it is on.
///
/// Displays as `Dockerfile line 4: <what is wrong and how to fix it>`.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("Dockerfile line {line}: {kind}")]
pub struct ConfigError {
    /// 1-based line number in the Dockerfile.
    pub line: usize,
    /// What is wrong.
    pub kind: ConfigErrorKind,
}

/// What is wrong with a Dockerfile setting.
///
/// The wrapped `error` fields are part of the message rather than exposed as
/// `source()`, so error chains don't print the same text twice. `setting` fields hold the setting as written, prefix included (`wharf.port`).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConfigErrorKind {
    /// A `# wharf.` comment that is not `KEY = VALUE`.
    #[error(
        "`{text}` is not a setting; write `# wharf.KEY = VALUE`, e.g. `# wharf.port = 8000` (for a plain comment, don't start it with `wharf.`)"
    )]
    NotASetting {
        /// The comment text after `#`.
        text: String,
    },
    /// The prefix is not lowercase (`# Wharf.port = 80`).
    #[error("write the prefix in lowercase: `{expected}` instead of `{given}`")]
    PrefixCase {
        /// The setting as written.
        given: String,
        /// The same setting in lowercase.
        expected: String,
    },
    /// A known key written with uppercase letters.
    #[error("setting names are lowercase: write `{expected}` instead of `{given}`")]
    KeyCase {
        /// The setting as written.
        given: String,
        /// The lowercase setting.
        expected: String,
    },
    /// A key Wharf does not know.
    #[error(
        "unknown setting `{setting}`; {}known settings: {}",
        suggestion.map(|s| format!("did you mean `{s}`? ")).unwrap_or_default(),
        crate::app_config::known_keys_text()
    )]
    UnknownKey {
        /// The setting as written.
        setting: String,
        /// The closest known key, if any is close.
        suggestion: Option<&'static str>,
    },
    /// A MyPaas key that Wharf deliberately does not support.
    #[error("setting `{setting}` is not supported by Wharf: {hint}")]
    Unsupported {
        /// The setting as written.
        setting: String,
        /// Why, and what to do instead.
        hint: &'static str,
    },
    /// `KEY =` with nothing after it.
    #[error("setting `{setting}` has no value; expected {expected}")]
    EmptyValue {
        /// The setting as written.
        setting: String,
        /// What a value looks like.
        expected: &'static str,
    },
    /// A single-valued setting given a second time.
    #[error("`{setting}` is set again (it was already set on line {first_line}); keep only one")]
    Repeated {
        /// The setting as written.
        setting: String,
        /// Where it was first set.
        first_line: usize,
    },
    /// The same domain listed twice.
    #[error("domain `{domain}` is listed twice (also on line {first_line}); remove one")]
    DuplicateDomain {
        /// The repeated domain.
        domain: String,
        /// Where it was first listed.
        first_line: usize,
    },
    /// The same environment variable set twice.
    #[error(
        "environment variable `{key}` is set twice (also on line {first_line}); set each variable once"
    )]
    DuplicateEnv {
        /// The repeated variable name.
        key: String,
        /// Where it was first set.
        first_line: usize,
    },
    /// Two volumes mounted at the same container path.
    #[error(
        "two volumes are mounted at `{target}` (also on line {first_line}); each container path can hold one volume"
    )]
    DuplicateVolumeTarget {
        /// The repeated container path.
        target: String,
        /// Where it was first used.
        first_line: usize,
    },
    /// A bad app name.
    #[error("invalid `{setting}`: {error}")]
    App {
        /// The setting as written.
        setting: String,
        /// Why the name is invalid.
        error: NameError,
    },
    /// A bad domain.
    #[error("invalid `{setting}`: {error}")]
    Domain {
        /// The setting as written.
        setting: String,
        /// Why the domain is invalid.
        error: DomainError,
    },
    /// A bad path after a domain (`example.com/blog`).
    #[error("invalid `{setting}`: {error}")]
    Path {
        /// The setting as written.
        setting: String,
        /// Why the path is invalid.
        error: PathError,
    },
    /// A MyPaas `url` Wharf cannot use.
    #[error("invalid `{setting}` `{value}`: {reason}")]
    Url {
        /// The setting as written.
        setting: String,
        /// The rejected value.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A bad port.
    #[error("invalid `{setting}` `{value}`: expected a port number from 1 to 65535, e.g. `8000`")]
    Port {
        /// The setting as written.
        setting: String,
        /// The rejected value.
        value: String,
    },
    /// A bad scale.
    #[error(
        "invalid `{setting}` `{value}`: expected a whole number of containers from 0 to {max} (0 = one container, replaced with a short downtime)",
        max = crate::app_config::MAX_SCALE
    )]
    Scale {
        /// The setting as written.
        setting: String,
        /// The rejected value.
        value: String,
    },
    /// A bad volume.
    #[error("invalid `{setting}`: {error}")]
    Volume {
        /// The setting as written.
        setting: String,
        /// Why the volume is invalid.
        error: VolumeError,
    },
    /// A bad environment variable.
    #[error("invalid `{setting}`: {error}")]
    Env {
        /// The setting as written.
        setting: String,
        /// Why the assignment is invalid.
        error: EnvError,
    },
    /// A bad health-check path.
    #[error("invalid `{setting}` `{value}`: {reason}")]
    Healthcheck {
        /// The setting as written.
        setting: String,
        /// The rejected value.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A bad interval or timeout in `healthcheck = PATH INTERVAL TIMEOUT`.
    #[error(
        "invalid `{setting}` `{value}`: `{duration}` is not a duration; write a whole number with a unit, e.g. `10s`, `500ms` or `1m` (more than zero, at most `1h`)"
    )]
    HealthcheckDuration {
        /// The setting as written.
        setting: String,
        /// The whole value.
        value: String,
        /// The rejected interval or timeout.
        duration: String,
    },
    /// A bad memory limit.
    #[error("invalid `{setting}`: {error}")]
    Memory {
        /// The setting as written.
        setting: String,
        /// Why the size is invalid.
        error: MemoryError,
    },
    /// A bad CPU limit.
    #[error("invalid `{setting}`: {error}")]
    Cpu {
        /// The setting as written.
        setting: String,
        /// Why the limit is invalid.
        error: CpuError,
    },
    /// A bad placement rule.
    #[error("invalid `{setting}`: {error}")]
    Placement {
        /// The setting as written.
        setting: String,
        /// Which rule, and why it is refused.
        error: PlacementError,
    },
    /// A bad boolean.
    #[error(
        "invalid `{setting}` `{value}`: expected `true` or `false` (also accepted: yes/no, 1/0)"
    )]
    Boolean {
        /// The setting as written.
        setting: String,
        /// The rejected value.
        value: String,
    },
}

impl Documented for ConfigError {
    /// The section on the setting the line sets, else the syntax or the list of settings.
    fn docs(&self) -> Option<DocsLink> {
        use ConfigErrorKind as K;
        let setting = match &self.kind {
            K::NotASetting { .. } | K::PrefixCase { .. } => {
                return Some(docs_link::DOCKERFILE_SYNTAX);
            }
            K::DuplicateDomain { .. } => "domain",
            K::DuplicateEnv { .. } => "env",
            K::DuplicateVolumeTarget { .. } => "volume",
            K::KeyCase { expected, .. } => expected,
            K::UnknownKey { setting, .. }
            | K::Unsupported { setting, .. }
            | K::EmptyValue { setting, .. }
            | K::Repeated { setting, .. }
            | K::App { setting, .. }
            | K::Domain { setting, .. }
            | K::Path { setting, .. }
            | K::Url { setting, .. }
            | K::Port { setting, .. }
            | K::Scale { setting, .. }
            | K::Volume { setting, .. }
            | K::Env { setting, .. }
            | K::Healthcheck { setting, .. }
            | K::HealthcheckDuration { setting, .. }
            | K::Memory { setting, .. }
            | K::Cpu { setting, .. }
            | K::Placement { setting, .. }
            | K::Boolean { setting, .. } => setting,
        };
        // `wharf.port` or `mypaas.port`: the key is after the prefix.
        let key = setting.split_once('.').map_or(setting, |(_, key)| key);
        Some(match &self.kind {
            K::Unsupported { .. } => docs_link::COMING_FROM_MYPAAS,
            _ => DocsLink::dockerfile_setting(key),
        })
    }
}
