//! The proxy's workers: a few threads (one per CPU by default), each running its own
//! single-threaded tokio runtime. A worker accepts on its own socket of every
//! [`ProxyListener`] and serves those connections from start to end, with its own backend
//! connections; nothing moves between threads, as with nginx's worker processes. All
//! workers share the [`Router`], so route swaps, health, draining and certificates apply
//! to every worker at once. The daemon's API, deploys and health monitor stay on the main
//! runtime.
//!
//! Why: on a small machine shared with the apps, a work-stealing runtime's threads wake
//! each other for every request and handle few events per wake-up; independent workers
//! handle everything that is ready before they sleep again.
//!
//! The top of the crate's layers: [`serve`] and [`serve_tls`] are shorthands for a
//! [`ProxyServer`] with one listener.

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::cert_resolver::CertResolver;
use crate::config::ProxyConfig;
use crate::error::ProxyError;
use crate::listener::ProxyListener;
use crate::per_worker;
use crate::router::Router;
use crate::server::{Proxy, accept_until};
use crate::tls::TlsProxy;

/// What connections on a listener get: plain HTTP, or TLS first.
#[derive(Clone)]
enum Service {
    Http(Arc<Proxy>),
    Https(Arc<TlsProxy>),
}

impl Service {
    fn name(&self) -> &'static str {
        match self {
            Service::Http(_) => "proxy",
            Service::Https(_) => "https proxy",
        }
    }
}

/// The proxy's listeners and what each serves, run by the workers until shut down:
/// `ProxyServer::new().http(..).https(..)?.run(shutdown)`. There are as many workers as
/// the listeners have sockets (see [`ProxyListener::bind`]).
#[derive(Default)]
pub struct ProxyServer {
    endpoints: Vec<(ProxyListener, Service)>,
}

impl ProxyServer {
    /// A server with no listeners yet.
    pub fn new() -> ProxyServer {
        ProxyServer::default()
    }

    /// Serve HTTP/1.1 and h2c (prior knowledge) on `listener`.
    pub fn http(
        mut self,
        listener: ProxyListener,
        router: Arc<Router>,
        config: ProxyConfig,
    ) -> Self {
        let proxy = Proxy::new(router, config);
        self.endpoints.push((listener, Service::Http(proxy)));
        self
    }

    /// Serve HTTPS on `listener` with the certificates of `resolver` (see [`serve_tls`]).
    pub fn https(
        mut self,
        listener: ProxyListener,
        router: Arc<Router>,
        config: ProxyConfig,
        resolver: Arc<CertResolver>,
    ) -> Result<Self, ProxyError> {
        let tls = TlsProxy::new(router, config, resolver)?;
        self.endpoints.push((listener, Service::Https(tls)));
        Ok(self)
    }

    /// Start the workers and serve until `shutdown` is cancelled; then every worker stops
    /// accepting and finishes its connections' in-flight requests. Also ends, with the
    /// error, if a worker cannot start (the others are stopped the same way).
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), ProxyError> {
        let workers = self
            .endpoints
            .iter()
            .map(|(l, _)| l.sockets.len())
            .max()
            .unwrap_or(0);
        let mut jobs: Vec<Vec<(std::net::TcpListener, Service)>> =
            (0..workers).map(|_| Vec::new()).collect();
        for (listener, service) in self.endpoints {
            for (job, socket) in jobs.iter_mut().zip(listener.sockets) {
                job.push((socket, service.clone()));
            }
        }
        // A worker that fails stops the others rather than leaving a partial proxy.
        let stop = shutdown.child_token();
        // Workers log under the caller's subscriber and span, as tasks spawned here would.
        let dispatch = tracing::dispatcher::get_default(Clone::clone);
        let span = tracing::Span::current();
        let mut ended = Vec::with_capacity(workers);
        for (index, job) in jobs.into_iter().enumerate() {
            let (tx, rx) = oneshot::channel();
            let (token, dispatch, span) = (stop.clone(), dispatch.clone(), span.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("wharf-proxy-{index}"))
                .spawn(move || {
                    let result = tracing::dispatcher::with_default(&dispatch, || {
                        worker(index, job, token.clone(), span)
                    });
                    if result.is_err() {
                        token.cancel();
                    }
                    let _ = tx.send(result);
                });
            if let Err(e) = spawned {
                stop.cancel();
                ended.push(Err(ProxyError::Worker(e)));
                break;
            }
            ended.push(Ok(rx));
        }
        let mut first_error = None;
        for worker in ended {
            let result = match worker {
                Ok(rx) => rx.await.unwrap_or(Err(ProxyError::WorkerPanicked)),
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Serve HTTP/1.1 and HTTP/2 (h2c prior knowledge) on `listener` until `shutdown`
/// is cancelled, then stop accepting and let in-flight connections finish.
/// Shorthand for a [`ProxyServer`] with one HTTP listener.
pub async fn serve(
    listener: ProxyListener,
    router: Arc<Router>,
    config: ProxyConfig,
    shutdown: CancellationToken,
) -> Result<(), ProxyError> {
    ProxyServer::new()
        .http(listener, router, config)
        .run(shutdown)
        .await
}

/// Serve HTTPS on `listener` with the certificates of `resolver` until `shutdown` is cancelled,
/// then stop accepting and let in-flight connections finish. `config.scheme` is set to HTTPS.
/// A handshake for a name without a certificate fails (no default certificate is sent).
/// Shorthand for a [`ProxyServer`] with one HTTPS listener.
pub async fn serve_tls(
    listener: ProxyListener,
    router: Arc<Router>,
    config: ProxyConfig,
    resolver: Arc<CertResolver>,
    shutdown: CancellationToken,
) -> Result<(), ProxyError> {
    ProxyServer::new()
        .https(listener, router, config, resolver)?
        .run(shutdown)
        .await
}

/// One worker: a current-thread runtime accepting on `job`'s sockets until `stop`.
fn worker(
    index: usize,
    job: Vec<(std::net::TcpListener, Service)>,
    stop: CancellationToken,
    parent: tracing::Span,
) -> Result<(), ProxyError> {
    per_worker::set_current(index);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ProxyError::Worker)?;
    let span = tracing::info_span!(parent: &parent, "worker", index);
    runtime.block_on(
        async move {
            let mut loops = Vec::with_capacity(job.len());
            for (socket, service) in job {
                let listener = TcpListener::from_std(socket).map_err(ProxyError::Listener)?;
                let token = stop.clone();
                loops.push(accept_until(
                    service.name(),
                    listener,
                    stop.clone(),
                    move |stream, peer| {
                        let (service, token) = (service.clone(), token.clone());
                        async move {
                            match service {
                                Service::Http(proxy) => {
                                    let span = tracing::debug_span!("client_conn", %peer);
                                    proxy
                                        .serve_connection(stream, peer, token)
                                        .instrument(span)
                                        .await;
                                }
                                Service::Https(tls) => {
                                    let span = tracing::debug_span!("tls_conn", %peer);
                                    tls.serve_connection(stream, peer, token)
                                        .instrument(span)
                                        .await;
                                }
                            }
                        }
                    },
                ));
            }
            futures_util::future::try_join_all(loops).await.map(|_| ())
        }
        .instrument(span),
    )
}
