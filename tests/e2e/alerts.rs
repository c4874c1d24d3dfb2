//! The alerts Wharf raises on its clock (`--alert-check-interval`), with the real engine and
//! Pebble: an app none of whose instances answers its health check any more, a domain whose
//! certificate Pebble refuses, and a disk over `--disk-alert-percent`. Each is stored as
//! Wharf's own event (`wharf events`) and reaches a webhook receiver; a condition that lasts
//! is said once, not at every check.

use super::acme::{Validation, acme_daemon};
use super::harness::*;
use super::sinks::{Receiver, alerts, wait_for_alert};
use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

/// An app of `scale` instances whose httpd runs in the background of a shell that stays, so
/// the httpd can be stopped while its container keeps running.
fn app_with_stoppable_httpd(app: &str, scale: u32) -> tempfile::TempDir {
    app_dir_with(
        &format!(
            "# wharf.app = {app}\n# wharf.domain = {app}.example.com\n# wharf.healthcheck = /index.html\n# wharf.scale = {scale}"
        ),
        "fine",
        r#"CMD ["sh", "-c", "httpd -p 8080 -h /www; trap 'exit 0' TERM; while true; do sleep 1; done"]"#,
    )
}

#[test]
fn an_app_whose_instances_all_stop_answering_is_unhealthy_and_its_webhook_hears_of_it() {
    let d = Daemon::start_with(&["--alert-check-interval", "1"]);
    let (receiver, hook) = Receiver::start();
    d.wharf_ok(&["notify", "add", "webhook", &hook]);
    let app = unique("sick");
    d.deploy_ok(app_with_stoppable_httpd(&app, 2).path());
    receiver.wait_for("deploy-succeeded", Duration::from_secs(30));

    // Serving: several checks go by without an alert.
    std::thread::sleep(Duration::from_secs(4));
    assert!(receiver.of_kind("unhealthy").is_empty());
    assert!(
        !alerts(&d, Some(&app))
            .iter()
            .any(|e| e["kind"] == "unhealthy")
    );

    // Every instance's server stops; the containers keep running (not a crash).
    let containers = d.containers(&app);
    assert_eq!(containers.len(), 2, "{containers:?}");
    for container in &containers {
        let out = Command::new("docker")
            .args(["exec", container, "killall", "httpd"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }

    let said = receiver.wait_for("unhealthy", Duration::from_secs(60));
    assert_eq!(said["app"], app.as_str());
    assert_eq!(said["severity"], "critical");
    let message = said["message"].as_str().unwrap();
    assert!(
        message.contains("none of the 2 instance(s)") && message.contains("/index.html"),
        "{said}"
    );
    let event = wait_for_alert(&d, Some(&app), "unhealthy", Duration::from_secs(10));
    assert_eq!(event["actor"], "Wharf");
    assert_eq!(event["severity"], "critical");
    let shown = d.wharf_ok(&["events", &app]);
    assert!(
        shown.contains("Wharf") && shown.contains("none of the 2"),
        "{shown}"
    );
    // Still unhealthy a few checks later: not said again.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(receiver.of_kind("unhealthy").len(), 1);
}

#[test]
fn a_domain_whose_certificate_cannot_be_issued_raises_the_certificate_alert() {
    let (_pebble, d) = acme_daemon(Validation::nowhere(), &["--alert-check-interval", "1"]);
    let (receiver, hook) = Receiver::start();
    d.wharf_ok(&["notify", "add", "webhook", &hook]);
    let app = unique("nocert");
    let domain = format!("{app}.example.com");
    d.deploy_ok(
        app_dir(
            &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
            "plain",
        )
        .path(),
    );

    let said = receiver.wait_for("certificate-renewal-failing", Duration::from_secs(90));
    assert_eq!(said["subject"], domain.as_str());
    assert_eq!(said["severity"], "critical");
    assert!(
        said["message"].as_str().unwrap().contains(&format!(
            "the certificate of {domain} could not be obtained"
        )),
        "{said}"
    );
    // A certificate is the server's, not one app's: in the whole server's events.
    let event = wait_for_alert(
        &d,
        None,
        "certificate-renewal-failing",
        Duration::from_secs(10),
    );
    assert_eq!(event["subject"], domain.as_str());
    assert_eq!(event["actor"], "Wharf");
    // The app is still served, over plain HTTP.
    assert_eq!(d.get(&domain, "/").unwrap(), (200, "plain".to_string()));
}

#[test]
fn a_disk_over_the_threshold_is_said_once_and_not_at_every_check() {
    // The channel exists before the first check: added with the harness's threshold (100%,
    // never over), then the daemon restarted with one every real disk is over.
    let mut d = Daemon::start();
    let (receiver, hook) = Receiver::start();
    d.wharf_ok(&["notify", "add", "webhook", &hook]);
    assert!(d.terminate());
    let mut command = d.server_command();
    command.args(["--disk-alert-percent", "1", "--alert-check-interval", "1"]);
    d.spawn_from(command);

    let first = receiver.wait_for("disk-full", Duration::from_secs(30));
    assert_eq!(first["severity"], "critical");
    assert!(
        first["message"].as_str().unwrap().contains("% full ("),
        "{first}"
    );
    wait_for_alert(&d, None, "disk-full", Duration::from_secs(10));

    // Checked every second: eight more checks find every disk still over.
    std::thread::sleep(Duration::from_secs(8));
    let sent = receiver.of_kind("disk-full");
    let sent_subjects: Vec<String> = sent
        .iter()
        .map(|b| b["subject"].as_str().unwrap().to_string())
        .collect();
    let distinct: BTreeSet<&String> = sent_subjects.iter().collect();
    assert_eq!(
        distinct.len(),
        sent_subjects.len(),
        "one message per disk: {sent:?}"
    );
    let data_dir = d.data_dir().display().to_string();
    assert!(
        sent_subjects.contains(&data_dir),
        "the data directory's disk is said: {sent_subjects:?}"
    );
    // One event per disk, not counted again (repeats is left out when 1).
    let events = alerts(&d, None);
    let stored: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["kind"] == "disk-full").collect();
    assert_eq!(stored.len(), sent.len(), "{events:?}");
    for event in &stored {
        assert!(event["repeats"].is_null(), "{event}");
        assert_eq!(event["actor"], "Wharf");
    }
    // And said once in the daemon's log.
    assert_eq!(
        d.log().matches("% full (").count(),
        sent.len(),
        "{}",
        d.log()
    );
    let shown = d.wharf_ok(&["events"]);
    assert!(shown.contains("% full"), "{shown}");
}
