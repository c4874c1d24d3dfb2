//! The structured access log: one `wharf::access` event per request, written
//! when its response body has been fully sent or dropped.

use std::net::SocketAddr;
use std::time::Instant;

use http::{HeaderValue, Method};

/// Fields of one access-log event, collected while the request is handled.
#[derive(Debug)]
pub(crate) struct AccessLog {
    pub(crate) request_id: HeaderValue,
    pub(crate) client: SocketAddr,
    pub(crate) host: String,
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) status: u16,
    pub(crate) upstream: Option<SocketAddr>,
    pub(crate) start: Instant,
}

impl AccessLog {
    /// Emit the event. `complete` is false when the body was cut short.
    pub(crate) fn emit(&self, bytes: u64, complete: bool) {
        if !tracing::enabled!(target: "wharf::access", tracing::Level::INFO) {
            return;
        }
        let upstream = self
            .upstream
            .map_or_else(|| "-".to_owned(), |a| a.to_string());
        tracing::info!(
            target: "wharf::access",
            request_id = self.request_id.to_str().unwrap_or("-"),
            client = %self.client.ip(),
            host = %self.host,
            method = %self.method,
            path = %self.path,
            status = self.status,
            upstream = %upstream,
            duration_ms = self.start.elapsed().as_millis() as u64,
            bytes,
            complete,
        );
    }
}
