//! `ProxyConfig`: timeouts and intervals, the scheme reported to backends, the
//! hook that answers ACME HTTP-01 challenges, the redirect of plain HTTP to HTTPS
//! for domains with a certificate, HSTS, and the host the daemon serves itself over TLS.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use tokio_util::sync::CancellationToken;

use crate::cert_resolver::CertResolver;

/// Default TCP connect timeout towards a backend.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default time a backend has to send response headers.
pub const DEFAULT_RESPONSE_HEADER_TIMEOUT: Duration = Duration::from_secs(60);
/// Default time a client has to send complete request headers.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time a client connection may sit without any traffic.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// Default period of the health monitor.
pub const DEFAULT_HEALTH_INTERVAL: Duration = Duration::from_secs(2);
/// Default timeout of one health probe.
pub const DEFAULT_HEALTH_TIMEOUT: Duration = Duration::from_secs(2);
/// Default time a client has to complete the TLS handshake.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Answers ACME HTTP-01 challenges: given the request host and the token from
/// `/.well-known/acme-challenge/TOKEN`, returns the key authorization to serve.
pub trait ChallengeResponder: Send + Sync {
    /// The body to answer with, or `None` to fall through to normal routing.
    fn respond(&self, host: &str, token: &str) -> Option<String>;
}

impl<F> ChallengeResponder for F
where
    F: Fn(&str, &str) -> Option<String> + Send + Sync,
{
    fn respond(&self, host: &str, token: &str) -> Option<String> {
        self(host, token)
    }
}

/// A TLS connection as the HTTPS listener accepted it, handshake done.
pub type TlsStream = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;

/// Serves a whole TLS connection in the daemon itself, instead of routing it to an app.
pub trait ConnectionHandler: Send + Sync {
    /// Serve `stream` until it closes; when `shutdown` is cancelled, finish what is in flight
    /// and close.
    fn serve(
        &self,
        stream: TlsStream,
        peer: SocketAddr,
        shutdown: CancellationToken,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// A host name the daemon serves itself on the HTTPS listener (its API): TLS connections whose
/// SNI is `host` go to `handler`, with the certificate the resolver has for `host`.
#[derive(Clone)]
pub struct InProcessHost {
    /// A normalized host name (lower case, no port).
    pub host: String,
    pub handler: Arc<dyn ConnectionHandler>,
}

/// Plain HTTP requests for a host that has a certificate in `certs` get a 308 to
/// `https://HOST[:port]/PATH?QUERY` (except ACME HTTP-01 challenges).
#[derive(Clone, Debug)]
pub struct HttpsRedirect {
    /// The certificates the HTTPS listener serves.
    pub certs: Arc<CertResolver>,
    /// The HTTPS listener's public port (left out of `Location` when 443).
    pub port: u16,
}

/// The `Strict-Transport-Security` value for a max-age.
pub fn hsts_header(max_age: Duration) -> HeaderValue {
    HeaderValue::from_str(&format!("max-age={}", max_age.as_secs()))
        .unwrap_or_else(|_| HeaderValue::from_static("max-age=31536000"))
}

/// The scheme the client used, reported to backends as `X-Forwarded-Proto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// Plain HTTP listener.
    #[default]
    Http,
    /// TLS-terminating listener.
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Everything tunable about the proxy.
#[derive(Clone)]
pub struct ProxyConfig {
    /// TCP connect timeout towards a backend.
    pub connect_timeout: Duration,
    /// Time a backend has to produce response headers (else 504).
    pub response_header_timeout: Duration,
    /// Time a client has to send a complete request head (HTTP/1).
    pub header_read_timeout: Duration,
    /// A client connection with no traffic and no request in progress for this long is closed.
    pub idle_timeout: Duration,
    /// Period of [`crate::monitor_health`].
    pub health_interval: Duration,
    /// Timeout of one health probe.
    pub health_timeout: Duration,
    /// Reported to backends as `X-Forwarded-Proto`.
    pub scheme: Scheme,
    /// Checked for `/.well-known/acme-challenge/` paths before routing.
    pub challenge: Option<Arc<dyn ChallengeResponder>>,
    /// Time a client has to complete a TLS handshake ([`crate::serve_tls`]).
    pub handshake_timeout: Duration,
    /// Redirect plain HTTP to HTTPS for hosts with a certificate (HTTP listener only).
    pub https_redirect: Option<HttpsRedirect>,
    /// `Strict-Transport-Security` added to HTTPS responses that carry none (see [`hsts_header`]).
    pub hsts: Option<HeaderValue>,
    /// The host served in-process on the HTTPS listener rather than routed to an app.
    pub in_process: Option<InProcessHost>,
    /// Count every routed request in its app's traffic ([`crate::Router::traffic`]) and the
    /// open client connections. On by default; off only to measure what counting costs.
    pub count_traffic: bool,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            response_header_timeout: DEFAULT_RESPONSE_HEADER_TIMEOUT,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            health_interval: DEFAULT_HEALTH_INTERVAL,
            health_timeout: DEFAULT_HEALTH_TIMEOUT,
            scheme: Scheme::Http,
            challenge: None,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            https_redirect: None,
            hsts: None,
            in_process: None,
            count_traffic: true,
        }
    }
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("connect_timeout", &self.connect_timeout)
            .field("response_header_timeout", &self.response_header_timeout)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("health_interval", &self.health_interval)
            .field("health_timeout", &self.health_timeout)
            .field("scheme", &self.scheme)
            .field("challenge", &self.challenge.is_some())
            .field("handshake_timeout", &self.handshake_timeout)
            .field(
                "https_redirect",
                &self.https_redirect.as_ref().map(|r| r.port),
            )
            .field("hsts", &self.hsts)
            .field(
                "in_process",
                &self.in_process.as_ref().map(|h| h.host.as_str()),
            )
            .field("count_traffic", &self.count_traffic)
            .finish()
    }
}
