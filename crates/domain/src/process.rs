//! Process names: the kind of container an app runs (`web` today, Procfile types later).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::NameError;
use crate::dns_label::check_label;

/// The process that serves HTTP traffic; every app has one.
pub const WEB: &str = "web";

/// What a deploy and `wharf ps` say of a process left at scale 0 (processes other than `web`
/// start only with a quantity, from app.json's `formation` or `wharf scale`), and how to
/// start it.
pub fn not_started_note(app: &str, process: &str) -> String {
    format!(
        "{process}: not started (scale 0); start it with `wharf scale {app} {process}=1` \
         or app.json \"formation\": {{\"{process}\": {{\"quantity\": 1}}}}"
    )
}

/// A validated process name, e.g. `web` or `worker`.
///
/// Follows the same DNS-label rules as app names (1..=63 characters of
/// lowercase `a-z`, `0-9`, `-`, starting with a letter, not ending with `-`),
/// because it becomes part of container names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProcessName(String);

impl ProcessName {
    /// Validates `input` as a process name.
    pub fn parse(input: &str) -> Result<ProcessName, NameError> {
        check_label("process name", input)?;
        Ok(ProcessName(input.to_owned()))
    }

    /// The `web` process.
    pub fn web() -> ProcessName {
        ProcessName(WEB.to_owned())
    }

    /// Whether this is the `web` process.
    pub fn is_web(&self) -> bool {
        self.0 == WEB
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ProcessName {
    fn default() -> Self {
        ProcessName::web()
    }
}

impl fmt::Display for ProcessName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for ProcessName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ProcessName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl FromStr for ProcessName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProcessName::parse(s)
    }
}

impl TryFrom<String> for ProcessName {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ProcessName::parse(&s)
    }
}

impl From<ProcessName> for String {
    fn from(name: ProcessName) -> String {
        name.0
    }
}

/// `WEB_CONCURRENCY`, the number of worker processes gunicorn, Puma, Unicorn and the like start
/// when an app does not say, as Heroku sets it: one per 256 MiB of the container's memory
/// limit (1 to 8), or 2 without a limit (what a small server's container can hold beside its
/// neighbours). An app's own `WEB_CONCURRENCY` config var wins.
pub fn web_concurrency(memory_limit: Option<u64>) -> u32 {
    const PER_WORKER: u64 = 256 * 1024 * 1024;
    match memory_limit {
        Some(bytes) => (bytes / PER_WORKER).clamp(1, 8) as u32,
        None => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_concurrency_follows_the_memory_limit() {
        const MIB: u64 = 1024 * 1024;
        assert_eq!(web_concurrency(None), 2);
        assert_eq!(web_concurrency(Some(128 * MIB)), 1);
        assert_eq!(web_concurrency(Some(512 * MIB)), 2);
        assert_eq!(web_concurrency(Some(1024 * MIB)), 4);
        assert_eq!(web_concurrency(Some(64 * 1024 * MIB)), 8);
    }
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StringDeserializer};

    #[test]
    fn the_not_started_note_says_how_to_start_the_process() {
        assert_eq!(
            not_started_note("blog", "worker"),
            "worker: not started (scale 0); start it with `wharf scale blog worker=1` \
             or app.json \"formation\": {\"worker\": {\"quantity\": 1}}"
        );
    }

    #[test]
    fn web_is_valid_and_default() {
        assert_eq!(ProcessName::parse(WEB).unwrap(), ProcessName::web());
        assert_eq!(ProcessName::default().as_str(), "web");
        assert!(ProcessName::web().is_web());
        assert!(!ProcessName::parse("worker").unwrap().is_web());
    }

    #[test]
    fn rejects_bad_names_with_process_wording() {
        let err = ProcessName::parse("Worker").unwrap_err();
        assert!(
            err.to_string().starts_with("process name `Worker`"),
            "{err}"
        );
        for bad in ["", "1x", "x-", "a_b", "a b"] {
            assert!(ProcessName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn wharf_is_a_fine_process_name() {
        // Only app names reserve `wharf`.
        assert!(ProcessName::parse("wharf").is_ok());
    }

    #[test]
    fn deserialize_validates() {
        let ok: StringDeserializer<DeError> = "worker".to_owned().into_deserializer();
        assert_eq!(ProcessName::deserialize(ok).unwrap().to_string(), "worker");
        let bad: StringDeserializer<DeError> = "BAD".to_owned().into_deserializer();
        assert!(ProcessName::deserialize(bad).is_err());
    }
}
