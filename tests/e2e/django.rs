//! The Django path end to end, with the real example app (`examples/django`, built from the local
//! python:3.13-slim of `scripts/base-images.sh`, packages from PyPI) and a real PostgreSQL
//! service: the release command migrates the linked database over TLS (`ssl_require`, as
//! Heroku-style settings ask), a note added through Wharf's proxy
//! (a browser's form POST, with Django's CSRF cookie and token) survives a redeploy and a rollback
//! to the release from before the link, backups are scheduled, taken, verified by restoring
//! Django's tables, and restored.

use super::harness::*;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Where the example lives in this checkout.
fn example() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/django"))
}

/// A copy of the example whose Dockerfile names `app` and its domain `host`.
fn example_copy(app: &str, host: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(example(), dir.path());
    let dockerfile = dir.path().join("Dockerfile");
    let text = std::fs::read_to_string(&dockerfile).unwrap();
    let text = text
        .replace("# wharf.app = notes", &format!("# wharf.app = {app}"))
        .replace(
            "# wharf.domain = notes.localhost",
            &format!("# wharf.domain = {host}"),
        );
    assert!(text.contains(&format!("# wharf.app = {app}")), "{text}");
    std::fs::write(&dockerfile, text).unwrap();
    dir
}

pub(super) fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "__pycache__" || name == "db.sqlite3" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Builds the example once with Docker's classic builder (as Wharf builds) and tags the result,
/// so its layers, `pip install` above all, stay in Docker's build cache after the test's own
/// images are removed: later runs, and the deploys of this one, reuse them.
fn keep_build_cache() {
    let out = Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "-q", "-t", "wharf-e2e-cache/django-example:latest"])
        .args(["--label", "wharf.test-cache=django-example"])
        .arg(example())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the example does not build: {}",
        stderr(&out)
    );
}

/// A response through the proxy: status, `Set-Cookie` values, `Location`, body.
struct Answer {
    status: u16,
    cookies: Vec<String>,
    location: Option<String>,
    body: String,
}

/// One request through `proxy` with a Host header, as a browser would send it.
fn request(
    proxy: SocketAddr,
    method: &str,
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let client: Client<_, Full<Bytes>> =
        Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(format!("http://{proxy}{path}"))
        .header("host", host);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let req = builder
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    block_on(async move {
        let response = tokio::time::timeout(Duration::from_secs(20), client.request(req))
            .await
            .expect("no answer within 20 s")
            .expect("request failed");
        let header_values = |name| {
            response
                .headers()
                .get_all(name)
                .iter()
                .map(|v| v.to_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        let cookies = header_values("set-cookie");
        let location = header_values("location").into_iter().next();
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            cookies,
            location,
            body: String::from_utf8_lossy(&body).to_string(),
        }
    })
}

/// The text between `before` and the next `"` in `text`.
fn quoted_after<'a>(text: &'a str, before: &str) -> &'a str {
    let start = text
        .find(before)
        .unwrap_or_else(|| panic!("no {before:?} in: {text}"))
        + before.len();
    let len = text[start..].find('"').unwrap();
    &text[start..start + len]
}

/// Adds a note the way the app's form does: GET /add for the CSRF cookie and token, then POST.
fn add_note(d: &Daemon, host: &str, text: &str) {
    let form = request(d.http, "GET", host, "/add", &[], "");
    assert_eq!(form.status, 200, "{}", form.body);
    let cookie = form
        .cookies
        .iter()
        .find_map(|c| {
            c.split(';')
                .next()
                .filter(|kv| kv.starts_with("csrftoken="))
        })
        .unwrap_or_else(|| panic!("no CSRF cookie: {:?}", form.cookies))
        .to_string();
    let token = quoted_after(&form.body, r#"name="csrfmiddlewaretoken" value=""#);
    let body = format!(
        "csrfmiddlewaretoken={token}&text={}",
        text.replace(' ', "+")
    );
    let origin = format!("http://{host}");
    let posted = request(
        d.http,
        "POST",
        host,
        "/add",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", &cookie),
            ("origin", &origin),
        ],
        &body,
    );
    assert_eq!(posted.status, 302, "{}", posted.body);
    assert_eq!(posted.location.as_deref(), Some("/"));

    // Without the token Django refuses it, through the proxy as directly.
    let forged = request(
        d.http,
        "POST",
        host,
        "/add",
        &[("content-type", "application/x-www-form-urlencoded")],
        "text=forged",
    );
    assert_eq!(forged.status, 403, "{}", forged.body);
}

/// The notes the app lists on its front page.
fn notes(d: &Daemon, host: &str) -> String {
    let page = request(d.http, "GET", host, "/", &[], "");
    assert_eq!(page.status, 200, "{}\n{}", page.body, d.log());
    page.body
}

/// `=====> DB restores: N object(s) back, ...` from `wharf services backups verify`.
fn restored_objects(verified: &str) -> u64 {
    verified
        .split("restores: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of restored objects in: {verified}"))
}

#[test]
fn django_app_gets_postgres_migrates_keeps_notes_and_its_backups_restore() {
    let started = Instant::now();
    keep_build_cache();
    let d = Daemon::start();
    let db = unique("djdb");
    let app = unique("django");
    let host = format!("{app}.example.com");
    let dir = example_copy(&app, &host);

    // One command for the database; the secret is set before the first deploy and waits for it.
    let created = d.wharf_ok(&["services", "create", "postgres", &db]);
    assert!(created.contains("postgres://postgres:"), "{created}");
    // ALLOWED_HOSTS is strict, yet Wharf's health checks, addressed to the container's IP, pass:
    // the example answers /healthz before Django checks the Host header.
    let allowed = format!("ALLOWED_HOSTS={host}");
    d.wharf_ok(&[
        "config",
        "set",
        &app,
        "SECRET_KEY=e2e-a-long-random-secret-key-for-the-django-test-0123456789",
        &allowed,
    ]);
    let first = d.deploy_ok(dir.path());
    assert!(
        first.contains("Running release: python manage.py migrate --noinput"),
        "{first}"
    );

    // Linking sets DATABASE_URL and redeploys; the release command migrates PostgreSQL.
    let linked = d.wharf_ok(&["services", "link", &db, &app]);
    assert!(linked.contains("DATABASE_URL"), "{linked}");
    assert!(
        linked.contains("Applying notes.0001_initial... OK"),
        "{linked}"
    );
    let config = d.wharf_ok(&["config", "show", &app, "--reveal"]);
    assert!(config.contains(&format!("@{db}:5432/")), "{config}");
    assert!(notes(&d, &host).contains("No notes yet."));
    // Heroku-style settings (`ssl_require=True`): Django's connection is encrypted.
    let ssl = d.wharf_ok(&[
        "run",
        &app,
        "--no-tty",
        "--",
        "python",
        "manage.py",
        "shell",
        "-c",
        "from django.db import connection as c; cur = c.cursor(); \
         cur.execute('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'); \
         print('ssl', cur.fetchone()[0], c.settings_dict['OPTIONS'])",
    ]);
    assert!(ssl.contains("ssl True {'sslmode': 'require'}"), "{ssl}");

    add_note(&d, &host, "kept across deploys");
    assert!(notes(&d, &host).contains("kept across deploys"));

    // A redeploy builds a new release; the migrations are already there, and so is the note.
    let again = d.deploy_ok(dir.path());
    assert!(again.contains("No migrations to apply."), "{again}");
    assert!(
        again.contains("Using cache") && !again.contains("Successfully installed"),
        "pip's layer comes from the build cache: {again}"
    );
    let page = notes(&d, &host);
    assert!(page.contains("kept across deploys"), "{page}");
    assert!(!page.contains("forged"), "{page}");
    let releases = d.wharf_ok(&["releases", &app]);
    assert!(releases.contains("v3"), "{releases}");

    // A rollback to the release from before the link keeps the database: the URL belongs to
    // the link, not to the release.
    d.wharf_ok(&["rollback", &app, "v1"]);
    let vars = d.config_vars(&app);
    assert!(
        vars["DATABASE_URL"].contains(&format!("@{db}:5432/")),
        "{vars:?}"
    );
    let config = format!("{vars:?}");
    assert!(
        vars["ALLOWED_HOSTS"] == host,
        "the rest of v1's config: {config}"
    );
    let page = notes(&d, &host);
    assert!(page.contains("kept across deploys"), "{page}");

    // Nightly backups, and one now that is checked by restoring it elsewhere.
    let scheduled = d.wharf_ok(&["services", "backup-schedule", &db, "0 3 * * *"]);
    assert!(scheduled.contains("0 3 * * *"), "{scheduled}");
    let info = d.wharf_ok(&["services", "info", &db]);
    assert!(info.contains(r#"backups:   "0 3 * * *" UTC"#), "{info}");
    d.wharf_ok(&["services", "backup", &db]);
    let verified = d.wharf_ok(&["services", "backups", "verify", &db]);
    // django_migrations, django_content_type, django_session, auth_permission, auth_group,
    // auth_group_permissions, auth_user, auth_user_groups, auth_user_user_permissions and
    // notes_note.
    assert!(restored_objects(&verified) >= 10, "{verified}");

    // A note added after the backup is gone once the backup is restored; the first is back.
    add_note(&d, &host, "after the backup");
    assert!(notes(&d, &host).contains("after the backup"));
    let backup = d
        .wharf_ok(&["services", "backups", &db])
        .lines()
        .find(|l| l.contains(".dump"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    d.wharf_ok(&["services", "restore", &db, &backup]);
    let page = notes(&d, &host);
    assert!(page.contains("kept across deploys"), "{page}");
    assert!(!page.contains("after the backup"), "{page}");

    eprintln!("django end to end: {:.0?}", started.elapsed());
}
