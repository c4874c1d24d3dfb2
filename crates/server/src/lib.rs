//! The Wharf daemon, `wharf server`: loads and checks its config, opens the store, connects to
//! Docker, reconciles what runs with what is stored, then serves the proxy and the API until it
//! is told to stop, and stops gracefully.

mod acme;
mod api;
mod api_host;
pub mod certs;
mod config;
mod daemon;
mod instance;
pub mod run_protocol;
mod socket;

pub use api::ConfigVars;
pub use config::{ConfigError, DEFAULT_HSTS_MAX_AGE, ServerConfig, socket_path};
pub use daemon::run;
