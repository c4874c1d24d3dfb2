//! Python apps without a Dockerfile, for real: a FastAPI app whose dependencies uv installs
//! from its committed uv.lock (`tests/fixtures/fastapi-uv`), deployed by `wharf push` and then
//! by `git push`; a Django project with only requirements.txt and a Procfile `release:` line
//! (`tests/fixtures/django-no-dockerfile`) on a PostgreSQL service, its migrations run by the
//! release command and its static files served by WhiteNoise, as docs/django.md tells it, by
//! `git push` and then by `wharf push`; and
//! bad input: a requirement PyPI does not have fails the deploy with pip's own words while the
//! running release keeps serving, and an unsupported `.python-version` is refused before any
//! build, naming the file, its line and the versions Wharf builds.

use super::builders::{fixture, flask_app, get_raw, git_push, push, push_ok};
use super::harness::*;
use super::sshd::{Repo, all_output};

#[test]
fn a_fastapi_app_with_a_uv_lock_deploys_by_wharf_push_and_by_git_push() {
    let d = Daemon::start();
    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();
    let app = unique("fastapi");
    let dir = fixture("fastapi-uv");

    let plan = d.wharf_ok(&["build-plan", dir.path().to_str().unwrap()]);
    assert!(
        plan.contains("pyproject.toml and uv.lock found: Python, installed with uv"),
        "{plan}"
    );
    assert!(plan.contains("uv sync --frozen --no-dev"), "{plan}");

    let shown = push_ok(&d, &token, dir.path(), &app);
    assert!(shown.contains("Procfile web: uvicorn main:app"), "{shown}");
    let host = format!("{app}.test");
    d.wharf_ok(&["domains", "add", &app, &host]);
    d.wait_for_body(&host, "hello from fastapi");

    // The same tree, committed, changed in its code only and pushed with git.
    let repo = Repo::new(dir);
    let main = std::fs::read_to_string(repo.path().join("main.py")).unwrap();
    repo.write(
        "main.py",
        &main.replace("hello from fastapi", "hello again from fastapi"),
    );
    repo.commit("a new greeting");
    let out = git_push(&d, &token, &repo, &app);
    let output = all_output(&out);
    assert!(out.status.success(), "{output}\nserver:\n{}", d.log());
    assert!(
        output.contains("remote: -----> Builder: python")
            || output.contains("Wharf's python builder writes one"),
        "{output}"
    );
    // Only the code changed: the layer uv installed the dependencies in is reused.
    let sync = output
        .find("uv sync --frozen")
        .expect("uv's step in the output");
    let step_end = output[sync..]
        .find("Step ")
        .map_or(output.len(), |end| sync + end);
    assert!(
        output[sync..step_end].contains("Using cache"),
        "uv's layer comes from the build cache: {output}"
    );
    d.wait_for_body(&host, "hello again from fastapi");
    let releases = d.wharf_json(&["releases", &app]);
    assert_eq!(releases[0]["builder"], "python", "{releases}");
    assert_eq!(releases.as_array().unwrap().len(), 2, "{releases}");
}

#[test]
fn a_django_project_without_a_dockerfile_migrates_postgres_and_serves_its_static_files() {
    let d = Daemon::start();
    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();
    let app = unique("shelf");
    let db = unique("shelfdb");
    let host = format!("{app}.example.com");
    let repo = Repo::new(fixture("django-no-dockerfile"));
    assert!(!repo.path().join("Dockerfile").exists());
    let plan = d.wharf_ok(&["build-plan", repo.path().to_str().unwrap()]);
    assert!(plan.contains("collectstatic --noinput"), "{plan}");

    // The commands of docs/django.md, in its order.
    let created = d.wharf_ok(&["services", "create", "postgres", &db]);
    assert!(created.contains("postgres://postgres:"), "{created}");
    let allowed = format!("ALLOWED_HOSTS={host}");
    d.wharf_ok(&[
        "config",
        "set",
        &app,
        "SECRET_KEY=e2e-a-long-random-secret-key-for-the-django-test-0123456789",
        &allowed,
    ]);
    d.wharf_ok(&["services", "link", &db, &app]);
    let out = git_push(&d, &token, &repo, &app);
    let output = all_output(&out);
    assert!(out.status.success(), "{output}\nserver:\n{}", d.log());
    for wanted in [
        "Wharf's python builder writes one",
        "manage.py and mysite/settings.py: Django",
        "the Procfile has no web line: the web command is gunicorn mysite.wsgi",
        "static files copied to '/app/staticfiles'",
        "Running release: python manage.py migrate",
        "Applying shelf.0002_first_book... OK",
    ] {
        assert!(output.contains(wanted), "{wanted:?} in:\n{output}");
    }
    d.wharf_ok(&["domains", "add", &app, &host]);

    // The page reads the table the release command made and the row its migration wrote.
    d.wait_for_body(&host, "books: Migrated by the release command");
    let config = d.wharf_ok(&["config", "show", &app, "--reveal"]);
    assert!(config.contains(&format!("@{db}:5432/")), "{config}");

    // Admin's stylesheet, collected at build time, served by WhiteNoise.
    let (status, headers, body) = get_raw(&d, &host, "/static/admin/css/base.css");
    assert_eq!(status, 200, "{body}");
    let content_type = headers
        .iter()
        .find(|(name, _)| name == "content-type")
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    assert!(content_type.starts_with("text/css"), "{content_type}");
    assert!(body.contains("body"), "{body}");

    // A one-off manage.py command sees the same database.
    let shown = d.wharf_ok(&[
        "run",
        &app,
        "--",
        "python",
        "manage.py",
        "showmigrations",
        "shelf",
    ]);
    assert!(shown.contains("[X] 0002_first_book"), "{shown}");

    // The next release comes by `wharf push` of the same directory: a change to a view only.
    // The release command runs again and finds nothing to migrate.
    let views = repo.path().join("shelf/views.py");
    let view = std::fs::read_to_string(&views).unwrap();
    std::fs::write(&views, view.replace("f\"books: ", "f\"shelf books: ")).unwrap();
    let shown = push_ok(&d, &token, repo.path(), &app);
    for wanted in [
        "Running release: python manage.py migrate",
        "No migrations to apply",
    ] {
        assert!(shown.contains(wanted), "{wanted:?} in:\n{shown}");
    }
    d.wait_for_body(&host, "shelf books: Migrated by the release command");

    let releases = d.wharf_json(&["releases", &app]);
    assert_eq!(releases.as_array().unwrap().len(), 2, "{releases}");
    assert_eq!(releases[0]["builder"], "python", "{releases}");
    assert!(
        !repo.path().join("Dockerfile").exists(),
        "no Dockerfile was written into the app"
    );
    // Taking over: the plan saved as the project's own Dockerfile.
    d.wharf_ok(&["build-plan", repo.path().to_str().unwrap(), "--write"]);
    let written = std::fs::read_to_string(repo.path().join("Dockerfile")).unwrap();
    assert!(written.contains("collectstatic --noinput"), "{written}");
}

#[test]
fn a_missing_package_fails_the_deploy_and_an_old_python_is_refused_before_the_build() {
    let d = Daemon::start();
    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();
    let app = unique("pybad");
    let host = format!("{app}.test");
    let good = flask_app("the good release");
    push_ok(&d, &token, good.path(), &app);
    d.wharf_ok(&["domains", "add", &app, &host]);
    d.wait_for_body(&host, "the good release");

    // A package PyPI does not have: pip's step fails, in pip's own words.
    let broken = flask_app("never served");
    std::fs::write(
        broken.path().join("requirements.txt"),
        "flask\ngunicorn\nwharf-e2e-no-such-package-on-pypi\n",
    )
    .unwrap();
    let out = push(&d, &token, broken.path(), &app);
    let shown = format!("{}\n{}", stdout(&out), stderr(&out));
    assert!(!out.status.success(), "{shown}");
    assert!(
        shown.contains("RUN pip install -r requirements.txt"),
        "the failing step is named: {shown}"
    );
    assert!(
        shown.contains("No matching distribution found for wharf-e2e-no-such-package-on-pypi"),
        "pip's message: {shown}"
    );
    assert_eq!(d.get(&host, "/").unwrap().1, "the good release\n");

    // Python 3.7: refused from the plan, before any upload or build.
    let old = flask_app("never built");
    std::fs::write(old.path().join(".python-version"), "# pinned\n3.7\n").unwrap();
    let out = push(&d, &token, old.path(), &app);
    fails_with(
        &out,
        ".python-version, line 2: Python 3.7 is not supported: Wharf builds with Python 3.9 to 3.14",
    );
    assert!(!stdout(&out).contains("Uploading"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("Step 1/"), "{}", stdout(&out));
    assert_eq!(d.get(&host, "/").unwrap().1, "the good release\n");
    // v1 serves, v2 failed to build, and the refused push made no release at all.
    let releases = d.wharf_json(&["releases", &app]);
    let statuses: Vec<(u64, &str)> = releases
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["version"].as_u64().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(statuses, [(2, "failed"), (1, "active")], "{releases}");
}
