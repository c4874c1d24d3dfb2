//! The keys a Dockerfile comment may set, declared once: [`DOCKERFILE_KEYS`] drives the
//! parser, the "known settings" message, the hint for an empty value and the suggestion for
//! a misspelt key, and a test holds docs/dockerfile-config.md to it.

use std::time::Duration;

use super::{EnvFromConfig, MAX_SCALE, Parser};
use crate::config_error::ConfigErrorKind;
use crate::{
    AppName, DomainName, PlacementRule, VolumeSpec, WebAddress, is_valid_env_key, parse_cpus,
    parse_env_assignment, parse_memory,
};

/// Applies a non-empty value, given with the setting as written (`mypaas.url`), to the
/// config being built.
type Apply = fn(&mut Parser, String, &str) -> Result<(), ConfigErrorKind>;

/// One key of `# wharf.KEY = VALUE`.
#[derive(Debug)]
pub struct DockerfileKey {
    /// The key as written after the prefix.
    pub name: &'static str,
    /// MyPaas's other names for the same key (`service` for `app`).
    pub mypaas_aliases: &'static [&'static str],
    /// Whether the key itself is MyPaas's (`url`): listed with MyPaas's names, never
    /// suggested for a misspelling.
    pub mypaas_name: bool,
    /// Names people write by mistake for this key, suggested back to them.
    pub wrong_names: &'static [&'static str],
    /// What a value looks like, for the "no value" error.
    pub expected: &'static str,
    /// Whether the key may appear on several lines.
    pub repeatable: bool,
    /// What the key sets, in one line.
    pub doc: &'static str,
    apply: Apply,
}

impl DockerfileKey {
    /// Every name the key may be written with: its own, then MyPaas's aliases.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.name).chain(self.mypaas_aliases.iter().copied())
    }

    /// Applies a non-empty value to the config being built.
    pub(super) fn apply(
        &self,
        parser: &mut Parser,
        setting: String,
        value: &str,
    ) -> Result<(), ConfigErrorKind> {
        (self.apply)(parser, setting, value)
    }
}

/// Every key Wharf understands, in the order the "known settings" message lists them.
pub static DOCKERFILE_KEYS: &[DockerfileKey] = &[
    DockerfileKey {
        name: "app",
        mypaas_aliases: &["service", "servicename"],
        mypaas_name: false,
        wrong_names: &["name", "appname"],
        expected: "an app name such as `blog`",
        repeatable: false,
        doc: "The app's name, which names its image and containers.",
        apply: Parser::set_app,
    },
    DockerfileKey {
        name: "domain",
        mypaas_aliases: &[],
        mypaas_name: false,
        wrong_names: &["host", "hostname"],
        expected: "a domain such as `blog.example.com`",
        repeatable: true,
        doc: "A domain the app is served on, optionally with a path under it; commas separate several.",
        apply: Parser::add_domains,
    },
    DockerfileKey {
        name: "url",
        mypaas_aliases: &[],
        mypaas_name: true,
        wrong_names: &[],
        expected: "a URL such as `https://blog.example.com` or `https://example.com/blog`",
        repeatable: true,
        doc: "MyPaas's form of `domain`: a URL whose domain and path the app is served on.",
        apply: Parser::add_urls,
    },
    DockerfileKey {
        name: "port",
        mypaas_aliases: &[],
        mypaas_name: false,
        wrong_names: &[],
        expected: "a port number such as `8000`",
        repeatable: false,
        doc: "The port the app listens on inside its container.",
        apply: Parser::set_port,
    },
    DockerfileKey {
        name: "scale",
        mypaas_aliases: &[],
        mypaas_name: false,
        wrong_names: &["replicas"],
        expected: "a number of containers such as `2`",
        repeatable: false,
        doc: "How many web containers run; 0 means one, stopped before its replacement starts.",
        apply: Parser::set_scale,
    },
    DockerfileKey {
        name: "volume",
        mypaas_aliases: &[],
        mypaas_name: false,
        wrong_names: &[],
        expected: "a volume such as `blog-media:/app/media`",
        repeatable: true,
        doc: "A named volume or a server directory mounted into the containers.",
        apply: Parser::add_volume,
    },
    DockerfileKey {
        name: "env",
        mypaas_aliases: &[],
        mypaas_name: false,
        wrong_names: &["environment"],
        expected: "an assignment such as `KEY=VALUE`",
        repeatable: true,
        doc: "An environment variable, `KEY=VALUE`, or `KEY` alone for one from the server's config.",
        apply: Parser::add_env,
    },
    DockerfileKey {
        name: "healthcheck",
        mypaas_aliases: &[],
        mypaas_name: false,
        wrong_names: &["health"],
        expected: "a path such as `/healthz` (optionally then an interval and a timeout: `/healthz 10s 2s`)",
        repeatable: false,
        doc: "The path that must answer before a container gets traffic, then an optional interval and timeout.",
        apply: Parser::set_healthcheck,
    },
    DockerfileKey {
        name: "maxmem",
        mypaas_aliases: &[],
        mypaas_name: false,
        wrong_names: &["mem", "memory"],
        expected: "a memory size such as `512m`",
        repeatable: false,
        doc: "The memory limit of each container.",
        apply: Parser::set_max_memory,
    },
    DockerfileKey {
        name: "maxcpu",
        mypaas_aliases: &[],
        mypaas_name: false,
        wrong_names: &["cpu", "cpus"],
        expected: "a number of CPUs such as `0.5`",
        repeatable: false,
        doc: "The CPU limit of each container, in CPUs.",
        apply: Parser::set_max_cpus,
    },
    DockerfileKey {
        name: "https",
        mypaas_aliases: &[],
        mypaas_name: false,
        wrong_names: &["ssl", "tls"],
        expected: "`true` or `false`",
        repeatable: false,
        doc: "Whether the app's public domains are served over HTTPS.",
        apply: Parser::set_https,
    },
    DockerfileKey {
        name: "asset_cache",
        mypaas_aliases: &[],
        mypaas_name: false,
        wrong_names: &["cache", "static_cache", "cache_assets"],
        expected: "`true` or `false`",
        repeatable: false,
        doc: "Whether Wharf's proxy adds Cache-Control to the app's responses that have none: a year for files named by a hash of their contents, revalidation for the rest.",
        apply: Parser::set_asset_cache,
    },
    DockerfileKey {
        name: "placement",
        mypaas_aliases: &[],
        mypaas_name: false,
        wrong_names: &["constraint", "constraints", "node"],
        expected: "a rule such as `node.labels.role == web`",
        repeatable: true,
        doc: "In a cluster, a rule a node must meet to run the app's web tasks (`node.labels.role == web`); commas separate several. Ignored on a server that is not a cluster.",
        apply: Parser::add_placement,
    },
];

/// Longest accepted health-check path.
const MAX_HEALTHCHECK_LEN: usize = 1024;

/// The longest interval or timeout a health check may ask for.
const MAX_HEALTHCHECK_DURATION: Duration = Duration::from_secs(3600);

/// How each key's value is read. A key that is not repeatable has already been checked to
/// be set only once.
impl Parser {
    fn set_app(&mut self, setting: String, value: &str) -> Result<(), ConfigErrorKind> {
        let name =
            AppName::parse(value).map_err(|error| ConfigErrorKind::App { setting, error })?;
        self.config.app = Some(name);
        Ok(())
    }

    fn add_domains(&mut self, setting: String, value: &str) -> Result<(), ConfigErrorKind> {
        for part in value.split(',') {
            let address = address_from(&setting, part.trim())?;
            self.add_domain(address)?;
        }
        Ok(())
    }

    fn add_urls(&mut self, setting: String, value: &str) -> Result<(), ConfigErrorKind> {
        for part in value.split(',') {
            let address = address_from_url(&setting, part.trim())?;
            self.add_domain(address)?;
        }
        Ok(())
    }

    fn set_port(&mut self, setting: String, value: &str) -> Result<(), ConfigErrorKind> {
        let port = parse_digits::<u16>(value)
            .filter(|p| *p > 0)
            .ok_or_else(|| ConfigErrorKind::Port {
                setting,
                value: value.to_owned(),
            })?;
        self.config.port = Some(port);
        Ok(())
    }

    fn set_scale(&mut self, setting: String, value: &str) -> Result<(), ConfigErrorKind> {
        let scale = parse_digits::<u32>(value)
            .filter(|n| *n <= MAX_SCALE)
            .ok_or_else(|| ConfigErrorKind::Scale {
                setting,
                value: value.to_owned(),
            })?;
        self.config.scale = scale;
        Ok(())
    }

    fn add_volume(&mut self, setting: String, value: &str) -> Result<(), ConfigErrorKind> {
        let volume = VolumeSpec::parse_dockerfile(value)
            .map_err(|error| ConfigErrorKind::Volume { setting, error })?;
        let existing = self
            .config
            .volumes
            .iter()
            .zip(&self.volume_lines)
            .find(|(v, _)| same_path(&v.target, &volume.target));
        if let Some((_, first_line)) = existing {
            return Err(ConfigErrorKind::DuplicateVolumeTarget {
                target: volume.target,
                first_line: *first_line,
            });
        }
        self.config.volumes.push(volume);
        self.volume_lines.push(self.line_no);
        Ok(())
    }

    fn add_env(&mut self, setting: String, value: &str) -> Result<(), ConfigErrorKind> {
        // `NAME` alone: the value comes from the server's config (MyPaas's form).
        let from_config = !value.contains('=') && is_valid_env_key(value);
        let (name, env_value) = if from_config {
            (value.to_owned(), None)
        } else {
            let (name, env_value) =
                parse_env_assignment(value).map_err(|error| ConfigErrorKind::Env {
                    setting: setting.clone(),
                    error,
                })?;
            (name, Some(env_value))
        };
        let existing = self
            .config
            .env
            .iter()
            .map(|(k, _)| k)
            .zip(&self.env_lines)
            .chain(
                self.config
                    .env_from_config
                    .iter()
                    .map(|e| (&e.name, &e.line)),
            )
            .find(|(k, _)| **k == name);
        if let Some((_, first_line)) = existing {
            return Err(ConfigErrorKind::DuplicateEnv {
                key: name,
                first_line: *first_line,
            });
        }
        match env_value {
            Some(env_value) => {
                self.config.env.push((name, env_value));
                self.env_lines.push(self.line_no);
            }
            None => self.config.env_from_config.push(EnvFromConfig {
                name,
                line: self.line_no,
                setting,
            }),
        }
        Ok(())
    }

    fn set_healthcheck(&mut self, setting: String, value: &str) -> Result<(), ConfigErrorKind> {
        // MyPaas's form: `PATH [INTERVAL [TIMEOUT]]`.
        let mut parts = value.split_whitespace();
        let path = parts.next().unwrap_or_default();
        let durations: Vec<&str> = parts.collect();
        let bad = |reason| ConfigErrorKind::Healthcheck {
            setting: setting.clone(),
            value: value.to_owned(),
            reason,
        };
        check_healthcheck(path).map_err(bad)?;
        if durations.len() > 2 {
            return Err(bad(
                "write a path, then optionally an interval and a timeout, e.g. `/status 10s 2s`",
            ));
        }
        let parsed = durations
            .iter()
            .map(|d| {
                parse_duration(d).ok_or_else(|| ConfigErrorKind::HealthcheckDuration {
                    setting: setting.clone(),
                    value: value.to_owned(),
                    duration: (*d).to_owned(),
                })
            })
            .collect::<Result<Vec<Duration>, _>>()?;
        self.config.healthcheck = Some(path.to_owned());
        self.config.healthcheck_interval = parsed.first().copied();
        self.config.healthcheck_timeout = parsed.get(1).copied();
        Ok(())
    }

    fn set_max_memory(&mut self, setting: String, value: &str) -> Result<(), ConfigErrorKind> {
        let bytes =
            parse_memory(value).map_err(|error| ConfigErrorKind::Memory { setting, error })?;
        self.config.max_memory = Some(bytes);
        Ok(())
    }

    fn set_max_cpus(&mut self, setting: String, value: &str) -> Result<(), ConfigErrorKind> {
        let cpus = parse_cpus(value).map_err(|error| ConfigErrorKind::Cpu { setting, error })?;
        self.config.max_cpus = Some(cpus);
        Ok(())
    }

    fn set_https(&mut self, setting: String, value: &str) -> Result<(), ConfigErrorKind> {
        let on = parse_bool(value).ok_or_else(|| ConfigErrorKind::Boolean {
            setting,
            value: value.to_owned(),
        })?;
        self.config.https = Some(on);
        Ok(())
    }

    fn set_asset_cache(&mut self, setting: String, value: &str) -> Result<(), ConfigErrorKind> {
        self.config.asset_cache = parse_bool(value).ok_or_else(|| ConfigErrorKind::Boolean {
            setting,
            value: value.to_owned(),
        })?;
        Ok(())
    }

    fn add_placement(&mut self, setting: String, value: &str) -> Result<(), ConfigErrorKind> {
        let rules = PlacementRule::parse_list(value)
            .map_err(|error| ConfigErrorKind::Placement { setting, error })?;
        for rule in rules {
            // The same rule twice asks for nothing more.
            if !self.config.placement.contains(&rule) {
                self.config.placement.push(rule);
            }
        }
        Ok(())
    }
}

/// Parses a number written with ASCII digits only (no sign, no spaces).
fn parse_digits<T: std::str::FromStr>(value: &str) -> Option<T> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// Parses a health-check interval or timeout: a whole number with a unit, `ms`, `s`, `m` or
/// `h` (`500ms`, `2s`, `1m`), more than zero and at most an hour. A bare number is seconds,
/// as MyPaas reads it.
fn parse_duration(value: &str) -> Option<Duration> {
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let n: u64 = parse_digits(number)?;
    let duration = match unit.to_ascii_lowercase().as_str() {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.checked_mul(60)?),
        "h" => Duration::from_secs(n.checked_mul(3600)?),
        _ => return None,
    };
    (!duration.is_zero() && duration <= MAX_HEALTHCHECK_DURATION).then_some(duration)
}

/// Parses true/false, yes/no, 1/0, on/off in any case.
fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Some(true),
        "false" | "no" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// Whether two container paths are the same, ignoring repeated and trailing slashes.
fn same_path(a: &str, b: &str) -> bool {
    let parts = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .map(str::to_owned)
            .collect()
    };
    parts(a) == parts(b)
}

/// Checks a health-check path.
fn check_healthcheck(value: &str) -> Result<(), &'static str> {
    if value.contains("://") {
        return Err("give only the path, e.g. `/healthz`, not a full URL");
    }
    if !value.starts_with('/') {
        return Err("the path must start with `/`, e.g. `/healthz`");
    }
    if value.starts_with("//") {
        return Err("the path must start with a single `/`, e.g. `/healthz`");
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the path must not contain spaces or control characters; percent-encode them");
    }
    if value.contains('#') {
        return Err("the path must not contain `#`; fragments are never sent to the server");
    }
    if value.len() > MAX_HEALTHCHECK_LEN {
        return Err("the path is too long; keep it under 1024 characters");
    }
    Ok(())
}

/// Reads a `domain` value: `example.com`, or `example.com/blog` for a path under it.
fn address_from(setting: &str, value: &str) -> Result<WebAddress, ConfigErrorKind> {
    let (host, path) = value.split_at(value.find('/').unwrap_or(value.len()));
    let domain = DomainName::parse(host).map_err(|error| ConfigErrorKind::Domain {
        setting: setting.to_owned(),
        error,
    })?;
    WebAddress::new(domain, path).map_err(|error| ConfigErrorKind::Path {
        setting: setting.to_owned(),
        error,
    })
}

/// Reads a MyPaas `url` value such as `https://example.com` or `https://example.com/blog`.
/// Like MyPaas, a query or a fragment is refused: routes match hosts and paths only.
fn address_from_url(setting: &str, value: &str) -> Result<WebAddress, ConfigErrorKind> {
    let url_error = |reason| ConfigErrorKind::Url {
        setting: setting.to_owned(),
        value: value.to_owned(),
        reason,
    };
    let lower = value.to_ascii_lowercase();
    let rest = if lower.starts_with("https://") || lower.starts_with("http://") {
        value.split_once("://").map(|(_, r)| r).unwrap_or_default()
    } else if value.contains("://") {
        return Err(url_error(
            "only `http://` and `https://` URLs are supported",
        ));
    } else {
        value
    };
    if rest.contains(['?', '#']) {
        return Err(url_error(
            "a query (`?...`) or fragment (`#...`) cannot be routed; remove it (e.g. `https://example.com/blog`)",
        ));
    }
    address_from(setting, rest)
}
