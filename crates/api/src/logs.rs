//! Container logs and release logs.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The query of `GET /v1/apps/{app}/logs`: the app's kept lines (they outlive its containers,
/// within the store's size and age bounds), picked by time, text, release and process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogsQuery {
    /// The last this many of the lines picked: a number or `all` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail: Option<String>,
    /// Keep the stream open and send lines as they are written.
    #[serde(default)]
    pub follow: bool,
    /// One process only (`web`, `worker`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    /// Only lines written after this time: a span back from now (`90s`, `30m`, `2h`, `3d`,
    /// `1w`) or an RFC 3339 time (e.g. the `time` of the last line a client has, so a client
    /// that has lines can follow on from them without a gap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Only lines written at or before this time (a span back from now or an RFC 3339 time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Only lines containing this text (as written, case and all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grep: Option<String>,
    /// Only lines of this release's containers (`7` or `v7`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
}

/// One line of `GET /v1/apps/{app}/logs` (`application/x-ndjson`). Without `follow`, lines
/// come ordered by time; with it, as they are written. A failure part-way ends the stream with
/// an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum LogEvent {
    Line(LogEntry),
    Error(crate::ErrorBody),
}

/// A line a container wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogEntry {
    /// Its process and replica (`web.1`), or its task container.
    pub source: String,
    pub stream: LogStream,
    /// When the engine received it: RFC 3339 with nanoseconds, fixed width.
    pub time: String,
    /// The line without its newline.
    pub line: String,
}

/// Which of a container's output streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// `GET /v1/apps/{app}/releases/{version}/log`: a release's build and deploy output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReleaseLog {
    pub version: u32,
    pub log: String,
}
