//! Crashes and out-of-memory kills, read from the engine's container events. A container's
//! process exiting is a crash unless someone stopped it: a stop (Wharf's own, when it retires
//! an instance, or anyone's) sends a signal first, which the engine reports as `kill` just
//! before the `die`. Several crashes of one app's process within a few minutes are a crash loop
//! (the engine restarts app containers, with a growing pause). One-off task containers (runs,
//! cron) end by design and are left out.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;
use wharf_domain::{Alert, AlertKind, AppName};
use wharf_runtime::{ContainerAction, ContainerEvent, Docker, labels};
use wharf_store::Store;

/// Crashes within this many seconds count towards a loop.
const LOOP_WINDOW_SECS: i64 = 5 * 60;

/// This many crashes within the window are a loop.
const LOOP_CRASHES: usize = 3;

/// A `die` this soon after a `kill` of the same container was a stop, not a crash.
const STOP_GRACE_SECS: i64 = 5 * 60;

/// Pause before following the events again once the stream ended.
const RECONNECT: Duration = Duration::from_secs(2);

/// What the watch remembers between events.
#[derive(Debug, Default)]
pub struct CrashWatch {
    /// Containers sent a signal, and when.
    stopping: HashMap<String, i64>,
    /// Containers whose process the kernel killed for its memory, and when.
    out_of_memory: HashMap<String, i64>,
    /// Recent crashes of each app's process.
    crashes: HashMap<(AppName, String), VecDeque<i64>>,
}

impl CrashWatch {
    /// The alerts `event` raises, for containers of this server (`instance`).
    pub fn observe(&mut self, event: &ContainerEvent, instance: &str) -> Option<Alert> {
        let labels = &event.attributes;
        if labels.get(wharf_deploy::INSTANCE_LABEL).map(String::as_str) != Some(instance)
            || labels.contains_key(labels::TASK)
        {
            return None;
        }
        let app = AppName::parse(labels.get(labels::APP)?).ok()?;
        let process = labels
            .get(labels::PROCESS)
            .cloned()
            .unwrap_or_else(|| "web".to_string());
        self.forget_before(event.time - LOOP_WINDOW_SECS.max(STOP_GRACE_SECS));
        match event.action {
            ContainerAction::Kill => {
                self.stopping.insert(event.id.clone(), event.time);
                None
            }
            ContainerAction::OutOfMemory => {
                self.out_of_memory.insert(event.id.clone(), event.time);
                Some(
                    Alert::new(
                        AlertKind::OutOfMemory,
                        format!(
                            "{process} of {app} went over its memory limit and was killed; raise it with `wharf limits {app} {process} --memory SIZE` or use less"
                        ),
                    )
                    .of_app(app)
                    .about(process),
                )
            }
            ContainerAction::Die { exit_code } => {
                if self.stopping.remove(&event.id).is_some() {
                    return None;
                }
                let killed_for_memory = self.out_of_memory.remove(&event.id).is_some();
                let recent = self
                    .crashes
                    .entry((app.clone(), process.clone()))
                    .or_default();
                recent.push_back(event.time);
                let code = exit_code
                    .map_or_else(|| "an unknown code".to_string(), |c| format!("code {c}"));
                if recent.len() >= LOOP_CRASHES {
                    let minutes = LOOP_WINDOW_SECS / 60;
                    Some(
                        Alert::new(
                            AlertKind::CrashLoop,
                            format!(
                                "{process} of {app} keeps exiting: {} times in {minutes} minutes, the last with {code}; see `wharf logs {app}`",
                                recent.len()
                            ),
                        )
                        .of_app(app)
                        .about(process),
                    )
                } else if killed_for_memory {
                    // The out-of-memory alert said it.
                    None
                } else {
                    Some(
                        Alert::new(
                            AlertKind::Crashed,
                            format!("{process} of {app} exited with {code}; Docker restarts it"),
                        )
                        .of_app(app)
                        .about(process),
                    )
                }
            }
        }
    }

    /// Forget what happened before `time`.
    fn forget_before(&mut self, time: i64) {
        self.stopping.retain(|_, at| *at >= time);
        self.out_of_memory.retain(|_, at| *at >= time);
        self.crashes.retain(|_, times| {
            while times.front().is_some_and(|at| *at < time) {
                times.pop_front();
            }
            !times.is_empty()
        });
    }
}

/// Follow the engine's container events until `shutdown`, raising an alert for each crash,
/// crash loop and out-of-memory kill of this server's apps.
pub async fn watch(
    docker: Docker,
    store: std::sync::Arc<Store>,
    instance: String,
    shutdown: CancellationToken,
) {
    let mut crashes = CrashWatch::default();
    loop {
        let mut events = std::pin::pin!(docker.container_events());
        loop {
            let next = tokio::select! {
                () = shutdown.cancelled() => return,
                next = events.next() => next,
            };
            match next {
                Some(Ok(event)) => {
                    if let Some(alert) = crashes.observe(&event, &instance) {
                        super::raise(&store, &alert);
                    }
                }
                Some(Err(err)) => {
                    tracing::debug!(error = %err, "the containers' event stream broke");
                    break;
                }
                None => break,
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(RECONNECT) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn event(action: ContainerAction, id: &str, time: i64) -> ContainerEvent {
        let attributes: HashMap<String, String> = [
            (wharf_deploy::INSTANCE_LABEL, "here"),
            (labels::APP, "blog"),
            (labels::PROCESS, "web"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        ContainerEvent {
            action,
            id: id.to_string(),
            attributes,
            time,
        }
    }

    fn die(code: i64) -> ContainerAction {
        ContainerAction::Die {
            exit_code: Some(code),
        }
    }

    fn kinds(watch: &mut CrashWatch, events: &[ContainerEvent]) -> Vec<Option<AlertKind>> {
        events
            .iter()
            .map(|e| watch.observe(e, "here").map(|alert| alert.kind))
            .collect()
    }

    #[test]
    fn a_process_that_exits_is_a_crash_and_three_in_minutes_a_loop() {
        let mut watch = CrashWatch::default();
        let found = kinds(
            &mut watch,
            &[
                event(die(3), "a", 100),
                event(die(3), "a", 110),
                event(die(3), "a", 130),
                event(die(3), "a", 170),
            ],
        );
        assert_eq!(
            found,
            [
                Some(AlertKind::Crashed),
                Some(AlertKind::Crashed),
                Some(AlertKind::CrashLoop),
                Some(AlertKind::CrashLoop)
            ]
        );
        let alert = watch.observe(&event(die(1), "a", 200), "here").unwrap();
        assert_eq!(alert.subject.as_deref(), Some("web"));
        assert!(
            alert
                .message
                .contains("5 times in 5 minutes, the last with code 1"),
            "{}",
            alert.message
        );
        // Long after: a crash again, not a loop.
        assert_eq!(
            kinds(&mut watch, &[event(die(1), "a", 2000)]),
            [Some(AlertKind::Crashed)]
        );
    }

    #[test]
    fn a_stopped_container_did_not_crash() {
        let mut watch = CrashWatch::default();
        let found = kinds(
            &mut watch,
            &[
                event(ContainerAction::Kill, "a", 100),
                event(die(143), "a", 101),
            ],
        );
        assert_eq!(found, [None, None]);
    }

    #[test]
    fn an_out_of_memory_kill_is_said_once() {
        let mut watch = CrashWatch::default();
        let found = kinds(
            &mut watch,
            &[
                event(ContainerAction::OutOfMemory, "a", 100),
                event(die(137), "a", 100),
            ],
        );
        assert_eq!(found, [Some(AlertKind::OutOfMemory), None]);
    }

    #[test]
    fn tasks_and_other_servers_containers_are_left_out() {
        let mut watch = CrashWatch::default();
        let mut task = event(die(1), "a", 100);
        task.attributes
            .insert(labels::TASK.to_string(), "cron".to_string());
        let mut other = event(die(1), "b", 100);
        other.attributes.insert(
            wharf_deploy::INSTANCE_LABEL.to_string(),
            "elsewhere".to_string(),
        );
        assert_eq!(kinds(&mut watch, &[task, other]), [None, None]);
    }
}
