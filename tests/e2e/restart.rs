//! The daemon's life cycle: a hard kill and restart restores every app, serving before the
//! leftovers of a cut-off deploy are removed; SIGTERM stops cleanly; the clean-up never touches
//! foreign containers.

use super::harness::*;
use std::process::Command;
use std::time::Duration;

#[test]
fn kill_9_and_restart_serves_every_app_again() {
    let mut d = Daemon::start();
    let (a, b) = (unique("one"), unique("two"));
    let dir_a = app_dir(
        &format!("# wharf.app = {a}\n# wharf.domain = {a}.example.com\n# wharf.scale = 2"),
        "app one",
    );
    let dir_b = app_dir(
        &format!("# wharf.app = {b}\n# wharf.domain = {b}.example.com"),
        "app two",
    );
    d.deploy_ok(dir_a.path());
    d.deploy_ok(dir_b.path());

    d.kill9();
    // While the daemon is down, one replica stops too (as after a crash of the app).
    let stopped = format!("wharf-{a}-web-v1-1");
    let out = Command::new("docker")
        .args(["stop", "-t", "1", &stopped])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    d.spawn();
    d.wait_for_body(&format!("{a}.example.com"), "app one");
    d.wait_for_body(&format!("{b}.example.com"), "app two");
    let running = container_running(&stopped);
    assert!(running, "reconcile started the stopped replica");
    let apps = d.wharf_ok(&["apps"]);
    assert!(apps.contains(&a) && apps.contains(&b), "{apps}");
}

#[test]
fn sigterm_stops_the_daemon_cleanly() {
    let mut d = Daemon::start();
    assert!(d.terminate(), "exit status 0 after SIGTERM:\n{}", d.log());
    assert!(
        !d.data_dir().join("wharf.sock").exists(),
        "the socket is removed"
    );
    assert!(d.log().contains("stopped"), "{}", d.log());
}

#[test]
fn reconcile_cleans_up_a_cut_off_deploy_and_ignores_foreign_containers() {
    let mut d = Daemon::start();
    let app = unique("cutoff");
    let domain = format!("{app}.example.com");
    let settings = format!("# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 1");
    let good = app_dir(&settings, "still serving");
    d.deploy_ok(good.path());

    // A deploy whose instance never gets healthy, cut off by a hard kill half-way.
    let slow = app_dir_with(&settings, "never", r#"CMD ["sleep", "600"]"#);
    let mut deploy = d.deploy_in_background(slow.path());
    d.wait_for_container(&app, &format!("wharf-{app}-web-v2-1"));
    d.kill9();
    let _ = deploy.wait();

    // A container that is not Wharf's must survive the restart.
    let foreign = unique("foreign");
    foreign_container(&foreign);

    d.spawn();
    d.wait_for_body(&domain, "still serving");
    // The cut-off release's container is removed (in the background, once serving).
    wait_for_containers(&d, &app, &[format!("wharf-{app}-web-v1-1")]);
    let releases = d.wharf_ok(&["releases", &app]);
    assert!(releases.contains("failed"), "{releases}");
    let alive = container_running(&foreign);
    remove_container(&foreign);
    assert!(alive, "the foreign container was left alone");
}

#[test]
fn apps_serve_again_before_a_cut_off_deploy_is_cleaned_up() {
    // The cut-off deploy's container ignores SIGTERM, so removing it takes the whole stop grace.
    let mut d = Daemon::start_with(&["--stop-grace", "40"]);
    let app = unique("early");
    let domain = format!("{app}.example.com");
    let settings = format!("# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 1");
    d.deploy_ok(app_dir(&settings, "serving at once").path());
    // (Containers run under an init process that passes SIGTERM on: the shell ignores it.)
    let slow = app_dir_with(
        &settings,
        "never",
        r#"CMD ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]"#,
    );
    let mut deploy = d.deploy_in_background(slow.path());
    let cut_off = format!("wharf-{app}-web-v2-1");
    d.wait_for_container(&app, &cut_off);
    d.kill9();
    let _ = deploy.wait();

    d.spawn();
    d.wait_for_body(&domain, "serving at once");
    assert!(
        d.containers(&app).contains(&cut_off),
        "the app served before the clean-up had stopped the cut-off deploy's container:\n{}",
        d.log()
    );
    // The clean-up goes on in the background.
    wait_for_containers(&d, &app, &[format!("wharf-{app}-web-v1-1")]);
    d.wait_for_body(&domain, "serving at once");
}

/// Wait (two minutes at most) until the server's containers of `app` are exactly `names`.
fn wait_for_containers(d: &Daemon, app: &str, names: &[String]) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while d.containers(app) != names {
        assert!(
            std::time::Instant::now() < deadline,
            "{app}'s containers are {:?}, not {names:?}:\n{}",
            d.containers(app),
            d.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn sigterm_lets_in_flight_requests_and_deploys_finish() {
    let mut d = Daemon::start();
    let app = unique("graceful");
    let domain = format!("{app}.example.com");
    let settings = format!("# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 1");
    let dir = app_dir(&settings, "first");
    std::fs::create_dir(dir.path().join("www/cgi-bin")).unwrap();
    let script = dir.path().join("www/cgi-bin/slow");
    std::fs::write(
        &script,
        "#!/bin/sh\nsleep 2\nprintf 'Content-Type: text/plain\\r\\n\\r\\nslow-done'\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    d.deploy_ok(dir.path());

    // A slow request in flight when SIGTERM arrives still gets its answer.
    let proxy = d.http;
    let host = domain.clone();
    let slow = std::thread::spawn(move || http_get(proxy, &host, "/cgi-bin/slow"));
    std::thread::sleep(Duration::from_millis(500));
    assert!(d.terminate(), "clean exit:\n{}", d.log());
    assert_eq!(slow.join().unwrap(), Ok((200, "slow-done".to_string())));

    // A deploy under way when SIGTERM arrives is finished before the server exits.
    d.spawn();
    let slow_start = app_dir_with(
        &settings,
        "second",
        r#"CMD ["sh", "-c", "sleep 3; exec httpd -f -p 8080 -h /www"]"#,
    );
    let deploy = d.deploy_in_background(slow_start.path());
    d.wait_for_container(&app, &format!("wharf-{app}-web-v2-1"));
    assert!(d.terminate(), "clean exit:\n{}", d.log());
    let out = deploy.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the deploy finished: {}\n{}",
        stderr(&out),
        d.log()
    );
    d.spawn();
    d.wait_for_body(&domain, "second");
}

#[test]
fn init_writes_a_unit_and_a_working_first_token() {
    let d = Daemon::start();
    let unit = d.data_dir().join("wharf.service");
    let out = d.wharf_ok(&[
        "init",
        "--no-start",
        "--unit-path",
        unit.to_str().unwrap(),
        "--token-name",
        "first",
    ]);
    let text = std::fs::read_to_string(&unit).unwrap();
    assert!(
        text.contains("ExecStart=") && text.contains(" server "),
        "{text}"
    );
    assert!(text.contains(&d.data_dir().display().to_string()), "{text}");
    let token = out
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("wharf_"))
        .expect("the token is printed")
        .to_string();
    let listed = Command::new(WHARF)
        .args([
            "apps",
            "--server",
            &format!("http://{}", d.api),
            "--token",
            &token,
        ])
        .output()
        .unwrap();
    assert!(
        listed.status.success(),
        "the first token works: {}",
        stderr(&listed)
    );
    assert!(d.wharf_ok(&["tokens", "list"]).contains("first"));

    // With a name and a contact: the unit serves HTTPS and the API at that name, and the
    // contact is kept for the ACME account. The existing token is kept.
    let out = d.wharf_ok(&[
        "init",
        "--no-start",
        "--unit-path",
        unit.to_str().unwrap(),
        "--token-name",
        "first",
        "--https-listen",
        "0.0.0.0:8443",
        "--api-domain",
        "Wharf.Example.com",
        "--email",
        "ops@example.com",
    ]);
    assert!(out.contains("kept it"), "{out}");
    let text = std::fs::read_to_string(&unit).unwrap();
    assert!(
        text.contains(" --https-listen 0.0.0.0:8443 --api-domain wharf.example.com\n"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(d.data_dir().join("acme-email")).unwrap(),
        "ops@example.com\n"
    );
    let refused = d.wharf(&[
        "init",
        "--no-start",
        "--unit-path",
        unit.to_str().unwrap(),
        "--https-listen",
        "none",
        "--api-domain",
        "wharf.example.com",
    ]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("needs the HTTPS listener"),
        "{}",
        stderr(&refused)
    );
}
