//! Wharf survives a restart of the Docker engine (an upgrade of Docker does one), on an engine
//! of the test's own: while the engine is away the proxy keeps answering (what still runs is
//! served, what is gone gets a 503, nothing hangs) and a deploy fails saying the engine is not
//! reachable; once the engine is back, an app of two replicas and the database linked to it
//! run and serve again, at their new addresses, without a restart of Wharf. One replica and
//! the database are left `Exited (137)` by the engine's stop, as after a real upgrade.

use super::harness::*;
use super::second_engine::SecondEngine;
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

/// A CGI script of the app that prints `body`'s output.
fn cgi(dir: &std::path::Path, name: &str, body: &str) {
    let path = dir.join("www/cgi-bin").join(name);
    let script = format!("#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n{body}\n");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Wait (bounded) until requests to `path` have answered every body in `wanted`.
fn wait_for_answers(
    d: &Daemon,
    engine: &SecondEngine,
    domain: &str,
    path: &str,
    wanted: &BTreeSet<String>,
) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = BTreeSet::new();
    let mut last = Err("no request yet".to_string());
    while !wanted.is_subset(&seen) {
        assert!(
            Instant::now() < deadline,
            "{path} answered {seen:?}, not all of {wanted:?}; last: {last:?}\n{}\nengine:\n{}",
            d.log(),
            engine.docker_ok(&["ps", "-a"])
        );
        last = d.get(domain, path);
        if let Ok((200, body)) = &last {
            seen.insert(body.trim().to_string());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn apps_and_databases_come_back_after_the_docker_engine_restarts() {
    let mut engine = SecondEngine::start();
    engine.load("busybox:latest");
    engine.load("redis:8");
    let mut d = Daemon::configured(&[], &[("DOCKER_HOST", &engine.host())]);
    d.spawn();
    let wharf_pid = d.pid();

    let (app, db) = (unique("survivor"), unique("cache"));
    let domain = format!("{app}.example.com");
    d.wharf_ok(&["services", "create", "redis", &db]);
    engine.allow_network(&format!("wharf-service.{db}"));
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 2"),
        "survivor",
    );
    std::fs::create_dir(dir.path().join("www/cgi-bin")).unwrap();
    cgi(dir.path(), "who", "hostname");
    // Redis answers a PING without the password with NOAUTH: it is reachable.
    cgi(
        dir.path(),
        "db",
        &format!(
            "if echo PING | nc -w 2 {db} 6379 | grep -q NOAUTH; then echo reachable; else echo unreachable; fi"
        ),
    );
    d.deploy_ok(dir.path());
    d.wharf_ok(&["services", "link", &db, &app]);
    let reachable = BTreeSet::from(["reachable".to_string()]);
    wait_for_answers(&d, &engine, &domain, "/cgi-bin/db", &reachable);

    // Other containers on the engine, so that addresses are handed out anew after its restart.
    for _ in 0..4 {
        engine.docker_ok(&[
            "run",
            "-d",
            "--restart",
            "unless-stopped",
            "busybox:latest",
            "sleep",
            "100000",
        ]);
    }
    // The link redeployed the app: its replaced instances drain and go in the background.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let web = loop {
        let web = engine.docker_ok(&[
            "ps",
            "--format",
            "{{.ID}}",
            "--filter",
            &format!("label=wharf.app={app}"),
            "--filter",
            "label=wharf.process=web",
        ]);
        if web.lines().count() == 2 || std::time::Instant::now() > deadline {
            break web;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    let replicas: BTreeSet<String> = web.lines().map(str::to_string).collect();
    assert_eq!(replicas.len(), 2, "{web}");
    // An upgrade of Docker leaves containers exited: the engine restarts neither of these.
    let first = replicas.iter().next().unwrap().clone();
    let service = format!("wharf-service.{db}");
    engine.docker_ok(&["update", "--restart", "no", &first, &service]);

    for signal in ["TERM", "KILL"] {
        engine.stop(signal);
        // The proxy answers, without hanging: on a stopped engine's apps with a 503 once their
        // instances are found gone (a killed engine leaves its containers running: served).
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let answer = d.get(&domain, "/");
            assert!(
                answer.is_ok(),
                "the proxy answers while the engine is away: {answer:?}"
            );
            let wanted = if signal == "TERM" { 503 } else { 200 };
            if matches!(answer, Ok((status, _)) if status == wanted) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no {wanted} while the engine is away: {answer:?}\n{}",
                d.log()
            );
            std::thread::sleep(Duration::from_millis(300));
        }
        let out = d.deploy(dir.path());
        fails_with(&out, "the Docker engine is not reachable");

        engine.start_again();
        // Both replicas serve again and reach their database: nobody restarted Wharf.
        wait_for_answers(&d, &engine, &domain, "/cgi-bin/who", &replicas);
        wait_for_answers(&d, &engine, &domain, "/cgi-bin/db", &reachable);
        let state = engine.docker_ok(&["inspect", "-f", "{{.State.Running}}", &service]);
        assert_eq!(
            state, "true",
            "the database runs again after the engine's {signal}"
        );
    }
    assert_eq!(d.pid(), wharf_pid, "the same Wharf served throughout");
    assert!(d.log().contains("the Docker engine is back"), "{}", d.log());
}
