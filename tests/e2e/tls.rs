//! HTTPS through the daemon with a certificate uploaded by `wharf certs add`: SNI, HTTP/2 by
//! ALPN, the redirect of plain HTTP (but not of ACME challenges), live replacement, refusal of
//! bad certificates with nothing changed, removal, and certificates surviving a restart.

use super::harness::*;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SerialNumber};
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::TlsConnector;

/// A test certificate authority the client trusts.
pub struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
    dir: tempfile::TempDir,
}

impl Ca {
    pub fn new() -> Ca {
        Ca::with_params(CertificateParams::new(Vec::<String>::new()).unwrap())
    }

    /// A CA with its own name (`CN=name`), so certificates of another test CA are not taken
    /// for its own (by default every test CA has rcgen's one name).
    pub fn named(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        Ca::with_params(params)
    }

    fn with_params(mut params: CertificateParams) -> Ca {
        let key = KeyPair::generate().unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        Ca {
            cert,
            key,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Issue a leaf for `names`, valid from/until now plus `days`, and write it as files:
    /// (fullchain, key).
    pub fn issue(&self, names: &[&str], serial: u64, days: (i64, i64)) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.serial_number = Some(SerialNumber::from(serial));
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now + time::Duration::days(days.0);
        params.not_after = now + time::Duration::days(days.1);
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        let chain = self.dir.path().join(format!("chain-{serial}.pem"));
        let key_path = self.dir.path().join(format!("key-{serial}.pem"));
        std::fs::write(&chain, format!("{}{}", cert.pem(), self.cert.pem())).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        (path(chain), path(key_path))
    }

    /// The CA's certificate as a PEM file, for clients to trust.
    pub fn root_file(&self) -> String {
        let file = self.dir.path().join("ca.pem");
        std::fs::write(&file, self.cert.pem()).unwrap();
        path(file)
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

fn path(p: PathBuf) -> String {
    p.to_str().unwrap().to_string()
}

/// What an HTTPS GET came back with.
#[derive(Debug)]
pub(super) struct Answer {
    pub(super) serial: String,
    alpn: Option<Vec<u8>>,
    pub(super) status: u16,
    pub(super) body: String,
}

/// GET `path` over TLS to `addr` with `sni` as SNI and Host; HTTP/2 when ALPN picks it.
pub(super) fn https_get(
    ca: &Ca,
    addr: SocketAddr,
    sni: &str,
    alpn: &[&[u8]],
    path: &str,
) -> Result<Answer, String> {
    let connector = ca.connector(alpn);
    let (sni, path) = (sni.to_string(), path.to_string());
    block_on(async move {
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| e.to_string())?;
        let name = rustls::pki_types::ServerName::try_from(sni.clone()).unwrap();
        let tls = tokio::time::timeout(Duration::from_secs(10), connector.connect(name, tcp))
            .await
            .map_err(|_| "handshake timed out".to_string())?
            .map_err(|e| format!("handshake failed: {e}"))?;
        let der = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
        let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).unwrap();
        let serial = cert.raw_serial_as_string().replace(':', "");
        let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
        let io = TokioIo::new(tls);
        let response = if alpn.as_deref() == Some(b"h2") {
            let (mut sender, conn) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                    .await
                    .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            let request = hyper::Request::get(format!("https://{sni}{path}"))
                .body(Empty::<Bytes>::new())
                .unwrap();
            sender.send_request(request).await
        } else {
            let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            let request = hyper::Request::get(path.as_str())
                .header("host", sni.as_str())
                .body(Empty::<Bytes>::new())
                .unwrap();
            sender.send_request(request).await
        }
        .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Ok(Answer {
            serial,
            alpn,
            status,
            body: String::from_utf8_lossy(&body).to_string(),
        })
    })
}

/// A plain HTTP GET through the proxy: (status, Location).
fn http_location(addr: SocketAddr, host: &str, path: &str) -> (u16, Option<String>) {
    let (host, path) = (host.to_string(), path.to_string());
    block_on(async move {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
            .await
            .unwrap();
        tokio::spawn(conn);
        let request = hyper::Request::get(path.as_str())
            .header("host", host.as_str())
            .body(Empty::<Bytes>::new())
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        (response.status().as_u16(), location)
    })
}

fn refused(daemon: &Daemon, args: &[&str], expected: &str) {
    let out = daemon.wharf(args);
    assert!(!out.status.success(), "wharf {args:?} was accepted");
    let err = stderr(&out);
    assert!(err.contains(expected), "wharf {args:?}: {err}");
}

#[test]
fn uploaded_certificates_serve_https() {
    let mut daemon = Daemon::start();
    let app = unique("tls");
    let domain = format!("{app}.test");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
        "hello over tls",
    );
    daemon.deploy_ok(dir.path());
    daemon.wait_for_body(&domain, "hello over tls");
    // Without a certificate: plain HTTP is served, HTTPS has nothing to offer.
    assert_eq!(http_location(daemon.http, &domain, "/"), (200, None));
    assert!(https_get(&Ca::new(), daemon.https, &domain, &[], "/").is_err());
    assert!(daemon.wharf_ok(&["certs"]).contains("No certificates"));

    let ca = Ca::new();
    let (chain, key) = ca.issue(&[&domain], 1, (-1, 90));
    let out = daemon.wharf_ok(&["certs", "add", &domain, "--cert", &chain, "--key", &key]);
    assert!(
        out.contains(&format!("Certificate for {domain} installed")),
        "{out}"
    );

    // HTTPS by SNI, over HTTP/1.1 and HTTP/2.
    let h1 = https_get(&ca, daemon.https, &domain, &[b"http/1.1"], "/").unwrap();
    assert_eq!((h1.status, h1.serial.as_str()), (200, "01"), "{h1:?}");
    assert!(h1.body.contains("hello over tls"));
    let h2 = https_get(&ca, daemon.https, &domain, &[b"h2", b"http/1.1"], "/").unwrap();
    assert_eq!(h2.alpn.as_deref(), Some(b"h2".as_slice()));
    assert_eq!(h2.status, 200);
    assert!(h2.body.contains("hello over tls"));

    // Plain HTTP now goes to HTTPS, except ACME challenges; other hosts are left alone.
    let port = daemon.https.port();
    assert_eq!(
        http_location(daemon.http, &domain, "/a?b=c"),
        (308, Some(format!("https://{domain}:{port}/a?b=c")))
    );
    let (status, location) = http_location(daemon.http, &domain, "/.well-known/acme-challenge/x");
    assert_eq!((status, location), (404, None));
    assert_eq!(http_location(daemon.http, "other.test", "/").0, 404);

    // Stored private.
    let stored = daemon.data_dir().join("certs").join(&domain);
    for file in ["key.pem", "fullchain.pem", "meta.json"] {
        let mode = std::fs::metadata(stored.join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
    let mode = std::fs::metadata(&stored).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);

    // Bad certificates are refused, clearly, and change nothing.
    let (other_chain, other_key) = ca.issue(&["other.test"], 5, (-1, 90));
    let (old_chain, old_key) = ca.issue(&[&domain], 6, (-90, -1));
    refused(
        &daemon,
        &[
            "certs", "add", &domain, "--cert", &chain, "--key", &other_key,
        ],
        "the private key does not belong to the certificate",
    );
    refused(
        &daemon,
        &[
            "certs", "add", &domain, "--cert", &old_chain, "--key", &old_key,
        ],
        "the certificate expired on",
    );
    refused(
        &daemon,
        &[
            "certs",
            "add",
            &domain,
            "--cert",
            &other_chain,
            "--key",
            &other_key,
        ],
        &format!("the certificate is for other.test and does not cover {domain}"),
    );
    let still = https_get(&ca, daemon.https, &domain, &[], "/").unwrap();
    assert_eq!(still.serial, "01");

    // Replacing the certificate takes effect without a restart.
    let (chain2, key2) = ca.issue(&[&domain], 2, (-1, 90));
    daemon.wharf_ok(&["certs", "add", &domain, "--cert", &chain2, "--key", &key2]);
    let replaced = https_get(&ca, daemon.https, &domain, &[], "/").unwrap();
    assert_eq!(replaced.serial, "02");
    let list = daemon.wharf_ok(&["certs"]);
    assert!(
        list.contains(&domain) && list.contains("uploaded"),
        "{list}"
    );

    // Certificates survive a restart.
    assert!(daemon.terminate());
    daemon.spawn();
    let after = https_get(&ca, daemon.https, &domain, &[b"h2"], "/").unwrap();
    assert_eq!(
        (after.status, after.serial.as_str()),
        (200, "02"),
        "{after:?}"
    );

    // Removing it: no HTTPS for the domain, no redirect.
    daemon.wharf_ok(&["certs", "remove", &domain]);
    assert!(https_get(&ca, daemon.https, &domain, &[], "/").is_err());
    assert_eq!(http_location(daemon.http, &domain, "/"), (200, None));
    refused(&daemon, &["certs", "remove", &domain], "no certificate for");

    assert!(!daemon.log().contains("PRIVATE KEY"), "a key was logged");
}

#[test]
fn wildcard_certificates_cover_subdomains() {
    let daemon = Daemon::start();
    let app = unique("wild");
    let parent = format!("{app}.test");
    let domain = format!("www.{parent}");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
        "wildcard app",
    );
    daemon.deploy_ok(dir.path());
    daemon.wait_for_body(&domain, "wildcard app");
    let ca = Ca::new();
    let wildcard = format!("*.{parent}");
    let (chain, key) = ca.issue(&[&wildcard], 7, (-1, 90));
    daemon.wharf_ok(&["certs", "add", &wildcard, "--cert", &chain, "--key", &key]);
    let answer = https_get(&ca, daemon.https, &domain, &[], "/").unwrap();
    assert_eq!((answer.status, answer.serial.as_str()), (200, "07"));
    assert!(answer.body.contains("wildcard app"));
    assert_eq!(http_location(daemon.http, &domain, "/").0, 308);
    // One label only: a.b.PARENT is not covered.
    assert_eq!(
        http_location(daemon.http, &format!("a.{domain}"), "/").0,
        404
    );
    assert!(daemon.wharf_ok(&["certs"]).contains(&wildcard));
    daemon.wharf_ok(&["certs", "remove", &wildcard]);
    assert!(
        daemon
            .data_dir()
            .join("certs")
            .read_dir()
            .unwrap()
            .next()
            .is_none()
    );
}
