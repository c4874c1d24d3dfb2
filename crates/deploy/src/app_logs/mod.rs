//! The app log store: every app's container output kept on disk after its containers are gone,
//! so `wharf logs` reaches lines from before redeploys and restarts.
//!
//! An app's lines live in `DATA/app-logs/APP/` (directories 0700, files 0600) as numbered
//! segments of JSON lines (`segments`), one [`StoredLine`] each: when the engine received it,
//! which container and `source` (`web.1`) wrote it on which stream, under which release. The
//! newest segment is appended to; a full one is closed and a new one begun, and the oldest
//! segments go when the app's lines pass its [`LogBounds`] (size, age), on every write and
//! periodically. The daemon's `follower` task writes them, following every app container's
//! output from the engine and resuming each from the last line stored for it (`since`), so
//! after a restart nothing is lost while the engine still has the container, and nothing is
//! stored twice. Readers (`query`) filter by time, text, release and process, or follow the
//! files as they grow.

mod follower;
mod job_outputs;
mod query;
mod segments;
mod store;
#[cfg(test)]
mod tests;

pub(crate) use job_outputs::JobOutputs;
pub use query::{LogFilter, Position};
pub use store::AppLogs;

use std::path::PathBuf;
use std::time::Duration;
use wharf_runtime::LogStream;

/// An app's log store stays under this size by default: 100 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 100 * 1024 * 1024;
/// Lines older than this go by default: 14 days.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(14 * 24 * 3600);
/// The smallest size bound: a few segments of a few lines.
pub const MIN_MAX_BYTES: u64 = 32 * 1024;

/// How much of an app's output is kept: its lines are deleted, oldest segment first, when they
/// take more than `max_bytes` or are older than `max_age`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogBounds {
    pub max_bytes: u64,
    pub max_age: Duration,
}

impl Default for LogBounds {
    fn default() -> LogBounds {
        LogBounds {
            max_bytes: DEFAULT_MAX_BYTES,
            max_age: DEFAULT_MAX_AGE,
        }
    }
}

impl LogBounds {
    /// A segment's size: an eighth of the bound (so deleting the oldest loses an eighth of
    /// the history at most), within 4 KiB and 16 MiB.
    pub fn segment_bytes(&self) -> u64 {
        (self.max_bytes / 8).clamp(4 * 1024, 16 * 1024 * 1024)
    }
}

/// One line an app's container wrote, as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredLine {
    /// When the engine received it, in its fixed-width RFC 3339 form, so times order as text.
    #[serde(rename = "t")]
    pub time: String,
    /// The container's process and replica (`web.1`), or its task (`run.1a2b3c`).
    #[serde(rename = "s")]
    pub source: String,
    #[serde(rename = "o")]
    pub stream: LogStream,
    /// The release the container ran.
    #[serde(rename = "r")]
    pub release: u32,
    /// The container's short id: where a follower resumes.
    #[serde(rename = "c")]
    pub container: String,
    /// The line without its newline.
    #[serde(rename = "l")]
    pub text: String,
}

impl StoredLine {
    /// The process part of its source (`web` of `web.1`).
    pub fn process(&self) -> &str {
        self.source.split('.').next().unwrap_or_default()
    }
}

/// The log store could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("app log store at {}: {source}", path.display())]
pub struct AppLogError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl AppLogError {
    pub(crate) fn at(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> AppLogError {
        let path = path.into();
        move |source| AppLogError { path, source }
    }
}
