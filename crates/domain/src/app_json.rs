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
//! How it is read: the text is parsed as JSON first (so a syntax error is
//! reported with its line and column before anything else), then into plain
//! derived structs, with `serde_path_to_error` finding where a value was
//! refused. What serde cannot state (value ranges, good paths, process names,
//! required keys, which health check is used) is checked after, on the typed
//! values. Either way a refused value is known by its place ([`At`]) alone:
//! the message takes the expected text from the place's path and the value
//! found from the document: `PATH must be EXPECTED, got FOUND`.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::ops::RangeInclusive;
use std::time::Duration;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use serde_path_to_error::Segment;
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
const MAX_ATTEMPTS: u32 = 100;
const DEFAULT_WAIT_SECS: u64 = 5;
const MAX_WAIT_SECS: u64 = 300;
const DEFAULT_TIMEOUT_SECS: u64 = 5;
const MAX_TIMEOUT_SECS: u64 = 120;
const MAX_INITIAL_DELAY_SECS: u64 = 600;

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
        let top = At::top(&root);
        let Obj(manifest) = top.read::<Obj<Manifest>>()?;
        let scripts = manifest.scripts.map(|Obj(scripts)| scripts);
        let (predeploy, postdeploy) = scripts.unwrap_or_default().commands(&top.key("scripts"))?;
        let web_checks = manifest.healthchecks.and_then(|Obj(checks)| checks.web);
        let web_checks_at = top.key("healthchecks").key("web");
        Ok(AppJson {
            healthchecks: web_checks
                .unwrap_or_default()
                .startup_check(&web_checks_at)?,
            predeploy,
            postdeploy,
            formation: (manifest.formation.unwrap_or_default())
                .quantities(&top.key("formation"))?,
            cron: manifest.cron.unwrap_or_default().jobs(&top.key("cron"))?,
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

// ---------------------------------------------------------------------------
// The parts of the file, as serde reads them, and the rules checked on them.

/// The top level. Keys Wharf does not read are skipped.
#[derive(Deserialize)]
struct Manifest {
    healthchecks: Option<Obj<Healthchecks>>,
    scripts: Option<Obj<Scripts>>,
    formation: Option<Formation>,
    cron: Option<CronList>,
}

/// `healthchecks`: only `web` is read.
#[derive(Deserialize)]
struct Healthchecks {
    web: Option<WebChecks>,
}

/// `healthchecks.web`: a list of checks, each read only as far as needed.
#[derive(Deserialize, Default)]
struct WebChecks(Vec<IgnoredAny>);

impl WebChecks {
    /// The first startup HTTP check. Entries before it are read only as far
    /// as their kind; entries after it not at all, as Dokku does not use them
    /// for a deploy either.
    fn startup_check(self, at: &At) -> Result<Option<WebHealthcheck>, AppJsonError> {
        for index in 0..self.0.len() {
            let at = at.index(index);
            if at.read::<Obj<CheckKind>>()?.0.is_startup_http(&at)? {
                let Obj(check) = at.read::<Obj<HttpCheck>>()?;
                return check.into_healthcheck(&at).map(Some);
            }
        }
        Ok(None)
    }
}

/// What kind of check a `healthchecks.web[i]` entry is.
#[derive(Deserialize)]
struct CheckKind {
    #[serde(rename = "type")]
    kind: Option<String>,
    path: Option<IgnoredAny>,
    content: Option<IgnoredAny>,
    command: Option<IgnoredAny>,
}

impl CheckKind {
    /// Whether this is a startup check made by HTTP: liveness and readiness
    /// checks are not, nor are uptime, listening and command checks, and
    /// Wharf only runs an HTTP check during deploys.
    fn is_startup_http(&self, at: &At) -> Result<bool, AppJsonError> {
        let startup = match self.kind.as_deref() {
            None | Some("" | "startup") => true,
            Some("liveness" | "readiness") => false,
            Some(_) => return Err(at.key("type").refuse()),
        };
        Ok(startup && (self.path.is_some() || self.content.is_some()) && self.command.is_none())
    }
}

/// A startup HTTP check.
#[derive(Deserialize)]
struct HttpCheck {
    path: Option<String>,
    content: Option<String>,
    attempts: Option<u32>,
    wait: Option<u64>,
    timeout: Option<u64>,
    #[serde(rename = "initialDelay")]
    delay: Option<u64>,
    port: Option<u16>,
}

impl HttpCheck {
    /// The check, once its path and numbers are found good.
    fn into_healthcheck(self, at: &At) -> Result<WebHealthcheck, AppJsonError> {
        if self.path.as_deref().is_some_and(|path| !is_good_path(path)) {
            return Err(at.key("path").refuse());
        }
        let d = WebHealthcheck::default();
        let secs = |value: Option<u64>, key, range, default| -> Result<Duration, AppJsonError> {
            Ok(within(value, range, &at.key(key))?.map_or(default, Duration::from_secs))
        };
        Ok(WebHealthcheck {
            path: self.path.unwrap_or(d.path),
            content: self.content.filter(|c| !c.is_empty()),
            attempts: within(self.attempts, 1..=MAX_ATTEMPTS, &at.key("attempts"))?
                .unwrap_or(d.attempts),
            wait: secs(self.wait, "wait", 0..=MAX_WAIT_SECS, d.wait)?,
            timeout: secs(self.timeout, "timeout", 1..=MAX_TIMEOUT_SECS, d.timeout)?,
            initial_delay: secs(
                self.delay,
                "initialDelay",
                0..=MAX_INITIAL_DELAY_SECS,
                d.initial_delay,
            )?,
            port: within(self.port, 1..=u16::MAX, &at.key("port"))?,
        })
    }
}

/// Whether `path` is an acceptable request path.
fn is_good_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= MAX_PATH_LEN
        && !path.contains('#')
        && !path.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// `scripts`: Heroku's `postdeploy` and Dokku's own.
#[derive(Deserialize, Default)]
struct Scripts {
    postdeploy: Option<Script>,
    dokku: Option<Obj<DokkuScripts>>,
}

impl Scripts {
    /// (predeploy, postdeploy); Dokku's postdeploy wins over Heroku's.
    fn commands(self, at: &At) -> Result<(Option<String>, Option<String>), AppJsonError> {
        let heroku_postdeploy = Script::command(self.postdeploy, &at.key("postdeploy"))?;
        let Some(Obj(dokku)) = self.dokku else {
            return Ok((None, heroku_postdeploy));
        };
        let at = at.key("dokku");
        let predeploy = Script::command(dokku.predeploy, &at.key("predeploy"))?;
        let postdeploy = Script::command(dokku.postdeploy, &at.key("postdeploy"))?;
        Ok((predeploy, postdeploy.or(heroku_postdeploy)))
    }
}

/// `scripts.dokku`.
#[derive(Deserialize)]
struct DokkuScripts {
    predeploy: Option<Script>,
    postdeploy: Option<Script>,
}

/// A script: a command string, or else Heroku's `{"command": "..."}` form,
/// read from its place (its other keys, such as `size`, are ignored).
#[derive(Deserialize)]
#[serde(untagged)]
enum Script {
    Text(String),
    Other(IgnoredAny),
}

impl Script {
    /// The command of the script at `at`, trimmed; blank counts as absent.
    fn command(script: Option<Script>, at: &At) -> Result<Option<String>, AppJsonError> {
        #[derive(Deserialize)]
        struct Heroku {
            command: Option<String>,
        }
        let command = match script {
            None => return Ok(None),
            Some(Script::Text(command)) => command,
            Some(Script::Other(_)) => {
                (at.read::<Obj<Heroku>>()?.0.command).ok_or_else(|| at.key("command").refuse())?
            }
        };
        let command = command.trim();
        Ok((!command.is_empty()).then(|| command.to_owned()))
    }
}

/// `formation`: process name -> entry (`null` entries are skipped).
#[derive(Deserialize, Default)]
struct Formation(BTreeMap<String, IgnoredAny>);

impl Formation {
    /// Valid process names (never `release`) and their quantities. Each
    /// entry is read after its key is checked, so a bad name is reported first.
    fn quantities(self, at: &At) -> Result<Vec<(ProcessName, u32)>, AppJsonError> {
        let mut formation = Vec::with_capacity(self.0.len());
        for key in self.0.keys() {
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
            if let Some(Obj(entry)) = at.read::<Option<Obj<FormationEntry>>>()? {
                let range = 0..=MAX_FORMATION_QUANTITY;
                let quantity = within(entry.quantity, range, &at.key("quantity"))?;
                formation.push((name, quantity.unwrap_or(1)));
            }
        }
        Ok(formation)
    }
}

/// `formation.NAME`.
#[derive(Deserialize)]
struct FormationEntry {
    quantity: Option<u32>,
}

/// `cron`: scheduled commands.
#[derive(Deserialize, Default)]
struct CronList(Vec<Obj<CronEntry>>);

impl CronList {
    /// Each entry's command and schedule, both required, in file order.
    fn jobs(self, at: &At) -> Result<Vec<CronJob>, AppJsonError> {
        let entries = self.0.into_iter().enumerate();
        let jobs = entries.map(|(index, Obj(entry))| {
            let at = at.index(index);
            let command = entry.command.as_deref().map(str::trim);
            let command = command.filter(|c| !c.is_empty());
            let command = command.ok_or_else(|| at.key("command").refuse())?;
            let at = at.key("schedule");
            let schedule = entry.schedule.ok_or_else(|| at.refuse())?;
            let schedule = CronSchedule::parse(&schedule).map_err(|error| AppJsonError::Cron {
                path: at.to_string(),
                error,
            })?;
            let command = command.to_owned();
            Ok(CronJob { command, schedule })
        });
        jobs.collect()
    }
}

/// `cron[i]`.
#[derive(Deserialize)]
struct CronEntry {
    command: Option<String>,
    schedule: Option<String>,
}

/// `value`, refused as the value `at` if outside `range`.
fn within<T: PartialOrd>(
    value: Option<T>,
    range: RangeInclusive<T>,
    at: &At,
) -> Result<Option<T>, AppJsonError> {
    match value {
        Some(v) if !range.contains(&v) => Err(at.refuse()),
        value => Ok(value),
    }
}

/// A JSON object read into the derived struct `T` (the derive alone would
/// also take a list for a struct).
struct Obj<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Obj)
            }
        }
        deserializer.deserialize_map(ObjVisitor(PhantomData))
    }
}

// ---------------------------------------------------------------------------
// Places in the document, and the messages of the values refused there.

/// What a correct value of each part looks like, with an example.
macro_rules! expected {
    ($($part:ident: $text:literal,)*) => { $(impl $part { const EXPECTED: &str = $text; })* };
}

expected! {
    Manifest: "a JSON object such as {\"formation\": {\"web\": {\"quantity\": 1}}}",
    Healthchecks: "an object mapping process types to lists of checks, e.g. {\"web\": [{\"path\": \"/healthz\"}]}",
    WebChecks: "a list of checks such as [{\"type\": \"startup\", \"path\": \"/healthz\"}]",
    Scripts: "an object such as {\"dokku\": {\"predeploy\": \"...\"}}",
    DokkuScripts: "an object such as {\"predeploy\": \"python manage.py collectstatic --noinput\"}",
    Formation: "an object such as {\"web\": {\"quantity\": 2}, \"worker\": {\"quantity\": 1}}",
    FormationEntry: "an object such as {\"quantity\": 1}",
    CronList: "a list such as [{\"command\": \"python manage.py clearsessions\", \"schedule\": \"@daily\"}]",
    CronEntry: "an object such as {\"command\": \"./cleanup.sh\", \"schedule\": \"0 3 * * *\"}",
}

const CHECK_EXPECTED: &str = "an object such as {\"type\": \"startup\", \"path\": \"/healthz\"}";
const COMMAND_EXPECTED: &str = "a command string such as \"python manage.py migrate\"";
const CRON_COMMAND_EXPECTED: &str =
    "a non-empty command string such as \"python manage.py clearsessions\"";
const CRON_SCHEDULE_EXPECTED: &str = "a cron schedule string such as \"*/5 * * * *\" or \"@daily\"";

/// A place in the document: the keys and list indexes that lead to it, and
/// the value there (`null` if there is none).
#[derive(Clone)]
struct At<'a> {
    path: Vec<Step>,
    value: &'a Value,
}

#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

impl<'a> At<'a> {
    fn top(root: &'a Value) -> Self {
        At {
            path: Vec::new(),
            value: root,
        }
    }

    /// The place of `key` in this object; serde_json's indexing gives `null`
    /// for a missing key, as for a list index out of range.
    fn key(&self, key: &str) -> Self {
        self.step(Step::Key(key.to_owned()), &self.value[key])
    }

    fn index(&self, index: usize) -> Self {
        self.step(Step::Index(index), &self.value[index])
    }

    fn step(&self, step: Step, value: &'a Value) -> Self {
        let mut path = self.path.clone();
        path.push(step);
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

    /// An [`AppJsonError::Invalid`] for the value here.
    fn refuse(&self) -> AppJsonError {
        AppJsonError::Invalid {
            path: self.to_string(),
            expected: self.expected(),
            got: match self.value {
                Value::Array(_) => "a list".to_owned(),
                Value::Object(_) => "an object".to_owned(),
                Value::Null if matches!(self.path.last(), Some(Step::Key(_))) => {
                    "nothing (the key is missing)".to_owned()
                }
                value => shorten(&value.to_string()),
            },
        }
    }

    /// What a correct value here looks like, with an example.
    #[rustfmt::skip]
    fn expected(&self) -> String {
        let steps = self.path.iter().map(|step| match step {
            Step::Key(key) => key.as_str(),
            Step::Index(_) => "[]",
        });
        let seconds = |min, max| format!("a whole number of seconds from {min} to {max}");
        match steps.collect::<Vec<_>>().as_slice() {
            [] => Manifest::EXPECTED.into(),
            ["healthchecks"] => Healthchecks::EXPECTED.into(),
            ["healthchecks", "web"] => WebChecks::EXPECTED.into(),
            ["healthchecks", "web", _] => CHECK_EXPECTED.into(),
            ["healthchecks", "web", _, "type"] => "one of \"startup\", \"liveness\", \"readiness\"".into(),
            ["healthchecks", "web", _, "path"] => "a path starting with a single `/`, e.g. \"/healthz\" (no full URL, no spaces, no `#`, under 1024 characters)".into(),
            ["healthchecks", "web", _, "content"] => "a string the response body must contain".into(),
            ["healthchecks", "web", _, "attempts"] => format!("a whole number of tries from 1 to {MAX_ATTEMPTS}"),
            ["healthchecks", "web", _, "wait"] => seconds(0, MAX_WAIT_SECS),
            ["healthchecks", "web", _, "timeout"] => seconds(1, MAX_TIMEOUT_SECS),
            ["healthchecks", "web", _, "initialDelay"] => seconds(0, MAX_INITIAL_DELAY_SECS),
            ["healthchecks", "web", _, "port"] => "a port number from 1 to 65535".into(),
            ["scripts"] => Scripts::EXPECTED.into(),
            ["scripts", "dokku"] => DokkuScripts::EXPECTED.into(),
            ["scripts", ..] => COMMAND_EXPECTED.into(),
            ["formation"] => Formation::EXPECTED.into(),
            ["formation", _] => FormationEntry::EXPECTED.into(),
            ["formation", _, "quantity"] => format!("a number from 0 to {MAX_FORMATION_QUANTITY}"),
            ["cron"] => CronList::EXPECTED.into(),
            ["cron", _] => CronEntry::EXPECTED.into(),
            ["cron", _, "command"] => CRON_COMMAND_EXPECTED.into(),
            ["cron", _, "schedule"] => CRON_SCHEDULE_EXPECTED.into(),
            _ => "a value Wharf can read".into(),
        }
    }
}

/// `formation.web.quantity`, `cron[0]`, `formation["odd key"]`; "the top
/// level" for the document itself.
impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            return f.write_str("the top level");
        }
        for (i, step) in self.path.iter().enumerate() {
            match step {
                Step::Index(index) => write!(f, "[{index}]")?,
                Step::Key(key) if is_plain(key) && i == 0 => f.write_str(key)?,
                Step::Key(key) if is_plain(key) => write!(f, ".{key}")?,
                Step::Key(key) => {
                    write!(f, "[{}]", shorten(&Value::from(key.as_str()).to_string()))?
                }
            }
        }
        Ok(())
    }
}

/// Whether `key` can follow a `.` in a path.
fn is_plain(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
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

/// `text`, shortened to [`MAX_QUOTED`] characters with `…` if longer.
fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_QUOTED {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(MAX_QUOTED).collect();
    short.push('…');
    short
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
        for expected in [
            Manifest::EXPECTED,
            Healthchecks::EXPECTED,
            WebChecks::EXPECTED,
            CHECK_EXPECTED,
            Scripts::EXPECTED,
            DokkuScripts::EXPECTED,
            COMMAND_EXPECTED,
            Formation::EXPECTED,
            FormationEntry::EXPECTED,
            CronList::EXPECTED,
            CronEntry::EXPECTED,
            CRON_COMMAND_EXPECTED,
            CRON_SCHEDULE_EXPECTED,
        ] {
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
