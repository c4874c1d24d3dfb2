//! Heroku/Dokku apps: Procfile processes (web routed, others unrouted), the `release` command
//! before the switch, app.json's health check, formation and deploy scripts.

use super::harness::*;
use std::path::Path;

const DOCKERFILE: &str = "FROM busybox:latest\nRUN mkdir -p /www\nEXPOSE 5000\n";

fn write_app(dir: &Path, app: &str, procfile: &str, app_json: &str) {
    std::fs::write(
        dir.join("Dockerfile"),
        format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com\n{DOCKERFILE}"),
    )
    .unwrap();
    std::fs::write(dir.join("Procfile"), procfile).unwrap();
    std::fs::write(dir.join("app.json"), app_json).unwrap();
}

const PROCFILE: &str = "\
# processes
web: echo \"web says $GREETING\" > /www/index.html && exec httpd -f -p $PORT -h /www
worker: while true; do echo worker-tick; sleep 1; done
release: echo release-phase-output
";

const APP_JSON: &str = r#"{
  "name": "ignored by wharf",
  "healthchecks": {"web": [{"type": "startup", "path": "/", "content": "web says", "attempts": 10, "wait": 1}]},
  "formation": {"worker": {"quantity": 2}},
  "scripts": {"dokku": {"postdeploy": "echo postdeploy-ran"}}
}"#;

#[test]
fn procfile_processes_release_phase_and_app_json() {
    let mut d = Daemon::start();
    let app = unique("heroku");
    let domain = format!("{app}.example.com");
    let dir = tempfile::tempdir().unwrap();
    write_app(dir.path(), &app, PROCFILE, APP_JSON);
    d.wharf_ok(&["config", "set", &app, "GREETING=hi"]);

    let out = d.deploy_ok(dir.path());
    assert!(
        out.contains("release-phase-output"),
        "the release command ran: {out}"
    );
    assert!(out.contains("postdeploy-ran"), "postdeploy ran: {out}");
    assert_eq!(
        d.get(&domain, "/").unwrap(),
        (200, "web says hi\n".to_string())
    );
    let v1 = vec![
        format!("wharf-{app}-web-v1-1"),
        format!("wharf-{app}-worker-v1-1"),
        format!("wharf-{app}-worker-v1-2"),
    ];
    assert_eq!(
        d.containers(&app),
        v1,
        "web and two workers; no one-off task is left"
    );

    // A failing release command fails the deploy before the switch.
    let failing = PROCFILE.replace(
        "release: echo release-phase-output",
        "release: echo migrating; exit 4",
    );
    write_app(dir.path(), &app, &failing, APP_JSON);
    let out = d.deploy(dir.path());
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("release command failed with exit code 4") && err.contains("migrating"),
        "{err}"
    );
    assert_eq!(d.get(&domain, "/").unwrap().1, "web says hi\n");
    assert_eq!(d.containers(&app), v1, "the running release is untouched");

    // app.json's health check decides: content that never shows fails the deploy.
    let strict = APP_JSON
        .replace("\"content\": \"web says\"", "\"content\": \"never-shown\"")
        .replace("\"attempts\": 10", "\"attempts\": 2");
    write_app(dir.path(), &app, PROCFILE, &strict);
    let out = d.deploy(dir.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("never-shown"), "{}", stderr(&out));
    assert_eq!(d.containers(&app), v1);

    // A worker that exits at once fails the deploy too.
    let crashing = PROCFILE.replace(
        "worker: while true; do echo worker-tick; sleep 1; done",
        "worker: echo worker-crash; exit 2",
    );
    write_app(dir.path(), &app, &crashing, APP_JSON);
    let out = d.deploy(dir.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("worker-crash"), "{}", stderr(&out));
    assert_eq!(d.containers(&app), v1);

    // A good deploy replaces web and workers.
    write_app(dir.path(), &app, PROCFILE, APP_JSON);
    d.deploy_ok(dir.path());
    d.wait_for_containers(
        &app,
        &[
            format!("wharf-{app}-web-v5-1"),
            format!("wharf-{app}-worker-v5-1"),
            format!("wharf-{app}-worker-v5-2"),
        ],
    );

    // After a crash of the daemon, reconcile restarts a stopped worker too.
    d.kill9();
    let worker = format!("wharf-{app}-worker-v5-2");
    let out = std::process::Command::new("docker")
        .args(["stop", "-t", "1", &worker])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    d.spawn();
    d.wait_for_body(&domain, "web says hi");
    assert!(
        container_running(&worker),
        "reconcile started the stopped worker"
    );
}

#[test]
fn malformed_procfile_and_app_json_are_refused() {
    let d = Daemon::start();
    let app = unique("malformed");
    let dir = tempfile::tempdir().unwrap();
    write_app(
        dir.path(),
        &app,
        "web: httpd -f -p $PORT\nthis line has no colon\n",
        "{}",
    );
    let out = d.deploy(dir.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("Procfile line 2"), "{}", stderr(&out));

    write_app(dir.path(), &app, PROCFILE, "{\"formation\": {\"web\": ");
    let out = d.deploy(dir.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("app.json"), "{}", stderr(&out));
    write_app(
        dir.path(),
        &app,
        "web: httpd -f -p $PORT\nrun: echo clash\n",
        "{}",
    );
    let out = d.deploy(dir.path());
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("`run` is Wharf's own"),
        "{}",
        stderr(&out)
    );
    assert!(!d.wharf_ok(&["apps"]).contains(&app), "nothing was created");
    assert!(d.containers(&app).is_empty());
}
