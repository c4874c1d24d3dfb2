//! Deploys watched as they happen: each app's latest deploy keeps the lines it printed and how
//! it ended, so a page can show a deploy's output so far and follow it to the end, whoever
//! started it (git push, `wharf push`, the API, the dashboard).
//!
//! A [`LiveDeploy`] is registered when a deploy records its release and ended when the deploy
//! records how it went (or, if the task stops first, when its [`crate::Progress`] is dropped).
//! The next deploy of the app replaces it; the stored release log keeps every deploy's output.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::watch;
use wharf_domain::{AppName, ReleaseVersion};

/// Most lines a live deploy keeps; past it, only a note that the rest is in the release log.
const MAX_LIVE_LINES: usize = 5000;

/// How a watched deploy ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The release serves now.
    Live,
    /// The deploy failed; the previous release keeps serving.
    Failed(String),
}

/// The latest deploy of every app that has deployed since the daemon started.
#[derive(Default)]
pub struct LiveDeploys {
    by_app: Mutex<HashMap<AppName, Arc<LiveDeploy>>>,
}

impl LiveDeploys {
    /// A new watched deploy of `app` making release `version`, replacing the app's last one.
    pub(crate) fn begin(&self, app: &AppName, version: ReleaseVersion) -> Arc<LiveDeploy> {
        let deploy = Arc::new(LiveDeploy {
            app: app.clone(),
            version,
            lines: Mutex::new(Vec::new()),
            changes: watch::Sender::new(Seen::default()),
        });
        lock(&self.by_app).insert(app.clone(), deploy.clone());
        deploy
    }

    /// The app's latest deploy since the daemon started, running or ended.
    pub fn latest(&self, app: &AppName) -> Option<Arc<LiveDeploy>> {
        lock(&self.by_app).get(app).cloned()
    }

    /// Forget an app's deploy (the app is destroyed).
    pub(crate) fn forget(&self, app: &AppName) {
        lock(&self.by_app).remove(app);
    }
}

/// What a watcher has been told: how many lines there are, and the end once there is one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Seen {
    lines: usize,
    ended: Option<Ended>,
}

/// One deploy's output as it is printed.
pub struct LiveDeploy {
    app: AppName,
    version: ReleaseVersion,
    lines: Mutex<Vec<String>>,
    changes: watch::Sender<Seen>,
}

impl LiveDeploy {
    pub fn app(&self) -> &AppName {
        &self.app
    }

    /// The release this deploy makes.
    pub fn version(&self) -> ReleaseVersion {
        self.version
    }

    /// How it ended, or `None` while it runs.
    pub fn ended(&self) -> Option<Ended> {
        self.changes.borrow().ended.clone()
    }

    /// The lines from the `from`th on (0-based), and the number of lines so far.
    pub fn lines_from(&self, from: usize) -> (Vec<String>, usize) {
        let lines = lock(&self.lines);
        (lines.get(from..).unwrap_or_default().to_vec(), lines.len())
    }

    /// Waits until there are more than `seen` lines or the deploy has ended; returns at once
    /// if either is already so.
    pub async fn changed(&self, seen: usize) {
        let mut watcher = self.changes.subscribe();
        // The sender lives as long as `self`, so waiting cannot fail.
        let _ = watcher
            .wait_for(|now| now.lines > seen || now.ended.is_some())
            .await;
    }

    pub(crate) fn push(&self, line: &str) {
        let mut lines = lock(&self.lines);
        if self.changes.borrow().ended.is_some() || lines.len() > MAX_LIVE_LINES {
            return;
        }
        if lines.len() == MAX_LIVE_LINES {
            lines.push("… (the rest is in the release's log once the deploy ends)".to_owned());
        } else {
            lines.push(line.to_owned());
        }
        let count = lines.len();
        drop(lines);
        self.changes.send_modify(|seen| seen.lines = count);
    }

    /// Records how the deploy ended; the first end counts. No line comes after it, so the
    /// lines' spare room is given up: the output is kept until the app's next deploy.
    pub(crate) fn end(&self, ended: Ended) {
        lock(&self.lines).shrink_to_fit();
        self.changes.send_if_modified(|seen| {
            if seen.ended.is_some() {
                return false;
            }
            seen.ended = Some(ended);
            true
        });
    }
}

/// A lock that a panic elsewhere does not poison for good: the lines stay readable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn app() -> AppName {
        AppName::parse("blog").unwrap()
    }

    #[tokio::test]
    async fn a_watcher_sees_lines_as_they_come_and_then_the_end() {
        let deploys = LiveDeploys::default();
        let deploy = deploys.begin(&app(), ReleaseVersion::new(3).unwrap());
        deploy.push("-----> Building");
        let (lines, seen) = deploy.lines_from(0);
        assert_eq!(lines, ["-----> Building"]);

        let watcher = deploys.latest(&app()).unwrap();
        let waiting = tokio::spawn(async move {
            watcher.changed(seen).await;
            watcher.lines_from(seen)
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "no new line yet");
        deploy.push("-----> Starting web");
        let (lines, count) = tokio::time::timeout(Duration::from_secs(2), waiting)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((lines, count), (vec!["-----> Starting web".to_owned()], 2));

        deploy.end(Ended::Failed("health check".into()));
        deploy.end(Ended::Live);
        tokio::time::timeout(Duration::from_secs(2), deploy.changed(2))
            .await
            .unwrap();
        assert_eq!(deploy.ended(), Some(Ended::Failed("health check".into())));
        deploy.push("late");
        assert_eq!(deploy.lines_from(0).1, 2, "no line after the end");
    }

    #[test]
    fn the_next_deploy_replaces_the_last_and_lines_are_capped() {
        let deploys = LiveDeploys::default();
        let first = deploys.begin(&app(), ReleaseVersion::new(1).unwrap());
        for i in 0..MAX_LIVE_LINES + 10 {
            first.push(&format!("line {i}"));
        }
        let (lines, count) = first.lines_from(MAX_LIVE_LINES);
        assert_eq!(count, MAX_LIVE_LINES + 1);
        assert!(lines[0].contains("release's log"), "{lines:?}");
        deploys.begin(&app(), ReleaseVersion::new(2).unwrap());
        assert_eq!(deploys.latest(&app()).unwrap().version().get(), 2);
        deploys.forget(&app());
        assert!(deploys.latest(&app()).is_none());
    }
}
