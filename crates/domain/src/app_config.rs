//! An app's configuration, read from `# wharf.KEY = VALUE` comments in its Dockerfile.
//!
//! The format follows MyPaas: settings live in the Dockerfile as comments, so
//! one file describes both the image and how to run it. `# mypaas.KEY = VALUE`
//! is accepted too, with MyPaas's key names `service` and `url`.
//!
//! The keys are declared once, in [`DOCKERFILE_KEYS`] (module `keys`): this module reads the
//! lines and finds the key; the table says what its value may be and applies it.

use serde::{Deserialize, Serialize};
use std::time::Duration;

use crate::config_error::{ConfigError, ConfigErrorKind};
use crate::{AppName, PlacementRule, VolumeSpec, WebAddress};

mod keys;

pub use keys::{DOCKERFILE_KEYS, DockerfileKey};

/// The most containers `scale` may ask for.
pub const MAX_SCALE: u32 = 100;

/// The `scale` of an app that does not set one: one container, replaced start-first (the new
/// one starts, passes its health check and takes the traffic before the old one drains).
pub const DEFAULT_SCALE: u32 = 1;

/// The port used when none is set and the Dockerfile doesn't expose exactly one.
pub const DEFAULT_PORT: u16 = 80;

/// The setting prefixes recognised in Dockerfile comments.
const PREFIXES: [&str; 2] = ["wharf.", "mypaas."];

/// MyPaas keys Wharf deliberately leaves out, with what to do instead.
const UNSUPPORTED_KEYS: &[(&str, &str)] = &[(
    "publish",
    "Wharf does not publish container ports on the server; apps are reached through their domains",
)];

/// How an app is built and run, as set in its Dockerfile.
///
/// Every field is optional; [`AppConfig::default`] is an app with no settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppConfig {
    /// `app` (aliases `service`, `servicename`): the app's name.
    pub app: Option<AppName>,
    /// `domain` (repeatable, comma-separated allowed; alias `url`): where it is served, a
    /// domain and optionally a path prefix under it (`example.com/blog`).
    pub domains: Vec<WebAddress>,
    /// `port`: the port the app listens on inside the container.
    pub port: Option<u16>,
    /// `scale`: N >= 1 = N containers with zero-downtime deploys ([`DEFAULT_SCALE`] when
    /// not set); 0 written out = one container, stopped before the new one starts (MyPaas's
    /// default, kept for apps that cannot run two copies at once).
    pub scale: u32,
    /// `volume` (repeatable): mounts.
    pub volumes: Vec<VolumeSpec>,
    /// `env` (repeatable): environment variables, in order.
    pub env: Vec<(String, String)>,
    /// `env = NAME` (repeatable, no `=`): variables whose value comes from the server's config
    /// vars (`wharf config set`), MyPaas's form for secrets; a deploy without one is refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_from_config: Vec<EnvFromConfig>,
    /// `healthcheck`: a path starting with `/` that must answer 2xx/3xx.
    pub healthcheck: Option<String>,
    /// `healthcheck = PATH INTERVAL`: the pause between health probes (MyPaas's form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck_interval: Option<Duration>,
    /// `healthcheck = PATH INTERVAL TIMEOUT`: how long one health probe may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck_timeout: Option<Duration>,
    /// `maxmem`: memory limit per container, in bytes.
    pub max_memory: Option<u64>,
    /// `maxcpu`: CPU limit per container, in CPUs.
    pub max_cpus: Option<f64>,
    /// `https`: whether to serve the app's public domains over HTTPS.
    pub https: Option<bool>,
    /// `asset_cache`: whether Wharf's proxy gives the app's responses without `Cache-Control`
    /// one: a year for files named by a hash of their contents, revalidation for the rest.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub asset_cache: bool,
    /// `placement` (repeatable, comma-separated allowed): the Swarm constraints a node must
    /// meet to run the app's web tasks, in a cluster; kept and not applied on a single server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement: Vec<PlacementRule>,
    /// Whether any setting used MyPaas's `mypaas.` prefix: such an app's containers get the
    /// `MYPAAS_*` variables MyPaas sets.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mypaas: bool,
}

impl Default for AppConfig {
    /// An app with no settings.
    fn default() -> AppConfig {
        AppConfig {
            app: None,
            domains: Vec::new(),
            port: None,
            scale: DEFAULT_SCALE,
            volumes: Vec::new(),
            env: Vec::new(),
            env_from_config: Vec::new(),
            healthcheck: None,
            healthcheck_interval: None,
            healthcheck_timeout: None,
            max_memory: None,
            max_cpus: None,
            https: None,
            asset_cache: false,
            placement: Vec::new(),
            mypaas: false,
        }
    }
}

impl AppConfig {
    /// Reads the settings in a Dockerfile's `# wharf.KEY = VALUE` (or
    /// `# mypaas.KEY = VALUE`) comments. Other lines are ignored. The first
    /// problem found is returned, naming its line.
    pub fn from_dockerfile(text: &str) -> Result<AppConfig, ConfigError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut parser = Parser::default();
        for (index, line) in text.lines().enumerate() {
            parser.line_no = index + 1;
            parser.line(line).map_err(|kind| ConfigError {
                line: index + 1,
                kind,
            })?;
        }
        Ok(parser.config)
    }

    /// The port to route to: the `port` setting; otherwise the single port the
    /// Dockerfile exposes (see [`crate::exposed_ports`]); otherwise 80 (also
    /// when several ports are exposed).
    pub fn effective_port(&self, exposed: &[u16]) -> u16 {
        match (self.port, exposed) {
            (Some(port), _) => port,
            (None, [only]) => *only,
            (None, _) => DEFAULT_PORT,
        }
    }
}

/// A Dockerfile `env` line naming a variable without a value (`# mypaas.env = SECRET`): its
/// value is the app's config var of that name, which must be set on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvFromConfig {
    /// The variable's name.
    pub name: String,
    /// The Dockerfile line it is on (1-based).
    pub line: usize,
    /// The setting as written, e.g. `mypaas.env`.
    pub setting: String,
}

impl EnvFromConfig {
    /// Why a deploy of `app` cannot go ahead when the config vars lack this variable.
    pub fn missing_message(&self, app: &str) -> String {
        format!(
            "`{name}` (Dockerfile line {line}: `{setting} = {name}`) takes its value from the server's config, which has none: set it with `wharf config set {app} {name}=...`, then deploy again",
            name = self.name,
            line = self.line,
            setting = self.setting,
        )
    }
}

/// Parser state: the config so far and where each setting was first seen.
#[derive(Default)]
struct Parser {
    config: AppConfig,
    /// The 1-based number of the line being parsed.
    line_no: usize,
    /// Canonical single-valued key -> line it was set on.
    seen: Vec<(&'static str, usize)>,
    domain_lines: Vec<usize>,
    env_lines: Vec<usize>,
    volume_lines: Vec<usize>,
}

impl Parser {
    /// Parses one physical line, updating the config.
    fn line(&mut self, line: &str) -> Result<(), ConfigErrorKind> {
        let Some(comment) = line.trim_start().strip_prefix('#') else {
            return Ok(());
        };
        let comment = comment.trim();
        let Some((prefix, rest)) = split_prefix(comment) else {
            return Ok(());
        };
        let lowercase_prefix = prefix.to_ascii_lowercase();
        let Some((raw_key, raw_value)) = rest.split_once('=') else {
            if prefix == lowercase_prefix {
                return Err(ConfigErrorKind::NotASetting {
                    text: comment.to_owned(),
                });
            }
            // `# Wharf. some prose` is an ordinary comment.
            return Ok(());
        };
        let key = raw_key.trim();
        let value = raw_value.trim();
        if prefix != lowercase_prefix {
            // Only an error if it otherwise looks like a real setting.
            if find_key(&key.to_ascii_lowercase()).is_some() {
                return Err(ConfigErrorKind::PrefixCase {
                    given: format!("{prefix}{key}"),
                    expected: format!("{lowercase_prefix}{}", key.to_ascii_lowercase()),
                });
            }
            return Ok(());
        }
        if key.is_empty() || key.chars().any(char::is_whitespace) {
            return Err(ConfigErrorKind::NotASetting {
                text: comment.to_owned(),
            });
        }
        let setting = format!("{prefix}{key}");
        let Some(known) = find_key(key) else {
            return Err(unknown_key(prefix, key, setting));
        };
        if value.is_empty() {
            return Err(ConfigErrorKind::EmptyValue {
                setting,
                expected: known.expected,
            });
        }
        self.config.mypaas |= prefix == "mypaas.";
        if !known.repeatable {
            self.once(known.name, &setting)?;
        }
        known.apply(self, setting, value)
    }

    /// Records that a single-valued setting was set on this line.
    fn once(&mut self, key: &'static str, setting: &str) -> Result<(), ConfigErrorKind> {
        if let Some((_, first_line)) = self.seen.iter().find(|(k, _)| *k == key) {
            return Err(ConfigErrorKind::Repeated {
                setting: setting.to_owned(),
                first_line: *first_line,
            });
        }
        self.seen.push((key, self.line_no));
        Ok(())
    }

    /// Adds an address unless it is already listed.
    fn add_domain(&mut self, domain: WebAddress) -> Result<(), ConfigErrorKind> {
        let existing = self
            .config
            .domains
            .iter()
            .zip(&self.domain_lines)
            .find(|(d, _)| **d == domain);
        if let Some((_, first_line)) = existing {
            return Err(ConfigErrorKind::DuplicateDomain {
                domain: domain.to_string(),
                first_line: *first_line,
            });
        }
        self.config.domains.push(domain);
        self.domain_lines.push(self.line_no);
        Ok(())
    }
}

/// Splits `wharf.rest` / `mypaas.rest` (prefix in any case) into prefix and rest.
fn split_prefix(comment: &str) -> Option<(&str, &str)> {
    PREFIXES.iter().find_map(|p| {
        let head = comment.get(..p.len())?;
        head.eq_ignore_ascii_case(p)
            .then(|| (head, comment.get(p.len()..).unwrap_or_default()))
    })
}

/// The key written `key` (lowercase, no prefix): its name or one of MyPaas's aliases.
fn find_key(key: &str) -> Option<&'static DockerfileKey> {
    DOCKERFILE_KEYS
        .iter()
        .find(|k| k.names().any(|name| name == key))
}

/// The known keys, for the "unknown setting" message: Wharf's, then MyPaas's other names.
pub(crate) fn known_keys_text() -> String {
    let wharf: Vec<&str> = DOCKERFILE_KEYS
        .iter()
        .filter(|k| !k.mypaas_name)
        .map(|k| k.name)
        .collect();
    let mypaas: Vec<&str> = DOCKERFILE_KEYS
        .iter()
        .flat_map(|k| {
            k.mypaas_aliases
                .iter()
                .copied()
                .chain(k.mypaas_name.then_some(k.name))
        })
        .collect();
    format!(
        "{} (MyPaas names also work: {})",
        wharf.join(", "),
        mypaas.join(", ")
    )
}

/// Builds the error for an unknown key, suggesting the likely intended one.
fn unknown_key(prefix: &str, key: &str, setting: String) -> ConfigErrorKind {
    let lower = key.to_lowercase();
    if find_key(&lower).is_some() {
        return ConfigErrorKind::KeyCase {
            given: setting,
            expected: format!("{prefix}{lower}"),
        };
    }
    if let Some((_, hint)) = UNSUPPORTED_KEYS.iter().find(|(k, _)| *k == lower) {
        return ConfigErrorKind::Unsupported { setting, hint };
    }
    ConfigErrorKind::UnknownKey {
        setting,
        suggestion: suggest(&lower),
    }
}

/// The known key closest to `key`, if one is close enough to be a typo.
fn suggest(key: &str) -> Option<&'static str> {
    let squashed: String = key.chars().filter(|c| *c != '_' && *c != '-').collect();
    if let Some(meant) = DOCKERFILE_KEYS
        .iter()
        .find(|k| k.wrong_names.contains(&squashed.as_str()))
    {
        return Some(meant.name);
    }
    // MyPaas's names are accepted but not suggested.
    let (best, distance) = DOCKERFILE_KEYS
        .iter()
        .filter(|k| !k.mypaas_name)
        .map(|k| (k.name, edit_distance(&squashed, k.name)))
        .min_by_key(|(_, d)| *d)?;
    let allowed = if best.len() <= 3 { 1 } else { 2 };
    if distance <= allowed {
        return Some(best);
    }
    // `domains`, `volumes`, `environment`, `healthcheckpath`...
    DOCKERFILE_KEYS
        .iter()
        .flat_map(DockerfileKey::names)
        .filter(|k| k.len() >= 3 && squashed.starts_with(k))
        .max_by_key(|k| k.len())
}

/// Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            let delete = previous[j + 1] + 1;
            let insert = current[j] + 1;
            current.push(substitute.min(delete).min(insert));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or_default()
}

#[cfg(test)]
mod tests;
