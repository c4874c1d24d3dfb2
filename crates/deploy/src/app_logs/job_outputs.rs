//! Which Swarm jobs' output the follower has stored to its end. A job's service is removed
//! once its task ended, and with it the task's log: a job shorter than the follower's look
//! (every 2 s) would leave nothing in `wharf logs`. So whoever removes a finished job first
//! asks the follower to look now and waits, briefly, until it has read that task's output
//! to its end ([`JobOutputs::wait_stored`]).

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// The job tasks whose output is stored to its end, and the follower's doorbell.
#[derive(Debug, Default)]
pub(crate) struct JobOutputs {
    /// Task IDs, until their job is removed (or no longer listed).
    stored: Mutex<HashSet<String>>,
    /// Rung whenever a task joins `stored`.
    changed: Notify,
    /// Rung to make the follower look at once rather than at its next tick.
    look_now: Notify,
    /// Whether a follower runs (it is not in tests, nor while another daemon writes).
    following: AtomicBool,
}

impl JobOutputs {
    pub(crate) fn set_following(&self, following: bool) {
        self.following.store(following, Ordering::Release);
    }

    /// The follower stored the output of the job task `task` to its end.
    pub(crate) fn stored(&self, task: &str) {
        self.lock().insert(task.to_string());
        self.changed.notify_waiters();
    }

    /// Forgets the tasks for which `listed` is false (their job went).
    pub(crate) fn retain(&self, listed: impl Fn(&str) -> bool) {
        self.lock().retain(|task| listed(task));
    }

    /// Resolves when someone waits for a task's output: the follower looks then.
    pub(crate) async fn look_requested(&self) {
        self.look_now.notified().await;
    }

    /// Waits up to `within` for the output of the ended job task `task` to be stored; false
    /// when it was not (no follower runs, or it did not get there in time).
    pub(crate) async fn wait_stored(&self, task: &str, within: Duration) -> bool {
        if !self.following.load(Ordering::Acquire) {
            return false;
        }
        self.look_now.notify_one();
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            // Interest first, then the check: a task stored in between is not missed.
            changed.as_mut().enable();
            if self.lock().remove(task) {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return self.lock().remove(task);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.stored.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn a_wait_ends_when_the_follower_stored_the_task_or_gives_up() {
        let outputs = Arc::new(JobOutputs::default());
        assert!(
            !outputs.wait_stored("t1", Duration::from_secs(5)).await,
            "no follower: no wait"
        );
        outputs.set_following(true);
        let follower = {
            let outputs = outputs.clone();
            tokio::spawn(async move {
                outputs.look_requested().await;
                outputs.stored("t1");
            })
        };
        assert!(outputs.wait_stored("t1", Duration::from_secs(5)).await);
        follower.await.unwrap();
        // Taken by the wait: a second one has nothing to find.
        assert!(!outputs.wait_stored("t1", Duration::from_millis(20)).await);
        // Stored before anyone waits: found at once; a job gone is forgotten.
        outputs.stored("t2");
        outputs.stored("t3");
        outputs.retain(|task| task != "t3");
        assert!(outputs.wait_stored("t2", Duration::ZERO).await);
        assert!(!outputs.wait_stored("t3", Duration::ZERO).await);
    }
}
