//! Automatic HTTPS against Pebble: HTTP-01 issuance answered by the proxy, state shown by
//! `wharf certs status`, nothing ordered for names that cannot get a public certificate or for
//! apps with `https = false`, certificates and the account kept across a restart, a refused
//! validation leaving the app on plain HTTP with a retry scheduled, renewal (with the new
//! certificate checked to be served), TLS-ALPN-01 when HTTP-01 cannot validate, and the
//! renewal time shown.

use super::harness::*;
use super::pebble::Pebble;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Where Pebble validates challenges: by default, HTTP-01 on the daemon's HTTP port and
/// TLS-ALPN-01 on its HTTPS port; `Some(port)` sends it elsewhere.
#[derive(Default)]
pub struct Validation {
    pub http_port: Option<u16>,
    pub tls_port: Option<u16>,
}

impl Validation {
    /// Both challenges validated against ports where nothing listens: every order fails.
    pub fn nowhere() -> Validation {
        Validation {
            http_port: Some(free_port()),
            tls_port: Some(free_port()),
        }
    }
}

/// Pebble and a daemon using it.
pub fn acme_daemon(validation: Validation, extra: &[&str]) -> (Pebble, Daemon) {
    let (http_port, https_port) = (free_port(), free_port());
    let pebble = Pebble::start(
        validation.http_port.unwrap_or(http_port),
        validation.tls_port.unwrap_or(https_port),
    );
    let root = pebble.listener_root();
    let mut args = vec![
        "--acme-directory",
        &pebble.directory,
        "--acme-root",
        root.to_str().unwrap(),
        "--acme-email",
        "ops@example.com",
    ];
    args.extend(extra);
    let mut d = Daemon::configured(&args, &[]);
    d.http = std::net::SocketAddr::from(([127, 0, 0, 1], http_port));
    d.https = std::net::SocketAddr::from(([127, 0, 0, 1], https_port));
    d.spawn();
    (pebble, d)
}

pub fn chain_path(d: &Daemon, domain: &str) -> PathBuf {
    d.data_dir()
        .join("certs")
        .join(domain)
        .join("fullchain.pem")
}

pub fn wait_for<T>(what: &str, d: &Daemon, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: {}", d.log());
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn http01_certificate_is_issued_shown_and_kept_across_restart() {
    let (pebble, mut d) = acme_daemon(Validation::default(), &[]);
    let app = unique("tls");
    let domain = format!("{app}.example.com");
    d.deploy_ok(
        app_dir(
            &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
            "secure",
        )
        .path(),
    );
    let local = unique("tlslocal");
    d.deploy_ok(
        app_dir(
            &format!("# wharf.app = {local}\n# wharf.domain = {local}.test"),
            "x",
        )
        .path(),
    );
    let plain = unique("tlsoff");
    d.deploy_ok(
        app_dir(
            &format!(
                "# wharf.app = {plain}\n# wharf.domain = {plain}.example.com\n# wharf.https = false"
            ),
            "x",
        )
        .path(),
    );

    let chain = chain_path(&d, &domain);
    wait_for("a certificate by HTTP-01", &d, || {
        chain.exists().then_some(())
    });
    pebble.verifies(&chain).unwrap();
    let key = chain.with_file_name("key.pem");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let account = d.data_dir().join("acme/account.json");
    assert_eq!(
        std::fs::metadata(&account).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let status = wait_for("the state recorded", &d, || {
        let s = d.wharf_ok(&["certs", "status"]);
        s.contains("validated by http-01").then_some(s)
    });
    assert!(status.contains(&domain), "{status}");
    assert!(status.contains("issued by Pebble"), "{status}");
    assert!(status.contains("last attempt:"), "{status}");
    assert!(!status.contains("last error"), "{status}");
    // Pebble 2.4 (Debian's) offers no renewal information (ARI): two thirds of the lifetime.
    // The ARI path is tested against a fake CA in wharf-acme's unit tests.
    assert!(status.contains("two thirds of its lifetime"), "{status}");
    assert!(status.contains("served:        checked"), "{status}");
    // No attempt for a name no public CA would certify, nor for an app that said no.
    assert!(!status.contains(&format!("{local}.test")), "{status}");
    assert!(
        !status.contains(&format!("{plain}.example.com")),
        "{status}"
    );
    assert!(!chain_path(&d, &format!("{local}.test")).exists());
    assert!(!chain_path(&d, &format!("{plain}.example.com")).exists());
    // With a certificate, plain HTTP is redirected to the HTTPS listener.
    let (status, body) = d.get(&domain, "/").unwrap();
    assert_eq!(status, 308, "{body}");
    assert!(
        body.contains(&format!("https://{domain}:{}/", d.https.port())),
        "{body}"
    );

    // A restart keeps the certificate and the account; nothing is ordered again.
    let before = std::fs::read_to_string(&chain).unwrap();
    let account_before = std::fs::read_to_string(&account).unwrap();
    assert!(d.terminate());
    d.spawn();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while d.get(&domain, "/").map(|(status, _)| status) != Ok(308) {
        assert!(
            std::time::Instant::now() < deadline,
            "not redirected after restart"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(7));
    assert_eq!(std::fs::read_to_string(&chain).unwrap(), before);
    assert_eq!(std::fs::read_to_string(&account).unwrap(), account_before);
    assert_eq!(
        d.log().matches("ordering a certificate").count(),
        1,
        "{}",
        d.log()
    );
}

#[test]
fn refused_validation_keeps_plain_http_and_schedules_a_retry() {
    let (_pebble, d) = acme_daemon(Validation::nowhere(), &[]);
    let app = unique("tlsfail");
    let domain = format!("{app}.example.com");
    d.deploy_ok(
        app_dir(
            &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
            "plain",
        )
        .path(),
    );
    let status = wait_for("the failure recorded", &d, || {
        let s = d.wharf_ok(&["certs", "status"]);
        s.contains("last error").then_some(s)
    });
    assert!(status.contains(&domain), "{status}");
    assert!(status.contains("next retry:"), "{status}");
    // The CA was reached and refused both validations (not a client-side failure).
    assert!(status.contains("http-01"), "{status}");
    assert!(status.contains("tls-alpn-01"), "{status}");
    assert!(status.contains("none (served over plain HTTP)"), "{status}");
    assert!(!chain_path(&d, &domain).exists());
    assert_eq!(d.get(&domain, "/").unwrap(), (200, "plain".to_string()));
    assert!(d.log().contains("certificate order failed"), "{}", d.log());
}

#[test]
fn a_certificate_due_for_renewal_is_replaced() {
    // Renewing ten years ahead makes every certificate due at once.
    let (pebble, d) = acme_daemon(Validation::default(), &["--acme-renew-before", "315360000"]);
    let app = unique("tlsrenew");
    let domain = format!("{app}.example.com");
    d.deploy_ok(
        app_dir(
            &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
            "x",
        )
        .path(),
    );
    let chain = chain_path(&d, &domain);
    let first = wait_for("the first certificate", &d, || {
        std::fs::read_to_string(&chain).ok()
    });
    let second = wait_for("the renewed certificate", &d, || {
        std::fs::read_to_string(&chain).ok().filter(|c| *c != first)
    });
    pebble.verifies(&chain).unwrap();
    assert_ne!(first, second);
    assert!(d.log().contains("renewal=true"), "{}", d.log());
    // After the renewal, a handshake with the HTTPS listener found the new certificate served.
    let status = wait_for("the served certificate checked", &d, || {
        let s = d.wharf_ok(&["certs", "status"]);
        s.contains("served:        checked").then_some(s)
    });
    assert!(!status.contains("last error"), "{status}");
    assert!(status.contains("--acme-renew-before"), "{status}");
    assert!(
        d.log()
            .contains("the HTTPS listener serves the new certificate"),
        "{}",
        d.log()
    );
    let served = served_serial(&d, &domain);
    let stored = std::fs::read_to_string(&chain).unwrap();
    assert_eq!(
        Some(served),
        pem_serial(&stored),
        "the served leaf is the stored one"
    );
}

#[test]
fn tls_alpn01_is_the_fallback_when_http01_cannot_validate() {
    // Pebble validates HTTP-01 against a port where nothing listens, TLS-ALPN-01 against the
    // daemon's HTTPS listener.
    let closed_http = Validation {
        http_port: Some(free_port()),
        tls_port: None,
    };
    // Renewing ten years ahead makes the certificate due again at once.
    let (pebble, d) = acme_daemon(closed_http, &["--acme-renew-before", "315360000"]);
    let app = unique("alpn");
    let domain = format!("{app}.example.com");
    d.deploy_ok(
        app_dir(
            &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
            "over alpn",
        )
        .path(),
    );
    let chain = chain_path(&d, &domain);
    let first = wait_for("a certificate by TLS-ALPN-01", &d, || {
        std::fs::read_to_string(&chain).ok()
    });
    pebble.verifies(&chain).unwrap();
    let status = wait_for("the state recorded", &d, || {
        let s = d.wharf_ok(&["certs", "status"]);
        s.contains("validated by tls-alpn-01").then_some(s)
    });
    assert!(!status.contains("last error"), "{status}");
    // The renewal starts with the challenge that worked: no second failed HTTP-01.
    wait_for("the renewed certificate", &d, || {
        std::fs::read_to_string(&chain).ok().filter(|c| *c != first)
    });
    pebble.verifies(&chain).unwrap();
    let log = d.log();
    assert_eq!(
        log.matches("http-01 failed; trying tls-alpn-01").count(),
        1,
        "{log}"
    );
    let orders = |challenge: &str| {
        log.lines()
            .filter(|l| l.contains("ordering a certificate"))
            .filter(|l| l.contains(&format!("challenge=\"{challenge}\"")))
            .count()
    };
    assert_eq!(orders("http-01"), 1, "{log}");
    assert!(orders("tls-alpn-01") >= 2, "{log}");
    // The challenge certificate is gone; the issued one is served.
    assert_eq!(
        Some(served_serial(&d, &domain)),
        pem_serial(&std::fs::read_to_string(&chain).unwrap())
    );
}

/// The serial of the leaf the daemon's HTTPS listener serves for `domain`.
fn served_serial(d: &Daemon, domain: &str) -> String {
    let der = block_on(wharf_proxy::served_certificate(
        d.https,
        domain,
        Duration::from_secs(10),
    ))
    .unwrap();
    wharf_acme::serial_of_der(der.as_ref()).unwrap()
}

/// The serial of the first certificate of a PEM chain.
fn pem_serial(chain: &str) -> Option<String> {
    wharf_acme::parse_chain(chain).ok().map(|c| c.serial)
}
