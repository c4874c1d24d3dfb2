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
//! reported with its line and column before anything else), then each part
//! is deserialized into a private struct that states its shape, with
//! `serde_path_to_error` recording where a value was refused. Every object
//! and list goes through [`Shape`], and every value Wharf reads through
//! [`leaf`], so a wrong value is described the same way everywhere:
//! `PATH must be EXPECTED, got FOUND`. Rules that need more than one value
//! (process names as keys, which health check is used, required keys) are
//! checked after, on the deserialized parts.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
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
        let Object(manifest) = read::<Object<Manifest>>(&root, "")?;
        let (predeploy, postdeploy) = scripts(manifest.scripts)?;
        Ok(AppJson {
            healthchecks: web_healthcheck(manifest.healthchecks)?,
            predeploy,
            postdeploy,
            formation: formation(manifest.formation)?,
            cron: cron_jobs(manifest.cron)?,
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
// The shape of the file, as serde reads it.

/// The top level. Keys Wharf does not read are skipped.
#[derive(Deserialize)]
struct Manifest {
    healthchecks: Option<Object<Healthchecks>>,
    scripts: Option<Object<Scripts>>,
    formation: Option<Object<Formation>>,
    cron: Option<CronList>,
}

impl Expected for Manifest {
    const EXPECTED: &'static str =
        "a JSON object such as {\"formation\": {\"web\": {\"quantity\": 1}}}";
}

/// `healthchecks`: only `web` is read.
#[derive(Deserialize)]
struct Healthchecks {
    web: Option<WebChecks>,
}

impl Expected for Healthchecks {
    const EXPECTED: &'static str = "an object mapping process types to lists of checks, e.g. {\"web\": [{\"path\": \"/healthz\"}]}";
}

/// `healthchecks.web`: the checks, each read only as far as needed (see
/// [`web_healthcheck`]).
struct WebChecks(Vec<Value>);

impl<'de> Shape<'de> for WebChecks {
    const EXPECTED: &'static str =
        "a list of checks such as [{\"type\": \"startup\", \"path\": \"/healthz\"}]";
    fn from_seq<A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        Vec::deserialize(SeqAccessDeserializer::new(seq)).map(WebChecks)
    }
}

/// What kind of check a `healthchecks.web[i]` entry is.
#[derive(Deserialize)]
struct CheckKind {
    /// `true` for a startup check (the default), `false` for liveness and
    /// readiness checks.
    #[serde(rename = "type", default, deserialize_with = "check_type")]
    startup: Option<bool>,
    path: Option<IgnoredAny>,
    content: Option<IgnoredAny>,
    command: Option<IgnoredAny>,
}

impl CheckKind {
    /// A startup check made by HTTP: uptime, listening and command checks
    /// are not, and Wharf only runs an HTTP check during deploys.
    fn is_startup_http(&self) -> bool {
        self.startup.unwrap_or(true)
            && (self.path.is_some() || self.content.is_some())
            && self.command.is_none()
    }
}

const CHECK_EXPECTED: &str = "an object such as {\"type\": \"startup\", \"path\": \"/healthz\"}";

impl Expected for CheckKind {
    const EXPECTED: &'static str = CHECK_EXPECTED;
}

/// A startup HTTP check, every value checked.
#[derive(Deserialize)]
struct HttpCheck {
    #[serde(default, deserialize_with = "check_path")]
    path: Option<String>,
    #[serde(default, deserialize_with = "check_content")]
    content: Option<String>,
    #[serde(default, deserialize_with = "check_attempts")]
    attempts: Option<u32>,
    #[serde(default, deserialize_with = "check_wait")]
    wait: Option<Duration>,
    #[serde(default, deserialize_with = "check_timeout")]
    timeout: Option<Duration>,
    #[serde(rename = "initialDelay", default, deserialize_with = "check_delay")]
    initial_delay: Option<Duration>,
    #[serde(default, deserialize_with = "check_port")]
    port: Option<u16>,
}

impl Expected for HttpCheck {
    const EXPECTED: &'static str = CHECK_EXPECTED;
}

impl From<HttpCheck> for WebHealthcheck {
    fn from(check: HttpCheck) -> Self {
        let d = WebHealthcheck::default();
        WebHealthcheck {
            path: check.path.unwrap_or(d.path),
            content: check.content.filter(|c| !c.is_empty()),
            attempts: check.attempts.unwrap_or(d.attempts),
            wait: check.wait.unwrap_or(d.wait),
            timeout: check.timeout.unwrap_or(d.timeout),
            initial_delay: check.initial_delay.unwrap_or(d.initial_delay),
            port: check.port,
        }
    }
}

/// `scripts`: Heroku's `postdeploy` and Dokku's own.
#[derive(Deserialize)]
struct Scripts {
    postdeploy: Option<Script>,
    dokku: Option<Object<DokkuScripts>>,
}

impl Expected for Scripts {
    const EXPECTED: &'static str = "an object such as {\"dokku\": {\"predeploy\": \"...\"}}";
}

/// `scripts.dokku`.
#[derive(Deserialize)]
struct DokkuScripts {
    predeploy: Option<Script>,
    postdeploy: Option<Script>,
}

impl Expected for DokkuScripts {
    const EXPECTED: &'static str =
        "an object such as {\"predeploy\": \"python manage.py collectstatic --noinput\"}";
}

const COMMAND_EXPECTED: &str = "a command string such as \"python manage.py migrate\"";

/// A script: a command string, or Heroku's `{"command": "..."}` form (its
/// other keys, such as `size`, are ignored).
enum Script {
    Text(String),
    Object { command: Option<String> },
}

impl<'de> Shape<'de> for Script {
    const EXPECTED: &'static str = COMMAND_EXPECTED;
    fn from_str<E: de::Error>(text: &str) -> Result<Self, E> {
        Ok(Script::Text(text.to_owned()))
    }
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        #[derive(Deserialize)]
        struct ScriptObject {
            #[serde(default, deserialize_with = "command_text")]
            command: Option<String>,
        }
        let object = ScriptObject::deserialize(MapAccessDeserializer::new(map))?;
        Ok(Script::Object {
            command: object.command,
        })
    }
}

/// `formation`: process name -> entry (`null` entries are skipped). Each
/// entry is read after its key is checked, so a bad name is reported first.
#[derive(Deserialize)]
#[serde(transparent)]
struct Formation(BTreeMap<String, Value>);

impl Expected for Formation {
    const EXPECTED: &'static str =
        "an object such as {\"web\": {\"quantity\": 2}, \"worker\": {\"quantity\": 1}}";
}

/// `formation.NAME`.
#[derive(Deserialize)]
struct FormationEntry {
    #[serde(default, deserialize_with = "formation_quantity")]
    quantity: Option<u32>,
}

impl Expected for FormationEntry {
    const EXPECTED: &'static str = "an object such as {\"quantity\": 1}";
}

/// `cron`: the entries, each read in turn by [`cron_jobs`].
struct CronList(Vec<Value>);

impl<'de> Shape<'de> for CronList {
    const EXPECTED: &'static str = "a list such as [{\"command\": \"python manage.py clearsessions\", \"schedule\": \"@daily\"}]";
    fn from_seq<A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        Vec::deserialize(SeqAccessDeserializer::new(seq)).map(CronList)
    }
}

/// `cron[i]`; both keys are required, which [`cron_jobs`] checks.
#[derive(Deserialize)]
struct CronEntry {
    #[serde(default, deserialize_with = "cron_command")]
    command: Option<String>,
    #[serde(default, deserialize_with = "cron_schedule")]
    schedule: Option<String>,
}

const CRON_COMMAND_EXPECTED: &str =
    "a non-empty command string such as \"python manage.py clearsessions\"";
const CRON_SCHEDULE_EXPECTED: &str = "a cron schedule string such as \"*/5 * * * *\" or \"@daily\"";

impl Expected for CronEntry {
    const EXPECTED: &'static str =
        "an object such as {\"command\": \"./cleanup.sh\", \"schedule\": \"0 3 * * *\"}";
}

// ---------------------------------------------------------------------------
// Rules checked on the deserialized parts.

/// `healthchecks`: the first startup HTTP check of `web`, if any. Entries
/// before it are read only as far as their `type`; entries after it not at
/// all, as Dokku does not use them for a deploy either.
fn web_healthcheck(
    healthchecks: Option<Object<Healthchecks>>,
) -> Result<Option<WebHealthcheck>, AppJsonError> {
    let Some(WebChecks(checks)) = healthchecks.and_then(|Object(h)| h.web) else {
        return Ok(None);
    };
    for (index, entry) in checks.iter().enumerate() {
        let path = format!("healthchecks.web[{index}]");
        let Object(kind) = read::<Object<CheckKind>>(entry, &path)?;
        if kind.is_startup_http() {
            let Object(check) = read::<Object<HttpCheck>>(entry, &path)?;
            return Ok(Some(check.into()));
        }
    }
    Ok(None)
}

/// `scripts`: (predeploy, postdeploy); Dokku's postdeploy wins over Heroku's.
fn scripts(
    scripts: Option<Object<Scripts>>,
) -> Result<(Option<String>, Option<String>), AppJsonError> {
    let Some(Object(scripts)) = scripts else {
        return Ok((None, None));
    };
    let heroku_postdeploy = command(scripts.postdeploy, "scripts.postdeploy")?;
    let Some(Object(dokku)) = scripts.dokku else {
        return Ok((None, heroku_postdeploy));
    };
    let predeploy = command(dokku.predeploy, "scripts.dokku.predeploy")?;
    let postdeploy = command(dokku.postdeploy, "scripts.dokku.postdeploy")?;
    Ok((predeploy, postdeploy.or(heroku_postdeploy)))
}

/// A script's command, trimmed; blank counts as absent.
fn command(script: Option<Script>, path: &str) -> Result<Option<String>, AppJsonError> {
    let text = match script {
        None => return Ok(None),
        Some(Script::Text(text)) => text,
        Some(Script::Object {
            command: Some(text),
        }) => text,
        Some(Script::Object { command: None }) => {
            return Err(missing(&child(path, "command"), COMMAND_EXPECTED));
        }
    };
    let text = text.trim();
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// `formation`: valid process names (never `release`) and their quantities.
fn formation(
    formation: Option<Object<Formation>>,
) -> Result<Vec<(ProcessName, u32)>, AppJsonError> {
    let Some(Object(Formation(map))) = formation else {
        return Ok(Vec::new());
    };
    let mut formation = Vec::with_capacity(map.len());
    for (key, entry) in &map {
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
        let Object(entry) = read::<Object<FormationEntry>>(entry, &path)?;
        formation.push((name, entry.quantity.unwrap_or(1)));
    }
    Ok(formation)
}

/// `cron`: each entry's command and schedule, in file order.
fn cron_jobs(list: Option<CronList>) -> Result<Vec<CronJob>, AppJsonError> {
    let Some(CronList(list)) = list else {
        return Ok(Vec::new());
    };
    let mut jobs = Vec::with_capacity(list.len());
    for (index, entry) in list.iter().enumerate() {
        let path = format!("cron[{index}]");
        let Object(job) = read::<Object<CronEntry>>(entry, &path)?;
        let command = job
            .command
            .ok_or_else(|| missing(&child(&path, "command"), CRON_COMMAND_EXPECTED))?;
        let schedule_path = child(&path, "schedule");
        let schedule = job
            .schedule
            .ok_or_else(|| missing(&schedule_path, CRON_SCHEDULE_EXPECTED))?;
        let schedule = CronSchedule::parse(&schedule).map_err(|error| AppJsonError::Cron {
            path: schedule_path,
            error,
        })?;
        jobs.push(CronJob { command, schedule });
    }
    Ok(jobs)
}

// ---------------------------------------------------------------------------
// Values: each read whole, `null` as absent, checked, and refused with what
// was expected and what was found.

/// Reads one value Wharf uses: `null` is absent; otherwise `check` gives the
/// value, or `None` to refuse it as not `expected`.
fn leaf<'de, D, T>(
    deserializer: D,
    expected: &str,
    check: impl FnOnce(&Value) -> Option<T>,
) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Value::deserialize(deserializer)?;
    if value.is_null() {
        return Ok(None);
    }
    check(&value)
        .map(Some)
        .ok_or_else(|| refuse(expected, &describe(&value)))
}

/// A whole number in `range` (JSON integers only: no strings, no `2.0`).
fn whole(value: &Value, range: std::ops::RangeInclusive<u64>) -> Option<u64> {
    value.as_u64().filter(|n| range.contains(n))
}

/// A whole number of seconds from `min` to `max`.
fn seconds<'de, D: Deserializer<'de>>(
    deserializer: D,
    min: u64,
    max: u64,
) -> Result<Option<Duration>, D::Error> {
    let expected = format!("a whole number of seconds from {min} to {max}");
    leaf(deserializer, &expected, |v| {
        whole(v, min..=max).map(Duration::from_secs)
    })
}

fn check_type<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    leaf(
        d,
        "one of \"startup\", \"liveness\", \"readiness\"",
        |v| match v.as_str()? {
            "" | "startup" => Some(true),
            "liveness" | "readiness" => Some(false),
            _ => None,
        },
    )
}

fn check_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    leaf(
        d,
        "a path starting with a single `/`, e.g. \"/healthz\" (no full URL, no spaces, no `#`, under 1024 characters)",
        |v| v.as_str().filter(|p| is_good_path(p)).map(str::to_owned),
    )
}

fn check_content<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    leaf(d, "a string the response body must contain", |v| {
        v.as_str().map(str::to_owned)
    })
}

fn check_attempts<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let expected = format!("a whole number of tries from 1 to {MAX_ATTEMPTS}");
    leaf(d, &expected, |v| {
        whole(v, 1..=MAX_ATTEMPTS).and_then(|n| u32::try_from(n).ok())
    })
}

fn check_wait<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    seconds(d, 0, MAX_WAIT_SECS)
}

fn check_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    seconds(d, 1, MAX_TIMEOUT_SECS)
}

fn check_delay<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    seconds(d, 0, MAX_INITIAL_DELAY_SECS)
}

fn check_port<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    leaf(d, "a port number from 1 to 65535", |v| {
        whole(v, 1..=u64::from(u16::MAX)).and_then(|n| u16::try_from(n).ok())
    })
}

fn command_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    leaf(d, COMMAND_EXPECTED, |v| v.as_str().map(str::to_owned))
}

fn formation_quantity<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let expected = format!("a number from 0 to {MAX_FORMATION_QUANTITY}");
    leaf(d, &expected, |v| {
        whole(v, 0..=u64::from(MAX_FORMATION_QUANTITY)).and_then(|n| u32::try_from(n).ok())
    })
}

fn cron_command<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    leaf(d, CRON_COMMAND_EXPECTED, |v| {
        let text = v.as_str()?.trim();
        (!text.is_empty()).then(|| text.to_owned())
    })
}

fn cron_schedule<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    leaf(d, CRON_SCHEDULE_EXPECTED, |v| v.as_str().map(str::to_owned))
}

/// Whether `path` is an acceptable request path.
fn is_good_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= MAX_PATH_LEN
        && !path.contains('#')
        && !path.chars().any(|c| c.is_whitespace() || c.is_control())
}

// ---------------------------------------------------------------------------
// Objects and lists: a visitor that accepts the JSON kinds a part is made of
// and refuses every other kind with the part's own example.

/// A part of app.json read by [`ShapeVisitor`]: each JSON kind it accepts is
/// a method; any other value is refused as not `EXPECTED`.
trait Shape<'de>: Sized {
    /// What a correct value looks like, with an example.
    const EXPECTED: &'static str;

    fn from_map<A: MapAccess<'de>>(_map: A) -> Result<Self, A::Error> {
        Err(refuse(Self::EXPECTED, "an object"))
    }

    fn from_seq<A: SeqAccess<'de>>(_seq: A) -> Result<Self, A::Error> {
        Err(refuse(Self::EXPECTED, "a list"))
    }

    fn from_str<E: de::Error>(text: &str) -> Result<Self, E> {
        Err(refuse(Self::EXPECTED, &describe(&Value::from(text))))
    }
}

struct ShapeVisitor<T>(PhantomData<T>);

impl<'de, T: Shape<'de>> Visitor<'de> for ShapeVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTED)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_map(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::from_seq(seq)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        T::from_str(text)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<T, E> {
        Err(refuse(T::EXPECTED, &describe(&Value::Bool(b))))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<T, E> {
        Err(refuse(T::EXPECTED, &describe(&Value::from(n))))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<T, E> {
        Err(refuse(T::EXPECTED, &describe(&Value::from(n))))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<T, E> {
        Err(refuse(T::EXPECTED, &describe(&Value::from(n))))
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Err(refuse(T::EXPECTED, &describe(&Value::Null)))
    }
}

/// A struct that is read from a JSON object.
trait Expected {
    /// What a correct object looks like, with an example.
    const EXPECTED: &'static str;
}

/// A JSON object read into the derived struct `T`; any other value is
/// refused as not `T::EXPECTED` (serde alone would accept a list for a struct).
struct Object<T>(T);

impl<'de, T: Deserialize<'de> + Expected> Shape<'de> for Object<T> {
    const EXPECTED: &'static str = T::EXPECTED;
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(Object)
    }
}

/// `Deserialize` for a [`Shape`].
macro_rules! deserialize_shape {
    ($($ty:ty),* $(,)?) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(ShapeVisitor(PhantomData))
            }
        }
    )*};
}

deserialize_shape!(WebChecks, Script, CronList);

impl<'de, T: Deserialize<'de> + Expected> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShapeVisitor(PhantomData))
    }
}

// ---------------------------------------------------------------------------
// Errors and paths.

/// Separators of a refusal's message, `must be EXPECTED, got FOUND`. Wharf's
/// `EXPECTED` texts never contain `, got `, so [`into_error`] can split the
/// message back into its two parts (a test checks this).
const MUST_BE: &str = "must be ";
const GOT: &str = ", got ";

/// A refusal, as the serde error that `serde_path_to_error` places.
fn refuse<E: de::Error>(expected: &str, found: &str) -> E {
    E::custom(format_args!("{MUST_BE}{expected}{GOT}{found}"))
}

/// Reads `value` as `T`; a refusal becomes an error at `at` followed by the
/// path inside `value`.
fn read<'a, T: Deserialize<'a>>(value: &'a Value, at: &str) -> Result<T, AppJsonError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = join(at, error.path());
        into_error(path, &error.into_inner().to_string())
    })
}

/// An [`AppJsonError::Invalid`] from a refusal's message.
fn into_error(path: String, message: &str) -> AppJsonError {
    let (expected, got) = message
        .strip_prefix(MUST_BE)
        .and_then(|rest| rest.split_once(GOT))
        .unwrap_or(("a value Wharf can read", message));
    AppJsonError::Invalid {
        path,
        expected: expected.to_owned(),
        got: got.to_owned(),
    }
}

/// An [`AppJsonError::Invalid`] for a required key that is missing.
fn missing(path: &str, expected: &str) -> AppJsonError {
    AppJsonError::Invalid {
        path: path.to_owned(),
        expected: expected.to_owned(),
        got: "nothing (the key is missing)".to_owned(),
    }
}

/// `at` followed by the segments of `path`; "the top level" when both are
/// empty.
fn join(at: &str, path: &serde_path_to_error::Path) -> String {
    let mut joined = at.to_owned();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => joined.push_str(&format!("[{index}]")),
            Segment::Map { key } if joined.is_empty() && is_plain(key) => joined.push_str(key),
            Segment::Map { key } => joined = child(&joined, key),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    if joined.is_empty() {
        "the top level".to_owned()
    } else {
        joined
    }
}

/// Whether `key` can follow a `.` in a path.
fn is_plain(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `parent.key`, or `parent["odd key"]` when the key is not a plain word.
fn child(parent: &str, key: &str) -> String {
    if is_plain(key) {
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
