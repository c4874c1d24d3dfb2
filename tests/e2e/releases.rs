//! Config vars and rollback: every change is a release; a rollback restores the image and the
//! config of the release it goes back to.

use super::harness::*;

/// What the app serves: its page and the GREETING it was started with.
fn served(d: &Daemon, domain: &str) -> (String, String) {
    let page = d.get(domain, "/").unwrap().1;
    let greeting = d.get(domain, "/env.txt").unwrap().1.trim().to_string();
    (page, greeting)
}

#[test]
fn config_changes_are_releases_and_rollback_restores_image_and_config() {
    let d = Daemon::start();
    let app = unique("conf");
    let domain = format!("{app}.example.com");
    let settings = format!("# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 1");
    let cmd = r#"CMD ["sh", "-c", "echo \"$GREETING\" > /www/env.txt && echo \"$DYNO $PORT $WEB_CONCURRENCY\" > /www/dyno.txt && exec httpd -f -p 8080 -h /www"]"#;
    let dir = app_dir_with(&settings, "image one", cmd);

    // Before the first deploy, config is saved for it.
    let out = d.wharf_ok(&["config", "set", &app, "GREETING=early"]);
    assert!(out.contains("saved"), "{out}");
    d.deploy_ok(dir.path());
    assert_eq!(served(&d, &domain), ("image one".into(), "early".into()));
    assert_eq!(
        d.get(&domain, "/dyno.txt").unwrap().1,
        "web.1 8080 2\n",
        "Heroku's DYNO, PORT and WEB_CONCURRENCY are set"
    );

    // A change to a running app is a new release with the same image.
    let out = d.wharf_ok(&["config", "set", &app, "GREETING=hello", "OTHER=x=y"]);
    assert!(out.contains("v2"), "{out}");
    assert_eq!(served(&d, &domain), ("image one".into(), "hello".into()));
    let shown = d.wharf_ok(&["config", "show", &app]);
    assert!(
        shown.starts_with("KEY") && shown.contains("GREETING") && !shown.contains("hello"),
        "values are hidden: {shown}"
    );
    let hidden = d.wharf_json(&["config", "show", &app]).to_string();
    assert!(!hidden.contains("hello"), "hidden in JSON too: {hidden}");
    let shown = d.config_vars(&app);
    assert!(
        shown["GREETING"] == "hello" && shown["OTHER"] == "x=y",
        "{shown:?}"
    );

    std::fs::write(dir.path().join("www/index.html"), "image two").unwrap();
    d.deploy_ok(dir.path());
    assert_eq!(served(&d, &domain), ("image two".into(), "hello".into()));

    // Back one release (v2): image one, and v2's config.
    let out = d.wharf_ok(&["rollback", &app]);
    assert!(out.contains("back to v2"), "{out}");
    assert_eq!(served(&d, &domain), ("image one".into(), "hello".into()));

    // Back to v1: image one with the config v1 had, which becomes the app's config again.
    d.wharf_ok(&["rollback", &app, "v1"]);
    assert_eq!(served(&d, &domain), ("image one".into(), "early".into()));
    let shown = d.config_vars(&app);
    assert!(
        shown["GREETING"] == "early" && !shown.contains_key("OTHER"),
        "{shown:?}"
    );

    let listed = d.wharf_ok(&["releases", &app]);
    assert!(listed.contains("v5") && !listed.contains("v6"), "{listed}");
    let releases = d.wharf_json(&["releases", &app]);

    // Bad input changes nothing.
    let out = d.wharf(&["rollback", &app, "v99"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no release v99"), "{}", stderr(&out));
    let out = d.wharf(&["rollback", &app, "latest"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not a release"), "{}", stderr(&out));
    let out = d.wharf(&["config", "set", &app, "BAD-KEY=x"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("BAD-KEY"), "{}", stderr(&out));
    let out = d.wharf(&["rollback", "no-such-app"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no-such-app"), "{}", stderr(&out));
    assert_eq!(
        d.wharf_json(&["releases", &app]),
        releases,
        "no release was added"
    );
    assert_eq!(served(&d, &domain), ("image one".into(), "early".into()));

    d.wharf_ok(&["config", "unset", &app, "GREETING"]);
    assert_eq!(served(&d, &domain), ("image one".into(), "".into()));
}

#[test]
fn old_release_images_are_pruned_and_cannot_be_rolled_back_to() {
    let d = Daemon::start_with(&["--keep-releases", "2"]);
    let app = unique("prune");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com"),
        "v",
    );
    for n in 1..=4 {
        std::fs::write(dir.path().join("www/index.html"), format!("build {n}")).unwrap();
        d.deploy_ok(dir.path());
    }
    let out = std::process::Command::new("docker")
        .args(["images", "--format", "{{.Tag}}", &format!("wharf/{app}")])
        .output()
        .unwrap();
    let mut tags: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    tags.sort();
    assert_eq!(tags, vec!["v3".to_string(), "v4".to_string()]);
    let refused = d.wharf(&["rollback", &app, "v1"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("no longer exists"),
        "{}",
        stderr(&refused)
    );
    d.wharf_ok(&["rollback", &app, "v3"]);
    assert_eq!(
        d.get(&format!("{app}.example.com"), "/").unwrap().1,
        "build 3"
    );
}

/// The image a build created for the step running `marker`, from the deploy's output.
fn image_of_step(output: &str, marker: &str) -> String {
    let mut lines = output.lines().skip_while(|l| !l.contains(marker));
    lines
        .find_map(|l| {
            let id = l.trim().strip_prefix("---> ")?;
            id.bytes()
                .all(|b| b.is_ascii_hexdigit())
                .then(|| id.to_string())
        })
        .unwrap_or_else(|| panic!("no image for `{marker}` in:\n{output}"))
}

fn image_exists(id: &str) -> bool {
    std::process::Command::new("docker")
        .args(["image", "inspect", id])
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn images_of_failed_builds_are_removed_at_the_next_good_deploy() {
    let d = Daemon::start();
    let app = unique("leftover");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com"),
        "ok",
    );
    d.deploy_ok(dir.path());

    let marker = format!("layer-{app}");
    let dockerfile = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        dockerfile.replace(
            "COPY www /www",
            &format!("COPY www /www\nRUN echo {marker} > /f\nRUN false"),
        ),
    )
    .unwrap();
    let out = d.deploy(dir.path());
    assert!(!out.status.success());
    let leftover = image_of_step(&stdout(&out), &marker);
    assert!(image_exists(&leftover), "kept as cache for a retry");

    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    d.deploy_ok(dir.path());
    assert!(!image_exists(&leftover), "removed once a deploy succeeds");

    // A new app whose first build fails leaves no image behind.
    let other = unique("firstfail");
    let first = tempfile::tempdir().unwrap();
    let marker = format!("layer-{other}");
    std::fs::write(
        first.path().join("Dockerfile"),
        format!("# wharf.app = {other}\nFROM busybox:latest\nRUN echo {marker} > /f\nRUN false\n"),
    )
    .unwrap();
    let out = d.deploy(first.path());
    assert!(!out.status.success());
    assert!(!image_exists(&image_of_step(&stdout(&out), &marker)));
}
