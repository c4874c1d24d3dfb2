//! app.json cron jobs: the daemon runs them at their minute in one-off containers, with the
//! release's config, and keeps each run's exit code and output.

use super::harness::*;
use std::time::{Duration, Instant};

#[test]
fn cron_jobs_run_on_schedule_and_their_runs_are_kept() {
    let d = Daemon::start();
    let app = unique("cron");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com"),
        "x",
    );
    std::fs::write(
        dir.path().join("app.json"),
        r#"{"cron": [
            {"command": "echo cron-says-$GREETING; exit 3", "schedule": "* * * * *"},
            {"command": "echo never", "schedule": "0 0 1 1 *"}
        ]}"#,
    )
    .unwrap();
    d.wharf_ok(&["config", "set", &app, "GREETING=hello"]);
    d.deploy_ok(dir.path());
    let listed = d.wharf_ok(&["cron", &app]);
    assert!(
        listed.contains("* * * * *") && listed.contains("0 0 1 1 *"),
        "{listed}"
    );

    // The every-minute job runs within about a minute and its result is kept.
    let deadline = Instant::now() + Duration::from_secs(130);
    let run_line = loop {
        let listed = d.wharf_ok(&["cron", &app]);
        if let Some(line) = listed
            .lines()
            .find(|l| l.contains("cron-says") && !l.contains("running") && !l.starts_with('*'))
        {
            break line.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "the job never finished:\n{listed}\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_secs(2));
    };
    let fields: Vec<&str> = run_line.split_whitespace().collect();
    assert_eq!(fields[1], "3", "the exit code is kept: {run_line}");
    let log = d.wharf_ok(&["cron", &app, "--log", fields[0]]);
    assert!(
        log.contains("cron-says-hello"),
        "the output is kept, with the app's config: {log}"
    );
    let listed = d.wharf_ok(&["cron", &app]);
    let runs = listed.split("RUN").nth(1).unwrap_or_default();
    assert!(
        !runs.contains("echo never"),
        "a job that is not due does not run: {listed}"
    );
    let out = d.wharf(&["cron", &app, "--log", "999999"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no recent cron run"),
        "{}",
        stderr(&out)
    );
    // A finished run's container is removed (a new run may be going on by now).
    let exited = std::process::Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            "label=wharf.task=cron",
            "--filter",
            "status=exited",
        ])
        .arg("--filter")
        .arg(format!("label=wharf.app={app}"))
        .output()
        .unwrap();
    assert_eq!(
        stdout(&exited).trim(),
        "",
        "finished job containers are removed"
    );
}
