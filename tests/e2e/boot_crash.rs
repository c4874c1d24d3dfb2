//! A new release whose container dies as it boots (a missing module, a bad setting) fails the
//! deploy at once with the container's log, instead of being waited on for the whole health
//! timeout, while the running release keeps serving; a first deploy that dies (or whose release
//! command fails) says so without promising a previous release.

use super::harness::*;
use std::time::{Duration, Instant};

/// The server's default health timeout: a death must be noticed long before it.
const HEALTH_TIMEOUT: &str = "60";
/// A generous bound for "at once" on a shared, noisy machine, a third of the health timeout.
const QUICKLY: Duration = Duration::from_secs(20);

#[test]
fn a_redeploy_that_dies_at_boot_fails_quickly_and_the_running_release_keeps_serving() {
    let d = Daemon::start_with(&["--health-timeout", HEALTH_TIMEOUT]);
    let app = unique("bootcrash");
    let domain = format!("{app}.example.com");
    let settings = format!("# wharf.app = {app}\n# wharf.domain = {domain}");
    let v1 = app_dir(&settings, "release 1");
    d.deploy_ok(v1.path());
    let load = RequestLoop::start(d.http, &domain, "release 1");

    // Exits at once; Docker's restart policy starts it again and again.
    let exits = app_dir_with(
        &settings,
        "never served",
        r#"CMD ["sh", "-c", "echo 'ModuleNotFoundError: no module named wsgi' >&2; exit 3"]"#,
    );
    // Runs for a moment, long enough to be seen running, then dies: a crash loop.
    let crash_loops = app_dir_with(
        &settings,
        "never served",
        r#"CMD ["sh", "-c", "echo 'booting, then a bad setting kills me'; sleep 1; exit 1"]"#,
    );
    for (dir, log_line) in [
        (&exits, "ModuleNotFoundError: no module named wsgi"),
        (&crash_loops, "booting, then a bad setting kills me"),
    ] {
        let started = Instant::now();
        let out = d.deploy(dir.path());
        let took = started.elapsed();
        fails_with(&out, log_line);
        fails_with(&out, "the previous release keeps serving");
        assert!(
            took < QUICKLY,
            "the deploy failed after {took:?}, the health timeout is {HEALTH_TIMEOUT} s"
        );
    }
    load.assert_none_failed();
    assert_eq!(d.get(&domain, "/").unwrap(), (200, "release 1".into()));
    assert_eq!(
        d.containers(&app),
        vec![format!("wharf-{app}-web-v1-1")],
        "the dead containers are removed"
    );
}

#[test]
fn a_stop_first_redeploy_that_dies_at_boot_brings_the_old_instance_back_quickly() {
    let d = Daemon::start_with(&["--health-timeout", HEALTH_TIMEOUT]);
    let app = unique("bootcrash0");
    let domain = format!("{app}.example.com");
    let settings = format!("# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 0");
    d.deploy_ok(app_dir(&settings, "release 1").path());
    let dies = app_dir_with(&settings, "never served", r#"CMD ["false"]"#);
    let started = Instant::now();
    let out = d.deploy(dies.path());
    let took = started.elapsed();
    fails_with(&out, "exited");
    fails_with(&out, "the previous release keeps serving");
    assert!(
        took < QUICKLY,
        "the deploy failed after {took:?}, the health timeout is {HEALTH_TIMEOUT} s"
    );
    d.wait_for_body(&domain, "release 1");
}

#[test]
fn a_first_deploy_that_dies_at_boot_promises_no_previous_release() {
    let d = Daemon::start_with(&["--health-timeout", HEALTH_TIMEOUT]);
    let app = unique("bootcrash1st");
    let dir = app_dir_with(
        &format!("# wharf.app = {app}"),
        "never served",
        r#"CMD ["sh", "-c", "echo 'cannot read settings.py' >&2; exit 2"]"#,
    );
    let started = Instant::now();
    let out = d.deploy(dir.path());
    let took = started.elapsed();
    fails_with(&out, "cannot read settings.py");
    fails_with(&out, "no earlier release was running");
    assert!(
        !stderr(&out).contains("previous release"),
        "there is none: {}",
        stderr(&out)
    );
    assert!(took < QUICKLY, "the deploy failed after {took:?}");
    assert!(d.containers(&app).is_empty(), "{:?}", d.containers(&app));

    // The same for a first deploy whose release command fails.
    let app = unique("releasefails1st");
    let dir = app_dir(&format!("# wharf.app = {app}"), "never served");
    std::fs::write(
        dir.path().join("Procfile"),
        "web: exec httpd -f -p 8080 -h /www\nrelease: echo 'migrations broke'; exit 4\n",
    )
    .unwrap();
    let out = d.deploy(dir.path());
    fails_with(&out, "migrations broke");
    fails_with(&out, "no earlier release was running");
    assert!(
        !stderr(&out).contains("previous release"),
        "{}",
        stderr(&out)
    );
}
