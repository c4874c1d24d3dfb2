//! Destroying an app ends HTTPS for its domains: the certificates issued by ACME (Pebble) or
//! uploaded for its names stop being served and are deleted, and the ACME state goes, while
//! another app's certificate stays. Removing a domain by command does the same for that domain.

use super::acme::{Validation, acme_daemon, chain_path, wait_for};
use super::harness::*;
use super::tls::Ca;
use std::process::Command;
use std::time::Duration;

/// Whether the daemon's HTTPS listener serves a certificate for `domain`.
fn serves(d: &Daemon, domain: &str) -> bool {
    block_on(wharf_proxy::served_certificate(
        d.https,
        domain,
        Duration::from_secs(5),
    ))
    .is_ok()
}

/// The ACME state rows stored for `domain`.
fn acme_rows(d: &Daemon, domain: &str) -> String {
    let out = Command::new("sqlite3")
        .arg(d.data_dir().join("wharf.db"))
        .arg(format!(
            "SELECT domain FROM acme_state WHERE domain = '{domain}'"
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn destroying_an_app_ends_its_certificates_and_acme_state() {
    let (_pebble, d) = acme_daemon(Validation::default(), &[]);
    let app = unique("gone");
    let issued = format!("{app}.example.com");
    let uploaded = format!("{app}-up.test");
    d.deploy_ok(
        app_dir(
            &format!("# wharf.app = {app}\n# wharf.domain = {issued}\n# wharf.domain = {uploaded}"),
            "bye",
        )
        .path(),
    );
    let other = unique("stays");
    let kept = format!("{other}.test");
    d.deploy_ok(
        app_dir(
            &format!("# wharf.app = {other}\n# wharf.domain = {kept}"),
            "here",
        )
        .path(),
    );
    let ca = Ca::new();
    for (serial, domain) in [(1, &uploaded), (2, &kept)] {
        let (chain, key) = ca.issue(&[domain], serial, (-1, 90));
        d.wharf_ok(&["certs", "add", domain, "--cert", &chain, "--key", &key]);
    }
    let chain = chain_path(&d, &issued);
    wait_for("a certificate by HTTP-01", &d, || {
        chain.exists().then_some(())
    });
    wait_for("the ACME state recorded", &d, || {
        let s = d.wharf_ok(&["certs", "status"]);
        s.contains(&issued).then_some(())
    });
    assert!(serves(&d, &issued) && serves(&d, &uploaded) && serves(&d, &kept));
    assert!(acme_rows(&d, &issued).contains(&issued));

    d.wharf_ok(&["apps", "destroy", &app, "--confirm", &app]);

    for domain in [&issued, &uploaded] {
        assert!(!serves(&d, domain), "{domain} still served");
        assert!(!chain_path(&d, domain).exists(), "{domain} still stored");
        assert_eq!(acme_rows(&d, domain), "", "{domain}: ACME state kept");
    }
    let listed = d.wharf_ok(&["certs"]);
    assert!(
        !listed.contains(&issued) && !listed.contains(&uploaded),
        "{listed}"
    );
    assert!(listed.contains(&kept), "{listed}");
    let status = d.wharf_ok(&["certs", "status"]);
    assert!(!status.contains(&issued), "{status}");
    assert!(serves(&d, &kept), "another app's certificate is served");
}

#[test]
fn removing_a_domain_by_command_ends_its_certificate_and_acme_state() {
    let (_pebble, d) = acme_daemon(Validation::default(), &[]);
    let app = unique("shrinks");
    let main = format!("{app}.example.com");
    let extra = format!("{app}-extra.example.com");
    d.deploy_ok(
        app_dir(
            &format!("# wharf.app = {app}\n# wharf.domain = {main}"),
            "hi",
        )
        .path(),
    );
    d.wharf_ok(&["domains", "add", &app, &extra]);
    for domain in [&main, &extra] {
        let chain = chain_path(&d, domain);
        wait_for("a certificate by HTTP-01", &d, || {
            chain.exists().then_some(())
        });
    }
    wait_for("the ACME state recorded", &d, || {
        acme_rows(&d, &extra).contains(&extra).then_some(())
    });
    assert!(serves(&d, &extra));

    d.wharf_ok(&["domains", "remove", &app, &extra]);

    assert!(!serves(&d, &extra), "{extra} still served");
    assert!(!chain_path(&d, &extra).exists(), "{extra} still stored");
    assert_eq!(acme_rows(&d, &extra), "", "{extra}: ACME state kept");
    // The app's other domain keeps its certificate.
    assert!(serves(&d, &main), "{main} no longer served");
    assert!(chain_path(&d, &main).exists());
}
