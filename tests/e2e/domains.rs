//! Domains by command (`wharf domains add/remove`): served at once without a new release,
//! owned by one app, kept across redeploys, rollbacks and a daemon restart, and every bad
//! input refused with nothing changed.

use super::harness::*;

#[test]
fn domains_added_by_command_are_served_at_once_and_kept_across_releases_and_restarts() {
    let mut d = Daemon::start();
    let app = unique("dom");
    let main = format!("{app}.example.com");
    let extra = format!("www.{app}.example.com");
    let settings = format!("# wharf.app = {app}\n# wharf.domain = {main}\n# wharf.scale = 1");
    let dir = app_dir(&settings, "one");
    d.deploy_ok(dir.path());
    assert_eq!(d.get(&extra, "/").unwrap().0, 404);

    // Added (as typed, upper case and a trailing dot): served at once, no new release.
    let out = d.wharf_ok(&[
        "domains",
        "add",
        &app,
        &format!("{}.", extra.to_uppercase()),
    ]);
    assert!(out.contains(&extra), "{out}");
    assert_eq!(d.get(&extra, "/").unwrap(), (200, "one".to_string()));
    assert_eq!(d.get(&main, "/").unwrap(), (200, "one".to_string()));
    let releases = d.wharf_ok(&["releases", &app]);
    assert!(!releases.contains("v2"), "{releases}");
    let listed = d.wharf_ok(&["domains", "list", &app]);
    let line = |domain: &str| {
        listed
            .lines()
            .find(|l| l.starts_with(domain))
            .unwrap_or_else(|| panic!("{domain} not listed: {listed}"))
            .to_string()
    };
    assert!(line(&main).ends_with("Dockerfile"), "{listed}");
    assert!(line(&extra).ends_with("wharf domains add"), "{listed}");
    // Adding it again changes nothing.
    d.wharf_ok(&["domains", "add", &app, &extra]);

    // Another app cannot take it, by command or by its Dockerfile.
    let other = unique("dom2");
    let other_dir = app_dir(
        &format!("# wharf.app = {other}\n# wharf.domain = {other}.example.com\n# wharf.scale = 1"),
        "other",
    );
    d.deploy_ok(other_dir.path());
    fails_with(&d.wharf(&["domains", "add", &other, &extra]), &app);
    let clash = app_dir(
        &format!("# wharf.app = {other}\n# wharf.domain = {extra}\n# wharf.scale = 1"),
        "clash",
    );
    fails_with(&d.deploy(clash.path()), &app);
    assert_eq!(d.get(&extra, "/").unwrap(), (200, "one".to_string()));
    // Nor can this app take the other's.
    fails_with(
        &d.wharf(&["domains", "add", &app, &format!("{other}.example.com")]),
        &other,
    );

    // Bad input: named, refused, nothing changed.
    fails_with(
        &d.wharf(&["domains", "add", &app, "https://x.example.com/"]),
        "bare domain",
    );
    fails_with(
        &d.wharf(&["domains", "add", &app, "*.example.com"]),
        "wildcards",
    );
    fails_with(&d.wharf(&["domains", "remove", &app, &main]), "Dockerfile");
    fails_with(
        &d.wharf(&["domains", "remove", &app, "nope.example.com"]),
        "not one of",
    );
    fails_with(
        &d.wharf(&["domains", "add", "no-such-app", "x.example.com"]),
        "no app named",
    );
    // Over the network, only with a valid token.
    let remote = std::process::Command::new(WHARF)
        .args([
            "--server",
            &format!("http://{}", d.api),
            "--token",
            "wharf_0000",
        ])
        .args(["domains", "add", &app, "sneaky.example.com"])
        .output()
        .unwrap();
    assert!(!remote.status.success());
    assert!(!d.wharf_ok(&["domains", "list", &app]).contains("sneaky"));
    assert_eq!(d.get(&main, "/").unwrap(), (200, "one".to_string()));

    // Kept by a redeploy, a rollback and a restart of the daemon.
    std::fs::write(dir.path().join("www/index.html"), "two").unwrap();
    d.deploy_ok(dir.path());
    assert_eq!(d.get(&extra, "/").unwrap(), (200, "two".to_string()));
    d.wharf_ok(&["rollback", &app]);
    assert_eq!(d.get(&extra, "/").unwrap(), (200, "one".to_string()));
    assert!(d.terminate(), "clean exit:\n{}", d.log());
    d.spawn();
    d.wait_for_body(&extra, "one");

    // Removed: no longer served; the Dockerfile's domain still is.
    let out = d.wharf_ok(&["domains", "remove", &app, &extra]);
    assert!(out.contains("no longer"), "{out}");
    assert_eq!(d.get(&extra, "/").unwrap().0, 404);
    assert_eq!(d.get(&main, "/").unwrap(), (200, "one".to_string()));
    // And free for another app.
    d.wharf_ok(&["domains", "add", &other, &extra]);
    assert_eq!(d.get(&extra, "/").unwrap(), (200, "other".to_string()));
}
