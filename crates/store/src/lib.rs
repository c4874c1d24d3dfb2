//! Wharf's state in one SQLite database: apps, their domains, releases, storage mounts, API
//! tokens, SSH keys, the dashboard's users and sessions, the activity log of every change (and
//! of what Wharf noticed itself), the notification channels with their outbox, and the bounded
//! history of what the host and the apps used.
//!
//! The store is the source of truth. The daemon writes here first and then updates what runs
//! (routes, containers); at start it rebuilds everything in memory from what is stored here.

mod acme_state;
mod added_domains;
mod alerts;
mod app_listing;
mod apps;
mod build_leftovers;
mod config_vars;
mod cron_runs;
mod error;
mod events;
mod keys;
mod migrations;
mod notify_channels;
mod outbox;
mod process_settings;
mod registry_logins;
mod releases;
mod resource_history;
mod second_factor;
mod services;
mod sessions;
mod stopped;
mod storage_mounts;
mod store;
mod tokens;
mod users;

pub use acme_state::AcmeState;
pub use alerts::{GROUP_WINDOW_SECS, Raised};
pub use app_listing::AppListing;
pub use apps::AppRecord;
pub use cron_runs::CronRun;
pub use error::StoreError;
pub use events::{EventRecord, NewEvent};
pub use keys::KeyRecord;
pub use notify_channels::{ChannelTarget, NotifyChannel, SmtpLogin, SmtpPassword};
pub use outbox::PendingNotification;
pub use registry_logins::RegistryLogin;
pub use releases::{ReleaseRecord, ReleaseStatus};
pub use resource_history::{
    History, MAX_RESOURCE_SAMPLES, Reading, StoredSample, Subject, TIERS, Tier, TrafficReading,
};
pub use second_factor::{RECOVERY_CODES, SecondFactor, TotpEnrollment};
pub use services::{BackupRecord, LinkRecord, ServiceRecord, ServiceStatus};
pub use sessions::{SessionLimits, SessionUser};
pub use storage_mounts::StorageMount;
pub use store::{Store, now as unix_now};
pub use tokens::{NewToken, TokenName, TokenRecord};
pub use users::{
    MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, Role, UserName, UserRecord, check_password,
    generate_password,
};
pub use wharf_domain::ProcessSettings;

/// Names for tests, parsed once here.
#[cfg(test)]
pub(crate) fn app(name: &str) -> wharf_domain::AppName {
    wharf_domain::AppName::parse(name).unwrap_or_else(|e| panic!("{e}"))
}

/// Domains for tests, parsed once here.
#[cfg(test)]
pub(crate) fn domain(name: &str) -> wharf_domain::DomainName {
    wharf_domain::DomainName::parse(name).unwrap_or_else(|e| panic!("{e}"))
}

/// Addresses (`example.com/blog`) for tests, parsed once here.
#[cfg(test)]
pub(crate) fn address(written: &str) -> wharf_domain::WebAddress {
    wharf_domain::WebAddress::parse(written).unwrap_or_else(|e| panic!("{e}"))
}
