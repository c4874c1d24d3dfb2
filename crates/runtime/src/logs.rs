//! Reading container logs (stdout and stderr, running or exited containers), and Swarm
//! tasks' logs through the manager.

use bollard::query_parameters::LogsOptionsBuilder;
use futures_util::{Stream, StreamExt};
use tracing::instrument;

use crate::docker::{Docker, LONG_TIMEOUT};
use crate::error::{RuntimeError, is_not_found};

impl Docker {
    /// The last `n` lines of a container's stdout and stderr, oldest first,
    /// without trailing newlines. Works for exited containers too (with log
    /// drivers that support reading, such as the default `json-file`).
    #[instrument(skip(self))]
    pub async fn logs_tail(&self, id: &str, n: usize) -> Result<Vec<String>, RuntimeError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let options = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .follow(false)
            .tail(&n.to_string())
            .build();
        let mut stream = self.client.logs(id, Some(options));
        let mut lines = LineCollector::default();
        while let Some(item) = stream.next().await {
            match item {
                Ok(output) => lines.push(&output.into_bytes()),
                Err(e) if is_not_found(&e) => {
                    return Err(RuntimeError::NotFound(format!("container {id}")));
                }
                Err(e) => return Err(self.err(format!("reading logs of container {id}"), e)),
            }
        }
        Ok(lines.finish(n))
    }
}

/// Which of a container's output streams a log line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// One line of a container's log, with the time the engine received it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LogLine {
    /// RFC 3339 with nanoseconds, fixed width (`2026-01-02T15:04:05.000000000Z`), so
    /// timestamps order as strings.
    pub time: String,
    pub stream: LogStream,
    /// The line without its newline.
    pub text: String,
}

impl Docker {
    /// A container's log as lines with timestamps: the last `tail` lines (all if `None`), then,
    /// if `follow`, new lines as they are written until the container stops.
    pub fn log_lines(
        &self,
        id: &str,
        tail: Option<usize>,
        follow: bool,
        since: Option<i64>,
    ) -> impl Stream<Item = Result<LogLine, RuntimeError>> + Send + 'static {
        let options = log_options(tail, follow, since);
        let raw = self
            .client_with_timeout(LONG_TIMEOUT)
            .logs(id, Some(options));
        self.lines_of(raw, format!("container {id}"))
    }

    /// A Swarm task's log as lines with timestamps, as [`Docker::log_lines`] reads a
    /// container's: the manager fetches it from the task's node.
    pub fn task_log_lines(
        &self,
        task_id: &str,
        follow: bool,
        since: Option<i64>,
    ) -> impl Stream<Item = Result<LogLine, RuntimeError>> + Send + 'static {
        let options = log_options(None, follow, since);
        let raw = self
            .client_with_timeout(LONG_TIMEOUT)
            .task_logs(task_id, Some(options));
        self.lines_of(raw, format!("task {task_id}"))
    }

    /// The engine's log frames as lines; `what` names whose log it is in errors.
    fn lines_of(
        &self,
        raw: impl Stream<Item = Result<bollard::container::LogOutput, bollard::errors::Error>>
        + Send
        + 'static,
        what: String,
    ) -> impl Stream<Item = Result<LogLine, RuntimeError>> + Send + 'static {
        let endpoint = self.endpoint.clone();
        // Every frame holds one log entry (the engine frames each entry, and splits TTY
        // output on newlines), so a line without a trailing newline stays one line.
        raw.map(move |item| match item {
            Ok(output) => {
                let stream = match output {
                    bollard::container::LogOutput::StdErr { .. } => LogStream::Stderr,
                    _ => LogStream::Stdout,
                };
                let bytes = output.into_bytes();
                let lines: Vec<_> = bytes
                    .split_inclusive(|b| *b == b'\n')
                    .map(|raw| Ok(parse_timestamped(raw, stream)))
                    .collect();
                futures_util::stream::iter(lines)
            }
            Err(e) if is_not_found(&e) => {
                futures_util::stream::iter(vec![Err(RuntimeError::NotFound(what.clone()))])
            }
            Err(e) => futures_util::stream::iter(vec![Err(RuntimeError::from_bollard(
                &endpoint,
                format!("reading logs of {what}"),
                e,
            ))]),
        })
        .flatten()
    }
}

/// The engine's log options: both streams with timestamps, the last `tail` lines (all if
/// `None`), from `since` (whole seconds; a caller filters the lines of that second itself).
fn log_options(
    tail: Option<usize>,
    follow: bool,
    since: Option<i64>,
) -> bollard::query_parameters::LogsOptions {
    let tail = tail.map_or_else(|| "all".to_owned(), |n| n.to_string());
    let since = since.map_or(0, |s| i32::try_from(s).unwrap_or(i32::MAX));
    LogsOptionsBuilder::default()
        .stdout(true)
        .stderr(true)
        .follow(follow)
        .since(since)
        .timestamps(true)
        .tail(&tail)
        .build()
}

/// `2026-01-02T15:04:05.000000000Z text` as the engine sends it with `timestamps=true`.
fn parse_timestamped(raw: &[u8], stream: LogStream) -> LogLine {
    let line = to_line(raw);
    match line.split_once(' ') {
        Some((time, text)) if time.len() >= 20 && time.as_bytes()[4] == b'-' => LogLine {
            time: time.to_owned(),
            stream,
            text: text.to_owned(),
        },
        _ => LogLine {
            time: String::new(),
            stream,
            text: line,
        },
    }
}

/// Splits log frames into lines, joining lines split across frames.
#[derive(Default)]
struct LineCollector {
    lines: Vec<String>,
    partial: Vec<u8>,
}

impl LineCollector {
    fn push(&mut self, bytes: &[u8]) {
        for chunk in bytes.split_inclusive(|b| *b == b'\n') {
            self.partial.extend_from_slice(chunk);
            if chunk.ends_with(b"\n") {
                let raw = std::mem::take(&mut self.partial);
                self.lines.push(to_line(&raw));
            }
        }
    }

    fn finish(mut self, n: usize) -> Vec<String> {
        if !self.partial.is_empty() {
            let raw = std::mem::take(&mut self.partial);
            self.lines.push(to_line(&raw));
        }
        let skip = self.lines.len().saturating_sub(n);
        self.lines.split_off(skip)
    }
}

fn to_line(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    text.trim_end_matches(['\n', '\r']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_split_frames_and_keeps_last_n() {
        let mut c = LineCollector::default();
        c.push(b"one\ntw");
        c.push(b"o\r\nthree\n");
        c.push(b"four");
        assert_eq!(c.finish(3), ["two", "three", "four"]);
    }

    #[test]
    fn timestamps_are_split_off() {
        let l = parse_timestamped(
            b"2026-01-02T15:04:05.000000001Z hello world\r\n",
            LogStream::Stderr,
        );
        assert_eq!(l.time, "2026-01-02T15:04:05.000000001Z");
        assert_eq!(l.text, "hello world");
        assert_eq!(l.stream, LogStream::Stderr);
        assert_eq!(parse_timestamped(b"odd\n", LogStream::Stdout).text, "odd");
    }
}
