//! Alerts Wharf raises itself, stored in the activity log beside the changes people make (the
//! actor is Wharf) and put in the outbox of every notification channel. The same alert (kind,
//! app and subject) raised again within the grouping window is one event counted again, not a
//! new line: an app crashing every few seconds makes one event whose count goes up.

use crate::outbox::enqueue;
use crate::store::now;
use crate::{Store, StoreError};
use rusqlite::{OptionalExtension, Transaction, params};
use wharf_domain::{Actor, Alert, AppName, EventResult, Severity};

/// How long repeats of an alert are grouped into one event and one message.
pub const GROUP_WINDOW_SECS: i64 = 15 * 60;

/// What raising an alert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Raised {
    /// The event that records it.
    pub event: i64,
    /// How many times it was raised within the window, this one included.
    pub repeats: i64,
}

impl Store {
    /// Record `alert` in the activity log (counted into a recent event of the same alert when
    /// there is one) and queue it for every notification channel.
    pub fn raise(&self, alert: &Alert) -> Result<Raised, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let raised = record(&tx, alert, now())?;
        enqueue(&tx, alert, now(), GROUP_WINDOW_SECS)?;
        tx.commit()?;
        Ok(raised)
    }

    /// Queue `alert` for every channel without recording it: for an outcome the activity log
    /// already holds (a deploy records itself as it runs).
    pub fn notify(&self, alert: &Alert) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        enqueue(&tx, alert, now(), GROUP_WINDOW_SECS)?;
        tx.commit()?;
        Ok(())
    }
}

/// Record `alert` at `at`: a new event, or one more repeat of the same alert's recent event.
fn record(tx: &Transaction<'_>, alert: &Alert, at: i64) -> Result<Raised, StoreError> {
    let app = alert.app.as_ref().map(AppName::as_str);
    let recent: Option<(i64, i64)> = tx
        .query_row(
            "SELECT id, repeats FROM events
             WHERE kind = ?1 AND app IS ?2 AND subject IS ?3 AND at >= ?4
             ORDER BY id DESC LIMIT 1",
            params![
                alert.kind.as_str(),
                app,
                alert.subject,
                at - GROUP_WINDOW_SECS
            ],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    if let Some((id, repeats)) = recent {
        tx.execute(
            "UPDATE events SET repeats = repeats + 1, message = ?2, finished_at = ?3 WHERE id = ?1",
            params![id, alert.message, at],
        )?;
        return Ok(Raised {
            event: id,
            repeats: repeats + 1,
        });
    }
    let result = match alert.severity() {
        Severity::Info => EventResult::Ok,
        Severity::Warning | Severity::Critical => EventResult::Failed,
    };
    tx.execute(
        "INSERT INTO events (at, actor, app, action, subject, result, message, finished_at,
                             kind, severity)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?1, ?8, ?9)",
        params![
            at,
            Actor::Wharf.to_written(),
            app,
            alert.kind.title(),
            alert.subject,
            result.as_str(),
            alert.message,
            alert.kind.as_str(),
            alert.severity().as_str(),
        ],
    )?;
    Ok(Raised {
        event: tx.last_insert_rowid(),
        repeats: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wharf_domain::AlertKind;

    fn crash(app: &str, message: &str) -> Alert {
        Alert::new(AlertKind::Crashed, message)
            .of_app(crate::app(app))
            .about("web")
    }

    #[test]
    fn an_alert_is_an_event_of_wharf_with_its_kind_and_severity() {
        let store = Store::in_memory().unwrap();
        let raised = store
            .raise(&crash("blog", "web exited with code 3"))
            .unwrap();
        assert_eq!(raised.repeats, 1);
        let event = &store.events(None, 10).unwrap()[0];
        assert_eq!(event.actor, Actor::Wharf);
        assert_eq!(event.kind, Some(AlertKind::Crashed));
        assert_eq!(event.severity, Some(Severity::Warning));
        assert_eq!(event.result, EventResult::Failed);
        assert_eq!(event.app.as_deref(), Some("blog"));
        assert_eq!(event.message, "web exited with code 3");
    }

    #[test]
    fn repeats_within_the_window_count_into_one_event() {
        let store = Store::in_memory().unwrap();
        store.raise(&crash("blog", "code 3")).unwrap();
        store.raise(&crash("shop", "code 1")).unwrap();
        let third = store.raise(&crash("blog", "code 4")).unwrap();
        assert_eq!(third.repeats, 2);
        let blog = store.events(Some(&crate::app("blog")), 10).unwrap();
        assert_eq!(blog.len(), 1);
        assert_eq!((blog[0].repeats, blog[0].message.as_str()), (2, "code 4"));
        // Older than the window: a new event.
        store
            .conn()
            .execute("UPDATE events SET at = at - ?1", [GROUP_WINDOW_SECS + 1])
            .unwrap();
        assert_eq!(store.raise(&crash("blog", "code 5")).unwrap().repeats, 1);
        assert_eq!(
            store.events(Some(&crate::app("blog")), 10).unwrap().len(),
            2
        );
    }
}
