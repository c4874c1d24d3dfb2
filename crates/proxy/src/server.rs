//! The client-facing server: accepts connections (on each worker, see
//! [`crate::workers`]), speaks HTTP/1.1 and h2c via hyper-util's auto builder, applies
//! header-read and idle timeouts, and shuts down gracefully when cancelled.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{ProxyConfig, Scheme};
use crate::error::ProxyError;
use crate::forward::{Client, Forwarder};
use crate::headers;
use crate::idle::{Activity, IdleIo};
use crate::router::Router;

/// Pause after a failed `accept` (e.g. out of file descriptors) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// On shutdown, an HTTP/1 keep-alive connection is closed once it has been quiet this long;
/// until then its requests are still answered, with `Connection: close`. Closing it at
/// once would fail the request its client may be sending at that very moment.
const SHUTDOWN_LINGER: Duration = Duration::from_secs(1);

/// How often a closing HTTP/1 connection checks whether it has been quiet long enough.
const LINGER_CHECK: Duration = Duration::from_millis(100);

/// A proxy instance: the router, the backend client pool and the protocol settings.
/// The workers run one per HTTP listener; a TLS listener calls
/// [`Proxy::serve_connection`] with its decrypted streams.
pub struct Proxy {
    forwarder: Forwarder,
    hsts: Option<http::HeaderValue>,
    builder: auto::Builder<TokioExecutor>,
    idle_timeout: Duration,
    header_read_timeout: Duration,
}

impl Proxy {
    /// A proxy routing with `router` under `config`.
    pub fn new(router: Arc<Router>, config: ProxyConfig) -> Arc<Proxy> {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // The header-read timeout is kept per connection in `serve_connection` rather than
        // by hyper, which arms and drops a timer (and allocates it) for every request.
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(None)
            .keep_alive(true);
        builder.http2().timer(TokioTimer::new());
        Arc::new(Proxy {
            idle_timeout: config.idle_timeout,
            header_read_timeout: config.header_read_timeout,
            hsts: (config.scheme == Scheme::Https)
                .then(|| config.hsts.clone())
                .flatten(),
            forwarder: Forwarder::new(router, config),
            builder,
        })
    }

    /// Serve one client connection until it closes, it idles out, it takes longer than
    /// the header-read timeout to send a request head (HTTP/1; it is closed at once), or
    /// `shutdown` is cancelled (then in-flight requests finish first).
    pub async fn serve_connection<I>(
        self: Arc<Self>,
        io: I,
        peer: SocketAddr,
        shutdown: CancellationToken,
    ) where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let _open = self.forwarder.connection_opened();
        let activity = Activity::new();
        let io = TokioIo::new(IdleIo::new(io, Arc::clone(&activity)));
        let this = Arc::clone(&self);
        let act = Arc::clone(&activity);
        // Set on shutdown: HTTP/1 responses then tell the client to close the connection.
        let closing_flag = Arc::new(AtomicBool::new(false));
        let close_after = Arc::clone(&closing_flag);
        // Rendered once per connection for X-Forwarded-For.
        let client_ip = headers::client_ip_value(peer.ip());
        let service = service_fn(move |req: hyper::Request<Incoming>| {
            let this = Arc::clone(&this);
            let active = act.begin();
            if req.version() == http::Version::HTTP_2 {
                act.set_h2();
            }
            let client = Client {
                addr: peer,
                ip: client_ip.clone(),
            };
            let close_after = Arc::clone(&close_after);
            async move {
                let mut resp = this.forwarder.handle(req, client, Some(active)).await;
                if close_after.load(Ordering::Relaxed) && resp.version() != http::Version::HTTP_2 {
                    resp.headers_mut().insert(
                        http::header::CONNECTION,
                        http::HeaderValue::from_static("close"),
                    );
                }
                if let Some(hsts) = &this.hsts {
                    resp.headers_mut()
                        .entry(http::header::STRICT_TRANSPORT_SECURITY)
                        .or_insert_with(|| hsts.clone());
                }
                Ok::<_, Infallible>(resp)
            }
        });
        let conn = self.builder.serve_connection_with_upgrades(io, service);
        tokio::pin!(conn);
        let mut closing = false;
        // Shut down, HTTP/1: answering with `Connection: close` until quiet for the linger.
        let mut lingering = false;
        loop {
            let mut check_at =
                activity.next_check(self.idle_timeout, self.header_read_timeout, closing);
            if lingering {
                check_at = check_at.min(tokio::time::Instant::now() + LINGER_CHECK);
            }
            tokio::select! {
                res = conn.as_mut() => {
                    if let Err(e) = res {
                        tracing::debug!(error = %e, "client connection ended with error");
                    }
                    return;
                }
                () = shutdown.cancelled(), if !closing => {
                    closing = true;
                    if activity.is_h2() {
                        // GOAWAY tells the client which requests were not taken: it retries them.
                        conn.as_mut().graceful_shutdown();
                    } else {
                        closing_flag.store(true, Ordering::Relaxed);
                        lingering = true;
                    }
                }
                () = tokio::time::sleep_until(check_at) => {
                    if lingering && activity.is_idle(SHUTDOWN_LINGER) {
                        lingering = false;
                        conn.as_mut().graceful_shutdown();
                        continue;
                    }
                    if activity.head_overdue(self.header_read_timeout) {
                        // Nothing is in progress; a half-sent head is not waited for.
                        tracing::debug!("closing connection: no complete request head in time");
                        return;
                    }
                    if !closing && activity.is_idle(self.idle_timeout) {
                        tracing::debug!("closing idle client connection");
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        }
    }
}

/// Accept connections on `listener` and run `on_connection` for each as a tracked task until
/// `shutdown` is cancelled; then stop accepting and wait for the connections to finish.
/// Shared by the plain HTTP and the HTTPS listener; `name` tells them apart in the log.
pub(crate) async fn accept_until<F, Fut>(
    name: &'static str,
    listener: TcpListener,
    shutdown: CancellationToken,
    mut on_connection: F,
) -> Result<(), ProxyError>
where
    F: FnMut(tokio::net::TcpStream, std::net::SocketAddr) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let local = listener.local_addr().map_err(ProxyError::Listener)?;
    let tracker = TaskTracker::new();
    tracing::info!(%local, "{name} listening");
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    tracker.spawn(on_connection(stream, peer));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
        }
    }
    drop(listener);
    tracker.close();
    tracing::info!(%local, connections = tracker.len(), "{name} stopped accepting; draining connections");
    tracker.wait().await;
    Ok(())
}
