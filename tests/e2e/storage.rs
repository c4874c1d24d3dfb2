//! Storage mounted by command (`wharf storage mount/unmount/list`): the data survives
//! redeploys, rollbacks and daemon restarts; every kind of container gets the mounts; bad input
//! changes nothing.

use super::harness::*;
use std::process::Command;

/// A named volume this test makes Wharf create, removed when the test ends (after the daemon,
/// so after the containers using it: declare it before the daemon).
struct VolumeGuard(String);

impl Drop for VolumeGuard {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["volume", "rm", "-f", &self.0])
            .output();
    }
}

/// The labels of the named volume `name`, as `docker volume inspect` prints them.
fn volume_labels(name: &str) -> String {
    let out = Command::new("docker")
        .args(["volume", "inspect", "-f", "{{json .Labels}}", name])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// `wharf run APP -- sh -c SCRIPT`: its exit code and output.
fn run_sh(d: &Daemon, app: &str, script: &str) -> (Option<i32>, String) {
    let out = d.wharf(&["run", "-T", app, "--", "sh", "-c", script]);
    (
        out.status.code(),
        format!("{}{}", stdout(&out), stderr(&out)),
    )
}

/// What the web process serves at `/f`: the file `/data/f` (linked into its web root).
fn served_file(d: &Daemon, domain: &str) -> String {
    let (status, body) = d.get(domain, "/f").unwrap();
    assert_eq!(status, 200, "{body}\n{}", d.log());
    body.trim().to_string()
}

/// Assert that `wharf ARGS` fails with a message containing every one of `needles`.
fn refused(d: &Daemon, args: &[&str], needles: &[&str]) {
    let out = d.wharf(args);
    let err = stderr(&out);
    assert!(
        !out.status.success(),
        "wharf {args:?} succeeded: {}",
        stdout(&out)
    );
    for needle in needles {
        assert!(
            err.contains(needle),
            "wharf {args:?}: `{needle}` not in: {err}"
        );
    }
}

#[test]
fn mounted_storage_survives_redeploys_rollbacks_and_restarts() {
    let app = unique("storage");
    let volume = format!("{app}-data");
    let _volume = VolumeGuard(volume.clone());
    let mut d = Daemon::start();
    let domain = format!("{app}.example.com");
    let from_file = tempfile::tempdir().unwrap();
    let settings = format!(
        "# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 1\n# wharf.volume = {}:/fromfile",
        from_file.path().display()
    );
    let cmd = r#"CMD ["sh", "-c", "ln -sf /data/f /www/f && exec httpd -f -p 8080 -h /www"]"#;
    let dir = app_dir_with(&settings, "one", cmd);
    // The release task and the worker write into the mount too (when there is one).
    std::fs::write(
        dir.path().join("Procfile"),
        "release: echo \"ran $DYNO\" >> /data/log || true\nworker: (echo \"ran $DYNO\" >> /data/log || true) && exec sleep 1000\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.json"),
        r#"{"formation": {"worker": {"quantity": 1}}}"#,
    )
    .unwrap();
    let mount = format!("{volume}:/data");

    // An app that does not exist is refused; one with no release yet keeps the mount for its
    // first deploy.
    refused(
        &d,
        &["storage", "mount", &app, &mount],
        &["no app named", &app],
    );
    d.wharf_ok(&["config", "set", &app, "GREETING=hi"]);
    let out = d.wharf_ok(&["storage", "mount", &app, &mount]);
    assert!(out.contains("saved"), "{out}");

    // The first deploy creates the volume, with Wharf's labels.
    d.deploy_ok(dir.path());
    assert!(
        volume_labels(&volume).contains("\"wharf.managed\":\"true\""),
        "Wharf created the volume with its labels"
    );
    let (code, out) = run_sh(&d, &app, "echo persisted > /data/f && cat /data/log");
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("ran release.1") && out.contains("ran worker.1"),
        "{out}"
    );
    assert_eq!(served_file(&d, &domain), "persisted");
    let listed = d.wharf_ok(&["storage", "list", &app]);
    assert!(
        listed.contains(&volume) && listed.contains("/data") && listed.contains("volume"),
        "{listed}"
    );

    // A redeploy (v2) and a rollback (v3, the image of v1) keep the data.
    std::fs::write(dir.path().join("www/index.html"), "two").unwrap();
    d.deploy_ok(dir.path());
    assert_eq!(d.get(&domain, "/").unwrap().1, "two");
    assert_eq!(served_file(&d, &domain), "persisted");
    d.wharf_ok(&["rollback", &app]);
    assert_eq!(d.get(&domain, "/").unwrap().1, "one");
    assert_eq!(served_file(&d, &domain), "persisted");

    // A restart whose reconcile has to create the web container again keeps it too.
    d.kill9();
    let web = format!("wharf-{app}-web-v3-1");
    let out = Command::new("docker")
        .args(["rm", "-f", &web])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    d.spawn();
    d.wait_for_body(&domain, "one");
    assert_eq!(served_file(&d, &domain), "persisted");

    // A server directory, read-only, mounted into the running app: a new release (v4).
    let host = tempfile::tempdir().unwrap();
    std::fs::write(host.path().join("h"), "from the host").unwrap();
    let host_mount = format!("{}:/host:ro", host.path().display());
    let out = d.wharf_ok(&["storage", "mount", &app, &host_mount]);
    assert!(out.contains("v4"), "{out}");
    assert_eq!(run_sh(&d, &app, "cat /host/h").1.trim(), "from the host");
    let (code, _) = run_sh(&d, &app, "echo no > /host/x");
    assert_ne!(code, Some(0), "mounted read-only");
    assert_eq!(served_file(&d, &domain), "persisted");

    // Bad input: a clear error, and nothing changes.
    let releases = d.wharf_json(&["releases", &app]);
    let listed = d.wharf_ok(&["storage", "list", &app]);
    refused(
        &d,
        &["storage", "mount", &app, "./data:/x"],
        &["relative", "./data"],
    );
    refused(&d, &["storage", "mount", &app, "/srv/../etc:/x"], &[".."]);
    refused(
        &d,
        &["storage", "mount", &app, "/etc:/x"],
        &["/etc", "not", "system"],
    );
    let data_dir = format!("{}:/x", d.data_dir().display());
    refused(
        &d,
        &["storage", "mount", &app, &data_dir],
        &["Wharf's data directory"],
    );
    refused(
        &d,
        &["storage", "mount", &app, "other-vol:/fromfile"],
        &["other-vol:/fromfile", "wharf.volume", "/fromfile"],
    );
    refused(
        &d,
        &["storage", "mount", &app, "other-vol:/data"],
        &[&mount, "/data"],
    );
    refused(
        &d,
        &["storage", "mount", &app, &mount],
        &["already mounted"],
    );
    refused(
        &d,
        &["storage", "unmount", &app, "/nothing"],
        &["no storage mount", "/nothing"],
    );
    refused(
        &d,
        &["storage", "mount", "no-such-app", &mount],
        &["no-such-app"],
    );
    refused(&d, &["storage", "list", "no-such-app"], &["no-such-app"]);
    // A Dockerfile that puts a volume where a mount is fails before it builds.
    let clash = app_dir_with(
        &format!(
            "{settings}\n# wharf.volume = {}:/data",
            from_file.path().display()
        ),
        "clash",
        cmd,
    );
    let out = d.deploy(clash.path());
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&mount) && err.contains("/data") && err.contains("unmount"),
        "{err}"
    );
    assert_eq!(d.wharf_json(&["releases", &app]), releases);
    assert_eq!(d.wharf_ok(&["storage", "list", &app]), listed);
    assert_eq!(served_file(&d, &domain), "persisted");

    // A mount that breaks the app (an empty directory over its programs) fails its deploy: the
    // mount is undone and the running release keeps serving.
    let empty = tempfile::tempdir().unwrap();
    let breaking = format!("{}:/bin", empty.path().display());
    refused(&d, &["storage", "mount", &app, &breaking], &[]);
    assert_eq!(d.wharf_ok(&["storage", "list", &app]), listed);
    assert_eq!(served_file(&d, &domain), "persisted");
    assert_eq!(d.get(&domain, "/").unwrap().1, "one");

    // Unmounting (by path, or by SOURCE:/path, here as Dokku users type it over SSH) removes
    // the mount from new containers; the data stays in the volume.
    d.wharf_ok(&["storage", "unmount", &app, "/host"]);
    assert_ne!(run_sh(&d, &app, "test -e /host/h").0, Some(0));
    let out = ssh_command(&d, &format!("storage:unmount {app} {mount}"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(run_sh(&d, &app, "test -e /data/f").0, Some(0));
    let listed = stdout(&ssh_command(&d, &format!("storage:list {app}")));
    assert!(listed.contains("no storage mounts"), "{listed}");
    let out = ssh_command(&d, &format!("storage:mount {app} {mount}"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(run_sh(&d, &app, "cat /data/f").1.trim(), "persisted");
    let listed = stdout(&ssh_command(&d, &format!("storage:report {app}")));
    assert!(listed.contains(&volume), "{listed}");

    // Remotely, like every route, storage needs a valid token.
    let server = format!("http://{}", d.api);
    let remote = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--server", &server]);
        d.wharf(&all)
    };
    let out = remote(&["storage", "unmount", &app, "/data", "--token", "wharf_0000"]);
    assert!(!out.status.success());
    assert_eq!(d.wharf_ok(&["storage", "list", &app]), listed);
    let token = d
        .wharf_ok(&["tokens", "create", "storage"])
        .trim()
        .to_string();
    let out = remote(&["storage", "list", &app, "--token", &token]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&volume), "{}", stdout(&out));
}
