//! Logs that outlive containers: an app's lines from before two redeploys and a daemon restart
//! are still found by `wharf logs --grep`, `--release` picks one release's lines, the lines
//! written while the daemon was down are kept once each, and with a tiny bound the app's log
//! directory stays under it while the app keeps writing.

use super::harness::*;
use std::time::{Duration, Instant};

/// The bound the daemon is started with, and what it is in bytes.
const BOUND: &str = "64k";
const BOUND_BYTES: u64 = 64 * 1024;

fn deployed(d: &Daemon, prefix: &str, cmd: &str) -> String {
    let app = unique(prefix);
    let settings = format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com");
    d.deploy_ok(app_dir_with(&settings, "hi", cmd).path());
    app
}

/// `wharf logs` with `args` until its output holds `needle` (the follower stores lines as the
/// engine hands them over, a moment after they are written).
fn logs_until(d: &Daemon, args: &[&str], needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = d.wharf_ok(args);
        if out.contains(needle) {
            return out;
        }
        assert!(
            Instant::now() < deadline,
            "`wharf {}` never showed `{needle}`:\n{out}\n{}",
            args.join(" "),
            d.log()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn ticks(out: &str) -> Vec<u32> {
    out.lines()
        .filter_map(|l| l.rsplit("tick ").next()?.trim().parse().ok())
        .collect()
}

#[test]
fn lines_outlive_redeploys_and_a_restart_and_releases_pick_their_own() {
    let mut d = Daemon::start_with(&["--app-log-max-size", BOUND]);
    let cmd = r#"CMD ["sh", "-c", "echo greeting ${G:-none}; (i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done) & exec httpd -f -p 8080 -h /www"]"#;
    let app = deployed(&d, "kept", cmd);
    logs_until(&d, &["logs", &app, "--grep", "greeting"], "greeting none");
    // Two redeploys: each replaces the container.
    d.wharf_ok(&["config", "set", &app, "G=two"]);
    d.wharf_ok(&["config", "set", &app, "G=three"]);
    logs_until(&d, &["logs", &app, "--release", "v3"], "greeting three");

    // The daemon is down a few seconds while the app writes on.
    assert!(d.terminate());
    std::thread::sleep(Duration::from_secs(4));
    d.spawn();

    let found = d.wharf_ok(&["logs", &app, "--grep", "greeting none"]);
    assert_eq!(found.trim(), "web.1 | greeting none", "{found}");
    let all = d.wharf_ok(&["logs", &app, "--grep", "greeting", "--tail", "all"]);
    let greetings: Vec<&str> = all.lines().collect();
    assert_eq!(
        greetings,
        [
            "web.1 | greeting none",
            "web.1 | greeting two",
            "web.1 | greeting three"
        ],
        "{all}"
    );
    let v2 = d.wharf_ok(&["logs", &app, "--release", "v2", "--tail", "all"]);
    assert!(v2.contains("greeting two"), "{v2}");
    assert!(
        !v2.contains("greeting none") && !v2.contains("greeting three"),
        "{v2}"
    );

    // The ticks of the running release, across the daemon's downtime: none lost, none twice.
    let highest = ticks(&d.wharf_ok(&["logs", &app, "--release", "v3", "--tail", "1"]))
        .pop()
        .unwrap_or(0);
    let after = (highest + 3).to_string();
    logs_until(
        &d,
        &[
            "logs",
            &app,
            "--release",
            "v3",
            "--grep",
            &format!("tick {after}"),
        ],
        &format!("tick {after}"),
    );
    let v3 = d.wharf_ok(&[
        "logs",
        &app,
        "--release",
        "v3",
        "--grep",
        "tick",
        "--tail",
        "all",
    ]);
    let numbers = ticks(&v3);
    let expected: Vec<u32> = (0..numbers.len() as u32).collect();
    assert_eq!(numbers, expected, "{v3}");
    assert!(numbers.len() >= 7, "{v3}");

    // Time windows: --since and --until, spans or times.
    let recent = d.wharf_ok(&["logs", &app, "--since", "1h", "--grep", "greeting none"]);
    assert!(recent.contains("greeting none"), "{recent}");
    let old = d.wharf_ok(&["logs", &app, "--until", "1h", "--grep", "greeting"]);
    assert!(old.trim().is_empty(), "{old}");
    let out = d.wharf(&["logs", &app, "--since", "yesterday"]);
    fails_with(&out, "neither a span nor an RFC 3339 time");
    let out = d.wharf(&["logs", &app, "--release", "v9"]);
    fails_with(&out, "v9");
    // The build and deploy output of a release is kept with it.
    let build = d.wharf_ok(&["logs", &app, "--release", "v1", "--build"]);
    assert!(build.contains("v1 is live"), "{build}");

    // The lines go with the app.
    let dir = d.data_dir().join("app-logs").join(&app);
    assert!(dir.is_dir());
    d.wharf_ok(&["apps", "destroy", &app, "--confirm", &app]);
    assert!(!dir.exists());
}

#[test]
fn an_apps_log_store_stays_under_its_bound_while_the_app_writes() {
    let d = Daemon::start_with(&["--app-log-max-size", BOUND]);
    let cmd = r#"CMD ["sh", "-c", "(i=0; pad=$(printf '%0200d' 0); while true; do echo flood $i $pad; i=$((i+1)); sleep 0.02; done) & exec httpd -f -p 8080 -h /www"]"#;
    let app = deployed(&d, "flood", cmd);
    let dir = d.data_dir().join("app-logs").join(&app);
    let size = || -> u64 {
        std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
                    .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
                    .sum()
            })
            .unwrap_or(0)
    };
    // Write well past the bound (three times over), checking the size all along.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut largest = 0;
    loop {
        let now = size();
        largest = largest.max(now);
        assert!(now <= BOUND_BYTES, "{now} bytes in {}", dir.display());
        let last = d.wharf_ok(&["logs", &app, "--grep", "flood", "--tail", "1"]);
        let written: u64 = last
            .split_whitespace()
            .nth(3)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if written * 300 > 3 * BOUND_BYTES {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the app wrote too little: {last}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(largest > BOUND_BYTES / 2, "{largest}");
    // The oldest lines went first.
    let kept = d.wharf_ok(&["logs", &app, "--grep", "flood", "--tail", "all"]);
    assert!(
        !kept.contains("flood 0 "),
        "{}",
        &kept[..kept.len().min(500)]
    );
    let segments = std::fs::read_dir(&dir).unwrap().count();
    assert!(segments > 2, "{segments} files");
}
