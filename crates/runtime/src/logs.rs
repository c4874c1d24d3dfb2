//! Reading container logs (stdout and stderr, running or exited containers).

use bollard::query_parameters::LogsOptionsBuilder;
use futures_util::StreamExt;
use tracing::instrument;

use crate::docker::Docker;
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
}
