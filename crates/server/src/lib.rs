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

pub use config::{
    ConfigError, DEFAULT_API_LISTEN, DEFAULT_API_PORT, DEFAULT_HSTS_MAX_AGE, DEFAULT_HTTP_LISTEN,
    DEFAULT_HTTPS_LISTEN, ServerConfig, socket_path,
};
pub use daemon::run;
