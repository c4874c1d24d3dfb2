//! Progress of a deploy: lines sent to the client as they happen and kept for the release log.

use std::sync::Mutex;
use tokio::sync::mpsc;

/// Where a deploy reports what it is doing. Lines go to the client (if it is still listening)
/// and are kept so they can be stored as the release's log.
pub struct Progress {
    tx: Option<mpsc::UnboundedSender<String>>,
    kept: Mutex<String>,
}

impl Progress {
    pub fn new(tx: mpsc::UnboundedSender<String>) -> Progress {
        Progress {
            tx: Some(tx),
            kept: Mutex::new(String::new()),
        }
    }

    /// A sink that only keeps lines (for deploys nobody watches).
    pub fn silent() -> Progress {
        Progress {
            tx: None,
            kept: Mutex::new(String::new()),
        }
    }

    pub fn line(&self, line: impl Into<String>) {
        let line = line.into();
        if let Ok(mut kept) = self.kept.lock() {
            kept.push_str(&line);
            kept.push('\n');
        }
        if let Some(tx) = &self.tx {
            // The client may have gone; the deploy carries on regardless.
            let _ = tx.send(line);
        }
    }

    /// Everything reported so far, and clear it.
    pub fn take(&self) -> String {
        self.kept
            .lock()
            .map(|mut kept| std::mem::take(&mut *kept))
            .unwrap_or_default()
    }
}
