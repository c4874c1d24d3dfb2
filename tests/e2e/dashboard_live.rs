//! The dashboard's live parts in a real headless Chromium against a real daemon and engine:
//! an admin deploys a new app by uploading a zip of its directory and watches its build output
//! arrive while it runs; an app's log lines appear as its container writes them, of all its
//! processes or of one; an upload without the session's CSRF token, or from a viewer, is
//! refused and deploys nothing.

use super::dashboard::*;
use super::harness::*;
use fantoccini::Locator;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// A zip of `dir`'s files inside one folder `top/`, as "Download ZIP" packs a repository.
fn zip_of(dir: &Path, top: &str) -> tempfile::NamedTempFile {
    let out = tempfile::Builder::new().suffix(".zip").tempfile().unwrap();
    let mut zip = zip::ZipWriter::new(out.reopen().unwrap());
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            zip.start_file(
                format!("{top}/{name}"),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            zip.write_all(&std::fs::read(&path).unwrap()).unwrap();
        }
    }
    zip.finish().unwrap();
    out
}

#[test]
fn an_admin_deploys_an_uploaded_zip_and_watches_its_build_output_arrive_live() {
    let d = Daemon::start();
    add_user(&d, "ada", ADMIN_PASSWORD, false);
    let app = unique("upload");
    let host = format!("{app}.test");
    // The build prints `built-42` (its step line shows only the sum) between two pauses, so
    // the line comes while the page is open.
    let dir = app_dir_with(
        &format!("# wharf.domain = {host}"),
        "hello from an uploaded zip",
        "RUN sleep 2 && echo built-$((6*7)) && sleep 2\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]",
    );
    let zip = zip_of(dir.path(), &format!("{app}-main"));
    let base = format!("http://{}", d.api);
    block_on(async {
        let browser = Browser::start().await;
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        browser.fill_upload_form(&app, zip.path()).await;
        browser.screenshots("upload-form").await;
        browser
            .click_within("form.upload button[type=submit]", DEPLOY_LIMIT)
            .await;
        browser
            .wait_for_path(&format!("/apps/{app}?done=deploying&release=1"))
            .await;
        // The line arrives by the page's event stream (appended lines are spans; the page's
        // own HTML has plain text), while the deploy still runs.
        browser
            .wait_for_text("#deploy-output span", "built-42", Duration::from_secs(30))
            .await;
        browser.screenshots("deploy-live").await;
        browser
            .wait_for_path_within(&format!("/apps/{app}"), DEPLOY_LIMIT)
            .await;
        assert_eq!(browser.text(".live-end").await, "The release is live.");
        let active = browser.text("#releases tbody tr:first-child").await;
        assert!(
            active.contains("v1") && active.contains("active"),
            "{active}"
        );
        browser.screenshots("app-deployed-from-upload").await;
        browser.close().await;
    });
    let (status, body) = d.get(&host, "/").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("hello from an uploaded zip"), "{body}");
}

/// A `multipart/form-data` body with `fields` in order, the last one a file.
fn multipart(fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "wharf-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"archive\"; filename=\"app.zip\"\r\nContent-Type: application/zip\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[test]
fn uploads_without_the_csrf_token_or_from_a_viewer_are_refused_and_deploy_nothing() {
    let d = Daemon::start();
    add_user(&d, "ada", ADMIN_PASSWORD, false);
    add_user(&d, "vic", VIEWER_PASSWORD, true);
    let app = unique("forged");
    let dir = app_dir("", "never deployed");
    let zip = std::fs::read(zip_of(dir.path(), "top").path()).unwrap();
    let admin = sign_in_raw(d.api, "ada", ADMIN_PASSWORD);
    let viewer = sign_in_raw(d.api, "vic", VIEWER_PASSWORD);
    let admin_csrf = csrf_of(d.api, &admin);
    let viewer_csrf = csrf_of(d.api, &viewer);
    let tries = [
        // No token: the first field is the app's name.
        (&admin, vec![("app", app.as_str())], "CSRF token"),
        // Another session's token.
        (
            &admin,
            vec![("csrf", viewer_csrf.as_str()), ("app", app.as_str())],
            "CSRF token",
        ),
        // A viewer with its own token.
        (
            &viewer,
            vec![("csrf", viewer_csrf.as_str()), ("app", app.as_str())],
            "Viewers can look",
        ),
    ];
    for (secret, fields, why) in tries {
        let (content_type, body) = multipart(&fields, &zip);
        let cookie = cookie_header(secret);
        let answer = exchange_bytes(
            d.api,
            "/deploy",
            &[("Cookie", &cookie), ("Content-Type", &content_type)],
            &body,
        );
        assert_eq!(answer.status, 403, "{fields:?}: {}", answer.body);
        assert!(answer.body.contains(why), "{fields:?}: {}", answer.body);
    }
    // A file sent to a form that takes none is refused before anything is read.
    let (content_type, body) = multipart(&[("csrf", admin_csrf.as_str())], &zip);
    let answer = exchange_bytes(
        d.api,
        "/apps/blog/config/set",
        &[
            ("Cookie", &cookie_header(&admin)),
            ("Content-Type", &content_type),
        ],
        &body,
    );
    assert_eq!(answer.status, 415, "{}", answer.body);
    // Nothing was deployed.
    assert!(d.containers(&app).is_empty());
    let apps = d.wharf_ok(&["apps"]);
    assert!(!apps.contains(&app), "{apps}");
    // With the token, the same upload deploys (the proof the refusals were for their reason).
    let (content_type, body) = multipart(&[("csrf", &admin_csrf), ("app", &app)], &zip);
    let answer = exchange_bytes(
        d.api,
        "/deploy",
        &[
            ("Cookie", &cookie_header(&admin)),
            ("Content-Type", &content_type),
        ],
        &body,
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(
        answer.header("location"),
        Some(format!("/apps/{app}?done=deploying&release=1#deploy").as_str())
    );
}

#[test]
fn an_apps_log_lines_appear_on_its_page_as_they_are_written() {
    let d = Daemon::start();
    add_user(&d, "ada", ADMIN_PASSWORD, false);
    let app = unique("logs");
    let host = format!("{app}.test");
    let dir = app_dir_with(
        &format!("# wharf.app = {app}\n# wharf.domain = {host}"),
        "hello from a chatty app",
        r#"CMD ["sh", "-c", "httpd -p 8080 -h /www; n=0; while true; do n=$((n+1)); echo tick-$n; usleep 300000; done"]"#,
    );
    d.deploy_ok(dir.path());
    d.wait_for_body(&host, "hello from a chatty app");
    let base = format!("http://{}", d.api);
    block_on(async {
        let browser = Browser::start().await;
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        browser.goto(&format!("{base}/apps/{app}/logs")).await;
        // The page holds the last lines, then new ones arrive as the container writes them
        // (one every 0.3 s): the first within 2 s.
        let shown = browser.text("#log-output").await;
        assert!(shown.contains("web.1 | tick-"), "{shown}");
        let waited = browser
            .wait_for_text("#log-output span", "web.1 | tick-", Duration::from_secs(2))
            .await;
        assert!(waited < Duration::from_secs(2), "{waited:?}");
        // The lines streamed go on from the last line the page had, with none missed.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let ticks: Vec<u64> = browser
            .text("#log-output")
            .await
            .lines()
            .filter_map(|line| line.strip_prefix("web.1 | tick-"))
            .filter_map(|n| n.trim().parse().ok())
            .collect();
        assert!(ticks.len() > 3, "{ticks:?}");
        assert!(
            ticks.windows(2).all(|pair| pair[1] == pair[0] + 1),
            "a line is missing or repeated: {ticks:?}"
        );
        browser.screenshots("logs-live").await;
        // One process only: the filter's choice is kept in the address and the stream.
        browser
            .goto(&format!("{base}/apps/{app}/logs?process=web"))
            .await;
        browser
            .wait_for_text("#log-output span", "web.1 | tick-", Duration::from_secs(2))
            .await;
        let follow = browser
            .client()
            .find(Locator::Css("#log-output"))
            .await
            .unwrap()
            .attr("data-follow")
            .await
            .unwrap();
        let follow = follow.unwrap_or_default();
        assert!(
            follow.starts_with(&format!("/apps/{app}/logs/live?process=web&since=20")),
            "{follow}"
        );
        browser.close().await;
    });
}

#[test]
fn the_overview_refreshes_itself_and_times_are_in_the_viewer_s_zone() {
    let (d, app) = daemon_with_app();
    let base = format!("http://{}", d.api);
    let second = unique("fresh");
    block_on(async {
        let browser = Browser::start_in_zone("Asia/Tokyo").await;
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        assert!(browser.text("#apps").await.contains(&app));
        let root = browser.client().find(Locator::Css("html")).await.unwrap();
        // A date's tooltip is the viewer's local time, with its zone (Tokyo is UTC+9: JST or
        // GMT+9 depending on the locale data), once the page's script has run.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let title = browser
                .client()
                .find(Locator::Css("#apps time"))
                .await
                .unwrap()
                .attr("title")
                .await
                .unwrap()
                .unwrap_or_default();
            if title.contains("JST") || title.contains("GMT+9") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the tooltip is not in the viewer's zone: {title}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // An app deployed from elsewhere shows up on the page without a reload.
        let dir = app_dir(
            &format!("# wharf.app = {second}\n# wharf.domain = {second}.test"),
            "a second app",
        );
        d.deploy_ok(dir.path());
        let waited = browser
            .wait_for_text("#apps", &second, Duration::from_secs(30))
            .await;
        assert!(
            root.text().await.is_ok(),
            "the page was loaded again instead of refreshing its parts"
        );
        eprintln!("the overview showed the new app {waited:?} after its deploy");
        browser.close().await;
    });
}
