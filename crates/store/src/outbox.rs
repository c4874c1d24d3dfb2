//! The notification outbox: one row per message a channel is to receive, delivered by the
//! daemon's notifier with retries. Raising an alert only writes here, so nothing that raises
//! one (a deploy, the engine's events) waits on a webhook or a mail server.
//!
//! Grouping: an alert whose message to a channel is still waiting (not yet delivered, or being
//! retried) is counted into that message. One sent less than the grouping window ago holds the
//! next message of the same alert until the window has passed since it, so an app crashing every
//! few seconds sends its first crash at once and then one message per window with the count.

use crate::store::now;
use crate::{Store, StoreError};
use rusqlite::{OptionalExtension, Transaction, params};
use wharf_domain::{Alert, AlertKind, AppName};

/// Delivered or abandoned messages are kept this long (the grouping window needs the last).
const KEPT_SECS: i64 = 24 * 60 * 60;

/// A message waiting for its channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNotification {
    pub id: i64,
    pub channel: i64,
    pub kind: AlertKind,
    pub app: Option<String>,
    pub subject: Option<String>,
    /// The newest occurrence's message.
    pub message: String,
    /// How many times the alert was raised into this message.
    pub count: i64,
    pub first_at: i64,
    pub last_at: i64,
    /// Failed attempts so far.
    pub attempts: i64,
}

/// Queue `alert`, raised at `at`, for every channel, grouped as the module says.
pub(crate) fn enqueue(
    tx: &Transaction<'_>,
    alert: &Alert,
    at: i64,
    window: i64,
) -> Result<(), StoreError> {
    let channels: Vec<i64> = tx
        .prepare("SELECT id FROM notify_channels")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let app = alert.app.as_ref().map(AppName::as_str);
    let kind = alert.kind.as_str();
    // A test is asked for by someone waiting to see it arrive.
    let window = if alert.kind == AlertKind::Test {
        0
    } else {
        window
    };
    for channel in channels {
        let same = "channel = ?1 AND kind = ?2 AND app IS ?3 AND subject IS ?4";
        let waiting: Option<i64> = tx
            .query_row(
                &format!(
                    "SELECT id FROM notify_outbox
                     WHERE {same} AND delivered_at IS NULL AND abandoned_at IS NULL
                     ORDER BY id DESC LIMIT 1"
                ),
                params![channel, kind, app, alert.subject],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(id) = waiting {
            tx.execute(
                "UPDATE notify_outbox SET count = count + 1, message = ?2, last_at = ?3
                 WHERE id = ?1",
                params![id, alert.message, at],
            )?;
            continue;
        }
        let last_sent: Option<i64> = tx.query_row(
            &format!("SELECT MAX(delivered_at) FROM notify_outbox WHERE {same}"),
            params![channel, kind, app, alert.subject],
            |row| row.get(0),
        )?;
        let next_attempt = match last_sent {
            Some(sent) if sent + window > at => sent + window,
            _ => at,
        };
        tx.execute(
            "INSERT INTO notify_outbox
                 (channel, kind, app, subject, message, first_at, last_at, next_attempt)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
            params![
                channel,
                kind,
                app,
                alert.subject,
                alert.message,
                at,
                next_attempt
            ],
        )?;
    }
    Ok(())
}

impl Store {
    /// Messages due at `at` (their next attempt has come), oldest first, at most `limit`.
    pub fn due_notifications(
        &self,
        at: i64,
        limit: usize,
    ) -> Result<Vec<PendingNotification>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, channel, kind, app, subject, message, count, first_at, last_at, attempts
             FROM notify_outbox
             WHERE delivered_at IS NULL AND abandoned_at IS NULL AND next_attempt <= ?1
             ORDER BY next_attempt, id LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![at, limit], |row| {
                Ok((
                    row.get::<_, String>(2)?,
                    PendingNotification {
                        id: row.get(0)?,
                        channel: row.get(1)?,
                        kind: AlertKind::Test,
                        app: row.get(3)?,
                        subject: row.get(4)?,
                        message: row.get(5)?,
                        count: row.get(6)?,
                        first_at: row.get(7)?,
                        last_at: row.get(8)?,
                        attempts: row.get(9)?,
                    },
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(kind, pending)| {
                let kind = AlertKind::from_stored(&kind).ok_or_else(|| {
                    StoreError::Corrupt(format!("notification {}: kind `{kind}`", pending.id))
                })?;
                Ok(PendingNotification { kind, ..pending })
            })
            .collect()
    }

    /// The earliest next attempt of a waiting message, if any waits.
    pub fn next_notification_at(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.conn().query_row(
            "SELECT MIN(next_attempt) FROM notify_outbox
             WHERE delivered_at IS NULL AND abandoned_at IS NULL",
            [],
            |row| row.get(0),
        )?)
    }

    /// `id` was delivered: the channel's last delivery is now.
    pub fn notification_delivered(&self, id: i64) -> Result<(), StoreError> {
        let at = now();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE notify_outbox SET delivered_at = ?2, last_error = NULL WHERE id = ?1",
            params![id, at],
        )?;
        tx.execute(
            "UPDATE notify_channels SET last_delivery = ?2
             WHERE id = (SELECT channel FROM notify_outbox WHERE id = ?1)",
            params![id, at],
        )?;
        tx.execute(
            "DELETE FROM notify_outbox WHERE COALESCE(delivered_at, abandoned_at) < ?1",
            [at - KEPT_SECS],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// An attempt to deliver `id` failed with `error`: try again at `retry_at`, or give up
    /// when that is `None`. The channel shows the error either way.
    pub fn notification_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<(), StoreError> {
        let at = now();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE notify_outbox SET attempts = attempts + 1, last_error = ?2,
                 next_attempt = COALESCE(?3, next_attempt),
                 abandoned_at = CASE WHEN ?3 IS NULL THEN ?4 END
             WHERE id = ?1",
            params![id, error, retry_at, at],
        )?;
        tx.execute(
            "UPDATE notify_channels SET last_error = ?2, last_error_at = ?3
             WHERE id = (SELECT channel FROM notify_outbox WHERE id = ?1)",
            params![id, error, at],
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify_channels::ChannelTarget;

    fn store_with_channel() -> (Store, i64) {
        let store = Store::in_memory().unwrap();
        let id = store
            .add_notify_channel(&ChannelTarget::Webhook {
                url: wharf_domain::WebhookUrl::parse("http://127.0.0.1:9/").unwrap(),
                format: wharf_domain::WebhookFormat::Json,
            })
            .unwrap();
        (store, id)
    }

    fn crash(message: &str) -> Alert {
        Alert::new(AlertKind::Crashed, message)
            .of_app(crate::app("blog"))
            .about("web")
    }

    fn put(store: &Store, alert: &Alert, at: i64) {
        let mut conn = store.conn();
        let tx = conn.transaction().unwrap();
        enqueue(&tx, alert, at, 900).unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn repeats_wait_in_one_message_with_their_count() {
        let (store, channel) = store_with_channel();
        put(&store, &crash("code 1"), 100);
        put(&store, &crash("code 2"), 110);
        put(&store, &Alert::new(AlertKind::DiskFull, "95%"), 120);
        let due = store.due_notifications(200, 10).unwrap();
        assert_eq!(due.len(), 2);
        assert_eq!(
            (due[0].channel, due[0].count, due[0].message.as_str()),
            (channel, 2, "code 2")
        );
        assert_eq!((due[0].first_at, due[0].last_at), (100, 110));
    }

    #[test]
    fn after_a_delivery_the_next_message_waits_for_the_window() {
        let (store, _) = store_with_channel();
        put(&store, &crash("code 1"), 100);
        let first = store.due_notifications(100, 10).unwrap()[0].id;
        store.notification_delivered(first).unwrap();
        let sent = now();
        put(&store, &crash("code 2"), sent + 5);
        put(&store, &crash("code 3"), sent + 6);
        assert!(store.due_notifications(sent + 10, 10).unwrap().is_empty());
        assert_eq!(store.next_notification_at().unwrap(), Some(sent + 900));
        let held = store.due_notifications(sent + 900, 10).unwrap();
        assert_eq!((held[0].count, held[0].message.as_str()), (2, "code 3"));
    }

    #[test]
    fn failures_are_retried_then_given_up_and_shown_on_the_channel() {
        let (store, channel) = store_with_channel();
        put(&store, &crash("code 1"), 100);
        let id = store.due_notifications(100, 10).unwrap()[0].id;
        store
            .notification_failed(id, "connection refused", Some(150))
            .unwrap();
        assert!(store.due_notifications(149, 10).unwrap().is_empty());
        let again = store.due_notifications(150, 10).unwrap();
        assert_eq!(again[0].attempts, 1);
        let shown = store.notify_channel(channel).unwrap().unwrap();
        assert_eq!(shown.last_error.as_deref(), Some("connection refused"));
        store
            .notification_failed(id, "still refused", None)
            .unwrap();
        assert!(store.due_notifications(i64::MAX, 10).unwrap().is_empty());
        assert_eq!(store.next_notification_at().unwrap(), None);
    }

    #[test]
    fn a_removed_channel_takes_its_outbox_with_it() {
        let (store, channel) = store_with_channel();
        put(&store, &crash("code 1"), 100);
        store.remove_notify_channel(channel).unwrap();
        assert!(store.due_notifications(i64::MAX, 10).unwrap().is_empty());
    }
}
