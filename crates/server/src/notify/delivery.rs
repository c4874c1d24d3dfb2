//! The worker that empties the outbox: every message whose time has come is sent to its
//! channel; a failure is retried with exponential backoff (capped) until a day has passed, and
//! shown on the channel (`wharf notify list`) and in the daemon's log, without secrets.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use wharf_store::{ChannelTarget, NotifyChannel, PendingNotification, Store};

use super::message;
use super::transport::{Email, SendError, Smtp, SmtpRoots, Webhooks, send_email};

/// How the worker retries, and how long it waits for a channel.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// The first retry's delay; each next one doubles it.
    pub retry_base: Duration,
    /// No retry waits longer.
    pub retry_cap: Duration,
    /// A message not delivered this long after it was raised is given up.
    pub give_up_after: Duration,
    /// How often the outbox is looked at.
    pub poll: Duration,
    /// How long one delivery may take.
    pub timeout: Duration,
    /// Where emails come from (`--notify-from`), else `wharf@HOST`.
    pub from: Option<String>,
    /// Roots trusted for SMTP's STARTTLS besides the system's (`--smtp-ca-file`).
    pub smtp_roots: SmtpRoots,
}

impl Default for DeliverySettings {
    fn default() -> DeliverySettings {
        DeliverySettings {
            retry_base: Duration::from_secs(2),
            retry_cap: Duration::from_secs(10 * 60),
            give_up_after: Duration::from_secs(24 * 60 * 60),
            poll: Duration::from_secs(1),
            timeout: Duration::from_secs(15),
            from: None,
            smtp_roots: SmtpRoots::default(),
        }
    }
}

/// How many messages are sent per look at the outbox.
const BATCH: usize = 20;

/// The wait before the retry that follows `failures` failed attempts: the base, doubled for
/// each failure after the first, never more than the cap.
pub fn retry_delay(failures: i64, base: Duration, cap: Duration) -> Duration {
    let doublings = u32::try_from(failures.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    base.saturating_mul(1u32 << doublings).min(cap)
}

/// Deliver until `shutdown`.
pub async fn run(store: Arc<Store>, settings: DeliverySettings, shutdown: CancellationToken) {
    let webhooks = match Webhooks::new() {
        Ok(webhooks) => webhooks,
        Err(err) => {
            tracing::error!(error = %err, "cannot read the system's root certificates; notifications are not sent");
            // A task of the daemon that ends stops the daemon: wait for its stop instead.
            shutdown.cancelled().await;
            return;
        }
    };
    let server = server_name();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(settings.poll) => {}
        }
        let due = match store.due_notifications(wharf_store::unix_now(), BATCH) {
            Ok(due) => due,
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the notification outbox");
                continue;
            }
        };
        for note in due {
            let channel = match store.notify_channel(note.channel) {
                Ok(Some(channel)) => channel,
                // Removed since: its outbox went with it.
                Ok(None) => continue,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot read a notification channel");
                    continue;
                }
            };
            let sent = tokio::time::timeout(
                settings.timeout,
                send(&webhooks, &channel, &note, &server, &settings),
            )
            .await
            .unwrap_or(Err(SendError::Timeout(settings.timeout)));
            record(&store, &settings, &channel, &note, sent);
        }
    }
}

/// Send `note` to `channel`.
async fn send(
    webhooks: &Webhooks,
    channel: &NotifyChannel,
    note: &PendingNotification,
    server: &str,
    settings: &DeliverySettings,
) -> Result<(), SendError> {
    match &channel.target {
        ChannelTarget::Webhook { url, format } => {
            webhooks
                .post(url, message::webhook_body(*format, note, server))
                .await
        }
        ChannelTarget::Email {
            to,
            smtp,
            login,
            starttls,
        } => {
            let from = settings
                .from
                .clone()
                .or_else(|| {
                    login
                        .as_ref()
                        .filter(|login| login.user.contains('@'))
                        .map(|login| login.user.clone())
                })
                .unwrap_or_else(|| format!("wharf@{server}"));
            let smtp = Smtp {
                server: smtp,
                login: login.as_ref(),
                starttls: *starttls,
                roots: &settings.smtp_roots,
                timeout: settings.timeout,
            };
            let email = Email {
                from: &from,
                to,
                subject: message::email_subject(note, server),
                body: message::email_body(note, server),
            };
            send_email(&smtp, email).await
        }
    }
}

/// Store how the attempt went, and say a failure in the log.
fn record(
    store: &Store,
    settings: &DeliverySettings,
    channel: &NotifyChannel,
    note: &PendingNotification,
    sent: Result<(), SendError>,
) {
    let stored = match sent {
        Ok(()) => {
            tracing::info!(channel = channel.id, to = %channel.target.describe(), kind = %note.kind, count = note.count, "notification delivered");
            store.notification_delivered(note.id)
        }
        Err(err) => {
            let now = wharf_store::unix_now();
            let failures = note.attempts + 1;
            let give_up = i64::try_from(settings.give_up_after.as_secs()).unwrap_or(i64::MAX);
            let retry_at = (now - note.first_at < give_up).then(|| {
                let delay = retry_delay(failures, settings.retry_base, settings.retry_cap);
                now + i64::try_from(delay.as_secs().max(1)).unwrap_or(i64::MAX)
            });
            match retry_at {
                Some(at) => {
                    tracing::warn!(channel = channel.id, to = %channel.target.describe(), error = %err, failures, retry_in = at - now, "notification not delivered; retrying")
                }
                None => {
                    tracing::error!(channel = channel.id, to = %channel.target.describe(), error = %err, failures, "notification not delivered for a day; given up")
                }
            }
            store.notification_failed(note.id, &err.to_string(), retry_at)
        }
    };
    if let Err(err) = stored {
        tracing::warn!(error = %err, "cannot record a notification's delivery");
    }
}

/// This machine's name, as messages say where they come from.
fn server_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap() {
        let base = Duration::from_secs(2);
        let cap = Duration::from_secs(600);
        let delays: Vec<u64> = (1..=10)
            .map(|failures| retry_delay(failures, base, cap).as_secs())
            .collect();
        assert_eq!(delays, [2, 4, 8, 16, 32, 64, 128, 256, 512, 600]);
        assert_eq!(retry_delay(1000, base, cap), cap);
        assert_eq!(retry_delay(0, base, cap), base);
    }
}
