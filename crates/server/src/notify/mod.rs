//! Alerts and notifications: what Wharf notices by itself and tells its users about.
//!
//! Detectors raise alerts: the engine's container events (`crashes`: crashes, crash loops,
//! out-of-memory kills), a clock (`conditions`: apps with no healthy instance, certificates
//! failing to renew or ending soon, full disks), and the places where things end (a deploy's
//! outcome in `api::events`, a backup or its verification in the services). Raising stores the
//! alert in the activity log (actor Wharf, grouped when repeated) and puts a message in each
//! channel's outbox; `delivery` sends them, retrying with backoff. Nothing that raises an alert
//! waits for a webhook or a mail server.

pub mod conditions;
pub mod crashes;
pub mod delivery;
pub mod message;
pub mod transport;

use wharf_domain::Alert;
use wharf_store::Store;

pub use delivery::DeliverySettings;

/// Raise `alert`: recorded and queued, and said in the daemon's log. A store that cannot be
/// written is said too, and stops nothing.
pub fn raise(store: &Store, alert: &Alert) {
    match store.raise(alert) {
        Ok(raised) => tracing::warn!(
            kind = %alert.kind,
            severity = %alert.severity(),
            app = alert.app.as_ref().map(|a| a.as_str()),
            subject = alert.subject.as_deref(),
            repeats = raised.repeats,
            "{}",
            alert.message
        ),
        Err(err) => tracing::error!(error = %err, kind = %alert.kind, "cannot record an alert"),
    }
}
