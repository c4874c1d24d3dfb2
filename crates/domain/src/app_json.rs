//! `app.json`: the parts of Heroku's app manifest that Dokku reads, and so
//! does Wharf.
//!
//! Read: `healthchecks.web` (Dokku's check format), `scripts.dokku.predeploy`,
//! `scripts.dokku.postdeploy` (and Heroku's `scripts.postdeploy`),
//! `formation`, `cron`, and Wharf's own `wharf.builder` (which builder makes
//! the image of an app, instead of the one detection would pick). Every other key (`name`, `description`, `env`,
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
use crate::{BuilderKind, CronError, CronSchedule, NameError, ProcessName};

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
    /// `wharf.builder`: the builder forced for the app's image, e.g. `"python"` for a
    /// Python app that also has a package.json.
    pub builder: Option<BuilderKind>,
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

impl crate::Documented for AppJsonError {
    fn docs(&self) -> Option<crate::DocsLink> {
        Some(crate::docs_link::APP_JSON_ERRORS)
    }
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
            builder: builder(&top.key("wharf"))?,
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

/// `wharf.builder`: one of the builders' names (other keys of `wharf` are
/// refused, since Wharf owns that object and a typo there should not pass).
fn builder(at: &At) -> Result<Option<BuilderKind>, AppJsonError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Wharf {
        builder: Option<String>,
    }
    let Some(wharf) = at.object::<Wharf>()? else {
        return Ok(None);
    };
    let Some(name) = wharf.builder else {
        return Ok(None);
    };
    let at = at.key("builder");
    BuilderKind::parse(&name)
        .map(Some)
        .ok_or_else(|| at.refuse())
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
    (&["wharf"], "an object such as {\"builder\": \"python\"} (its only key is `builder`)"),
    (&["wharf", "builder"], "one of \"dockerfile\", \"python\", \"node\", \"go\", \"static\""),
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
mod tests;
