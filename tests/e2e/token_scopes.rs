//! API token scopes and expiry, through the real CLI and git over the API listener: a token
//! limited to one app deploys it and is refused (403, naming its scope) for other apps, their
//! git pushes and the server-wide routes; a read-only token lists but neither deploys, changes
//! config nor reveals secrets; an expired token is refused, saying so.

use super::harness::*;
use super::sshd::{Repo, all_output};
use std::process::{Command, Output, Stdio};

/// `wharf ARGS` against the daemon's API listener with `token`.
pub(super) fn remote(d: &Daemon, token: &str, args: &[&str]) -> Output {
    Command::new(WHARF)
        .args(args)
        .args(["--server", &format!("http://{}", d.api)])
        .env("WHARF_TOKEN", token)
        .env_remove("WHARF_INSECURE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn push(d: &Daemon, token: &str, dir: &std::path::Path) -> Output {
    Command::new(WHARF)
        .args(["push", &format!("http://{}", d.api), dir.to_str().unwrap()])
        .env("WHARF_TOKEN", token)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The whole answer (head and body) to a GET with a bearer token.
fn raw_get(api: std::net::SocketAddr, path: &str, token: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(api).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: wharf\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

fn create(d: &Daemon, args: &[&str]) -> String {
    let mut all = vec!["tokens", "create"];
    all.extend_from_slice(args);
    d.wharf_ok(&all).trim().to_string()
}

#[test]
fn an_app_token_deploys_its_app_only() {
    let d = Daemon::start();
    let mine = unique("mine");
    let other = unique("other");
    let token = create(&d, &["deployer", "--app", &mine]);
    let listed = d.wharf_ok(&["tokens", "list"]);
    assert!(listed.contains(&format!("app {mine}")), "{listed}");

    let dir = app_dir(
        &format!("# wharf.app = {mine}\n# wharf.domain = {mine}.test"),
        "scoped",
    );
    let out = push(&d, &token, dir.path());
    assert!(out.status.success(), "{}\n{}", stderr(&out), d.log());
    d.wait_for_body(&format!("{mine}.test"), "scoped");
    let out = remote(&d, &token, &["config", "set", &mine, "A=1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = remote(&d, &token, &["config", "show", &mine, "--reveal", "--json"]);
    assert_eq!(
        config_var(&out, "A").as_deref(),
        Some("1"),
        "{}",
        stderr(&out)
    );

    // git pushes of its app, with the token as the password.
    let repo = Repo::new(app_dir(
        &format!("# wharf.app = {mine}\n# wharf.domain = {mine}.test"),
        "pushed by git",
    ));
    let url = format!("http://x:{token}@{}/git/{mine}.git", d.api);
    let out = repo.git(&["push", &url, "main"], &[]);
    assert!(out.status.success(), "{}\n{}", all_output(&out), d.log());
    d.wait_for_body(&format!("{mine}.test"), "pushed by git");

    // Another app: neither by push, nor by command, nor by git.
    let dir = app_dir(&format!("# wharf.app = {other}"), "not mine");
    let out = push(&d, &token, dir.path());
    fails_with(&out, &format!("may not reach app `{other}`"));
    assert!(stderr(&out).contains("HTTP 403"), "{}", stderr(&out));
    fails_with(
        &remote(&d, &token, &["config", "set", &other, "A=1"]),
        &format!("limited to app `{mine}`"),
    );
    let repo = Repo::new(app_dir(&format!("# wharf.app = {other}"), "not mine"));
    let url = format!("http://x:{token}@{}/git/{other}.git", d.api);
    let out = repo.git(&["push", &url, "main"], &[]);
    assert!(!out.status.success(), "{}", all_output(&out));
    assert!(
        all_output(&out).contains(&format!("may not reach app `{other}`")),
        "git shows why: {}",
        all_output(&out)
    );
    assert!(!d.data_dir().join(format!("repos/{other}.git")).exists());
    assert!(!d.wharf_ok(&["apps"]).contains(&other));

    // Server-wide routes: the list of apps, services, certificates.
    for args in [
        &["apps"][..],
        &["services"],
        &["services", "create", "redis", "cache"],
        &["certs"],
        &["certs", "status"],
    ] {
        fails_with(&remote(&d, &token, args), "server-wide");
    }
    assert!(!d.wharf_ok(&["services"]).contains("cache"));
    // Tokens have no API at all: no token makes or lists another.
    fails_with(
        &remote(&d, &token, &["tokens", "create", "more", "--app", &other]),
        "managed on the server itself",
    );
}

#[test]
fn a_read_only_token_reads_but_changes_and_reveals_nothing() {
    let d = Daemon::start();
    let app = unique("ro");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {app}.test"),
        "v1",
    );
    d.deploy_ok(dir.path());
    d.wharf_ok(&["config", "set", &app, "SECRET=hunter2"]);
    let token = create(&d, &["watcher", "--read-only"]);

    let out = remote(&d, &token, &["apps"]);
    assert!(stdout(&out).contains(&app), "{}", stderr(&out));
    let out = remote(&d, &token, &["ps", &app]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = remote(&d, &token, &["config", "show", &app, "--json"]);
    let shown = config_var(&out, "SECRET").unwrap_or_default();
    assert!(
        !shown.is_empty() && shown.chars().all(|c| c == '*'),
        "{shown:?} {}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("hunter2"));

    // Nor do release snapshots carry the values.
    let releases = raw_get(d.api, &format!("/v1/apps/{app}/releases"), &token);
    assert!(
        releases.contains("SECRET") && !releases.contains("hunter2"),
        "{releases}"
    );
    fails_with(
        &remote(&d, &token, &["config", "show", &app, "--reveal"]),
        "may not reveal secret values",
    );
    fails_with(
        &remote(&d, &token, &["services", "info", "db", "--reveal"]),
        "may not reveal secret values",
    );
    fails_with(
        &remote(&d, &token, &["config", "set", &app, "SECRET=x"]),
        "read-only",
    );
    fails_with(&push(&d, &token, dir.path()), "may not change anything");
    assert!(
        !d.wharf_ok(&["releases", &app]).contains("v3"),
        "no new release"
    );
}

#[test]
fn an_expired_token_is_refused_with_a_clear_message() {
    let d = Daemon::start();
    let listed = create(&d, &["later", "--expires", "30d"]);
    assert!(listed.starts_with("wharf_"));
    assert!(d.wharf_ok(&["tokens", "list"]).contains(" UTC"));
    // A token whose time is up: made through the store, as waiting for it is no test.
    let past = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - 60;
    let store = wharf_store::Store::open(&d.data_dir().join("wharf.db")).unwrap();
    let old = store
        .create_token(
            &wharf_store::TokenName::parse("old").unwrap(),
            &wharf_domain::TokenScope::admin(),
            Some(past),
        )
        .unwrap();
    let out = remote(&d, &old.secret, &["apps"]);
    fails_with(&out, "API token `old` expired at");
    assert!(stderr(&out).contains("HTTP 401"), "{}", stderr(&out));
    assert!(d.wharf_ok(&["tokens", "list"]).contains("(expired)"));
    fails_with(
        &d.wharf(&["tokens", "create", "x", "--expires", "30"]),
        "has no unit",
    );
    let out = remote(&d, &listed, &["apps"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The value of `key` in `wharf config show --json`'s output.
fn config_var(out: &std::process::Output, key: &str) -> Option<String> {
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    answer["vars"][key].as_str().map(str::to_owned)
}
