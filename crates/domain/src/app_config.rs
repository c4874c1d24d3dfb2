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
use crate::{AppName, VolumeSpec, WebAddress};

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
mod tests {
    use super::*;
    use crate::VolumeSource;

    fn parse(text: &str) -> AppConfig {
        AppConfig::from_dockerfile(text).unwrap()
    }

    fn fail(text: &str) -> ConfigError {
        AppConfig::from_dockerfile(text).unwrap_err()
    }

    #[test]
    fn empty_and_unrelated_dockerfiles_give_defaults() {
        assert_eq!(parse(""), AppConfig::default());
        let df = "# syntax=docker/dockerfile:1\nFROM python:3.12\n# just a note\nRUN echo '# wharf.port = 1'\n#--- wharf.port = 1\n";
        assert_eq!(parse(df), AppConfig::default());
        assert_eq!(
            AppConfig::default().scale,
            1,
            "start-first unless asked otherwise"
        );
    }

    #[test]
    fn full_example() {
        let df = "\
# wharf.app = blog
# wharf.domain = blog.example.com
# wharf.domain = www.blog.example.com, Blog.Example.org
# wharf.port = 8000
# wharf.scale = 2
# wharf.healthcheck = /healthz
# wharf.volume = blog-media:/app/media
# wharf.volume = /srv/blog/config:/app/config:ro
# wharf.env = DJANGO_SETTINGS_MODULE=blog.settings
# wharf.env = EMPTY=
# wharf.maxmem = 512m
# wharf.maxcpu = 1.5
# wharf.https = no
FROM python:3.12-slim
CMD gunicorn blog.wsgi
";
        let c = parse(df);
        assert_eq!(c.app, Some(AppName::parse("blog").unwrap()));
        let domains: Vec<&str> = c.domains.iter().map(WebAddress::as_str).collect();
        assert_eq!(
            domains,
            [
                "blog.example.com",
                "www.blog.example.com",
                "blog.example.org"
            ]
        );
        assert_eq!(c.port, Some(8000));
        assert_eq!(c.scale, 2);
        assert_eq!(c.healthcheck.as_deref(), Some("/healthz"));
        assert_eq!(c.volumes.len(), 2);
        assert_eq!(
            c.volumes[0].source,
            VolumeSource::Named("blog-media".into())
        );
        assert!(c.volumes[1].read_only);
        assert_eq!(
            c.env,
            vec![
                ("DJANGO_SETTINGS_MODULE".into(), "blog.settings".into()),
                ("EMPTY".into(), String::new())
            ]
        );
        assert_eq!(c.max_memory, Some(512 * 1024 * 1024));
        assert_eq!(c.max_cpus, Some(1.5));
        assert_eq!(c.https, Some(false));
    }

    #[test]
    fn flexible_whitespace_and_line_endings() {
        for line in [
            "#wharf.port=80",
            "# wharf.port = 80",
            "   #   wharf.port   =   80   ",
            "\t#\twharf.port\t=\t80\t",
            "# wharf.port = 80\r",
        ] {
            assert_eq!(parse(line).port, Some(80), "{line:?}");
        }
        assert_eq!(
            parse("\u{feff}# wharf.port = 81\r\nFROM x\r\n").port,
            Some(81)
        );
    }

    #[test]
    fn mypaas_prefix_and_aliases() {
        let c = parse(
            "# mypaas.service = hello-world\n# mypaas.url = https://example.com\n# mypaas.url=http://www.example.com/\n# mypaas.port = 8080",
        );
        assert_eq!(c.app.as_ref().map(AppName::as_str), Some("hello-world"));
        let domains: Vec<&str> = c.domains.iter().map(WebAddress::as_str).collect();
        assert_eq!(domains, ["example.com", "www.example.com"]);
        assert!(c.mypaas);
        assert_eq!(c.port, Some(8080));
        assert_eq!(
            parse("# mypaas.servicename = myservice")
                .app
                .map(String::from),
            Some("myservice".into())
        );
        assert_eq!(parse("# wharf.url = example.com").domains.len(), 1);
        // Prefixes can be mixed.
        let c = parse("# wharf.app = a\n# mypaas.port = 1");
        assert_eq!((c.app.is_some(), c.port, c.mypaas), (true, Some(1), true));
        assert!(!parse("# wharf.app = a\n# wharf.url = https://a.com").mypaas);
        // A MyPaas prefix on a prose comment is not a setting.
        assert!(!parse("# Mypaas. is what this app came from").mypaas);
    }

    #[test]
    fn urls_and_domains_with_a_path() {
        for dockerfile in [
            "# mypaas.url = https://example.com/blog",
            "# wharf.url = https://Example.com/blog/",
            "# wharf.url = example.com/blog",
            "# wharf.domain = example.com/blog",
        ] {
            let c = parse(dockerfile);
            assert_eq!(c.domains.len(), 1, "{dockerfile}");
            let address = &c.domains[0];
            assert_eq!(
                (address.domain().as_str(), address.path()),
                ("example.com", Some("/blog")),
                "{dockerfile}"
            );
        }
        let c = parse("# mypaas.url = https://example.com, https://example.com/blog/api");
        let addresses: Vec<&str> = c.domains.iter().map(WebAddress::as_str).collect();
        assert_eq!(addresses, ["example.com", "example.com/blog/api"]);
        // The same path twice is listed twice; a trailing slash is the same path.
        let e = fail("# wharf.url = https://a.com/x\n# wharf.domain = a.com/x/");
        assert_eq!(
            e.kind,
            ConfigErrorKind::DuplicateDomain {
                domain: "a.com/x".into(),
                first_line: 1
            }
        );
        let e = fail("# wharf.domain = example.com/a b");
        assert!(matches!(e.kind, ConfigErrorKind::Path { .. }), "{e}");
        assert!(e.to_string().contains("invalid `wharf.domain`"), "{e}");
        let e = fail("# mypaas.url = https://example.com/blog/../x");
        assert!(e.to_string().contains("`..`"), "{e}");
    }

    #[test]
    fn url_errors() {
        for value in [
            "https://example.com/blog?page=2",
            "https://example.com?x=1",
            "https://example.com/#top",
        ] {
            let e = fail(&format!("# mypaas.url = {value}"));
            assert!(matches!(e.kind, ConfigErrorKind::Url { .. }), "{value}");
            assert!(e.to_string().contains("query"), "{e}");
        }
        assert!(matches!(
            fail("# mypaas.url = ftp://example.com").kind,
            ConfigErrorKind::Url { .. }
        ));
        let e = fail("# mypaas.url = https://example.com:8443");
        assert!(e.to_string().contains("remove the port"), "{e}");
        assert!(matches!(
            fail("# mypaas.url = https://").kind,
            ConfigErrorKind::Domain { .. }
        ));
    }

    #[test]
    fn app_aliases_conflict() {
        let e = fail("# wharf.app = a\n# mypaas.service = b");
        assert_eq!(e.line, 2);
        assert_eq!(
            e.kind,
            ConfigErrorKind::Repeated {
                setting: "mypaas.service".into(),
                first_line: 1
            }
        );
        assert_eq!(
            e.to_string(),
            "Dockerfile line 2: `mypaas.service` is set again (it was already set on line 1); keep only one"
        );
    }

    #[test]
    fn repeated_single_settings_name_both_lines() {
        for key in [
            "app = x",
            "port = 80",
            "scale = 1",
            "healthcheck = /",
            "maxmem = 1g",
            "maxcpu = 1",
            "https = true",
        ] {
            let df = format!("FROM x\n# wharf.{key}\nRUN y\n# wharf.{key}\n");
            let e = fail(&df);
            assert_eq!(e.line, 4, "{key}");
            assert!(
                matches!(e.kind, ConfigErrorKind::Repeated { first_line: 2, .. }),
                "{key}"
            );
        }
    }

    #[test]
    fn duplicate_domains_env_volumes() {
        let e = fail("# wharf.domain = a.com\n# wharf.domain = b.com, A.COM.");
        assert_eq!(e.line, 2);
        assert_eq!(
            e.kind,
            ConfigErrorKind::DuplicateDomain {
                domain: "a.com".into(),
                first_line: 1
            }
        );
        let e = fail("# wharf.domain = a.com, a.com");
        assert_eq!(
            e.kind,
            ConfigErrorKind::DuplicateDomain {
                domain: "a.com".into(),
                first_line: 1
            }
        );
        let e = fail("# wharf.url = https://a.com\n# wharf.domain = a.com");
        assert!(matches!(e.kind, ConfigErrorKind::DuplicateDomain { .. }));
        let e = fail("# wharf.env = A=1\n\n# wharf.env = A=2");
        assert_eq!(
            (e.line, e.kind),
            (
                3,
                ConfigErrorKind::DuplicateEnv {
                    key: "A".into(),
                    first_line: 1
                }
            )
        );
        // Names are case-sensitive.
        assert_eq!(parse("# wharf.env = A=1\n# wharf.env = a=2").env.len(), 2);
        let e = fail("# wharf.volume = x1:/data\n# wharf.volume = /srv:/data/:ro");
        assert_eq!(e.line, 2);
        assert!(matches!(
            e.kind,
            ConfigErrorKind::DuplicateVolumeTarget { first_line: 1, .. }
        ));
    }

    #[test]
    fn unknown_key_with_suggestion() {
        let e = fail("FROM x\n\n\n# wharf.domian = a.com");
        assert_eq!(e.line, 4);
        let msg = e.to_string();
        assert!(msg.starts_with("Dockerfile line 4: unknown setting `wharf.domian`; did you mean `domain`? known settings: app, domain,"), "{msg}");
        for (typo, want) in [
            ("domains", "domain"),
            ("prot", "port"),
            ("max_mem", "maxmem"),
            ("memory", "maxmem"),
            ("cpus", "maxcpu"),
            ("volumes", "volume"),
            ("environment", "env"),
            ("health-check", "healthcheck"),
            ("replicas", "scale"),
            ("ssl", "https"),
            ("name", "app"),
            ("ap", "app"),
        ] {
            let e = fail(&format!("# wharf.{typo} = 1"));
            assert!(
                matches!(e.kind, ConfigErrorKind::UnknownKey { suggestion: Some(s), .. } if s == want),
                "{typo}: {e}"
            );
        }
    }

    #[test]
    fn unknown_key_without_suggestion() {
        let e = fail("# wharf.zzzzzz = 1");
        assert!(matches!(
            e.kind,
            ConfigErrorKind::UnknownKey {
                suggestion: None,
                ..
            }
        ));
        let msg = e.to_string();
        assert!(!msg.contains("did you mean"), "{msg}");
        assert!(msg.contains("known settings: app, domain, port, scale, volume, env, healthcheck, maxmem, maxcpu, https"), "{msg}");
    }

    #[test]
    fn key_case_is_an_error_with_the_right_spelling() {
        let e = fail("# wharf.Port = 80");
        assert_eq!(
            e.kind,
            ConfigErrorKind::KeyCase {
                given: "wharf.Port".into(),
                expected: "wharf.port".into()
            }
        );
        assert!(e.to_string().contains("write `wharf.port`"), "{e}");
        let e = fail("# WHARF.port = 80");
        assert_eq!(
            e.kind,
            ConfigErrorKind::PrefixCase {
                given: "WHARF.port".into(),
                expected: "wharf.port".into()
            }
        );
        let e = fail("# MyPaas.URL = https://a.com");
        assert_eq!(
            e.kind,
            ConfigErrorKind::PrefixCase {
                given: "MyPaas.URL".into(),
                expected: "mypaas.url".into()
            }
        );
        // Prose that merely starts with the word is not a setting.
        assert_eq!(
            parse("# Wharf. Deploys this app.\n# Wharf.io: docs = here"),
            AppConfig::default()
        );
    }

    #[test]
    fn malformed_setting_lines() {
        for bad in [
            "# wharf.port",
            "# wharf.",
            "# wharf. = 1",
            "# wharf.my key = 1",
            "#wharf.port 80",
        ] {
            let e = fail(bad);
            assert_eq!(e.line, 1, "{bad}");
            assert!(
                matches!(e.kind, ConfigErrorKind::NotASetting { .. }),
                "{bad}: {e:?}"
            );
        }
        assert!(
            fail("# wharf.port")
                .to_string()
                .contains("# wharf.KEY = VALUE")
        );
    }

    #[test]
    fn unsupported_mypaas_key() {
        let e = fail("# mypaas.publish = 8080:80");
        assert!(matches!(e.kind, ConfigErrorKind::Unsupported { .. }));
        assert!(e.to_string().contains("not supported"), "{e}");
    }

    #[test]
    fn empty_values() {
        for key in DOCKERFILE_KEYS.iter().flat_map(|k| k.names()) {
            let e = fail(&format!("# wharf.{key} ="));
            assert!(
                matches!(e.kind, ConfigErrorKind::EmptyValue { .. }),
                "{key}"
            );
            assert!(!e.to_string().ends_with("a value"), "{key}: {e}");
        }
    }

    #[test]
    fn bad_values_name_line_and_expectation() {
        let cases: &[(&str, &str)] = &[
            ("app = My App", "app name"),
            ("app = wharf", "reserved"),
            ("domain = *.a.com", "wildcards"),
            ("domain = a.com,", "domain is empty"),
            ("port = 0", "1 to 65535"),
            ("port = 65536", "1 to 65535"),
            ("port = 80/tcp", "1 to 65535"),
            ("port = -1", "1 to 65535"),
            ("scale = 101", "0 to 100"),
            ("scale = -1", "0 to 100"),
            ("scale = two", "0 to 100"),
            ("volume = ./data:/data", "absolute"),
            ("env = 1X=2", "letters, digits"),
            ("healthcheck = healthz", "start with `/`"),
            ("healthcheck = http://x/healthz", "not a full URL"),
            ("healthcheck = //x", "single `/`"),
            ("healthcheck = /a\u{7}b", "control characters"),
            ("healthcheck = /a b", "`b` is not a duration"),
            ("healthcheck = /a 1s 2x", "`2x` is not a duration"),
            ("healthcheck = /a 0s", "`0s` is not a duration"),
            ("healthcheck = /a 1s 2s 3s", "an interval and a timeout"),
            ("env = NO-VALUE", "KEY=VALUE"),
            ("healthcheck = /a#b", "`#`"),
            ("maxmem = 1m", "minimum"),
            ("maxmem = lots", "512m"),
            ("maxcpu = 0", "0.01"),
            ("maxcpu = 2000", "1024"),
            ("https = maybe", "`true` or `false`"),
        ];
        for (setting, needle) in cases {
            let df = format!("FROM x\n# wharf.{setting}\n");
            let e = fail(&df);
            assert_eq!(e.line, 2, "{setting}");
            let msg = e.to_string();
            assert!(msg.starts_with("Dockerfile line 2: "), "{msg}");
            assert!(msg.contains(needle), "{setting}: {msg}");
        }
        let long = format!("# wharf.healthcheck = /{}", "a".repeat(2000));
        assert!(fail(&long).to_string().contains("too long"));
    }

    #[test]
    fn mypaas_healthcheck_takes_an_interval_and_a_timeout() {
        let c = parse("# mypaas.healthcheck = /status 11s 2s\nFROM x");
        assert_eq!(c.healthcheck.as_deref(), Some("/status"));
        assert_eq!(c.healthcheck_interval, Some(Duration::from_secs(11)));
        assert_eq!(c.healthcheck_timeout, Some(Duration::from_secs(2)));
        let c = parse("# wharf.healthcheck = /h?x=1   500ms");
        assert_eq!(c.healthcheck.as_deref(), Some("/h?x=1"));
        assert_eq!(c.healthcheck_interval, Some(Duration::from_millis(500)));
        assert_eq!(c.healthcheck_timeout, None);
        let c = parse("# wharf.healthcheck = / 1m 3");
        assert_eq!(c.healthcheck_interval, Some(Duration::from_secs(60)));
        assert_eq!(c.healthcheck_timeout, Some(Duration::from_secs(3)));
        let c = parse("# wharf.healthcheck = /healthz");
        assert_eq!(
            (c.healthcheck_interval, c.healthcheck_timeout),
            (None, None)
        );
        let e = fail("FROM x\n\n# mypaas.healthcheck = /status 11s 2z");
        assert_eq!(e.line, 3);
        let msg = e.to_string();
        assert!(
            msg.contains("`mypaas.healthcheck`") && msg.contains("`2z`"),
            "{msg}"
        );
    }

    #[test]
    fn an_env_name_without_a_value_comes_from_the_config_vars() {
        let c =
            parse("# mypaas.env = EXAMPLE_SECRET\n# wharf.env = A=1\nFROM x\n# wharf.env = _OTHER");
        assert_eq!(c.env, vec![("A".to_string(), "1".to_string())]);
        let names: Vec<(&str, usize, &str)> = c
            .env_from_config
            .iter()
            .map(|e| (e.name.as_str(), e.line, e.setting.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("EXAMPLE_SECRET", 1, "mypaas.env"),
                ("_OTHER", 4, "wharf.env")
            ]
        );
        let msg = c.env_from_config[0].missing_message("blog");
        assert_eq!(
            msg,
            "`EXAMPLE_SECRET` (Dockerfile line 1: `mypaas.env = EXAMPLE_SECRET`) takes its value from the server's config, which has none: set it with `wharf config set blog EXAMPLE_SECRET=...`, then deploy again"
        );
        // Either form counts once.
        let e = fail("# wharf.env = A=1\n# mypaas.env = A");
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("line 1"), "{e}");
        let e = fail("# wharf.env = A\n# mypaas.env = A=2");
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("line 1"), "{e}");
        // Not a name: still the assignment error.
        let msg = fail("# wharf.env = 1X").to_string();
        assert!(msg.contains("KEY=VALUE"), "{msg}");
        // An older snapshot without the new fields still loads.
        let json = serde_json::to_string(&AppConfig::default()).unwrap();
        assert!(!json.contains("env_from_config"), "{json}");
        assert_eq!(
            serde_json::from_str::<AppConfig>(&json).unwrap(),
            AppConfig::default()
        );
    }

    #[test]
    fn first_error_wins() {
        let e = fail("# wharf.port = x\n# wharf.scale = y");
        assert_eq!(e.line, 1);
    }

    #[test]
    fn booleans() {
        for (v, want) in [
            ("true", true),
            ("YES", true),
            ("1", true),
            ("on", true),
            ("False", false),
            ("no", false),
            ("0", false),
            ("off", false),
        ] {
            assert_eq!(
                parse(&format!("# wharf.https = {v}")).https,
                Some(want),
                "{v}"
            );
        }
    }

    #[test]
    fn value_keeps_inner_equals_and_spaces() {
        let c = parse("# wharf.env = GREETING=hello = world  ");
        assert_eq!(c.env, vec![("GREETING".into(), "hello = world".into())]);
    }

    #[test]
    fn scale_and_port_bounds() {
        assert_eq!(parse("# wharf.scale = 0").scale, 0);
        assert_eq!(
            parse("# mypaas.scale = 0").scale,
            0,
            "MyPaas's stop-first, written out"
        );
        assert_eq!(parse("FROM busybox").scale, DEFAULT_SCALE);
        assert_eq!(parse("# wharf.scale = 100").scale, 100);
        assert_eq!(parse("# wharf.port = 1").port, Some(1));
        assert_eq!(parse("# wharf.port = 65535").port, Some(65535));
        assert!(
            fail("# wharf.scale = 99999999999999999999")
                .to_string()
                .contains("0 to 100")
        );
    }

    #[test]
    fn effective_port_rule() {
        let none = AppConfig::default();
        assert_eq!(none.effective_port(&[]), 80);
        assert_eq!(none.effective_port(&[3000]), 3000);
        assert_eq!(none.effective_port(&[3000, 4000]), 80);
        let set = AppConfig {
            port: Some(8000),
            ..AppConfig::default()
        };
        assert_eq!(set.effective_port(&[]), 8000);
        assert_eq!(set.effective_port(&[3000]), 8000);
        let df = "FROM x\nEXPOSE 5000\n";
        let c = parse(df);
        assert_eq!(c.effective_port(&crate::exposed_ports(df)), 5000);
    }

    #[test]
    fn suggestion_helpers() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("domian", "domain"), 2);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(suggest("zzzz"), None);
    }

    #[test]
    fn known_keys_message_is_generated_from_the_table() {
        assert_eq!(
            known_keys_text(),
            "app, domain, port, scale, volume, env, healthcheck, maxmem, maxcpu, https (MyPaas names also work: service, servicename, url)"
        );
    }

    #[test]
    fn the_docs_describe_every_key() {
        let docs = include_str!("../../../docs/dockerfile-config.md");
        for key in DOCKERFILE_KEYS {
            for name in key.names() {
                assert!(docs.contains(&format!("`{name}`")), "{name}");
            }
            assert!(!key.doc.is_empty(), "{}", key.name);
            if key.mypaas_name {
                continue;
            }
            let repeatable = if key.repeatable { "yes" } else { "no" };
            let row = format!("| [`{0}`](#{0}) | {repeatable} |", key.name);
            assert!(docs.contains(&row), "no row `{row}` in the settings table");
            let section = format!("\n### `{}`\n", key.name);
            assert!(docs.contains(&section), "no section for `{}`", key.name);
        }
    }

    #[test]
    fn never_panics_on_odd_lines() {
        for line in [
            "#",
            "# ",
            "#wharf",
            "#wharf.",
            "# wharf.=",
            "# wharf.==",
            "# mypaas.é=1",
            "# wharfé.x=1",
            "# wh",
            "#\u{0}wharf.port=1",
            "# wharf.port = ٣",
        ] {
            let _ = AppConfig::from_dockerfile(line);
        }
    }
}
