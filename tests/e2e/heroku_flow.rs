//! The whole Heroku-style workflow as a new user follows it from the README: add a key,
//! `git push` an app with a Procfile (web + worker + release) and an app.json health check,
//! set config, scale, run a one-off command, read logs, roll back and see both the image and
//! the config of the earlier release restored.

use super::harness::*;
use super::sshd::*;

const PROCFILE: &str = "\
web: echo \"$GREETING from $(cat /app/version)\" > /www/index.html && exec httpd -f -p $PORT -h /www
worker: while true; do echo \"worker tick $GREETING\"; sleep 1; done
release: echo \"migrating for $(cat /app/version)\"
";

const APP_JSON: &str =
    r#"{"healthchecks": {"web": [{"path": "/", "content": "from", "attempts": 20, "wait": 1}]}}"#;

fn repo(app: &str, version: &str) -> Repo {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("# wharf.domain = {app}.example.com\nFROM busybox:latest\nRUN mkdir -p /www\nCOPY version /app/version\nEXPOSE 5000\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("version"), version).unwrap();
    std::fs::write(dir.path().join("Procfile"), PROCFILE).unwrap();
    std::fs::write(dir.path().join("app.json"), APP_JSON).unwrap();
    Repo::new(dir)
}

#[test]
fn push_config_scale_run_logs_and_rollback() {
    let d = Daemon::start();
    let sshd = Sshd::start();
    let key = SshKey::new();
    sshd.add_key(&d, "laptop", &key);
    let app = unique("django");
    let domain = format!("{app}.example.com");

    // Push: built, released, health-checked by app.json, live.
    let repo = repo(&app, "image-one");
    let out = repo.push_ssh(&sshd, &key, &app, &["main"]);
    let output = all_output(&out);
    assert!(out.status.success(), "{output}\n{}", d.log());
    assert!(
        output.contains("remote:        migrating for image-one"),
        "{output}"
    );
    d.wait_for_body(&domain, "from image-one");
    // As on Heroku, only web runs until the worker is scaled.
    assert!(
        output.contains(&format!(
            "worker: not started (scale 0); start it with `wharf scale {app} worker=1`"
        )),
        "{output}"
    );
    let ps = d.ps_settled(&app);
    assert_eq!(ps.matches("-worker-").count(), 0, "{ps}");
    assert!(ps.contains("worker: not started (scale 0)"), "{ps}");

    // Config: a new release with the same image.
    d.wharf_ok(&["config", "set", &app, "GREETING=hello"]);
    d.wait_for_body(&domain, "hello from image-one");

    // Scale: two web replicas and one worker.
    d.wharf_ok(&["scale", &app, "web=2", "worker=1"]);
    let ps = d.ps_settled(&app);
    assert_eq!(ps.matches("-web-").count(), 2, "{ps}");
    assert_eq!(ps.matches("-worker-").count(), 1, "{ps}");
    let good = d.wharf_ok(&["releases", &app]);
    let good_version = good
        .lines()
        .find(|l| l.contains("active"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();

    // A one-off command sees the app's config.
    let out = d.wharf(&["run", &app, "--", "sh", "-c", "echo one-off says $GREETING"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("one-off says hello"),
        "{}",
        stdout(&out)
    );

    // Logs of the worker, prefixed with its process and replica.
    std::thread::sleep(std::time::Duration::from_secs(2));
    let logs = d.wharf_ok(&["logs", &app, "--process", "worker", "--tail", "5"]);
    assert!(
        logs.contains("worker.1") && logs.contains("worker tick hello"),
        "{logs}"
    );

    // A new image and new config...
    let repo2 = repo;
    std::fs::write(repo2.path().join("version"), "image-two").unwrap();
    repo2.commit("two");
    let out = repo2.push_ssh(&sshd, &key, &app, &["main"]);
    assert!(out.status.success(), "{}", all_output(&out));
    d.wharf_ok(&["config", "set", &app, "GREETING=changed"]);
    d.wait_for_body(&domain, "changed from image-two");

    // ...rolled back: the earlier release's image and config both come back.
    let out = d.wharf_ok(&["rollback", &app, &good_version]);
    assert!(out.contains("Rolling"), "{out}");
    d.wait_for_body(&domain, "hello from image-one");
    let config = d.config_vars(&app);
    assert_eq!(config["GREETING"], "hello", "{config:?}");
    let ps = d.ps_settled(&app);
    assert_eq!(
        ps.matches("-web-").count(),
        2,
        "the formation came back too: {ps}"
    );
}
