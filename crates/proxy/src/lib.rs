//! Wharf's embedded reverse proxy: routes HTTP by Host (and path prefix) to app targets, balances
//! round-robin over healthy instances, health-checks them, drains them for
//! zero-downtime deploys, and splices websocket upgrades. It terminates TLS too
//! ([`serve_tls`], certificates by SNI from a [`CertResolver`]) and redirects plain
//! HTTP to HTTPS for the domains that have a certificate. It counts what it serves each app
//! ([`Router::traffic`]).
//!
//! The crate root only re-exports; each module owns one noun.

mod access;
pub mod asset_cache;
mod body;
mod cert_resolver;
mod config;
mod conn_pool;
mod ctx;
mod error;
mod forward;
mod head;
mod headers;
mod health;
mod host;
mod host_routes;
mod idle;
mod listener;
mod meter;
mod pages;
mod per_worker;
mod probe;
mod request_body;
mod retry;
mod route;
mod router;
mod served;
mod server;
mod target;
mod tls;
mod traffic;
mod upgrade;
mod upstream;
mod workers;

pub use cert_resolver::{ACME_TLS_ALPN, CertResolver};
pub use config::{
    ChallengeResponder, ConnectionHandler, DEFAULT_CONNECT_TIMEOUT, DEFAULT_HANDSHAKE_TIMEOUT,
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_HEALTH_INTERVAL, DEFAULT_HEALTH_TIMEOUT,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_RESPONSE_HEADER_TIMEOUT, HttpsRedirect, InProcessHost,
    ProxyConfig, Scheme, TlsStream, hsts_header,
};
pub use error::{ProbeError, ProxyError};
pub use headers::{X_FORWARDED_FOR, X_FORWARDED_HOST, X_FORWARDED_PROTO, X_REQUEST_ID};
pub use health::monitor_health;
pub use host::normalize_host;
pub use listener::ProxyListener;
pub use per_worker::default_workers;
pub use probe::probe;
pub use route::{DEFAULT_HEALTH_PATH, Route};
pub use router::Router;
pub use served::{ServedError, served_certificate};
pub use server::Proxy;
pub use target::{Target, TargetState};
pub use tls::server_config;
pub use traffic::{
    AddressTraffic, AppTraffic, LATENCY_BOUNDS, LatencyHistogram, ROUTED_PROCESS, STATUS_CLASSES,
    TrafficSnapshot, TrafficTotals,
};
pub use workers::{ProxyServer, serve, serve_tls};
