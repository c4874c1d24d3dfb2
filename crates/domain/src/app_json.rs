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
//!
//! How it is read: the text is parsed as JSON first (so a syntax error gives
//! its line and column), then each part is read from its place into a plain
//! derived struct, serde refusing wrong types, ranges and paths, and
//! `serde_path_to_error` finding where; process names, required keys and
//! cron schedules are checked after, on the typed values. A refused value is
//! known by its place ([`At`]) alone: `PATH must be EXPECTED, got FOUND`
//! takes EXPECTED from a table by path and FOUND from the document.

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroU16;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{Deserializer, Error as _, IgnoredAny};
use serde_json::{Value, json};
use serde_path_to_error::Segment;
use thiserror::Error;

use crate::procfile::{RELEASE, rename_suggestion};
use crate::{CronError, CronSchedule, NameError, ProcessName};

/// Most containers a `formation` entry may ask for (the same limit as `scale`).
pub const MAX_FORMATION_QUANTITY: u32 = crate::MAX_SCALE;

/// Longest piece of a value quoted back in an error message, in characters.
const MAX_QUOTED: usize = 60;

/// What separates what was expected from what was found in a message. No
/// expected text contains it, so a message reads only one way (a test checks).
const GOT: &str = ", got ";

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
    /// The check `{"path": "/"}` reads as.
    fn default() -> Self {
        HttpCheck::default().into()
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
    #[error("app.json: {path} must be {expected}{GOT}{got}")]
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
        let top = At {
            path: Vec::new(),
            value: &root,
        };
        top.object::<IgnoredAny>()?.ok_or_else(|| top.refuse())?;
        let (predeploy, postdeploy) = scripts(&top.key("scripts"))?;
        Ok(AppJson {
            healthchecks: startup_check(&top.key("healthchecks"))?,
            predeploy,
            postdeploy,
            formation: formation(&top.key("formation"))?,
            cron: cron(&top.key("cron"))?,
        })
    }

    /// The `formation` quantity for process `name`, if listed.
    pub fn quantity(&self, name: &str) -> Option<u32> {
        let mut formation = self.formation.iter();
        formation.find_map(|(n, q)| (n.as_str() == name).then_some(*q))
    }
}

// The parts of the file, each read from its place: its shape by serde, then
// the rules serde cannot state.

/// `healthchecks.web`: the first startup check made by HTTP (a `path` or
/// `content`, no `command`), the only kind Wharf runs during a deploy. Checks
/// before it are read only as far as their kind, checks after it not at all.
fn startup_check(at: &At) -> Result<Option<WebHealthcheck>, AppJsonError> {
    #[derive(Deserialize)]
    struct Kind {
        #[serde(rename = "type")]
        kind: Option<String>,
        path: Option<IgnoredAny>,
        content: Option<IgnoredAny>,
        command: Option<IgnoredAny>,
    }
    at.object::<IgnoredAny>()?;
    for at in at.key("web").items()? {
        let check = at.object::<Kind>()?.ok_or_else(|| at.refuse())?;
        let startup = match check.kind.as_deref() {
            None | Some("" | "startup") => true,
            Some("liveness" | "readiness") => false,
            Some(_) => return Err(at.key("type").refuse()),
        };
        if startup && (check.path.is_some() || check.content.is_some()) && check.command.is_none() {
            return Ok(at.object::<HttpCheck>()?.map(WebHealthcheck::from));
        }
    }
    Ok(None)
}

/// A startup HTTP check; serde refuses numbers out of range and bad paths.
#[derive(Deserialize, Default)]
struct HttpCheck {
    #[serde(default, deserialize_with = "request_path")]
    path: Option<String>,
    content: Option<String>,
    #[serde(default, deserialize_with = "within::<1, 100, _>")]
    attempts: Option<u32>,
    #[serde(default, deserialize_with = "within::<0, 300, _>")]
    wait: Option<u32>,
    #[serde(default, deserialize_with = "within::<1, 120, _>")]
    timeout: Option<u32>,
    #[serde(rename = "initialDelay")]
    #[serde(default, deserialize_with = "within::<0, 600, _>")]
    delay: Option<u32>,
    port: Option<NonZeroU16>,
}

impl From<HttpCheck> for WebHealthcheck {
    fn from(check: HttpCheck) -> Self {
        let secs = |n: Option<u32>, default| Duration::from_secs(n.unwrap_or(default).into());
        WebHealthcheck {
            path: check.path.unwrap_or_else(|| "/".to_owned()),
            content: check.content.filter(|content| !content.is_empty()),
            attempts: check.attempts.unwrap_or(3),
            wait: secs(check.wait, 5),
            timeout: secs(check.timeout, 5),
            initial_delay: secs(check.delay, 0),
            port: check.port.map(NonZeroU16::get),
        }
    }
}

/// A health-check request path, or `null`: it starts with a single `/`, and
/// has at most 1024 bytes and no `#`, whitespace or control characters.
fn request_path<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let path = Option::<String>::deserialize(deserializer)?;
    let bad = |c: char| c == '#' || c.is_whitespace() || c.is_control();
    let good = |p: &String| p.starts_with('/') && !p.starts_with("//") && p.len() <= 1024;
    match path {
        Some(path) if !good(&path) || path.contains(bad) => Err(D::Error::custom("bad path")),
        path => Ok(path),
    }
}

/// A whole number from `MIN` to `MAX`, or `null`.
fn within<'de, const MIN: u32, const MAX: u32, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u32>, D::Error> {
    match Option::<u32>::deserialize(deserializer)? {
        Some(n) if !(MIN..=MAX).contains(&n) => Err(D::Error::custom("out of range")),
        n => Ok(n),
    }
}

/// `scripts`: (predeploy, postdeploy) from `scripts.dokku`, where Heroku's
/// `scripts.postdeploy` counts unless Dokku's is set.
fn scripts(at: &At) -> Result<(Option<String>, Option<String>), AppJsonError> {
    let dokku = at.key("dokku");
    at.object::<IgnoredAny>()?;
    dokku.object::<IgnoredAny>()?;
    let heroku_postdeploy = command(&at.key("postdeploy"))?;
    let predeploy = command(&dokku.key("predeploy"))?;
    let postdeploy = command(&dokku.key("postdeploy"))?.or(heroku_postdeploy);
    Ok((predeploy, postdeploy))
}

/// The command of the script at `at`, trimmed (blank counts as absent): a
/// string, or else Heroku's `{"command": "..."}` (other keys ignored).
fn command(at: &At) -> Result<Option<String>, AppJsonError> {
    #[derive(Deserialize)]
    struct Heroku {
        command: Option<String>,
    }
    let command = match at.read::<Option<String>>() {
        Ok(command) => command,
        Err(_) => {
            let heroku = at.object::<Heroku>()?.and_then(|heroku| heroku.command);
            Some(heroku.ok_or_else(|| at.key("command").refuse())?)
        }
    };
    let command = command.map(|command| command.trim().to_owned());
    Ok(command.filter(|command| !command.is_empty()))
}

/// `formation`: valid process names (never `release`) and their quantities,
/// `null` entries skipped. A bad name is reported before its entry is read.
fn formation(at: &At) -> Result<Vec<(ProcessName, u32)>, AppJsonError> {
    #[derive(Deserialize)]
    struct Entry {
        #[serde(default, deserialize_with = "within::<0, MAX_FORMATION_QUANTITY, _>")]
        quantity: Option<u32>,
    }
    let entries = at.read::<Option<BTreeMap<String, IgnoredAny>>>()?;
    let mut formation = Vec::new();
    for key in entries.unwrap_or_default().keys() {
        let at = at.key(key);
        let name = ProcessName::parse(key).map_err(|reason| AppJsonError::ProcessName {
            path: at.to_string(),
            suggestion: rename_suggestion(key, &reason),
            reason,
        })?;
        if name.as_str() == RELEASE {
            let path = at.to_string();
            return Err(AppJsonError::ReleaseInFormation { path });
        }
        if let Some(entry) = at.object::<Entry>()? {
            formation.push((name, entry.quantity.unwrap_or(1)));
        }
    }
    Ok(formation)
}

/// `cron`: each entry's command and schedule, both required, in file order.
fn cron(at: &At) -> Result<Vec<CronJob>, AppJsonError> {
    #[derive(Deserialize)]
    struct Entry {
        command: Option<String>,
        schedule: Option<String>,
    }
    let jobs = at.items()?.into_iter().map(|at| {
        let entry = at.object::<Entry>()?.ok_or_else(|| at.refuse())?;
        let command = entry.command.as_deref().map(str::trim);
        let command = command.filter(|c| !c.is_empty()).map(str::to_owned);
        let command = command.ok_or_else(|| at.key("command").refuse())?;
        let at = at.key("schedule");
        let schedule = entry.schedule.ok_or_else(|| at.refuse())?;
        let schedule = CronSchedule::parse(&schedule).map_err(|error| AppJsonError::Cron {
            path: at.to_string(),
            error,
        })?;
        Ok(CronJob { command, schedule })
    });
    jobs.collect()
}

// Places in the document, and the messages of the values refused there.

/// What a correct value looks like at each place, with an example: the text
/// of the first pattern that fits the place's path, where `*` stands for any
/// key or index.
#[rustfmt::skip]
const EXPECTED: &[(&[&str], &str)] = &[
    (&[], "a JSON object such as {\"formation\": {\"web\": {\"quantity\": 1}}}"),
    (&["healthchecks"], "an object mapping process types to lists of checks, e.g. {\"web\": [{\"path\": \"/healthz\"}]}"),
    (&["healthchecks", "web"], "a list of checks such as [{\"type\": \"startup\", \"path\": \"/healthz\"}]"),
    (&["healthchecks", "web", "*"], "an object such as {\"type\": \"startup\", \"path\": \"/healthz\"}"),
    (&["healthchecks", "web", "*", "type"], "one of \"startup\", \"liveness\", \"readiness\""),
    (&["healthchecks", "web", "*", "path"], "a path starting with a single `/`, e.g. \"/healthz\" (no full URL, no spaces, no `#`, under 1024 characters)"),
    (&["healthchecks", "web", "*", "content"], "a string the response body must contain"),
    (&["healthchecks", "web", "*", "attempts"], "a whole number of tries from 1 to 100"),
    (&["healthchecks", "web", "*", "wait"], "a whole number of seconds from 0 to 300"),
    (&["healthchecks", "web", "*", "timeout"], "a whole number of seconds from 1 to 120"),
    (&["healthchecks", "web", "*", "initialDelay"], "a whole number of seconds from 0 to 600"),
    (&["healthchecks", "web", "*", "port"], "a port number from 1 to 65535"),
    (&["scripts"], "an object such as {\"dokku\": {\"predeploy\": \"...\"}}"),
    (&["scripts", "dokku"], "an object such as {\"predeploy\": \"python manage.py collectstatic --noinput\"}"),
    (&["scripts", "*"], "a command string such as \"python manage.py migrate\""),
    (&["scripts", "*", "*"], "a command string such as \"python manage.py migrate\""),
    (&["scripts", "*", "*", "*"], "a command string such as \"python manage.py migrate\""),
    (&["formation"], "an object such as {\"web\": {\"quantity\": 2}, \"worker\": {\"quantity\": 1}}"),
    (&["formation", "*"], "an object such as {\"quantity\": 1}"),
    (&["formation", "*", "quantity"], "a number from 0 to 100"),
    (&["cron"], "a list such as [{\"command\": \"python manage.py clearsessions\", \"schedule\": \"@daily\"}]"),
    (&["cron", "*"], "an object such as {\"command\": \"./cleanup.sh\", \"schedule\": \"0 3 * * *\"}"),
    (&["cron", "*", "command"], "a non-empty command string such as \"python manage.py clearsessions\""),
    (&["cron", "*", "schedule"], "a cron schedule string such as \"*/5 * * * *\" or \"@daily\""),
];

/// A place in the document: the keys and list indexes that lead to it, and
/// the value there (`null` if there is none).
#[derive(Clone)]
struct At<'a> {
    path: Vec<Segment>,
    value: &'a Value,
}

impl<'a> At<'a> {
    /// The place of `key` in this object; serde_json's indexing gives `null`
    /// for a missing key, as for a list index out of range.
    fn key(&self, key: &str) -> Self {
        let value = &self.value[key];
        let key = key.to_owned();
        self.step(Segment::Map { key }, value)
    }

    fn index(&self, index: usize) -> Self {
        self.step(Segment::Seq { index }, &self.value[index])
    }

    fn step(&self, segment: Segment, value: &'a Value) -> Self {
        let path = self.path.iter().cloned().chain([segment]).collect();
        At { path, value }
    }

    /// Reads the value here as `T`; a value serde refuses is refused at its
    /// own place, which `serde_path_to_error` finds.
    fn read<T: Deserialize<'a>>(&self) -> Result<T, AppJsonError> {
        serde_path_to_error::deserialize(self.value).map_err(|error| {
            let at = (error.path().iter()).fold(self.clone(), |at, segment| match segment {
                Segment::Seq { index } => at.index(*index),
                Segment::Map { key } => at.key(key),
                Segment::Enum { .. } | Segment::Unknown => at,
            });
            at.refuse()
        })
    }

    /// Reads the object here as `T`, or `None` for `null` (serde's derive
    /// alone would also take a list for a struct).
    fn object<T: Deserialize<'a>>(&self) -> Result<Option<T>, AppJsonError> {
        match self.value {
            Value::Null => Ok(None),
            Value::Object(_) => self.read().map(Some),
            _ => Err(self.refuse()),
        }
    }

    /// The places of the items of the list here (none for `null`).
    fn items(&self) -> Result<Vec<Self>, AppJsonError> {
        let items = self.read::<Option<Vec<IgnoredAny>>>()?.unwrap_or_default();
        Ok((0..items.len()).map(|index| self.index(index)).collect())
    }

    /// An [`AppJsonError::Invalid`] for the value here.
    fn refuse(&self) -> AppJsonError {
        let expected = EXPECTED.iter().find(|(p, _)| fits(p, &self.path));
        let missing = matches!(self.path.last(), Some(Segment::Map { .. }));
        AppJsonError::Invalid {
            path: self.to_string(),
            expected: String::from(expected.map_or("a value Wharf can read", |(_, t)| t)),
            got: match self.value {
                Value::Array(_) => "a list".to_owned(),
                Value::Object(_) => "an object".to_owned(),
                Value::Null if missing => "nothing (the key is missing)".to_owned(),
                value => shorten(&value.to_string()),
            },
        }
    }
}

/// Whether `path` fits `pattern` (see [`EXPECTED`]).
fn fits(pattern: &[&str], path: &[Segment]) -> bool {
    let step =
        |(p, s): (&&str, &Segment)| *p == "*" || matches!(s, Segment::Map { key } if key == *p);
    pattern.len() == path.len() && pattern.iter().zip(path).all(step)
}

/// `formation.web.quantity`, `cron[0]`, `formation["odd key"]`; "the top
/// level" for the document itself.
impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            return f.write_str("the top level");
        }
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        for (i, segment) in self.path.iter().enumerate() {
            match segment {
                Segment::Map { key } if !key.is_empty() && key.chars().all(word) => {
                    write!(f, "{}{key}", if i == 0 { "" } else { "." })?
                }
                Segment::Map { key } => write!(f, "[{}]", shorten(&json!(key).to_string()))?,
                Segment::Seq { index } => write!(f, "[{index}]")?,
                Segment::Enum { .. } | Segment::Unknown => {}
            }
        }
        Ok(())
    }
}

fn syntax_error(error: serde_json::Error) -> AppJsonError {
    let (line, column) = (error.line(), error.column());
    let message = error.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = message.strip_suffix(&suffix).unwrap_or(&message).to_owned();
    AppJsonError::Syntax {
        line,
        column,
        message,
    }
}

/// `text`, shortened to [`MAX_QUOTED`] characters with `…` if longer.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
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
    fn invalid_keeps_expected_and_found_apart() {
        assert_eq!(
            AppJson::parse(r#"{"formation": {"web": {"quantity": "x, got y"}}}"#).unwrap_err(),
            AppJsonError::Invalid {
                path: "formation.web.quantity".into(),
                expected: "a number from 0 to 100".into(),
                got: "\"x, got y\"".into(),
            }
        );
        // The split relies on no expected text containing the separator.
        for (_, expected) in EXPECTED {
            assert!(!expected.contains(GOT), "{expected}");
        }
    }

    #[test]
    fn every_kind_of_wrong_value_is_described() {
        let cases: &[(&str, &str)] = &[
            (
                r#"{"cron": [null]}"#,
                "app.json: cron[0] must be an object such as {\"command\": \"./cleanup.sh\", \"schedule\": \"0 3 * * *\"}, got null",
            ),
            (r#"{"cron": [true]}"#, "cron[0] must be an object such as"),
            (r#"{"cron": [-3]}"#, "got -3"),
            (r#"{"cron": [2.5]}"#, "got 2.5"),
            (r#"{"cron": [{}]}"#, "cron[0].command must be"),
            (r#"{"healthchecks": {"web": [{"path": "/"}, false]}}"#, ""),
            (
                r#"{"healthchecks": {"web": [{"type": "liveness"}, false]}}"#,
                "app.json: healthchecks.web[1] must be an object such as {\"type\": \"startup\", \"path\": \"/healthz\"}, got false",
            ),
            (
                r#"{"scripts": {"postdeploy": {"command": 5}}}"#,
                "app.json: scripts.postdeploy.command must be a command string such as \"python manage.py migrate\", got 5",
            ),
            (
                r#"{"scripts": {"dokku": {"postdeploy": {"command": null}}}}"#,
                "scripts.dokku.postdeploy.command must be a command string such as \"python manage.py migrate\", got nothing (the key is missing)",
            ),
            (
                r#"{"healthchecks": {"web": "/healthz"}}"#,
                "app.json: healthchecks.web must be a list of checks such as [{\"type\": \"startup\", \"path\": \"/healthz\"}], got \"/healthz\"",
            ),
        ];
        for (text, needle) in cases {
            match AppJson::parse(text) {
                Ok(_) => assert!(needle.is_empty(), "{text} was accepted"),
                Err(e) => assert!(
                    !needle.is_empty() && e.to_string().contains(needle),
                    "{text}\n{e}"
                ),
            }
        }
    }

    #[test]
    fn a_bad_process_name_is_reported_before_its_entry() {
        assert!(
            fail(r#"{"formation": {"Web": {"quantity": 500}}}"#).contains("use lowercase: `web`")
        );
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
