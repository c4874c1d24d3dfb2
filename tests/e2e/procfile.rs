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
    // Named as what it is (its tries ran out), not as a timeout it did not wait for; and the
    // progress said which check ran.
    assert!(
        stderr(&out).contains("failed its health check"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("up to 2 tries 1s apart, expecting \"never-shown\""),
        "{}",
        stdout(&out)
    );
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
    assert!(!d.wharf_ok(&["apps"]).contains(&app), "nothing was created");
    assert!(d.containers(&app).is_empty());
}

/// Dokku's sample apps name a process `cron`: Wharf's own one-off containers (cron jobs,
/// `wharf run`, deploy commands) are kept apart from the Procfile's processes, whatever their
/// names.
#[test]
fn procfile_processes_may_be_named_like_wharfs_tasks() {
    let mut d = Daemon::start();
    let app = unique("names");
    let domain = format!("{app}.example.com");
    let dir = tempfile::tempdir().unwrap();
    write_app(
        dir.path(),
        &app,
        "web: echo web-ok > /www/index.html && exec httpd -f -p $PORT -h /www\n\
         cron: while true; do echo cron-process-tick; sleep 1; done\n\
         run: while true; do sleep 1; done\n\
         predeploy: while true; do sleep 1; done\n\
         release: echo release-ran\n",
        r#"{"cron": [{"command": "echo cron-job-ran", "schedule": "* * * * *"}],
            "formation": {"cron": {"quantity": 1}, "run": {"quantity": 1},
                          "predeploy": {"quantity": 1}},
            "scripts": {"dokku": {"predeploy": "echo predeploy-ran"}}}"#,
    );
    let out = d.deploy_ok(dir.path());
    assert!(
        out.contains("release-ran") && out.contains("predeploy-ran"),
        "{out}"
    );
    assert_eq!(d.get(&domain, "/").unwrap(), (200, "web-ok\n".to_string()));
    let names = [
        format!("wharf-{app}-cron-v1-1"),
        format!("wharf-{app}-predeploy-v1-1"),
        format!("wharf-{app}-run-v1-1"),
        format!("wharf-{app}-web-v1-1"),
    ];
    // (A cron job's own container, `wharf-APP.cron-...`, may come and go meanwhile.)
    let processes = |d: &Daemon| -> Vec<String> {
        let containers = d.containers(&app);
        containers
            .into_iter()
            .filter(|n| !n.contains(".cron-"))
            .collect()
    };
    assert_eq!(processes(&d), names, "every process runs");

    // `wharf run` is a task, not the `run` process.
    let out = d.wharf_ok(&["run", &app, "--", "echo", "one-off-ran"]);
    assert!(out.contains("one-off-ran"), "{out}");

    // The app.json cron job runs beside the long-running `cron` process.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(130);
    loop {
        let listed = d.wharf_ok(&["cron", &app]);
        let finished = listed
            .lines()
            .find(|l| l.contains("cron-job-ran") && !l.contains("running") && !l.starts_with('*'));
        if let Some(line) = finished {
            // RUN EXIT STARTED COMMAND
            assert_eq!(line.split_whitespace().nth(1), Some("0"), "{listed}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the cron job never ran:\n{listed}\n{}",
            d.log()
        );
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
    let ps = d.wharf_ok(&["ps", &app]);
    assert!(ps.contains(&format!("wharf-{app}-cron-v1-1")), "{ps}");
    let logs = d.wharf_ok(&["logs", &app, "--process", "cron", "--tail", "5"]);
    assert!(logs.contains("cron.1 | cron-process-tick"), "{logs}");

    // A restart's reconcile keeps the processes and leaves nothing else behind.
    assert!(d.terminate());
    d.spawn();
    for name in &names {
        assert!(container_running(name), "{name} runs after a restart");
    }
    assert_eq!(processes(&d), names);
}

/// Containers made by the earlier scheme, when Wharf's one-off containers carried
/// `wharf.process=run`/`cron` and names like processes': after an upgrade, a running `wharf run`
/// is still kept at start and an old cron job's container is removed; a Procfile `cron` process
/// deployed next leaves the old run alone.
#[test]
fn one_off_containers_of_the_earlier_scheme_are_recognised_at_start() {
    let mut d = Daemon::start();
    let app = unique("upgrade");
    let dir = tempfile::tempdir().unwrap();
    write_app(
        dir.path(),
        &app,
        "web: exec httpd -f -p $PORT -h /www\n",
        "{}",
    );
    d.deploy_ok(dir.path());
    // What the earlier scheme left of release v1: a `wharf run` still going, a cron job's.
    let old = |name: &str, labels: &[&str], command: &[&str]| {
        let mut docker = std::process::Command::new("docker");
        docker.args(["run", "-d", "--name", name]);
        let instance = format!("wharf.instance={}", d.instance_id());
        let app_label = format!("wharf.app={app}");
        for label in [
            "wharf.managed=true",
            &instance,
            &app_label,
            "wharf.release=1",
        ]
        .iter()
        .chain(labels)
        {
            docker.args(["--label", label]);
        }
        let out = docker.arg("busybox:latest").args(command).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    let run = format!("wharf-{app}-run-0123456789");
    old(&run, &["wharf.process=run"], &["sleep", "600"]);
    let cron_job = format!("wharf-{app}-cron-v1-7");
    old(
        &cron_job,
        &["wharf.process=cron", "wharf.replica=7"],
        &["true"],
    );

    assert!(d.terminate());
    d.spawn();
    assert!(container_running(&run), "a running `wharf run` is kept");
    // Leftovers go in the background, once serving has begun.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut left = d.containers(&app);
    while left.contains(&cron_job) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(250));
        left = d.containers(&app);
    }
    assert!(
        !left.contains(&cron_job),
        "an old cron job's container is removed: {left:?}"
    );
    let ps = d.wharf_ok(&["ps", &app]);
    assert!(ps.contains(&run), "{ps}");

    write_app(
        dir.path(),
        &app,
        "web: exec httpd -f -p $PORT -h /www\ncron: while true; do sleep 1; done\n",
        r#"{"formation": {"cron": {"quantity": 1}}}"#,
    );
    d.deploy_ok(dir.path());
    assert!(container_running(&format!("wharf-{app}-cron-v2-1")));
    assert!(
        container_running(&run),
        "the old run is not a process to retire"
    );
}

/// Dokku's sample app deploys unchanged: only `web` starts by default, so its `custom: echo -n`
/// (which exits at once) does not fail the deploy; a worker starts once `wharf scale` or
/// app.json's formation gives it a quantity.
#[test]
fn only_web_starts_until_a_scale_or_the_formation_starts_the_others() {
    let d = Daemon::start();
    let app = unique("dokkusample");
    let domain = format!("{app}.example.com");
    let dir = tempfile::tempdir().unwrap();
    let procfile = "web: echo sample-web > /www/index.html && exec httpd -f -p $PORT -h /www\n\
                    worker: while true; do echo worker-tick; sleep 1; done\n\
                    custom: echo -n\n";
    write_app(dir.path(), &app, procfile, "{}");

    let out = d.deploy_ok(dir.path());
    for process in ["worker", "custom"] {
        assert!(
            out.contains(&format!(
                "{process}: not started (scale 0); start it with `wharf scale {app} {process}=1`"
            )),
            "the deploy says how to start {process}: {out}"
        );
    }
    assert_eq!(
        d.get(&domain, "/").unwrap(),
        (200, "sample-web\n".to_string())
    );
    assert_eq!(d.containers(&app), vec![format!("wharf-{app}-web-v1-1")]);
    let ps = d.wharf_ok(&["ps", &app]);
    assert!(
        ps.contains(&format!("wharf-{app}-web-v1-1"))
            && ps.contains("worker: not started (scale 0)")
            && ps.contains("custom: not started (scale 0)"),
        "{ps}"
    );

    // `wharf scale APP worker=1` starts the worker; custom stays at 0.
    d.wharf_ok(&["scale", &app, "worker=1"]);
    let worker = format!("wharf-{app}-worker-v2-1");
    d.wait_for_containers(&app, &[format!("wharf-{app}-web-v2-1"), worker.clone()]);
    assert!(container_running(&worker));
    let ps = d.ps_settled(&app);
    assert!(
        !ps.contains("worker: not started") && ps.contains("custom: not started (scale 0)"),
        "{ps}"
    );
    // A later deploy keeps the scale set by command.
    let out = d.deploy_ok(dir.path());
    assert!(!out.contains("worker: not started"), "{out}");
    d.wait_for_containers(
        &app,
        &[
            format!("wharf-{app}-web-v3-1"),
            format!("wharf-{app}-worker-v3-1"),
        ],
    );

    // Another app with app.json's formation gets its worker on its first deploy.
    let formed = unique("dokkuformed");
    let dir = tempfile::tempdir().unwrap();
    write_app(
        dir.path(),
        &formed,
        procfile,
        r#"{"formation": {"worker": {"quantity": 1}}}"#,
    );
    let out = d.deploy_ok(dir.path());
    assert!(
        out.contains("custom: not started") && !out.contains("worker: not started"),
        "{out}"
    );
    let worker = format!("wharf-{formed}-worker-v1-1");
    assert_eq!(
        d.containers(&formed),
        vec![format!("wharf-{formed}-web-v1-1"), worker.clone()]
    );
    assert!(container_running(&worker));
    let logs = d.wharf_ok(&["logs", &formed, "--process", "worker", "--tail", "5"]);
    assert!(logs.contains("worker.1 | worker-tick"), "{logs}");
}
