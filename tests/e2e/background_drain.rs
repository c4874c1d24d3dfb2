//! A deploy is done when its release is live: the instances it replaced drain and stop in the
//! background (shown by `wharf ps`), their processes get SIGTERM through an init process, the
//! next deploy waits for them, and a server killed during the drain comes back serving the new
//! release without the old containers.

use super::harness::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the slow page takes to answer: the old instance drains at least this long.
const SLOW_SECONDS: u32 = 8;

/// A busybox httpd app whose `/cgi-bin/slow` answers after `SLOW_SECONDS`. busybox httpd runs
/// as the container's main process and has no SIGTERM handler.
fn slow_app(settings: &str, body: &str) -> tempfile::TempDir {
    let dir = app_dir(settings, body);
    let cgi = dir.path().join("www/cgi-bin");
    std::fs::create_dir(&cgi).unwrap();
    let script = cgi.join("slow");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nsleep {SLOW_SECONDS}\necho 'Content-Type: text/plain'\necho\necho 'slow answer from {body}'\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn set_body(dir: &Path, body: &str) {
    std::fs::write(dir.join("www/index.html"), body).unwrap();
    let script = dir.join("www/cgi-bin/slow");
    let text = std::fs::read_to_string(&script).unwrap();
    let start = text.find("slow answer from ").unwrap();
    std::fs::write(
        &script,
        format!("{}slow answer from {body}'\n", &text[..start]),
    )
    .unwrap();
}

/// GET /cgi-bin/slow through the proxy on a thread of its own; the whole answer as text.
fn slow_request(proxy: SocketAddr, host: &str) -> JoinHandle<String> {
    let host = host.to_string();
    let handle = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(proxy).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        write!(
            stream,
            "GET /cgi-bin/slow HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    });
    // Give the request time to reach the instance before the caller replaces it (the deploy
    // that follows builds and health-checks first, which takes longer still).
    std::thread::sleep(Duration::from_millis(500));
    handle
}

#[test]
fn deploy_returns_at_live_while_the_old_instance_drains_and_stops_in_the_background() {
    // A stop grace long enough that waiting for SIGKILL would show.
    let d = Daemon::start_with(&["--drain-timeout", "60", "--stop-grace", "30"]);
    let app = unique("bgdrain");
    let domain = format!("{app}.example.com");
    let dir = slow_app(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
        "v1",
    );
    d.deploy_ok(dir.path());
    let v1 = format!("wharf-{app}-web-v1-1");
    assert_eq!(inspect(&v1, "{{.HostConfig.Init}}"), "true");

    let in_flight = slow_request(d.http, &domain);
    set_body(dir.path(), "v2");
    let out = d.deploy_ok(dir.path());
    assert!(out.contains(&format!("{app} v2 is live")), "{out}");
    assert!(
        !in_flight.is_finished(),
        "the deploy returned before the old instance's request finished"
    );
    assert_eq!(d.get(&domain, "/").unwrap(), (200, "v2".into()));
    let ps = d.wharf_ok(&["ps", &app]);
    let old_line = ps.lines().find(|l| l.contains(&v1)).unwrap_or_default();
    assert!(old_line.contains("draining"), "{ps}");

    let answer = in_flight.join().unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.contains("slow answer from v1"),
        "the request in flight finished on the old instance: {answer}"
    );
    // The drain is over: busybox httpd gets SIGTERM through the init process and stops at
    // once instead of at the 30 s stop grace's SIGKILL.
    let drained = Instant::now();
    while d.containers(&app).contains(&v1) {
        assert!(
            drained.elapsed() < Duration::from_secs(15),
            "the old container was still there {:?} after its drain (stop grace 30 s):\n{}",
            drained.elapsed(),
            d.wharf_ok(&["ps", &app])
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(d.containers(&app), vec![format!("wharf-{app}-web-v2-1")]);
}

#[test]
fn the_next_deploy_waits_for_a_drain_still_running() {
    let d = Daemon::start_with(&["--drain-timeout", "60"]);
    let app = unique("bgnext");
    let domain = format!("{app}.example.com");
    let dir = slow_app(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
        "v1",
    );
    d.deploy_ok(dir.path());
    let in_flight = slow_request(d.http, &domain);
    set_body(dir.path(), "v2");
    d.deploy_ok(dir.path());
    set_body(dir.path(), "v3");
    let load = RequestLoop::start(d.http, &domain, "v");
    let out = d.deploy_ok(dir.path());
    load.assert_none_failed();
    assert!(in_flight.join().unwrap().contains("slow answer from v1"));
    assert!(out.contains("v3 is live"), "{out}");
    assert_eq!(d.get(&domain, "/").unwrap(), (200, "v3".into()));
    let deadline = Instant::now() + Duration::from_secs(60);
    while d.containers(&app).len() > 1 {
        assert!(Instant::now() < deadline, "{:?}", d.containers(&app));
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(d.containers(&app), vec![format!("wharf-{app}-web-v3-1")]);
}

#[test]
fn a_server_killed_during_the_drain_restarts_on_the_new_release() {
    let mut d = Daemon::start_with(&["--drain-timeout", "60"]);
    let app = unique("bgcrash");
    let domain = format!("{app}.example.com");
    // Start-first, written out: the drain follows the switch with any version of Wharf.
    let dir = slow_app(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 1"),
        "v1",
    );
    d.deploy_ok(dir.path());
    let in_flight = slow_request(d.http, &domain);
    set_body(dir.path(), "v2");
    let mut deploy = d.deploy_in_background(dir.path());
    // Users are served v2 from the switch on; the old instance drains its slow request.
    d.wait_for_body(&domain, "v2");
    assert!(!in_flight.is_finished(), "the drain is still running");
    d.kill9();
    let _ = deploy.kill();
    let _ = deploy.wait();
    let _ = in_flight.join();

    d.spawn();
    d.wait_for_body(&domain, "v2");
    let releases = d.wharf_ok(&["releases", &app]);
    let v2 = releases
        .lines()
        .find(|l| l.trim_start().starts_with("v2 "))
        .unwrap_or_default();
    assert!(v2.contains("active"), "{releases}");
    let only_v2 = vec![format!("wharf-{app}-web-v2-1")];
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.containers(&app) != only_v2 {
        assert!(
            Instant::now() < deadline,
            "the old container was not removed: {:?}\n{}",
            d.containers(&app),
            d.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
