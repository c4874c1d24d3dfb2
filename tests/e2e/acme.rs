//! Automatic HTTPS against Pebble: HTTP-01 issuance answered by the proxy, state shown by
//! `wharf certs status`, nothing ordered for names that cannot get a public certificate or for
//! apps with `https = false`, certificates and the account kept across a restart, a refused
//! validation leaving the app on plain HTTP with a retry scheduled, and renewal.

use super::harness::*;
use super::pebble::Pebble;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn acme_daemon(pebble_http_port: Option<u16>, extra: &[&str]) -> (Pebble, Daemon) {
    let http_port = free_port();
    let pebble = Pebble::start(pebble_http_port.unwrap_or(http_port), free_port());
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
    d.spawn();
    (pebble, d)
}

fn chain_path(d: &Daemon, domain: &str) -> PathBuf {
    d.data_dir()
        .join("certs")
        .join(domain)
        .join("fullchain.pem")
}

fn wait_for<T>(what: &str, d: &Daemon, mut probe: impl FnMut() -> Option<T>) -> T {
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
    let (pebble, mut d) = acme_daemon(None, &[]);
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
    // Pebble validates HTTP-01 against a port where nothing listens.
    let (_pebble, d) = acme_daemon(Some(free_port()), &[]);
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
    // The CA was reached and refused the validation (not a client-side failure).
    assert!(status.contains("http-01"), "{status}");
    assert!(status.contains("none (served over plain HTTP)"), "{status}");
    assert!(!chain_path(&d, &domain).exists());
    assert_eq!(d.get(&domain, "/").unwrap(), (200, "plain".to_string()));
    assert!(d.log().contains("certificate order failed"), "{}", d.log());
}

#[test]
fn a_certificate_due_for_renewal_is_replaced() {
    // Renewing ten years ahead makes every certificate due at once.
    let (pebble, d) = acme_daemon(None, &["--acme-renew-before", "315360000"]);
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
}
