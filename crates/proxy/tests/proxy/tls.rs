//! HTTPS: certificates by SNI (exact and wildcard), swapped live, HTTP/2 by ALPN, HSTS,
//! TLS-ALPN-01 challenge certificates, and the HTTP listener's redirect to HTTPS.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SerialNumber};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_util::sync::CancellationToken;
use wharf_proxy::{CertResolver, HttpsRedirect, ProxyConfig, ProxyListener, Route, Router, Target};

use crate::support::*;

/// A test CA that issues leaf certificates.
struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    fn new() -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        Ca { cert, key }
    }

    /// A leaf for `names` with `serial`: (chain PEM, key PEM).
    fn issue(&self, names: &[&str], serial: u64) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.serial_number = Some(SerialNumber::from(serial));
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        (
            format!("{}{}", cert.pem(), self.cert.pem()),
            key.serialize_pem(),
        )
    }

    fn key_for(
        &self,
        domain: &str,
        names: &[&str],
        serial: u64,
    ) -> Arc<rustls::sign::CertifiedKey> {
        let (chain, key) = self.issue(names, serial);
        let domain = wharf_domain::CertDomain::parse(domain).unwrap();
        wharf_certs::validate(&domain, chain.as_bytes(), key.as_bytes(), SystemTime::now())
            .unwrap()
            .key
    }

    fn connector(&self, alpn: &[&[u8]]) -> TlsConnector {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.cert.der().clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        TlsConnector::from(Arc::new(config))
    }
}

struct Https {
    addr: SocketAddr,
    router: Arc<Router>,
    certs: Arc<CertResolver>,
    _shutdown: tokio_util::sync::DropGuard,
}

async fn https(config: ProxyConfig) -> Https {
    let listener = ProxyListener::bind("127.0.0.1:0".parse().unwrap(), WORKERS).unwrap();
    let addr = listener.local_addr();
    let router = Router::new();
    let certs = CertResolver::new();
    let shutdown = CancellationToken::new();
    tokio::spawn(wharf_proxy::serve_tls(
        listener,
        Arc::clone(&router),
        config,
        Arc::clone(&certs),
        shutdown.clone(),
    ));
    Https {
        addr,
        router,
        certs,
        _shutdown: shutdown.drop_guard(),
    }
}

impl Https {
    fn route(&self, app: &str, domains: &[&str], backend: SocketAddr) {
        let domains: Vec<String> = domains.iter().map(|d| d.to_string()).collect();
        self.router
            .set_app(app, &domains, Route::new(app, vec![Target::new(backend)]));
    }
}

async fn connect(
    addr: SocketAddr,
    connector: &TlsConnector,
    sni: &str,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = rustls::pki_types::ServerName::try_from(sni.to_string()).unwrap();
    connector.connect(name, tcp).await
}

/// The serial of the certificate the server presented, hex.
fn peer_serial(tls: &TlsStream<TcpStream>) -> String {
    let der = &tls.get_ref().1.peer_certificates().unwrap()[0];
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).unwrap();
    cert.raw_serial_as_string().replace(':', "")
}

/// GET / over `tls` with HTTP/2 if ALPN chose it, else HTTP/1.1.
async fn get_over(tls: TlsStream<TcpStream>, host: &str) -> (StatusCode, http::HeaderMap, String) {
    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
    let io = TokioIo::new(tls);
    let resp = if h2 {
        let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .unwrap();
        tokio::spawn(conn);
        let req = Request::get(format!("https://{host}/x?q=1"))
            .body(full(Bytes::new()))
            .unwrap();
        sender.send_request(req).await.unwrap()
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
        tokio::spawn(conn);
        let req = Request::get("/x?q=1")
            .header("host", host)
            .body(full(Bytes::new()))
            .unwrap();
        sender.send_request(req).await.unwrap()
    };
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn certificates_by_sni_over_http1_and_http2() {
    let ca = Ca::new();
    let server = https(ProxyConfig {
        hsts: Some(wharf_proxy::hsts_header(std::time::Duration::from_secs(
            600,
        ))),
        ..ProxyConfig::default()
    })
    .await;
    let be = echo_backend("a").await;
    server.route("app", &["app.test", "x.wild.test"], be);
    server
        .certs
        .set("app.test", ca.key_for("app.test", &["app.test"], 11));
    server.certs.set(
        "*.wild.test",
        ca.key_for("*.wild.test", &["*.wild.test"], 12),
    );

    for alpn in [
        &[b"http/1.1".as_slice()][..],
        &[b"h2".as_slice(), b"http/1.1".as_slice()][..],
    ] {
        let tls = connect(server.addr, &ca.connector(alpn), "app.test")
            .await
            .unwrap();
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(alpn[0]));
        assert_eq!(peer_serial(&tls), "0b");
        let (status, headers, body) = get_over(tls, "app.test").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("backend=a"), "{body}");
        assert!(body.contains("x-forwarded-proto: https"), "{body}");
        assert!(body.contains("uri=/x?q=1"), "{body}");
        assert_eq!(headers["strict-transport-security"], "max-age=600");
    }

    let tls = connect(server.addr, &ca.connector(&[b"h2"]), "X.Wild.test")
        .await
        .unwrap();
    assert_eq!(peer_serial(&tls), "0c");
    let (status, _, body) = get_over(tls, "x.wild.test").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // No certificate for the name: the handshake fails (no default certificate).
    assert!(
        connect(server.addr, &ca.connector(&[]), "other.test")
            .await
            .is_err()
    );
    assert!(
        connect(server.addr, &ca.connector(&[]), "a.b.wild.test")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn certificates_are_swapped_without_restart() {
    let ca = Ca::new();
    let server = https(ProxyConfig::default()).await;
    let be = echo_backend("a").await;
    server.route("app", &["app.test"], be);
    server
        .certs
        .set("app.test", ca.key_for("app.test", &["app.test"], 1));
    let first = connect(server.addr, &ca.connector(&[]), "app.test")
        .await
        .unwrap();
    assert_eq!(peer_serial(&first), "01");
    server
        .certs
        .set("app.test", ca.key_for("app.test", &["app.test"], 2));
    let second = connect(server.addr, &ca.connector(&[]), "app.test")
        .await
        .unwrap();
    assert_eq!(peer_serial(&second), "02");
    // The connection made before the swap keeps working.
    let (status, headers, _) = get_over(first, "app.test").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!headers.contains_key("strict-transport-security"));
    server.certs.remove("app.test");
    assert!(
        connect(server.addr, &ca.connector(&[]), "app.test")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn tls_alpn_01_challenges_get_their_certificate_and_nothing_else() {
    let ca = Ca::new();
    let server = https(ProxyConfig::default()).await;
    server
        .certs
        .set("app.test", ca.key_for("app.test", &["app.test"], 1));
    // No challenge registered: an acme-tls/1 handshake fails.
    assert!(
        connect(server.addr, &ca.connector(&[b"acme-tls/1"]), "app.test")
            .await
            .is_err()
    );
    server
        .certs
        .set_alpn_challenge("app.test", ca.key_for("app.test", &["app.test"], 99));
    let mut tls = connect(server.addr, &ca.connector(&[b"acme-tls/1"]), "app.test")
        .await
        .unwrap();
    assert_eq!(peer_serial(&tls), "63");
    assert_eq!(
        tls.get_ref().1.alpn_protocol(),
        Some(b"acme-tls/1".as_slice())
    );
    // The server closes the connection right after the handshake.
    let mut buf = Vec::new();
    let read = tokio::io::AsyncReadExt::read_to_end(&mut tls, &mut buf).await;
    assert!(buf.is_empty(), "{read:?}");
    // Normal handshakes still get the real certificate.
    let tls = connect(server.addr, &ca.connector(&[b"h2"]), "app.test")
        .await
        .unwrap();
    assert_eq!(peer_serial(&tls), "01");
    server.certs.clear_alpn_challenge("app.test");
    assert!(
        connect(server.addr, &ca.connector(&[b"acme-tls/1"]), "app.test")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn plain_http_is_redirected_for_hosts_with_a_certificate() {
    let ca = Ca::new();
    let certs = CertResolver::new();
    certs.set("app.test", ca.key_for("app.test", &["app.test"], 1));
    certs.set(
        "*.wild.test",
        ca.key_for("*.wild.test", &["*.wild.test"], 2),
    );
    let p = proxy_with(ProxyConfig {
        https_redirect: Some(HttpsRedirect {
            certs: Arc::clone(&certs),
            port: 443,
        }),
        hsts: Some(wharf_proxy::hsts_header(std::time::Duration::from_secs(60))),
        ..ProxyConfig::default()
    })
    .await;
    let be = echo_backend("a").await;
    p.route("app", "app.test", &[be]);
    p.route("plain", "plain.test", &[be]);

    let r = get(p.addr, "App.test:80", "/a/b?c=d&e").await;
    assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers["location"], "https://app.test/a/b?c=d&e");
    let r = get(p.addr, "x.wild.test", "/").await;
    assert_eq!(r.headers["location"], "https://x.wild.test/");
    // ACME HTTP-01 challenges are answered over HTTP, never redirected.
    let r = get(p.addr, "app.test", "/.well-known/acme-challenge/tok").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("backend=a"));
    // No certificate, no redirect; and no HSTS over plain HTTP.
    let r = get(p.addr, "plain.test", "/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.headers.contains_key("strict-transport-security"));

    let other = proxy_with(ProxyConfig {
        https_redirect: Some(HttpsRedirect { certs, port: 8443 }),
        ..ProxyConfig::default()
    })
    .await;
    let r = get(other.addr, "app.test", "/p").await;
    assert_eq!(r.headers["location"], "https://app.test:8443/p");
}
