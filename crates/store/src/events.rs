//! The activity log: every change made from anywhere (CLI, API, SSH, dashboard, git push),
//! who made it, what it was, to which app, and how it ended. A change is recorded when it
//! starts (`Running`) and finished when it ends; one the daemon did not see end (it stopped
//! first) is marked `Interrupted` at the next start. Alerts Wharf raises itself (`alerts`) are
//! events too, with a kind, a severity and a count of repeats. Only the newest events are kept.

use crate::store::now;
use crate::{Store, StoreError};
use rusqlite::{Row, params};
use wharf_domain::{Actor, AlertKind, AppName, EventResult, Severity};

/// How many events are kept, all apps together.
const KEPT_EVENTS: i64 = 20_000;

/// A change about to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub actor: Actor,
    /// The app it changes, if it changes one.
    pub app: Option<AppName>,
    /// What it does, in a few words (`config`, `domains add`, `services backup`).
    pub action: String,
    /// What else it names (a domain, a service), if anything.
    pub subject: Option<String>,
}

impl NewEvent {
    /// A change of no app (`tokens create`, `users remove`...), naming what it changes.
    pub fn server_wide(actor: Actor, action: &str, subject: &str) -> NewEvent {
        NewEvent {
            actor,
            app: None,
            action: action.to_string(),
            subject: Some(subject.to_string()),
        }
    }
}

/// A recorded change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub id: i64,
    pub at: i64,
    pub actor: Actor,
    /// The app's name as it was written (the app may be gone since).
    pub app: Option<String>,
    pub action: String,
    pub subject: Option<String>,
    pub result: EventResult,
    /// What it said at the end: the outcome, or why it failed.
    pub message: String,
    pub finished_at: Option<i64>,
    /// What Wharf noticed, for an alert it raised (none for a change someone made).
    pub kind: Option<AlertKind>,
    pub severity: Option<Severity>,
    /// How many times it happened (an alert raised again within the grouping window).
    pub repeats: i64,
}

impl Store {
    /// Record that `event` starts; its id finishes it.
    pub fn start_event(&self, event: &NewEvent) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO events (at, actor, app, action, subject, result)
             VALUES (?1, ?2, ?3, ?4, ?5, 'running')",
            params![
                now(),
                event.actor.to_written(),
                event.app.as_ref().map(AppName::as_str),
                event.action,
                event.subject,
            ],
        )?;
        let id = conn.last_insert_rowid();
        conn.execute(
            "DELETE FROM events WHERE id <= ?1 - ?2",
            params![id, KEPT_EVENTS],
        )?;
        Ok(id)
    }

    /// Record how the event `id` ended; `app` names its app if it did not know it when it
    /// started (a deploy whose app the Dockerfile names).
    pub fn finish_event(
        &self,
        id: i64,
        result: EventResult,
        message: &str,
        app: Option<&AppName>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE events SET result = ?2, message = ?3, finished_at = ?4,
                 app = COALESCE(app, ?5)
             WHERE id = ?1",
            params![
                id,
                result.as_str(),
                message,
                now(),
                app.map(AppName::as_str)
            ],
        )?;
        Ok(())
    }

    /// Run `change`, made in the store directly (tokens, SSH keys, dashboard users: they have
    /// no API route), recorded as `event` with how it ended. A log that cannot be written does
    /// not stop the change; that is said in the daemon's log.
    pub fn recorded<T, E: std::fmt::Display>(
        &self,
        event: NewEvent,
        change: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let id = self
            .start_event(&event)
            .inspect_err(|err| tracing::warn!(error = %err, action = event.action, "cannot record a change in the activity log"))
            .ok();
        let result = change();
        if let Some(id) = id {
            let (ended, message) = match &result {
                Ok(_) => (EventResult::Ok, String::new()),
                Err(err) => (EventResult::Failed, err.to_string()),
            };
            if let Err(err) = self.finish_event(id, ended, &message, None) {
                tracing::warn!(error = %err, id, "cannot finish a change in the activity log");
            }
        }
        result
    }

    /// Mark the events still running as interrupted (at start: the daemon that ran them
    /// stopped before they ended). Returns how many there were.
    pub fn interrupt_running_events(&self) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "UPDATE events SET result = 'interrupted', finished_at = ?1,
                 message = 'the daemon stopped before this ended'
             WHERE result = 'running'",
            params![now()],
        )?)
    }

    /// The newest `limit` events, newest first: of `app` only, or of everything.
    pub fn events(
        &self,
        app: Option<&AppName>,
        limit: usize,
    ) -> Result<Vec<EventRecord>, StoreError> {
        let conn = self.conn();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let columns = "id, at, actor, app, action, subject, result, message, finished_at, kind, severity, repeats";
        let rows = match app {
            Some(app) => {
                let mut stmt = conn.prepare(&format!(
                    "SELECT {columns} FROM events WHERE app = ?1 ORDER BY id DESC LIMIT ?2"
                ))?;
                stmt.query_map(params![app.as_str(), limit], raw)?
                    .collect::<Result<Vec<_>, _>>()?
            }
            None => {
                let mut stmt = conn.prepare(&format!(
                    "SELECT {columns} FROM events ORDER BY id DESC LIMIT ?1"
                ))?;
                stmt.query_map(params![limit], raw)?
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        rows.into_iter().map(Raw::decode).collect()
    }
}

/// A row as SQLite has it, before its actor and result are read.
struct Raw {
    id: i64,
    at: i64,
    actor: String,
    app: Option<String>,
    action: String,
    subject: Option<String>,
    result: String,
    message: String,
    finished_at: Option<i64>,
    kind: Option<String>,
    severity: Option<String>,
    repeats: i64,
}

fn raw(row: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        id: row.get(0)?,
        at: row.get(1)?,
        actor: row.get(2)?,
        app: row.get(3)?,
        action: row.get(4)?,
        subject: row.get(5)?,
        result: row.get(6)?,
        message: row.get(7)?,
        finished_at: row.get(8)?,
        kind: row.get(9)?,
        severity: row.get(10)?,
        repeats: row.get(11)?,
    })
}

impl Raw {
    fn decode(self) -> Result<EventRecord, StoreError> {
        let actor = self
            .actor
            .parse()
            .map_err(|err| StoreError::Corrupt(format!("event {}: its actor: {err}", self.id)))?;
        let result = EventResult::from_stored(&self.result).ok_or_else(|| {
            StoreError::Corrupt(format!("event {}: result `{}`", self.id, self.result))
        })?;
        let corrupt = |what: &str, text: &str| {
            StoreError::Corrupt(format!("event {}: {what} `{text}`", self.id))
        };
        let kind = match &self.kind {
            None => None,
            Some(text) => Some(AlertKind::from_stored(text).ok_or_else(|| corrupt("kind", text))?),
        };
        let severity = match &self.severity {
            None => None,
            Some(text) => {
                Some(Severity::from_stored(text).ok_or_else(|| corrupt("severity", text))?)
            }
        };
        Ok(EventRecord {
            id: self.id,
            at: self.at,
            actor,
            app: self.app,
            action: self.action,
            subject: self.subject,
            result,
            message: self.message,
            finished_at: self.finished_at,
            kind,
            severity,
            repeats: self.repeats,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(app: Option<&str>, action: &str) -> NewEvent {
        NewEvent {
            actor: Actor::User("alice".into()),
            app: app.map(crate::app),
            action: action.to_string(),
            subject: None,
        }
    }

    #[test]
    fn an_event_is_recorded_running_then_finished() {
        let store = Store::in_memory().unwrap();
        let id = store.start_event(&change(Some("blog"), "config")).unwrap();
        let running = store.events(None, 10).unwrap();
        assert_eq!(running[0].result, EventResult::Running);
        assert_eq!(running[0].actor, Actor::User("alice".into()));
        store
            .finish_event(id, EventResult::Ok, "release v2 serves", None)
            .unwrap();
        let done = &store.events(None, 10).unwrap()[0];
        let found = store.start_event(&change(None, "deploy")).unwrap();
        store
            .finish_event(found, EventResult::Ok, "", Some(&crate::app("shop")))
            .unwrap();
        assert_eq!(
            store.events(Some(&crate::app("shop")), 1).unwrap()[0].id,
            found
        );
        assert_eq!(
            (done.result, done.message.as_str(), done.app.as_deref()),
            (EventResult::Ok, "release v2 serves", Some("blog"))
        );
        assert!(done.finished_at.is_some());
    }

    #[test]
    fn events_are_listed_newest_first_of_one_app_or_all() {
        let store = Store::in_memory().unwrap();
        store.start_event(&change(Some("blog"), "deploy")).unwrap();
        store.start_event(&change(None, "services create")).unwrap();
        store.start_event(&change(Some("shop"), "scale")).unwrap();
        store.start_event(&change(Some("blog"), "restart")).unwrap();
        let actions = |events: Vec<EventRecord>| -> Vec<String> {
            events.into_iter().map(|e| e.action).collect()
        };
        assert_eq!(
            actions(store.events(Some(&crate::app("blog")), 10).unwrap()),
            ["restart", "deploy"]
        );
        assert_eq!(
            actions(store.events(None, 3).unwrap()),
            ["restart", "scale", "services create"]
        );
    }

    #[test]
    fn events_left_running_by_a_stopped_daemon_are_interrupted() {
        let store = Store::in_memory().unwrap();
        let done = store.start_event(&change(Some("blog"), "deploy")).unwrap();
        store
            .finish_event(done, EventResult::Failed, "no", None)
            .unwrap();
        store.start_event(&change(Some("blog"), "deploy")).unwrap();
        assert_eq!(store.interrupt_running_events().unwrap(), 1);
        let results: Vec<_> = store
            .events(None, 10)
            .unwrap()
            .into_iter()
            .map(|e| e.result)
            .collect();
        assert_eq!(results, [EventResult::Interrupted, EventResult::Failed]);
    }

    #[test]
    fn a_change_made_in_the_store_is_recorded_with_how_it_ended() {
        let store = Store::in_memory().unwrap();
        let event = || NewEvent::server_wide(Actor::Local { uid: Some(0) }, "tokens revoke", "ci");
        assert_eq!(store.recorded(event(), || Ok::<_, String>(7)), Ok(7));
        assert_eq!(
            store.recorded(event(), || Err::<(), _>("no token `ci`".to_string())),
            Err("no token `ci`".to_string())
        );
        let events = store.events(None, 10).unwrap();
        assert_eq!(
            (
                events[0].result,
                events[0].message.as_str(),
                events[0].subject.as_deref()
            ),
            (EventResult::Failed, "no token `ci`", Some("ci"))
        );
        assert_eq!(events[1].result, EventResult::Ok);
    }

    #[test]
    fn only_the_newest_events_are_kept() {
        let store = Store::in_memory().unwrap();
        for _ in 0..KEPT_EVENTS + 5 {
            store.start_event(&change(Some("blog"), "deploy")).unwrap();
        }
        let count: i64 = store
            .conn()
            .query_row("SELECT COUNT(*) FROM events", [], |row| row.get(0))
            .unwrap();
        assert_eq!(count, KEPT_EVENTS);
    }
}
