//! TLS termination: the [`CertResolver`] that picks a certificate by SNI (exact name, else a
//! `*.` wildcard of one label) from a map swapped atomically, so certificates are added,
//! replaced and removed without a restart; TLS-ALPN-01 challenge certificates for ACME; and
//! `TlsProxy`, which does the handshake of each accepted connection (ALPN `h2`, `http/1.1`,
//! `acme-tls/1`) under a timeout and hands the decrypted stream to [`Proxy::serve_connection`],
//! or, when its SNI names the daemon's own host ([`crate::InProcessHost`]), to that host's
//! handler.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use rustls::ServerConfig;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use crate::config::{ProxyConfig, Scheme};
use crate::error::ProxyError;
use crate::host::normalize_host;
use crate::listener::ProxyListener;
use crate::router::Router;
use crate::server::Proxy;
use crate::workers::ProxyServer;

/// The ALPN protocol of ACME's TLS-ALPN-01 challenge (RFC 8737).
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";
/// Time a client has to complete the TLS handshake.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

type KeyMap = HashMap<String, Arc<CertifiedKey>>;

/// The certificates served, by domain (`example.com` or `*.example.com`, lower case).
/// Readers (every handshake) never lock; writers copy the map and swap it.
#[derive(Default)]
pub struct CertResolver {
    certs: ArcSwap<KeyMap>,
    challenges: ArcSwap<KeyMap>,
}

impl fmt::Debug for CertResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut domains: Vec<String> = self.certs.load().keys().cloned().collect();
        domains.sort();
        f.debug_struct("CertResolver")
            .field("domains", &domains)
            .finish_non_exhaustive()
    }
}

fn key_of(domain: &str) -> String {
    domain.trim_end_matches('.').to_ascii_lowercase()
}

fn update(map: &ArcSwap<KeyMap>, change: impl Fn(&mut KeyMap)) {
    map.rcu(|current| {
        let mut next = KeyMap::clone(current);
        change(&mut next);
        next
    });
}

impl CertResolver {
    /// An empty resolver.
    pub fn new() -> Arc<CertResolver> {
        Arc::new(CertResolver::default())
    }

    /// Serve `key` for `domain` from the next handshake on (replacing any previous one).
    pub fn set(&self, domain: &str, key: Arc<CertifiedKey>) {
        let domain = key_of(domain);
        update(&self.certs, |m| {
            m.insert(domain.clone(), Arc::clone(&key));
        });
    }

    /// Stop serving a certificate for `domain`.
    pub fn remove(&self, domain: &str) {
        let domain = key_of(domain);
        update(&self.certs, |m| {
            m.remove(&domain);
        });
    }

    /// The certificate for a (normalized) host name: exact, else the wildcard of its parent.
    pub fn lookup(&self, host: &str) -> Option<Arc<CertifiedKey>> {
        let certs = self.certs.load();
        if let Some(key) = certs.get(host) {
            return Some(Arc::clone(key));
        }
        let (_, parent) = host.split_once('.')?;
        certs.get(&format!("*.{parent}")).cloned()
    }

    /// Whether HTTPS can be served for `host` (a normalized host name).
    pub fn covers(&self, host: &str) -> bool {
        self.lookup(host).is_some()
    }

    /// The domains that have a certificate.
    pub fn domains(&self) -> Vec<String> {
        let mut domains: Vec<String> = self.certs.load().keys().cloned().collect();
        domains.sort();
        domains
    }

    /// Answer TLS-ALPN-01 handshakes (ALPN `acme-tls/1`) for `domain` with `key`, the
    /// challenge certificate an ACME client made.
    pub fn set_alpn_challenge(&self, domain: &str, key: Arc<CertifiedKey>) {
        let domain = key_of(domain);
        update(&self.challenges, |m| {
            m.insert(domain.clone(), Arc::clone(&key));
        });
    }

    /// Stop answering TLS-ALPN-01 handshakes for `domain`.
    pub fn clear_alpn_challenge(&self, domain: &str) {
        let domain = key_of(domain);
        update(&self.challenges, |m| {
            m.remove(&domain);
        });
    }
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let host = normalize_host(hello.server_name()?)?;
        let acme = hello
            .alpn()
            .is_some_and(|mut protocols| protocols.any(|p| p == ACME_TLS_ALPN));
        if acme {
            return self.challenges.load().get(&host).cloned();
        }
        self.lookup(&host)
    }
}

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

/// TLS in front of a [`Proxy`]: the handshake (ALPN `h2`, `http/1.1`, `acme-tls/1`) under a
/// timeout, then the decrypted stream is served like a plain one.
pub(crate) struct TlsProxy {
    acceptor: TlsAcceptor,
    handshake_timeout: Duration,
    in_process: Option<crate::InProcessHost>,
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
