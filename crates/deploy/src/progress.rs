//! Progress of a deploy: lines sent to the client as they happen and kept for the release log.

use crate::live::{Ended, LiveDeploy};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::mpsc;

/// Where a deploy reports what it is doing. Lines go to the client (if it is still listening)
/// and are kept so they can be stored as the release's log; once the deploy has a release,
/// they also go to its [`LiveDeploy`] for pages that watch it.
pub struct Progress {
    tx: Option<mpsc::UnboundedSender<String>>,
    kept: Mutex<String>,
    live: OnceLock<Arc<LiveDeploy>>,
}

impl Progress {
    pub fn new(tx: mpsc::UnboundedSender<String>) -> Progress {
        Progress {
            tx: Some(tx),
            kept: Mutex::new(String::new()),
            live: OnceLock::new(),
        }
    }

    /// A sink that only keeps lines (for deploys nobody watches).
    pub fn silent() -> Progress {
        Progress {
            tx: None,
            kept: Mutex::new(String::new()),
            live: OnceLock::new(),
        }
    }

    pub fn line(&self, line: impl Into<String>) {
        let line = line.into();
        if let Ok(mut kept) = self.kept.lock() {
            kept.push_str(&line);
            kept.push('\n');
        }
        if let Some(live) = self.live.get() {
            live.push(&line);
        }
        if let Some(tx) = &self.tx {
            // The client may have gone; the deploy carries on regardless.
            let _ = tx.send(line);
        }
    }

    /// From now on, lines also go to `live`, which first gets the lines reported so far.
    /// A deploy is watched once: a second call is ignored.
    pub(crate) fn watch_as(&self, live: Arc<LiveDeploy>) {
        if let Ok(kept) = self.kept.lock() {
            kept.lines().for_each(|line| live.push(line));
        }
        let _ = self.live.set(live);
    }

    /// Tells the watchers how the deploy ended.
    pub(crate) fn end(&self, ended: Ended) {
        if let Some(live) = self.live.get() {
            live.end(ended);
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

/// A deploy whose task stops before it records how it went still ends for its watchers.
impl Drop for Progress {
    fn drop(&mut self) {
        self.end(Ended::Failed(
            "the deploy stopped before it finished (the daemon restarted or the task ended)"
                .to_owned(),
        ));
    }
}
