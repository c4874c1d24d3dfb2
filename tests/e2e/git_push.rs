//! `git push` over SSH (through a real sshd, as the `wharf` user, each key confined to
//! `wharf ssh-command`) and over git's smart HTTP with an API token: deploys with the output
//! as `remote:` lines, any branch and force pushes, failed deploys rejecting the push, the
//! Dokku-style SSH commands, and everything that must be refused.

use super::harness::*;
use super::sshd::*;

/// An app to push: no `wharf.app` (the push names it), served on APP.example.com.
fn app_repo(app: &str, body: &str) -> Repo {
    Repo::new(app_dir(
        &format!("# wharf.domain = {app}.example.com"),
        body,
    ))
}

#[test]
fn push_over_ssh_deploys_any_branch_and_force_pushes() {
    let d = Daemon::start();
    let sshd = Sshd::start();
    let key = SshKey::new();
    sshd.add_key(&d, "alice", &key);
    let app = unique("pushed");
    let domain = format!("{app}.example.com");
    let repo = app_repo(&app, "version one");

    let out = repo.push_ssh(&sshd, &key, &app, &["main"]);
    let output = all_output(&out);
    assert!(
        out.status.success(),
        "push failed:\n{output}\nserver:\n{}\nsshd:\n{}",
        d.log(),
        sshd.log()
    );
    assert!(output.contains("remote: -----> Deploying"), "{output}");
    assert!(output.contains("Step 1/"), "build output: {output}");
    assert!(
        output.contains(&format!("remote: =====> http://{domain}/")),
        "{output}"
    );
    d.wait_for_body(&domain, "version one");
    assert_eq!(server_ref(&d, &app, "refs/heads/main"), Some(repo.head()));

    // Another branch, pushed onto main.
    repo.git_ok(&["checkout", "-q", "-b", "feature"], &[]);
    repo.write("www/index.html", "version two");
    repo.commit("two");
    let out = repo.push_ssh(&sshd, &key, &app, &["feature:main"]);
    assert!(out.status.success(), "{}", all_output(&out));
    d.wait_for_body(&domain, "version two");

    // An amended commit, force-pushed.
    repo.write("www/index.html", "version three");
    repo.git_ok(&["commit", "-q", "-a", "--amend", "-m", "three"], &[]);
    let out = repo.push_ssh(&sshd, &key, &app, &["feature:main"]);
    assert!(!out.status.success(), "a non-fast-forward needs --force");
    let out = repo.push_ssh(&sshd, &key, &app, &["--force", "feature:main"]);
    assert!(out.status.success(), "{}", all_output(&out));
    d.wait_for_body(&domain, "version three");

    // Any branch name deploys.
    repo.write("www/index.html", "version four");
    repo.commit("four");
    let out = repo.push_ssh(&sshd, &key, &app, &["feature"]);
    assert!(out.status.success(), "{}", all_output(&out));
    d.wait_for_body(&domain, "version four");
    let releases = d.wharf_ok(&["releases", &app]);
    assert!(releases.contains("v4"), "{releases}");
    let head = repo.head();
    assert!(
        releases.contains(&head[..10]),
        "each release records its source revision: {releases}"
    );
    assert!(
        all_output(&out).contains("pushed with key alice"),
        "{}",
        all_output(&out)
    );

    // Read-only fetch works over the same key.
    let clone = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("git")
        .args(["clone", "-q", "-b", "feature", &sshd.remote(&app)])
        .arg(clone.path().join("copy"))
        .env("GIT_SSH_COMMAND", key.git_ssh_command(sshd.port))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(
        std::fs::read_to_string(clone.path().join("copy/www/index.html")).unwrap(),
        "version four"
    );

    // Destroyed over SSH, its repository goes too: the same push deploys a new app.
    let out = sshd.ssh(&key, &format!("apps:destroy {app} --force"));
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(server_ref(&d, &app, "refs/heads/feature").is_none());
    let out = repo.push_ssh(&sshd, &key, &app, &["feature"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("(new app)"),
        "{}",
        all_output(&out)
    );
    d.wait_for_body(&domain, "version four");
}

#[test]
fn a_failed_deploy_rejects_the_push_and_the_old_release_keeps_serving() {
    let d = Daemon::start();
    let sshd = Sshd::start();
    let key = SshKey::new();
    sshd.add_key(&d, "alice", &key);
    let app = unique("sturdy");
    let domain = format!("{app}.example.com");
    let repo = app_repo(&app, "good");
    let out = repo.push_ssh(&sshd, &key, &app, &["main"]);
    assert!(out.status.success(), "{}", all_output(&out));
    d.wait_for_body(&domain, "good");
    let good = repo.head();

    let dockerfile = std::fs::read_to_string(repo.path().join("Dockerfile")).unwrap();
    repo.write(
        "Dockerfile",
        &dockerfile.replace("EXPOSE", "RUN false\nEXPOSE"),
    );
    repo.write("www/index.html", "bad");
    repo.commit("breaks the build");
    let out = repo.push_ssh(&sshd, &key, &app, &["main"]);
    let output = all_output(&out);
    assert!(!out.status.success(), "the push must fail: {output}");
    assert!(output.contains("remote: error:"), "{output}");
    assert!(output.contains("pre-receive hook declined"), "{output}");
    assert_eq!(
        server_ref(&d, &app, "refs/heads/main"),
        Some(good),
        "the ref is not updated"
    );
    d.wait_for_body(&domain, "good");

    // A first push that fails leaves no app behind.
    let other = unique("broken");
    let broken = Repo::new(app_dir_with("", "x", "RUN false"));
    let out = broken.push_ssh(&sshd, &key, &other, &["main"]);
    assert!(!out.status.success(), "{}", all_output(&out));
    assert!(!d.wharf_ok(&["apps"]).contains(&other));
}

#[test]
fn ssh_commands_keys_and_refusals() {
    let d = Daemon::start();
    let sshd = Sshd::start();
    let key = SshKey::new();
    sshd.add_key(&d, "alice", &key);
    let app = unique("cfg");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com"),
        "hello",
    );
    d.deploy_ok(dir.path());

    let out = sshd.ssh(&key, &format!("config:set {app} GREETING='hi there'"));
    assert!(
        out.status.success(),
        "{}\nsshd:\n{}",
        all_output(&out),
        sshd.log()
    );
    assert!(stdout(&out).contains("release v2"), "{}", stdout(&out));
    let out = sshd.ssh(&key, &format!("config:show {app} --reveal"));
    assert!(out.status.success(), "{}", all_output(&out));
    let row = |out: &std::process::Output| {
        stdout(out)
            .lines()
            .find(|l| l.starts_with("GREETING "))
            .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
    };
    assert_eq!(row(&out).as_deref(), Some("hi there"), "{}", stdout(&out));
    let out = sshd.ssh(&key, &format!("config {app}"));
    assert_eq!(row(&out).as_deref(), Some("********"), "{}", stdout(&out));
    let out = sshd.ssh(&key, "apps:list");
    assert!(stdout(&out).contains(&app), "{}", all_output(&out));
    let out = sshd.ssh(&key, &format!("releases {app}"));
    assert!(stdout(&out).contains("v2"), "{}", all_output(&out));
    let out = sshd.ssh(&key, "help");
    assert!(stdout(&out).contains("config:set"), "{}", all_output(&out));
    let out = sshd.ssh(
        &key,
        &format!("run {app} -- sh -c 'echo from-ssh-run $GREETING; exit 4'"),
    );
    assert_eq!(out.status.code(), Some(4), "{}", all_output(&out));
    assert!(
        stdout(&out).contains("from-ssh-run hi there"),
        "{}",
        all_output(&out)
    );
    let out = sshd.ssh(&key, &format!("ps:scale {app} web=2"));
    assert!(out.status.success(), "{}", all_output(&out));
    let out = sshd.ssh(&key, &format!("ps {app}"));
    assert!(
        stdout(&out).contains(&format!("wharf-{app}-web-v3-2")),
        "{}",
        all_output(&out)
    );

    for command in ["bash", "rm -rf /", "sh -c id", "git-upload-archive x"] {
        let out = sshd.ssh(&key, command);
        assert!(!out.status.success(), "{command} must be refused");
        let err = stderr(&out);
        assert!(err.contains("command not allowed"), "{command}: {err}");
        assert!(err.contains("config:set"), "the allowed list: {err}");
    }
    let out = sshd.ssh(&key, &format!("config:set {app}"));
    assert!(stderr(&out).contains("usage"), "{}", stderr(&out));

    // A push to a bad name: refused, nothing created.
    let repo = app_repo("whatever", "x");
    let out = repo.push_ssh(&sshd, &key, "Bad_Name", &["main"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("Bad_Name"), "{}", stderr(&out));
    assert!(!d.data_dir().join("repos/Bad_Name.git").exists());

    // A key that was never added cannot connect.
    let stranger = SshKey::new();
    let out = sshd.ssh(&stranger, "apps:list");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Permission denied"),
        "{}",
        stderr(&out)
    );

    // Keys: list, bad input, duplicates, removal.
    let list = sshd.keys(&d, &["list"], "");
    assert!(stdout(&list).contains("alice"), "{}", stdout(&list));
    assert!(
        stdout(&list).contains(&key.fingerprint()),
        "{}",
        stdout(&list)
    );
    for (input, needle) in [
        ("not a key", "not a known SSH key type"),
        ("ssh-ed25519 %%%%", "not valid base64"),
        ("", "no public key"),
    ] {
        let out = sshd.keys(&d, &["add", "mallory"], input);
        assert!(!out.status.success(), "{input}");
        assert!(stderr(&out).contains(needle), "{input}: {}", stderr(&out));
    }
    let out = sshd.keys(&d, &["add", "bad name"], &stranger.public());
    assert!(stderr(&out).contains("key name"), "{}", stderr(&out));
    let out = sshd.keys(&d, &["add", "again"], &key.public());
    assert!(stderr(&out).contains("already added"), "{}", stderr(&out));
    let out = sshd.keys(&d, &["add", "alice"], &stranger.public());
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    let list = sshd.keys(&d, &["list"], "");
    assert!(!stdout(&list).contains("mallory") && !stdout(&list).contains("again"));
    let authorized = std::fs::read_to_string(sshd.authorized_keys()).unwrap();
    assert_eq!(authorized.lines().count(), 1, "{authorized}");
    assert!(authorized.contains("restrict"), "{authorized}");

    let out = sshd.keys(&d, &["remove", "alice"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = repo.push_ssh(&sshd, &key, &app, &["main"]);
    assert!(!out.status.success(), "a removed key cannot push");
    assert!(
        stderr(&out).contains("Permission denied"),
        "{}",
        stderr(&out)
    );
    let out = sshd.keys(&d, &["remove", "alice"], "");
    assert!(stderr(&out).contains("no key named"), "{}", stderr(&out));
}

#[test]
fn push_over_http_with_a_token() {
    let d = Daemon::start();
    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();
    let app = unique("ci");
    let domain = format!("{app}.example.com");
    let repo = app_repo(&app, "from ci");

    let url = format!("http://x:{token}@{}/git/{app}.git", d.api);
    let out = repo.git(&["push", &url, "main"], &[]);
    let output = all_output(&out);
    assert!(out.status.success(), "{output}\nserver:\n{}", d.log());
    assert!(output.contains("remote: -----> Deploying"), "{output}");
    assert!(output.contains("Step 1/"), "{output}");
    d.wait_for_body(&domain, "from ci");
    assert!(!d.log().contains(&token), "the token is never logged");

    // A wrong token: refused, nothing created.
    let other = unique("nope");
    let url = format!("http://x:wharf_wrong@{}/git/{other}.git", d.api);
    let out = repo.git(&["push", &url, "main"], &[]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Authentication failed"),
        "{}",
        stderr(&out)
    );
    assert!(!d.data_dir().join(format!("repos/{other}.git")).exists());
    assert!(!d.wharf_ok(&["apps"]).contains(&other));
    // Fetching over HTTP is refused: pushes only.
    let url = format!("http://x:{token}@{}/git/{app}.git", d.api);
    let out = repo.git(&["ls-remote", &url], &[]);
    assert!(!out.status.success(), "{}", all_output(&out));
}
