//! The Wharf daemon, `wharf server`: loads and checks its config, opens the store, connects to
//! Docker, restores the apps' routes from what is stored and what runs, serves the proxy and the
//! API and the web dashboard (cleaning up after a crash meanwhile, and bringing everything back when the Docker engine
//! restarts) until it is told to stop, and stops gracefully.

mod acme;
mod api;
mod api_host;
pub mod certs;
mod clean_up;
mod config;
mod daemon;
pub mod dashboard;
mod engine_watch;
mod host;
mod instance;
mod listeners;
mod metrics;
mod notify;
mod push_keys;
pub mod run_protocol;
mod socket;
mod stats;
mod takeover;

pub use config::{
    ConfigError, DEFAULT_ALERT_CHECK_INTERVAL, DEFAULT_API_LISTEN, DEFAULT_API_PORT,
    DEFAULT_DISK_ALERT_PERCENT, DEFAULT_HSTS_MAX_AGE, DEFAULT_HTTP_LISTEN, DEFAULT_HTTPS_LISTEN,
    DEFAULT_NOTIFY_RETRY_CAP, ServerConfig, socket_path,
};
pub use daemon::run;
pub use push_keys::{PushKeyError, PushKeys};
