//! `app.json`: the parts of Heroku's app manifest that Dokku reads, and so
//! does Wharf.
//!
//! Read: `healthchecks.web` (Dokku's check format), `scripts.dokku.predeploy`,
//! `scripts.dokku.postdeploy` (and Heroku's `scripts.postdeploy`),
//! `formation` and `cron`. Every other key (`name`, `description`, `env`,
//! `addons`, `buildpacks`, `stack`, ...) is ignored, since Heroku apps carry
//! many, but a key that *is* read must have the right shape: errors name the
//! JSON path (`formation.web.quantity`), say what was expected and show what
//! was found.
//!
//! A `null` value counts as absent, and so does an empty or blank file.

use std::time::Duration;

use serde_json::{Map, Value};
use thiserror::Error;

use crate::procfile::{RELEASE, rename_suggestion};
use crate::{CronError, CronSchedule, NameError, ProcessName};

/// Most containers a `formation` entry may ask for (the same limit as `scale`).
pub const MAX_FORMATION_QUANTITY: u32 = crate::MAX_SCALE;

/// Longest accepted health-check path, in bytes.
const MAX_PATH_LEN: usize = 1024;

/// Longest piece of a value quoted back in an error message, in characters.
const MAX_QUOTED: usize = 60;

/// Defaults and limits for health-check numbers, in Dokku's units (seconds).
const DEFAULT_ATTEMPTS: u32 = 3;
const MAX_ATTEMPTS: u64 = 100;
const DEFAULT_WAIT_SECS: u64 = 5;
const MAX_WAIT_SECS: u64 = 300;
const DEFAULT_TIMEOUT_SECS: u64 = 5;
const MAX_TIMEOUT_SECS: u64 = 120;
const MAX_INITIAL_DELAY_SECS: u64 = 600;

/// What Wharf reads from an app's `app.json`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppJson {
    /// The startup HTTP check for `web`, from `healthchecks.web`.
    pub healthchecks: Option<WebHealthcheck>,
    /// `scripts.dokku.predeploy`: run in a one-off container of the new
    /// release before it is started.
    pub predeploy: Option<String>,
    /// `scripts.dokku.postdeploy` (or Heroku's `scripts.postdeploy`): run in a
    /// one-off container once the new release is serving.
    pub postdeploy: Option<String>,
    /// `formation`: the initial number of containers per process, sorted by
    /// process name. Never contains `release`.
    pub formation: Vec<(ProcessName, u32)>,
    /// `cron`: scheduled commands, in file order.
    pub cron: Vec<CronJob>,
}

/// The HTTP check a new `web` container must pass before it takes traffic.
///
/// Wharf requests `path` on the container; a 2xx/3xx answer (containing
/// `content`, if set) passes. It waits `initial_delay` after the container
/// starts, then tries up to `attempts` times, each try limited to `timeout`
/// and separated by `wait` — the meanings Dokku gives these keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebHealthcheck {
    /// `path`: the path to request; default `/`.
    pub path: String,
    /// `content`: text the response body must contain.
    pub content: Option<String>,
    /// `attempts`: tries before the deploy fails, 1 to 100; default 3.
    pub attempts: u32,
    /// `wait`: pause between tries, 0 to 300 s; default 5 s.
    pub wait: Duration,
    /// `timeout`: limit for one try, 1 to 120 s; default 5 s.
    pub timeout: Duration,
    /// `initialDelay`: pause after the container starts before the first
    /// try, 0 to 600 s; default 0.
    pub initial_delay: Duration,
    /// `port`: the container port to check; default: the app's port.
    pub port: Option<u16>,
}

impl Default for WebHealthcheck {
    fn default() -> Self {
        WebHealthcheck {
            path: "/".to_owned(),
            content: None,
            attempts: DEFAULT_ATTEMPTS,
            wait: Duration::from_secs(DEFAULT_WAIT_SECS),
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            initial_delay: Duration::ZERO,
            port: None,
        }
    }
}

/// One entry of `cron`: a command run on a schedule in a one-off container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronJob {
    /// The command, trimmed and non-empty.
    pub command: String,
    /// When it runs (UTC).
    pub schedule: CronSchedule,
}

/// A problem in `app.json`. Every message starts with `app.json` and names
/// the JSON path of the offending value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AppJsonError {
    /// The file is not JSON.
    #[error(
        "app.json is not valid JSON: {message} at line {line}, column {column}; fix the syntax there (JSON allows no comments and no trailing commas)"
    )]
    Syntax {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the JSON parser found wrong.
        message: String,
    },
    /// A value of the wrong type or out of range.
    #[error("app.json: {path} must be {expected}, got {got}")]
    Invalid {
        /// Where, e.g. `formation.web.quantity`.
        path: String,
        /// What a correct value looks like.
        expected: String,
        /// What was found (short JSON, or a description).
        got: String,
    },
    /// A `formation` key that is not a valid Wharf process name.
    #[error(
        "app.json: {path}: {reason}{}. Wharf process names are stricter than Heroku's (no `_`, no uppercase, must start with a letter); use the same name as in the Procfile",
        suggestion.as_ref().map(|s| format!("; rename it to `{s}`")).unwrap_or_default()
    )]
    ProcessName {
        /// Where, e.g. `formation.worker_1`.
        path: String,
        /// Why the name was refused.
        reason: NameError,
        /// A valid name close to the given one.
        suggestion: Option<String>,
    },
    /// `formation.release`: release runs once per deploy and has no scale.
    #[error(
        "app.json: {path}: `release` runs once per deploy, before the switch, and cannot be scaled; remove it from `formation`"
    )]
    ReleaseInFormation {
        /// Where.
        path: String,
    },
    /// A bad cron schedule.
    #[error("app.json: {path}: {error}")]
    Cron {
        /// Where, e.g. `cron[0].schedule`.
        path: String,
        /// What is wrong with the schedule.
        error: CronError,
    },
}

impl AppJson {
    /// Parses an `app.json` file. Unknown keys are ignored; the keys Wharf
    /// reads are checked, and the first problem found is returned.
    pub fn parse(text: &str) -> Result<AppJson, AppJsonError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.trim().is_empty() {
            return Ok(AppJson::default());
        }
        let root: Value = serde_json::from_str(text).map_err(syntax_error)?;
        let root = match root {
            Value::Object(map) => map,
            other => {
                return Err(invalid(
                    "the top level",
                    "a JSON object such as {\"formation\": {\"web\": {\"quantity\": 1}}}",
                    Some(&other),
                ));
            }
        };
        let (predeploy, postdeploy) = parse_scripts(get(&root, "scripts"))?;
        Ok(AppJson {
            healthchecks: parse_healthchecks(get(&root, "healthchecks"))?,
            predeploy,
            postdeploy,
            formation: parse_formation(get(&root, "formation"))?,
            cron: parse_cron(get(&root, "cron"))?,
        })
    }

    /// The `formation` quantity for process `name`, if listed.
    pub fn quantity(&self, name: &str) -> Option<u32> {
        self.formation
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, q)| *q)
    }
}

/// `map[key]`, with `null` treated as absent.
fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

/// `parent.key`, or `parent["odd key"]` when the key is not a plain word.
fn child(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        format!("{parent}.{key}")
    } else {
        let quoted = serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""));
        format!("{parent}[{}]", shorten(&quoted))
    }
}

/// Turns a serde_json error into [`AppJsonError::Syntax`].
fn syntax_error(error: serde_json::Error) -> AppJsonError {
    let full = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    AppJsonError::Syntax {
        line: error.line(),
        column: error.column(),
        message,
    }
}

/// An [`AppJsonError::Invalid`]; `found` is `None` for a missing key.
fn invalid(path: &str, expected: &str, found: Option<&Value>) -> AppJsonError {
    AppJsonError::Invalid {
        path: path.to_owned(),
        expected: expected.to_owned(),
        got: found.map_or_else(|| "nothing (the key is missing)".to_owned(), describe),
    }
}

/// A short rendering of a JSON value for error messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
        other => shorten(&other.to_string()),
    }
}

/// `text`, shortened to [`MAX_QUOTED`] characters with `…` if longer.
fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_QUOTED {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(MAX_QUOTED).collect();
    short.push('…');
    short
}

/// The value as an object, or an error naming `path`.
fn object<'a>(
    value: &'a Value,
    path: &str,
    expected: &str,
) -> Result<&'a Map<String, Value>, AppJsonError> {
    value
        .as_object()
        .ok_or_else(|| invalid(path, expected, Some(value)))
}

/// A whole number in `range` (JSON integers only: no strings, no `2.0`).
fn integer(
    value: &Value,
    path: &str,
    range: std::ops::RangeInclusive<u64>,
    expected: &str,
) -> Result<u64, AppJsonError> {
    value
        .as_u64()
        .filter(|n| range.contains(n))
        .ok_or_else(|| invalid(path, expected, Some(value)))
}

/// An optional command: a string, or Heroku's `{"command": "..."}` form.
/// Blank strings count as absent.
fn command(value: Option<&Value>, path: &str) -> Result<Option<String>, AppJsonError> {
    const EXPECTED: &str = "a command string such as \"python manage.py migrate\"";
    let Some(value) = value else {
        return Ok(None);
    };
    let text = match value {
        Value::String(s) => s,
        Value::Object(map) => match get(map, "command") {
            Some(Value::String(s)) => s,
            found => return Err(invalid(&child(path, "command"), EXPECTED, found)),
        },
        other => return Err(invalid(path, EXPECTED, Some(other))),
    };
    let text = text.trim();
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// `scripts`: (predeploy, postdeploy).
fn parse_scripts(value: Option<&Value>) -> Result<(Option<String>, Option<String>), AppJsonError> {
    let Some(value) = value else {
        return Ok((None, None));
    };
    let scripts = object(
        value,
        "scripts",
        "an object such as {\"dokku\": {\"predeploy\": \"...\"}}",
    )?;
    let heroku_postdeploy = command(get(scripts, "postdeploy"), "scripts.postdeploy")?;
    let Some(dokku) = get(scripts, "dokku") else {
        return Ok((None, heroku_postdeploy));
    };
    let dokku = object(
        dokku,
        "scripts.dokku",
        "an object such as {\"predeploy\": \"python manage.py collectstatic --noinput\"}",
    )?;
    let predeploy = command(get(dokku, "predeploy"), "scripts.dokku.predeploy")?;
    let postdeploy = command(get(dokku, "postdeploy"), "scripts.dokku.postdeploy")?;
    Ok((predeploy, postdeploy.or(heroku_postdeploy)))
}

/// `formation`: process name -> quantity.
fn parse_formation(value: Option<&Value>) -> Result<Vec<(ProcessName, u32)>, AppJsonError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let map = object(
        value,
        "formation",
        "an object such as {\"web\": {\"quantity\": 2}, \"worker\": {\"quantity\": 1}}",
    )?;
    let mut formation = Vec::with_capacity(map.len());
    for (key, entry) in map {
        let path = child("formation", key);
        let name = ProcessName::parse(key).map_err(|reason| AppJsonError::ProcessName {
            path: path.clone(),
            suggestion: rename_suggestion(key, &reason),
            reason,
        })?;
        if name.as_str() == RELEASE {
            return Err(AppJsonError::ReleaseInFormation { path });
        }
        if entry.is_null() {
            continue;
        }
        let entry = object(entry, &path, "an object such as {\"quantity\": 1}")?;
        let quantity = match get(entry, "quantity") {
            None => 1,
            Some(q) => {
                let at = child(&path, "quantity");
                let n = integer(
                    q,
                    &at,
                    0..=u64::from(MAX_FORMATION_QUANTITY),
                    &format!("a number from 0 to {MAX_FORMATION_QUANTITY}"),
                )?;
                u32::try_from(n).map_err(|_| invalid(&at, "a smaller number", Some(q)))?
            }
        };
        formation.push((name, quantity));
    }
    Ok(formation)
}

/// `cron`: a list of `{command, schedule}`.
fn parse_cron(value: Option<&Value>) -> Result<Vec<CronJob>, AppJsonError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let list = value.as_array().ok_or_else(|| {
        invalid(
            "cron",
            "a list such as [{\"command\": \"python manage.py clearsessions\", \"schedule\": \"@daily\"}]",
            Some(value),
        )
    })?;
    let mut jobs = Vec::with_capacity(list.len());
    for (index, entry) in list.iter().enumerate() {
        let path = format!("cron[{index}]");
        let job = object(
            entry,
            &path,
            "an object such as {\"command\": \"./cleanup.sh\", \"schedule\": \"0 3 * * *\"}",
        )?;
        let command_path = child(&path, "command");
        let command = match get(job, "command") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            found => {
                return Err(invalid(
                    &command_path,
                    "a non-empty command string such as \"python manage.py clearsessions\"",
                    found,
                ));
            }
        };
        let schedule_path = child(&path, "schedule");
        let schedule = match get(job, "schedule") {
            Some(Value::String(s)) => {
                CronSchedule::parse(s).map_err(|error| AppJsonError::Cron {
                    path: schedule_path,
                    error,
                })?
            }
            found => {
                return Err(invalid(
                    &schedule_path,
                    "a cron schedule string such as \"*/5 * * * *\" or \"@daily\"",
                    found,
                ));
            }
        };
        jobs.push(CronJob { command, schedule });
    }
    Ok(jobs)
}

/// `healthchecks`: the first startup HTTP check of `web`, if any.
fn parse_healthchecks(value: Option<&Value>) -> Result<Option<WebHealthcheck>, AppJsonError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let by_process = object(
        value,
        "healthchecks",
        "an object mapping process types to lists of checks, e.g. {\"web\": [{\"path\": \"/healthz\"}]}",
    )?;
    let Some(web) = get(by_process, "web") else {
        return Ok(None);
    };
    let checks = web.as_array().ok_or_else(|| {
        invalid(
            "healthchecks.web",
            "a list of checks such as [{\"type\": \"startup\", \"path\": \"/healthz\"}]",
            Some(web),
        )
    })?;
    for (index, entry) in checks.iter().enumerate() {
        let path = format!("healthchecks.web[{index}]");
        let check = object(
            entry,
            &path,
            "an object such as {\"type\": \"startup\", \"path\": \"/healthz\"}",
        )?;
        let type_path = child(&path, "type");
        let startup = match get(check, "type") {
            None => true,
            Some(Value::String(t)) => match t.as_str() {
                "" | "startup" => true,
                "liveness" | "readiness" => false,
                _ => {
                    return Err(invalid(
                        &type_path,
                        "one of \"startup\", \"liveness\", \"readiness\"",
                        get(check, "type"),
                    ));
                }
            },
            found => {
                return Err(invalid(
                    &type_path,
                    "one of \"startup\", \"liveness\", \"readiness\"",
                    found,
                ));
            }
        };
        // Uptime, listening and command checks are not HTTP checks; Wharf
        // only runs an HTTP check during deploys.
        let http = (get(check, "path").is_some() || get(check, "content").is_some())
            && get(check, "command").is_none();
        if startup && http {
            return parse_web_check(check, &path).map(Some);
        }
    }
    Ok(None)
}

/// One `healthchecks.web[i]` entry known to be a startup HTTP check.
fn parse_web_check(check: &Map<String, Value>, path: &str) -> Result<WebHealthcheck, AppJsonError> {
    let mut result = WebHealthcheck::default();
    if let Some(value) = get(check, "path") {
        let at = child(path, "path");
        let expected = "a path starting with a single `/`, e.g. \"/healthz\" (no full URL, no spaces, no `#`, under 1024 characters)";
        let text = value
            .as_str()
            .ok_or_else(|| invalid(&at, expected, Some(value)))?;
        if !is_good_path(text) {
            return Err(invalid(&at, expected, Some(value)));
        }
        result.path = text.to_owned();
    }
    if let Some(value) = get(check, "content") {
        let at = child(path, "content");
        let text = value
            .as_str()
            .ok_or_else(|| invalid(&at, "a string the response body must contain", Some(value)))?;
        result.content = (!text.is_empty()).then(|| text.to_owned());
    }
    if let Some(value) = get(check, "attempts") {
        let n = integer(
            value,
            &child(path, "attempts"),
            1..=MAX_ATTEMPTS,
            &format!("a whole number of tries from 1 to {MAX_ATTEMPTS}"),
        )?;
        result.attempts = u32::try_from(n).unwrap_or(DEFAULT_ATTEMPTS);
    }
    let seconds = |key: &str, min: u64, max: u64| -> Result<Option<Duration>, AppJsonError> {
        let Some(value) = get(check, key) else {
            return Ok(None);
        };
        let n = integer(
            value,
            &child(path, key),
            min..=max,
            &format!("a whole number of seconds from {min} to {max}"),
        )?;
        Ok(Some(Duration::from_secs(n)))
    };
    if let Some(d) = seconds("wait", 0, MAX_WAIT_SECS)? {
        result.wait = d;
    }
    if let Some(d) = seconds("timeout", 1, MAX_TIMEOUT_SECS)? {
        result.timeout = d;
    }
    if let Some(d) = seconds("initialDelay", 0, MAX_INITIAL_DELAY_SECS)? {
        result.initial_delay = d;
    }
    if let Some(value) = get(check, "port") {
        let n = integer(
            value,
            &child(path, "port"),
            1..=u64::from(u16::MAX),
            "a port number from 1 to 65535",
        )?;
        result.port = u16::try_from(n).ok();
    }
    Ok(result)
}

/// Whether `path` is an acceptable request path.
fn is_good_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= MAX_PATH_LEN
        && !path.contains('#')
        && !path.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> AppJson {
        AppJson::parse(text).unwrap()
    }

    fn fail(text: &str) -> String {
        AppJson::parse(text).unwrap_err().to_string()
    }

    fn name(s: &str) -> ProcessName {
        ProcessName::parse(s).unwrap()
    }

    #[test]
    fn empty_inputs() {
        assert_eq!(parse(""), AppJson::default());
        assert_eq!(parse("  \n"), AppJson::default());
        assert_eq!(parse("{}"), AppJson::default());
        assert_eq!(parse("\u{feff}{}"), AppJson::default());
    }

    #[test]
    fn heroku_keys_are_ignored() {
        let text = r#"{
            "name": "Small Sharp Tool",
            "description": "This app does one little thing, and does it well.",
            "keywords": ["productivity", "HTML5"],
            "website": "https://small-sharp-tool.com/",
            "repository": "https://github.com/jane-doe/small-sharp-tool",
            "logo": "https://small-sharp-tool.com/logo.svg",
            "success_url": "/welcome",
            "env": {"SECRET_TOKEN": {"description": "x", "generator": "secret"}},
            "addons": ["heroku-postgresql"],
            "buildpacks": [{"url": "heroku/python"}],
            "stack": "heroku-24",
            "environments": {"test": {"scripts": {"test": "pytest"}}}
        }"#;
        assert_eq!(parse(text), AppJson::default());
    }

    #[test]
    fn full_example() {
        let text = r#"{
            "healthchecks": {
                "web": [
                    {"type": "liveness", "path": "/live"},
                    {"type": "startup", "name": "ready", "path": "/health/ready",
                     "content": "ok", "attempts": 10, "wait": 2, "timeout": 3,
                     "initialDelay": 4, "port": 8000},
                    {"type": "startup", "path": "/ignored"}
                ],
                "worker": [{"type": "startup", "uptime": 10}]
            },
            "scripts": {
                "dokku": {
                    "predeploy": "python manage.py collectstatic --noinput",
                    "postdeploy": "  python manage.py notify  "
                },
                "postdeploy": "heroku one"
            },
            "formation": {"worker": {"quantity": 2, "size": "standard-1X"}, "web": {"quantity": 3}},
            "cron": [
                {"command": "python manage.py clearsessions", "schedule": "@daily"},
                {"command": "./report", "schedule": "*/15 9-17 * * mon-fri"}
            ]
        }"#;
        let app = parse(text);
        assert_eq!(
            app.healthchecks,
            Some(WebHealthcheck {
                path: "/health/ready".into(),
                content: Some("ok".into()),
                attempts: 10,
                wait: Duration::from_secs(2),
                timeout: Duration::from_secs(3),
                initial_delay: Duration::from_secs(4),
                port: Some(8000),
            })
        );
        assert_eq!(
            app.predeploy.as_deref(),
            Some("python manage.py collectstatic --noinput")
        );
        assert_eq!(app.postdeploy.as_deref(), Some("python manage.py notify"));
        assert_eq!(app.formation, vec![(name("web"), 3), (name("worker"), 2)]);
        assert_eq!(app.quantity("worker"), Some(2));
        assert_eq!(app.quantity("clock"), None);
        assert_eq!(app.cron.len(), 2);
        assert_eq!(app.cron[0].command, "python manage.py clearsessions");
        assert_eq!(app.cron[0].schedule.as_str(), "@daily");
        assert_eq!(app.cron[1].schedule.as_str(), "*/15 9-17 * * mon-fri");
    }

    #[test]
    fn healthcheck_defaults_and_selection() {
        let app = parse(r#"{"healthchecks": {"web": [{"path": "/healthz"}]}}"#);
        assert_eq!(
            app.healthchecks,
            Some(WebHealthcheck {
                path: "/healthz".into(),
                ..WebHealthcheck::default()
            })
        );
        let d = WebHealthcheck::default();
        assert_eq!(d.path, "/");
        assert_eq!(d.attempts, 3);
        assert_eq!(d.wait, Duration::from_secs(5));
        assert_eq!(d.timeout, Duration::from_secs(5));
        assert_eq!(d.initial_delay, Duration::ZERO);
        // Content alone is an HTTP check of `/`.
        let app = parse(r#"{"healthchecks": {"web": [{"type": "", "content": "Welcome"}]}}"#);
        let check = app.healthchecks.unwrap();
        assert_eq!(check.path, "/");
        assert_eq!(check.content.as_deref(), Some("Welcome"));
        // Uptime, listening and command checks are skipped; the next HTTP one is used.
        let app = parse(
            r#"{"healthchecks": {"web": [
                {"type": "startup", "uptime": 10},
                {"type": "startup", "listening": true},
                {"type": "startup", "command": ["/bin/true"], "path": "/x"},
                {"type": "readiness", "path": "/ready"},
                {"path": "/second", "content": ""}
            ]}}"#,
        );
        let check = app.healthchecks.unwrap();
        assert_eq!(check.path, "/second");
        assert_eq!(check.content, None);
        // Only non-startup checks: none.
        for text in [
            r#"{"healthchecks": {"web": [{"type": "liveness", "path": "/l"}]}}"#,
            r#"{"healthchecks": {"web": []}}"#,
            r#"{"healthchecks": {"worker": [{"path": "/x"}]}}"#,
            r#"{"healthchecks": {"web": null}}"#,
            r#"{"healthchecks": null}"#,
        ] {
            assert_eq!(parse(text).healthchecks, None, "{text}");
        }
    }

    #[test]
    fn ignored_checks_are_not_validated() {
        let app = parse(
            r#"{"healthchecks": {"web": [
                {"path": "/ok"},
                {"type": "startup", "path": "bad", "attempts": "many"}
            ]}}"#,
        );
        assert_eq!(app.healthchecks.unwrap().path, "/ok");
    }

    #[test]
    fn healthcheck_errors() {
        let cases: &[(&str, &str)] = &[
            (
                r#"{"healthchecks": []}"#,
                "app.json: healthchecks must be an object",
            ),
            (
                r#"{"healthchecks": {"web": {"path": "/"}}}"#,
                "app.json: healthchecks.web must be a list of checks",
            ),
            (
                r#"{"healthchecks": {"web": ["/"]}}"#,
                "app.json: healthchecks.web[0] must be an object",
            ),
            (
                r#"{"healthchecks": {"web": [{"type": "boot", "path": "/"}]}}"#,
                "healthchecks.web[0].type must be one of \"startup\"",
            ),
            (r#"{"healthchecks": {"web": [{"type": 1}]}}"#, "got 1"),
            (
                r#"{"healthchecks": {"web": [{"path": "healthz"}]}}"#,
                "healthchecks.web[0].path must be a path starting with a single `/`",
            ),
            (
                r#"{"healthchecks": {"web": [{"path": "http://x/healthz"}]}}"#,
                "got \"http://x/healthz\"",
            ),
            (
                r#"{"healthchecks": {"web": [{"path": "//x"}]}}"#,
                "single `/`",
            ),
            (
                r#"{"healthchecks": {"web": [{"path": "/a b"}]}}"#,
                "no spaces",
            ),
            (r#"{"healthchecks": {"web": [{"path": "/a#b"}]}}"#, "no `#`"),
            (r#"{"healthchecks": {"web": [{"path": 5}]}}"#, "got 5"),
            (
                r#"{"healthchecks": {"web": [{"path": "/", "content": 5}]}}"#,
                "content must be a string",
            ),
            (
                r#"{"healthchecks": {"web": [{"path": "/", "attempts": 0}]}}"#,
                "attempts must be a whole number of tries from 1 to 100, got 0",
            ),
            (
                r#"{"healthchecks": {"web": [{"path": "/", "attempts": 101}]}}"#,
                "got 101",
            ),
            (
                r#"{"healthchecks": {"web": [{"path": "/", "attempts": "3"}]}}"#,
                "got \"3\"",
            ),
            (
                r#"{"healthchecks": {"web": [{"path": "/", "attempts": 2.5}]}}"#,
                "got 2.5",
            ),
            (
                r#"{"healthchecks": {"web": [{"path": "/", "attempts": -1}]}}"#,
                "got -1",
            ),
            (
                r#"{"healthchecks": {"web": [{"path": "/", "timeout": 0}]}}"#,
                "timeout must be a whole number of seconds from 1 to 120",
            ),
            (
                r#"{"healthchecks": {"web": [{"path": "/", "timeout": 3600}]}}"#,
                "got 3600",
            ),
            (
                r#"{"healthchecks": {"web": [{"path": "/", "wait": 301}]}}"#,
                "wait must be a whole number of seconds from 0 to 300",
            ),
            (
                r#"{"healthchecks": {"web": [{"path": "/", "initialDelay": 601}]}}"#,
                "initialDelay must be a whole number of seconds from 0 to 600",
            ),
            (
                r#"{"healthchecks": {"web": [{"path": "/", "port": 0}]}}"#,
                "port must be a port number from 1 to 65535, got 0",
            ),
            (
                r#"{"healthchecks": {"web": [{"path": "/", "port": 65536}]}}"#,
                "got 65536",
            ),
        ];
        for (text, needle) in cases {
            let msg = fail(text);
            assert!(msg.starts_with("app.json"), "{msg}");
            assert!(msg.contains(needle), "{text}\n{msg}");
        }
        let long = format!(
            r#"{{"healthchecks": {{"web": [{{"path": "/{}"}}]}}}}"#,
            "a".repeat(2000)
        );
        let msg = fail(&long);
        assert!(msg.contains('…') && msg.len() < 400, "{msg}");
    }

    #[test]
    fn scripts() {
        let app = parse(r#"{"scripts": {"postdeploy": "bundle exec rake bootstrap"}}"#);
        assert_eq!(app.predeploy, None);
        assert_eq!(
            app.postdeploy.as_deref(),
            Some("bundle exec rake bootstrap")
        );
        // Heroku's object form.
        let app = parse(
            r#"{"scripts": {"postdeploy": {"command": "rake db:seed", "size": "performance-l"}}}"#,
        );
        assert_eq!(app.postdeploy.as_deref(), Some("rake db:seed"));
        // Dokku's wins over Heroku's.
        let app =
            parse(r#"{"scripts": {"postdeploy": "heroku", "dokku": {"postdeploy": "dokku"}}}"#);
        assert_eq!(app.postdeploy.as_deref(), Some("dokku"));
        // Blank means unset; other Heroku scripts are ignored.
        let app = parse(
            r#"{"scripts": {"dokku": {"predeploy": "  "}, "test": "pytest", "pr-predestroy": "x"}}"#,
        );
        assert_eq!(app, AppJson::default());
        let cases: &[(&str, &str)] = &[
            (
                r#"{"scripts": "migrate"}"#,
                "app.json: scripts must be an object",
            ),
            (
                r#"{"scripts": {"dokku": ["x"]}}"#,
                "app.json: scripts.dokku must be an object",
            ),
            (
                r#"{"scripts": {"dokku": {"predeploy": ["python", "x"]}}}"#,
                "app.json: scripts.dokku.predeploy must be a command string",
            ),
            (
                r#"{"scripts": {"dokku": {"postdeploy": true}}}"#,
                "got true",
            ),
            (
                r#"{"scripts": {"postdeploy": {"size": "x"}}}"#,
                "app.json: scripts.postdeploy.command must be a command string such as \"python manage.py migrate\", got nothing (the key is missing)",
            ),
            (
                r#"{"scripts": {"postdeploy": 3}}"#,
                "app.json: scripts.postdeploy must be",
            ),
        ];
        for (text, needle) in cases {
            let msg = fail(text);
            assert!(msg.contains(needle), "{text}\n{msg}");
        }
    }

    #[test]
    fn formation() {
        let app = parse(
            r#"{"formation": {"web": {"quantity": 0}, "clock": {}, "worker": {"quantity": 100}, "gone": null}}"#,
        );
        assert_eq!(
            app.formation,
            vec![(name("clock"), 1), (name("web"), 0), (name("worker"), 100)]
        );
        assert_eq!(
            fail(r#"{"formation": {"web": {"quantity": "two"}}}"#),
            "app.json: formation.web.quantity must be a number from 0 to 100, got \"two\""
        );
        let cases: &[(&str, &str)] = &[
            (r#"{"formation": {"web": {"quantity": 101}}}"#, "got 101"),
            (r#"{"formation": {"web": {"quantity": -2}}}"#, "got -2"),
            (r#"{"formation": {"web": {"quantity": 1.0}}}"#, "got 1.0"),
            (
                r#"{"formation": {"web": 2}}"#,
                "app.json: formation.web must be an object such as {\"quantity\": 1}, got 2",
            ),
            (
                r#"{"formation": [{"process": "web"}]}"#,
                "app.json: formation must be an object",
            ),
            (
                r#"{"formation": {"worker_1": {"quantity": 1}}}"#,
                "app.json: formation.worker_1: process name `worker_1` contains '_'",
            ),
            (
                r#"{"formation": {"Web": {"quantity": 1}}}"#,
                "use lowercase: `web`",
            ),
            (
                r#"{"formation": {"my worker": {"quantity": 1}}}"#,
                "formation[\"my worker\"]",
            ),
            (
                r#"{"formation": {"": {"quantity": 1}}}"#,
                "formation[\"\"]: process name is empty",
            ),
            (
                r#"{"formation": {"release": {"quantity": 1}}}"#,
                "app.json: formation.release: `release` runs once per deploy",
            ),
        ];
        for (text, needle) in cases {
            let msg = fail(text);
            assert!(msg.contains(needle), "{text}\n{msg}");
        }
        assert!(fail(r#"{"formation": {"worker_1": {}}}"#).contains("rename it to `worker-1`"));
    }

    #[test]
    fn cron() {
        let app = parse(
            r#"{"cron": [{"command": " ./a ", "schedule": "0 3 * * *", "concurrency_policy": "forbid"}]}"#,
        );
        assert_eq!(app.cron[0].command, "./a");
        assert_eq!(
            app.cron[0].schedule,
            CronSchedule::parse("0 3 * * *").unwrap()
        );
        assert_eq!(parse(r#"{"cron": []}"#).cron, vec![]);
        let cases: &[(&str, &str)] = &[
            (
                r#"{"cron": {"command": "x"}}"#,
                "app.json: cron must be a list",
            ),
            (
                r#"{"cron": ["0 * * * * ./x"]}"#,
                "app.json: cron[0] must be an object",
            ),
            (
                r#"{"cron": [{"schedule": "@daily"}]}"#,
                "app.json: cron[0].command must be a non-empty command string such as \"python manage.py clearsessions\", got nothing (the key is missing)",
            ),
            (
                r#"{"cron": [{"command": " ", "schedule": "@daily"}]}"#,
                "cron[0].command must be a non-empty",
            ),
            (
                r#"{"cron": [{"command": ["x"], "schedule": "@daily"}]}"#,
                "got a list",
            ),
            (
                r#"{"cron": [{"command": "x"}]}"#,
                "app.json: cron[0].schedule must be a cron schedule string",
            ),
            (r#"{"cron": [{"command": "x", "schedule": 5}]}"#, "got 5"),
            (
                r#"{"cron": [{"command": "x", "schedule": "@daily"}, {"command": "y", "schedule": "61 * * * *"}]}"#,
                "app.json: cron[1].schedule: cron schedule `61 * * * *`: in the minute field, `61` is not valid; use a number from 0 to 59",
            ),
        ];
        for (text, needle) in cases {
            let msg = fail(text);
            assert!(msg.contains(needle), "{text}\n{msg}");
        }
    }

    #[test]
    fn invalid_json_gives_position() {
        let err = AppJson::parse("{\n  \"formation\": {\n    \"web\": {\"quantity\": 1},\n  }\n}")
            .unwrap_err();
        let AppJsonError::Syntax { line, column, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!((*line, *column), (4, 3));
        let msg = err.to_string();
        assert!(
            msg.starts_with("app.json is not valid JSON: trailing comma at line 4, column 3"),
            "{msg}"
        );
        assert!(fail("{").contains("EOF"), "{}", fail("{"));
        assert!(fail("// comment\n{}").contains("line 1, column 1"));
    }

    #[test]
    fn top_level_must_be_an_object() {
        for (text, got) in [
            ("[]", "a list"),
            ("null", "null"),
            ("\"x\"", "\"x\""),
            ("3", "3"),
        ] {
            let msg = fail(text);
            assert!(
                msg.starts_with("app.json: the top level must be a JSON object"),
                "{msg}"
            );
            assert!(msg.ends_with(&format!("got {got}")), "{msg}");
        }
    }

    #[test]
    fn never_panics() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let _ = AppJson::parse(&deep);
        let deep_obj = format!("{}{}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
        let _ = AppJson::parse(&deep_obj);
        for text in [
            "\u{0}",
            "{\"cron\": [null]}",
            "{\"formation\": {\"é\": {}}}",
            "{\"healthchecks\": {\"web\": [null]}}",
            "{\"healthchecks\": {\"web\": [{\"port\": 1e400}]}}",
            "{\"formation\": {\"web\": {\"quantity\": 18446744073709551616}}}",
            "{\"a\":1,\"a\":2}",
        ] {
            let _ = AppJson::parse(text);
        }
    }
}
