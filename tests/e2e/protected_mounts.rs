//! No mount reaches the server's own paths, however it is declared: a Dockerfile `wharf.volume`
//! or `mypaas.volume` (`wharf deploy`), `wharf storage mount` (CLI over the API),
//! `storage:mount` over SSH and the dashboard's storage form all get the same refusal before anything is built or stored, and a
//! release recorded with such a volume (before the check existed) cannot start a container.
//! A MyPaas `~/dir` volume is the home of the user Wharf runs as.

use super::dashboard::{
    ADMIN_PASSWORD, add_user, cookie_header, csrf_of, exchange, form_urlencoded, sign_in_raw,
};
use super::harness::*;
use std::process::Command;

/// The `host path ...` line of a refusal, which must be the same whoever declared the mount.
fn refusal(how: &str, out: &std::process::Output) -> String {
    let err = stderr(out);
    assert!(!out.status.success(), "{how} succeeded: {}", stdout(out));
    // The CLI adds the API's status to errors it got over HTTP.
    err.lines()
        .find_map(|line| line.find("host path `").map(|at| &line[at..]))
        .map(|line| line.trim_end_matches(" (HTTP 400)").to_string())
        .unwrap_or_else(|| panic!("{how}: no `host path` refusal in: {err}"))
}

/// The `host path ...` sentence of a dashboard's refusal page.
fn page_refusal(how: &str, status: u16, page: &str) -> String {
    assert_eq!(status, 400, "{how}: {page}");
    let at = page
        .find("host path `")
        .unwrap_or_else(|| panic!("{how}: no `host path` refusal in: {page}"));
    let end = page[at..].find("</p>").map_or(page.len(), |end| at + end);
    // The sentence only, as `refusal` takes it: the page may add a line linking to the docs.
    page[at..end].lines().next().unwrap_or_default().to_string()
}

/// Images Docker holds for `app` (any tag of `wharf/APP`).
fn images_of(app: &str) -> String {
    let out = Command::new("docker")
        .args(["images", "-q", &format!("wharf/{app}")])
        .output()
        .unwrap();
    stdout(&out)
}

#[test]
fn protected_paths_are_refused_whoever_declares_the_mount() {
    let home = tempfile::tempdir().unwrap();
    let mut d = Daemon::configured(&[], &[("HOME", &home.path().to_string_lossy())]);
    d.spawn();
    let data_dir = d.data_dir().display().to_string();
    let real_data_dir = std::fs::canonicalize(d.data_dir()).unwrap();
    let links = tempfile::tempdir().unwrap();
    let etc_link = links.path().join("etc");
    std::os::unix::fs::symlink("/etc", &etc_link).unwrap();
    let data_link = links.path().join("data");
    std::os::unix::fs::symlink(d.data_dir(), &data_link).unwrap();

    // An app that exists (by a config var), so that storage mounts can name it.
    let target = unique("guarded");
    d.wharf_ok(&["config", "set", &target, "A=1"]);
    add_user(&d, "ada", ADMIN_PASSWORD, false);
    let session = sign_in_raw(d.api, "ada", ADMIN_PASSWORD);
    let csrf = csrf_of(d.api, &session);

    let mut sources: Vec<(String, &str)> = vec![
        ("/".into(), "contains `/etc`"),
        ("/etc".into(), "is `/etc`"),
        ("/etc/".into(), "is `/etc`"),
        ("/./etc//".into(), "is `/etc`"),
        ("/ETC".into(), "is `/etc`"),
        ("/etc/ssh".into(), "is inside `/etc`"),
        ("/var/run/docker.sock".into(), "the Docker socket"),
        ("/run/docker.sock".into(), "the Docker socket"),
        ("/var/run".into(), "the Docker socket"),
        (data_dir.clone(), "Wharf's data directory"),
        (format!("{data_dir}/certs"), "Wharf's data directory"),
        (
            real_data_dir.display().to_string(),
            "Wharf's data directory",
        ),
        (data_link.display().to_string(), "Wharf's data directory"),
        (etc_link.display().to_string(), "which leads to `/etc`"),
        (format!("{}/ssh", etc_link.display()), "is inside `/etc`"),
        ("/proc".into(), "kernel"),
        ("/sys".into(), "kernel"),
        ("/dev".into(), "devices"),
        ("/boot".into(), "boot"),
        ("/root".into(), "root's home"),
        ("/root/.ssh".into(), "root's home"),
        ("/usr".into(), "programs"),
        ("/bin".into(), "programs"),
        ("/sbin".into(), "programs"),
        ("/lib".into(), "libraries"),
        ("/lib64".into(), "libraries"),
        ("/var/lib/docker".into(), "Docker's data"),
        ("/var/lib/containerd".into(), "containerd's data"),
        ("/run/containerd".into(), "containerd's socket"),
        ("/var/lib".into(), "contains `/var/lib/docker`"),
        (
            home.path().join(".ssh").display().to_string(),
            "the user Wharf runs as",
        ),
    ];
    // The home of the `wharf` user pushes log in as (made by scripts/test-deps.sh).
    if std::path::Path::new("/home/wharf").exists() {
        sources.push(("/home/wharf/.ssh".into(), "the `wharf` user"));
    }

    for (i, (source, needle)) in sources.iter().enumerate() {
        let mut messages = Vec::new();
        for (how, suffix) in [("wharf.volume", ""), ("mypaas.volume", ":ro")] {
            let app = format!("{target}-{i}");
            let dir = app_dir(
                &format!("# wharf.app = {app}\n# {how} = {source}:/host{suffix}"),
                "never built",
            );
            let out = d.deploy(dir.path());
            messages.push(refusal(&format!("{how} {source}"), &out));
            assert!(
                !stdout(&out).contains("Building") && !stderr(&out).contains("Building"),
                "{how} {source}: built"
            );
            assert_eq!(images_of(&app), "", "{how} {source}: an image was built");
        }
        let mount = format!("{source}:/host");
        let out = d.wharf(&["storage", "mount", &target, &mount]);
        messages.push(refusal(&format!("storage mount {source}"), &out));
        let ro = format!("{source}:/host:ro");
        let out = ssh_command(&d, &format!("storage:mount {target} {ro}"));
        messages.push(refusal(&format!("ssh storage:mount {source}"), &out));
        let answer = exchange(
            d.api,
            "POST",
            &format!("/apps/{target}/storage/mount"),
            &[("Cookie", &cookie_header(&session))],
            &form_urlencoded(&[("csrf", &csrf), ("mount", &mount)]),
        );
        messages.push(page_refusal(
            &format!("dashboard {source}"),
            answer.status,
            &answer.body,
        ));

        assert!(messages[0].contains(needle), "{source}: {}", messages[0]);
        assert!(
            messages.iter().all(|m| m == &messages[0]),
            "{source}: the messages differ: {messages:#?}"
        );
    }

    // Nothing was made: only the app the test created by a config var exists, with no mount
    // and no release.
    let apps = d.wharf_ok(&["apps"]);
    assert!(!apps.contains(&format!("{target}-")), "{apps}");
    let mounts = d.wharf_ok(&["storage", "list", &target]);
    assert!(!mounts.contains("/host"), "{mounts}");
    let out = d.wharf(&["releases", &target]);
    assert!(!stdout(&out).contains("v1"), "{}", stdout(&out));
}

#[test]
fn a_mypaas_home_volume_is_the_home_of_the_user_wharf_runs_as() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join("data")).unwrap();
    std::fs::write(home.path().join("data/hello"), "from the home").unwrap();
    let mut d = Daemon::configured(&[], &[("HOME", &home.path().to_string_lossy())]);
    d.spawn();
    let app = unique("mypaas-home");
    let dir = app_dir(
        &format!("# mypaas.service = {app}\n# mypaas.volume = ~/data:/data\n# mypaas.scale = 0"),
        "home",
    );
    d.deploy_ok(dir.path());
    let out = d.wharf_ok(&["run", "-T", &app, "--", "cat", "/data/hello"]);
    assert_eq!(out.trim(), "from the home");

    // A `~/dir` that does not exist yet is made, as MyPaas does.
    let dir = app_dir(
        &format!(
            "# mypaas.service = {app}\n# mypaas.volume = ~/new/media:/media\n# mypaas.scale = 0"
        ),
        "made",
    );
    d.deploy_ok(dir.path());
    assert!(home.path().join("new/media").is_dir());

    // `~/.ssh` (the home's hidden files) and a `~/link` that leads to `/` are refused.
    std::os::unix::fs::symlink("/", home.path().join("all")).unwrap();
    for (volume, needle) in [
        ("~/.ssh", "is inside"),
        ("~", "is `"),
        ("~/all", "which leads to `/`"),
    ] {
        let dir = app_dir(
            &format!("# mypaas.service = {app}\n# mypaas.volume = {volume}:/x"),
            "refused",
        );
        let line = refusal(volume, &d.deploy(dir.path()));
        assert!(line.contains(needle), "{volume}: {line}");
    }
    // A storage mount by command takes full paths only: the client's shell would expand `~`.
    let out = d.wharf(&["storage", "mount", &app, "~/data:/d"]);
    fails_with(&out, "only understood in a Dockerfile");
}

#[test]
fn a_release_recorded_with_a_protected_volume_never_starts() {
    let mut d = Daemon::start();
    let app = unique("old-release");
    let domain = format!("{app}.example.com");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
        "one",
    );
    d.deploy_ok(dir.path());
    // A release recorded before the check existed: its stored config mounts the host's `/`.
    let db = d.data_dir().join("wharf.db");
    d.terminate();
    let sql = format!(
        "UPDATE releases SET config = json_set(config, '$.config.volumes', json('[{{\"source\":{{\"HostPath\":\"/\"}},\"target\":\"/host\",\"read_only\":true}}]')) WHERE app = '{app}';"
    );
    let out = Command::new("sqlite3").arg(&db).arg(&sql).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let dump = Command::new("sqlite3")
        .arg(&db)
        .arg(format!("SELECT config FROM releases WHERE app = '{app}'"))
        .output()
        .unwrap();
    assert!(stdout(&dump).contains("HostPath"), "{}", stdout(&dump));

    // The restart's reconcile does not start it, nor do restart, rollback or run.
    d.spawn();
    let running = d.containers(&app);
    assert!(running.is_empty(), "started: {running:?}\n{}", d.log());
    for args in [
        vec!["restart", app.as_str()],
        vec!["config", "set", app.as_str(), "B=2"],
        vec!["run", "-T", app.as_str(), "--", "ls", "/host/etc"],
    ] {
        let out = d.wharf(&args);
        let line = refusal(&format!("{args:?}"), &out);
        assert!(line.contains("contains `/etc`"), "{args:?}: {line}");
    }
    assert!(d.containers(&app).is_empty());
}
