//! How a change recorded in the activity log ended.

use serde::{Deserialize, Serialize};

/// Where a recorded change is: still running, done, failed, or cut short by the daemon
/// stopping before it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventResult {
    Running,
    Ok,
    Failed,
    Interrupted,
}

impl EventResult {
    /// Every result, in the order a change goes through them.
    pub const ALL: [EventResult; 4] = [
        EventResult::Running,
        EventResult::Ok,
        EventResult::Failed,
        EventResult::Interrupted,
    ];

    /// The lowercase form, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            EventResult::Running => "running",
            EventResult::Ok => "ok",
            EventResult::Failed => "failed",
            EventResult::Interrupted => "interrupted",
        }
    }

    /// The result written as `as_str` gives it, if it is one.
    pub fn from_stored(text: &str) -> Option<EventResult> {
        EventResult::ALL
            .into_iter()
            .find(|result| result.as_str() == text)
    }
}

impl std::fmt::Display for EventResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
