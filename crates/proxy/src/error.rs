//! Typed errors of the proxy: serving failures and health-probe failures.

use std::time::Duration;

/// Why `serve` stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// Reading the listener's own address failed.
    #[error("listener is unusable: {0}")]
    Listener(#[source] std::io::Error),
    /// A proxy worker thread or its runtime could not be started.
    #[error("cannot start a proxy worker: {0}")]
    Worker(#[source] std::io::Error),
    /// A proxy worker thread panicked.
    #[error("a proxy worker panicked")]
    WorkerPanicked,
    /// The TLS configuration could not be built.
    #[error("TLS configuration: {0}")]
    Tls(#[source] rustls::Error),
}

/// Why a health probe got no HTTP response.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The path could not form a valid request URI.
    #[error("invalid probe path {path:?}")]
    InvalidPath {
        /// The path given.
        path: String,
    },
    /// The host name cannot be a Host header.
    #[error("invalid probe host {host:?}")]
    InvalidHost {
        /// The host given.
        host: String,
    },
    /// TCP connect failed (refused, unreachable, ...).
    #[error("connect failed: {0}")]
    Connect(#[source] std::io::Error),
    /// No response within the probe timeout.
    #[error("no response within {0:?}")]
    Timeout(Duration),
    /// The peer spoke but not valid HTTP/1.1, or closed early.
    #[error("HTTP error: {0}")]
    Http(#[source] hyper::Error),
}
