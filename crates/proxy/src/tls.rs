//! TLS termination: the rustls configuration Wharf serves with (certificates from a
//! [`CertResolver`]), and `TlsProxy`, which does the handshake of each accepted connection
//! (ALPN `h2`, `http/1.1`, `acme-tls/1`) under a timeout and hands the decrypted stream to
//! [`Proxy::serve_connection`], or, when its SNI names the daemon's own host
//! ([`InProcessHost`]), to that host's handler.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use crate::cert_resolver::{ACME_TLS_ALPN, CertResolver};
use crate::config::{InProcessHost, ProxyConfig, Scheme};
use crate::error::ProxyError;
use crate::host::normalize_host;
use crate::router::Router;
use crate::server::Proxy;

/// The rustls server configuration Wharf serves with: TLS 1.2 and 1.3 (ring), certificates
/// from `resolver`, ALPN `h2`, `http/1.1` and `acme-tls/1`, session tickets.
pub fn server_config(resolver: Arc<CertResolver>) -> Result<Arc<ServerConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec(), ACME_TLS_ALPN.to_vec()];
    config.ticketer = rustls::crypto::ring::Ticketer::new()?;
    Ok(Arc::new(config))
}

/// TLS in front of a [`Proxy`]: the handshake (ALPN `h2`, `http/1.1`, `acme-tls/1`) under a
/// timeout, then the decrypted stream is served like a plain one.
pub(crate) struct TlsProxy {
    acceptor: TlsAcceptor,
    handshake_timeout: Duration,
    in_process: Option<InProcessHost>,
    proxy: Arc<Proxy>,
}

impl TlsProxy {
    /// HTTPS with the certificates of `resolver`; `config.scheme` is set to HTTPS.
    pub(crate) fn new(
        router: Arc<Router>,
        mut config: ProxyConfig,
        resolver: Arc<CertResolver>,
    ) -> Result<Arc<TlsProxy>, ProxyError> {
        let tls = server_config(resolver).map_err(ProxyError::Tls)?;
        config.scheme = Scheme::Https;
        Ok(Arc::new(TlsProxy {
            acceptor: TlsAcceptor::from(tls),
            handshake_timeout: config.handshake_timeout,
            in_process: config.in_process.take(),
            proxy: Proxy::new(router, config),
        }))
    }

    /// Handshake, then serve the connection until it closes or `shutdown` ends it.
    pub(crate) async fn serve_connection(
        self: Arc<Self>,
        stream: TcpStream,
        peer: SocketAddr,
        shutdown: CancellationToken,
    ) {
        let tls = tokio::select! {
            () = shutdown.cancelled() => return,
            done = tokio::time::timeout(self.handshake_timeout, self.acceptor.accept(stream)) => done,
        };
        let tls = match tls {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!("TLS handshake timed out");
                return;
            }
        };
        if tls.get_ref().1.alpn_protocol() == Some(ACME_TLS_ALPN) {
            // TLS-ALPN-01: the handshake was the answer.
            let mut tls = tls;
            let _ = tokio::io::AsyncWriteExt::shutdown(&mut tls).await;
            return;
        }
        if let Some(own) = self.in_process.as_ref().filter(|own| {
            let sni = tls.get_ref().1.server_name().and_then(normalize_host);
            sni.as_deref() == Some(own.host.as_str())
        }) {
            own.handler.serve(tls, peer, shutdown).await;
            return;
        }
        Arc::clone(&self.proxy)
            .serve_connection(tls, peer, shutdown)
            .await;
    }
}
