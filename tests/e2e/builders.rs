//! Apps without a Dockerfile: a Flask app with only requirements.txt and a Procfile is
//! recognised by Wharf's Python builder, whose Dockerfile (shown by `wharf build-plan`) is
//! built from the local python:3.13-slim with packages from PyPI, deployed by `wharf push`
//! and by `git push` and served through the proxy; the release records the builder. A static
//! site (only index.html and its files) is served with the right content types and cache
//! validators, by either push. A directory Wharf cannot recognise is refused before any
//! upload, saying what was looked for.

use super::django::copy_tree;
use super::harness::*;
use super::sshd::{Repo, all_output};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// A Flask app with no Dockerfile: requirements.txt, a Procfile and app.py.
pub(super) fn flask_app(greeting: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("requirements.txt", "flask\ngunicorn\n");
    write("Procfile", "web: gunicorn app:app --bind 0.0.0.0:$PORT\n");
    write(
        "app.py",
        &format!(
            "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.route(\"/\")\ndef hello():\n    return \"{greeting}\\n\"\n"
        ),
    );
    dir
}

/// A copy of the app kept in tests/fixtures/NAME, in a directory of its own.
pub(super) fn fixture(name: &str) -> tempfile::TempDir {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&from, dir.path());
    dir
}

/// `wharf push` of `dir` to APP on the daemon, with `token`.
pub(super) fn push(d: &Daemon, token: &str, dir: &Path, app: &str) -> Output {
    Command::new(WHARF)
        .args(["push", &format!("http://{}", d.api), dir.to_str().unwrap()])
        .args(["--app", app])
        .env("WHARF_TOKEN", token)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// [`push`] that must succeed; its standard output (the build and deploy).
pub(super) fn push_ok(d: &Daemon, token: &str, dir: &Path, app: &str) -> String {
    let out = push(d, token, dir, app);
    let shown = stdout(&out);
    assert!(
        out.status.success(),
        "wharf push failed:\n{shown}\n{}\nserver:\n{}",
        stderr(&out),
        d.log()
    );
    shown
}

/// `git push` of the repository's `main` to APP over git's smart HTTP with `token`.
pub(super) fn git_push(d: &Daemon, token: &str, repo: &Repo, app: &str) -> Output {
    let url = format!("http://x:{token}@{}/git/{app}.git", d.api);
    repo.git(&["push", &url, "main"], &[])
}

#[test]
fn a_flask_app_without_a_dockerfile_deploys_by_wharf_push_and_by_git_push() {
    let d = Daemon::start();
    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();
    let app = unique("flask");
    let dir = flask_app("hello from flask");

    let plan = d.wharf_ok(&["build-plan", dir.path().to_str().unwrap()]);
    assert!(plan.starts_with("-----> Builder: python\n"), "{plan}");
    assert!(plan.contains("requirements.txt found"), "{plan}");
    assert!(plan.contains("FROM python:3.13-slim AS deps"), "{plan}");

    let shown = push_ok(&d, &token, dir.path(), &app);
    assert!(
        shown.contains("Wharf's python builder writes one"),
        "{shown}"
    );
    assert!(shown.contains("Procfile web: gunicorn app:app"), "{shown}");
    assert!(
        !dir.path().join("Dockerfile").exists(),
        "the app's directory is left as it was"
    );

    let host = format!("{app}.test");
    d.wharf_ok(&["domains", "add", &app, &host]);
    d.wait_for_body(&host, "hello from flask");

    let releases = d.wharf_json(&["releases", &app]);
    assert_eq!(releases[0]["builder"], "python", "{releases}");

    // The same app by git push, as a second app.
    let repo = Repo::new(flask_app("hello from a pushed repo"));
    let pushed = unique("flask");
    let out = git_push(&d, &token, &repo, &pushed);
    assert!(out.status.success(), "{}", all_output(&out));
    let pushed_host = format!("{pushed}.test");
    d.wharf_ok(&["domains", "add", &pushed, &pushed_host]);
    d.wait_for_body(&pushed_host, "hello from a pushed repo");
    let user = Command::new("docker")
        .args(["exec", &d.containers(&app)[0], "id", "-u"])
        .output()
        .unwrap();
    assert_ne!(stdout(&user).trim(), "0", "the app does not run as root");
}

#[test]
fn an_unknown_project_is_refused_before_the_upload() {
    let d = Daemon::start();
    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Procfile"), "web: ./serve\n").unwrap();
    std::fs::write(dir.path().join("serve"), "#!/bin/sh\n").unwrap();
    let out = push(&d, &token, dir.path(), "mystery");
    fails_with(&out, "cannot tell what kind of app this is");
    assert!(
        stderr(&out).contains("requirements.txt"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("Uploading"), "{}", stdout(&out));
    let plan = d.wharf(&["build-plan", dir.path().to_str().unwrap()]);
    fails_with(&plan, "a Procfile alone does not say how to build the app");
}

/// GET `path` from `host` through the proxy: the status line's code, the headers (lower-case
/// names) and the body.
pub(super) fn get_raw(d: &Daemon, host: &str, path: &str) -> (u16, Vec<(String, String)>, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(d.http).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

/// The value of the header `name` (lower case) among `headers`.
pub(super) fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(header, _)| header == name)
        .map(|(_, value)| value.as_str())
}

#[test]
fn a_static_site_is_served_with_its_content_types_by_wharf_push_and_by_git_push() {
    let d = Daemon::start();
    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();
    let app = unique("site");
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "index.html",
        "<!doctype html><title>Site</title><p>a static site</p>\n",
    );
    write("app.js", "console.log('hi');\n");
    write("data.json", "{\"ok\": true}\n");
    write("logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n");

    let plan = d.wharf_ok(&["build-plan", dir.path().to_str().unwrap()]);
    assert!(plan.starts_with("-----> Builder: static\n"), "{plan}");
    push_ok(&d, &token, dir.path(), &app);
    let host = format!("{app}.test");
    d.wharf_ok(&["domains", "add", &app, &host]);
    d.wait_for_body(&host, "a static site");
    for (path, wanted) in [
        ("/", "text/html"),
        ("/app.js", "text/javascript"),
        ("/data.json", "application/json"),
        ("/logo.svg", "image/svg+xml"),
    ] {
        let (status, headers, _) = get_raw(&d, &host, path);
        assert_eq!(status, 200, "{path}");
        let content_type = headers
            .iter()
            .find(|(name, _)| name == "content-type")
            .map(|(_, value)| value.as_str())
            .unwrap_or_default();
        assert!(content_type.starts_with(wanted), "{path}: {content_type}");
    }
    let (status, _, _) = get_raw(&d, &host, "/missing.html");
    assert_eq!(status, 404);
    let releases = d.wharf_json(&["releases", &app]);
    assert_eq!(releases[0]["builder"], "static", "{releases}");
    // Browsers keep the files and ask again with the validators they were given: no file
    // here is named by a hash, so Wharf's proxy has them revalidate every one.
    let (_, headers, _) = get_raw(&d, &host, "/app.js");
    for validator in ["etag", "last-modified"] {
        assert!(
            headers.iter().any(|(name, _)| name == validator),
            "{validator}: {headers:?}"
        );
    }
    for path in ["/", "/app.js"] {
        let (_, headers, _) = get_raw(&d, &host, path);
        assert_eq!(
            header(&headers, "cache-control"),
            Some("no-cache"),
            "{path}"
        );
    }

    // The same site by git push, as a second app.
    let repo = Repo::new(dir);
    let pushed = unique("site");
    let out = git_push(&d, &token, &repo, &pushed);
    assert!(out.status.success(), "{}", all_output(&out));
    let pushed_host = format!("{pushed}.test");
    d.wharf_ok(&["domains", "add", &pushed, &pushed_host]);
    d.wait_for_body(&pushed_host, "a static site");
}
