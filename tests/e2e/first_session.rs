//! A new user's first session, all in the browser, as the dashboard's "done" asks: `wharf init`
//! prints the admin's password; signed in with it, the user sees the bundled example app,
//! deploys a second app (Flask's own quickstart app, not one written for Wharf's tests) by
//! uploading a zip, watches it build, sets a config var and sees the app use it, rolls back
//! with one click and sees the earlier config serve again, and reads the app's log live.

use super::dashboard::*;
use super::harness::*;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// Flask's quickstart app, greeting with `GREETING` when it is set.
const FLASK_APP: &str = r#"import os

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello_world():
    return f"<p>{os.environ.get('GREETING', 'Hello, World!')}</p>"
"#;

/// The example app of the checkout (`examples/hello`), under a name of this test's own.
fn example_app(name: &str, host: &str) -> tempfile::TempDir {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hello");
    let dir = tempfile::tempdir().unwrap();
    let dockerfile = std::fs::read_to_string(example.join("Dockerfile"))
        .unwrap()
        .replace("# wharf.app = hello", &format!("# wharf.app = {name}"))
        .replace(
            "# wharf.domain = hello.localhost",
            &format!("# wharf.domain = {host}"),
        );
    assert!(dockerfile.contains(host), "{dockerfile}");
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    std::fs::create_dir(dir.path().join("www")).unwrap();
    for entry in std::fs::read_dir(example.join("www")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            dir.path().join("www").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    dir
}

/// A zip of the Flask app with the Dockerfile a user would write for it.
fn flask_zip(host: &str) -> tempfile::NamedTempFile {
    let dockerfile = format!(
        "# wharf.domain = {host}\n# wharf.port = 8000\nFROM python:3.13-slim\nENV PYTHONUNBUFFERED=1\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nCMD [\"gunicorn\", \"app:app\", \"--bind\", \"0.0.0.0:8000\", \"--access-logfile\", \"-\"]\n"
    );
    let files = [
        ("Dockerfile", dockerfile.as_str()),
        ("requirements.txt", "flask>=3,<4\ngunicorn>=23,<24\n"),
        ("app.py", FLASK_APP),
    ];
    let out = tempfile::Builder::new().suffix(".zip").tempfile().unwrap();
    let mut zip = zip::ZipWriter::new(out.reopen().unwrap());
    for (name, text) in files {
        zip.start_file(
            format!("flask-quickstart/{name}"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    out
}

#[test]
fn a_new_user_deploys_configures_rolls_back_and_reads_logs_in_the_browser() {
    let d = Daemon::start();
    let unit = d.data_dir().join("wharf.service");
    let init = d.wharf_ok(&["init", "--no-start", "--unit-path", unit.to_str().unwrap()]);
    let password = init
        .lines()
        .skip_while(|line| !line.contains("dashboard user `admin`"))
        .nth(1)
        .unwrap_or_else(|| panic!("init printed no password: {init}"))
        .trim()
        .to_string();
    let example = unique("hello");
    let example_host = format!("{example}.localhost");
    d.deploy_ok(example_app(&example, &example_host).path());
    d.wait_for_body(&example_host, "Wharf");

    let app = unique("flask");
    let host = format!("{app}.test");
    let zip = flask_zip(&host);
    let base = format!("http://{}", d.api);
    block_on(async {
        let browser = Browser::start().await;
        browser.sign_in_at(&base, "admin", &password).await;
        assert!(
            browser.text("main").await.contains(&example),
            "the overview shows the example app"
        );
        browser.screenshots("first-overview").await;

        // Deploy Flask's app by uploading a zip, and watch it build.
        browser.fill_upload_form(&app, zip.path()).await;
        browser
            .click_within("form.upload button[type=submit]", DEPLOY_LIMIT)
            .await;
        browser
            .wait_for_path(&format!("/apps/{app}?done=deploying&release=1"))
            .await;
        // pip's own output arrives while the build runs.
        browser
            .wait_for_text("#deploy-output span", "flask", Duration::from_secs(120))
            .await;
        browser.screenshots("first-build-live").await;
        browser
            .wait_for_path_within(&format!("/apps/{app}"), Duration::from_secs(300))
            .await;
        serves(&d, &host, "Hello, World!").await;

        // A config var: a new release, and the app says it.
        browser.fill("#config-name", "GREETING").await;
        browser
            .fill("#config-value", "Hello from the dashboard")
            .await;
        browser
            .click_within("#config-set button", DEPLOY_LIMIT)
            .await;
        browser
            .wait_for_path_within(
                &format!("/apps/{app}?done=config-set&release=2"),
                DEPLOY_LIMIT,
            )
            .await;
        serves(&d, &host, "Hello from the dashboard").await;

        // Roll back to v1 with one click (and a confirmation): the greeting is gone again.
        browser
            .click("#releases a[href$='/rollback?version=1']")
            .await;
        browser
            .click_within("form.confirm-form button", DEPLOY_LIMIT)
            .await;
        browser
            .wait_for_path_within(&format!("/apps/{app}"), DEPLOY_LIMIT)
            .await;
        serves(&d, &host, "Hello, World!").await;
        let active = browser.text("#releases tbody tr:first-child").await;
        assert!(
            active.contains("v3") && active.contains("active"),
            "{active}"
        );
        browser.screenshots("first-rolled-back").await;

        // The app's log, live: a request's access-log line appears as it is written.
        browser.goto(&format!("{base}/apps/{app}/logs")).await;
        let marker = unique("visit");
        let client = http_client();
        get_with(&client, d.http, &host, &format!("/?{marker}"))
            .await
            .unwrap();
        browser
            .wait_for_text("#log-output", &marker, Duration::from_secs(10))
            .await;
        browser.screenshots("first-logs").await;
        browser.close().await;
    });
}
