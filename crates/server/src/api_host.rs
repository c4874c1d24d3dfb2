//! The API over HTTPS: with `--api-domain NAME`, TLS connections to the HTTPS listener whose
//! SNI is NAME are served by the token-protected API (the same routes as the TCP API listener,
//! git's smart HTTP push included) and the web dashboard instead of being routed to an app. The certificate is the
//! one the resolver has for NAME: issued by ACME, or uploaded with `wharf certs add`.

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use wharf_proxy::{ConnectionHandler, InProcessHost, TlsStream};

/// Time a client has to send a request's head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The API as the HTTPS listener's in-process host for `domain`. Call it on the daemon's main
/// runtime: connections are served there (with the deploys and runs they start), not on the
/// proxy's worker threads.
pub(crate) fn in_process_host(domain: &wharf_domain::DomainName, app: Router) -> InProcessHost {
    InProcessHost {
        host: domain.to_string(),
        handler: Arc::new(ApiOverTls {
            app,
            runtime: tokio::runtime::Handle::current(),
        }),
    }
}

struct ApiOverTls {
    app: Router,
    runtime: tokio::runtime::Handle,
}

impl ConnectionHandler for ApiOverTls {
    fn serve(
        &self,
        stream: TlsStream,
        peer: SocketAddr,
        shutdown: CancellationToken,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        // The peer's address, as the TCP listener gives it: sign-ins are throttled per address.
        let app = self
            .app
            .clone()
            .layer(axum::Extension(axum::extract::ConnectInfo(peer)));
        let service = TowerToHyperService::new(app);
        let span = tracing::info_span!("api", listen = "https", %peer);
        let runtime = self.runtime.clone();
        let served = async move {
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT);
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            tokio::pin!(conn);
            let ended = tokio::select! {
                ended = conn.as_mut() => ended,
                () = shutdown.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(err) = ended {
                tracing::debug!(error = %err, "API connection ended with an error");
            }
        }
        .instrument(span);
        Box::pin(async move {
            if let Err(err) = runtime.spawn(served).await {
                tracing::warn!(error = %err, "an API connection's task failed");
            }
        })
    }
}
