//! The console on an app's dashboard page, in Chromium against a real daemon and Docker: an
//! admin runs a shell in a one-off container of the app, types into the terminal, sees the
//! output and the exit code, and no container is left; leaving the page ends a command that
//! still runs. Each run is in the activity log as the user's. Viewers are refused both
//! routes, and a websocket opened from another origin is refused.

use super::dashboard::{
    ADMIN_PASSWORD, Browser, VIEWER_PASSWORD, cookie_header, daemon_with_app, screenshot_dir,
    sign_in_raw,
};
use super::harness::*;
use fantoccini::Locator;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// WebDriver's Enter key.
const ENTER: &str = "\u{E007}";

/// This server's one-off (`wharf run`) containers of `app`, running or not.
fn run_containers(d: &Daemon, app: &str) -> Vec<String> {
    d.containers(app)
        .into_iter()
        .filter(|c| c.starts_with(&format!("wharf-{app}.run-")))
        .collect()
}

/// Wait (up to `limit`) until `app` has `count` one-off containers.
fn wait_for_runs(d: &Daemon, app: &str, count: usize, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let runs = run_containers(d, app);
        if runs.len() == count {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{app} has one-off containers {runs:?}, not {count}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Wait (up to 10 s) until the text of `css` contains `wanted`; returns it.
async fn wait_for_text(browser: &Browser, css: &str, wanted: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = browser
            .client()
            .find(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text.contains(wanted) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{css} shows {text:?}, not {wanted}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// As `Browser::screenshots`, waiting after each resize for the terminal to fit its new width
/// (console.js refits it a moment after the window's last resize).
async fn screenshots_refitted(browser: &Browser, name: &str) {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).unwrap();
    for (width, height) in [(375, 1100), (1280, 900)] {
        browser
            .client()
            .set_window_size(width, height)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
        let png = browser.client().screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
    }
}

/// Type `keys` into the terminal.
async fn type_into_terminal(browser: &Browser, keys: &str) {
    browser
        .client()
        .find(Locator::Css(".xterm-helper-textarea"))
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

#[test]
fn an_admin_runs_a_shell_in_the_console_and_no_container_is_left() {
    let (d, app) = daemon_with_app();
    let base = format!("http://{}", d.api);
    block_on(async {
        let browser = Browser::start().await;
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        browser.goto(&format!("{base}/apps/{app}")).await;
        browser.click("nav.app-links a[href$='/console']").await;
        assert_eq!(browser.path().await, format!("/apps/{app}/console"));
        assert_eq!(
            browser
                .client()
                .find(Locator::Id("console-command"))
                .await
                .unwrap()
                .prop("value")
                .await
                .unwrap()
                .as_deref(),
            Some("sh")
        );

        browser.press("#console-form button").await;
        wait_for_text(&browser, "#console-status", "Running sh").await;
        type_into_terminal(&browser, &format!("echo hello-$((6*7)){ENTER}")).await;
        wait_for_text(&browser, ".xterm-rows", "hello-42").await;
        screenshots_refitted(&browser, "app-console").await;
        type_into_terminal(&browser, &format!("exit 3{ENTER}")).await;
        wait_for_text(&browser, "#console-status", "exited with code 3").await;
        // The container is removed before the exit code is sent.
        assert_eq!(run_containers(&d, &app), Vec::<String>::new());

        // A command line with quotes, split into words as `sh` would; leaving the page ends
        // it and removes its container.
        browser.fill("#console-command", "sh -c 'sleep 300'").await;
        browser.press("#console-form button").await;
        wait_for_text(&browser, "#console-status", "Running sh -c").await;
        wait_for_runs(&d, &app, 1, Duration::from_secs(10));
        browser.goto(&format!("{base}/apps/{app}")).await;
        wait_for_runs(&d, &app, 0, Duration::from_secs(15));
        browser.close().await;
    });

    let events = d.wharf_json(&["events", &app, "--json"]);
    let runs: Vec<_> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "run")
        .map(|e| (e["actor"].as_str().unwrap(), e["result"].as_str().unwrap()))
        .collect();
    assert_eq!(runs, [("user ada", "ok"), ("user ada", "ok")], "{events}");
}

/// The head of the answer to a websocket upgrade of `path` from `origin` with `cookie`.
fn upgrade_head(api: SocketAddr, path: &str, origin: &str, secret: &str) -> String {
    let mut stream = std::net::TcpStream::connect(api).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {api}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Origin: {origin}\r\nCookie: {}\r\n\r\n",
        cookie_header(secret)
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

#[test]
fn viewers_and_other_origins_cannot_open_the_console() {
    let (d, app) = daemon_with_app();
    let page = format!("/apps/{app}/console");
    let socket = format!("{page}/socket");
    let own = format!("http://{}", d.api);

    let viewer = sign_in_raw(d.api, "vic", VIEWER_PASSWORD);
    let answer = super::dashboard::get_signed(d.api, &page, &viewer);
    assert_eq!(answer.status, 403, "{}", answer.body);
    let head = upgrade_head(d.api, &socket, &own, &viewer);
    assert!(head.starts_with("HTTP/1.1 403"), "{head}");
    let app_page = super::dashboard::get_signed(d.api, &format!("/apps/{app}"), &viewer);
    assert!(
        !app_page.body.contains(&page),
        "a viewer sees a console link"
    );

    let admin = sign_in_raw(d.api, "ada", ADMIN_PASSWORD);
    let head = upgrade_head(d.api, &socket, "http://evil.test", &admin);
    assert!(head.starts_with("HTTP/1.1 403"), "{head}");
    // From the dashboard's own origin the same request is upgraded (and, with no command
    // sent, starts nothing).
    let head = upgrade_head(d.api, &socket, &own, &admin);
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert_eq!(run_containers(&d, &app), Vec::<String>::new());
    // With JavaScript off the page gives the command line to use instead.
    let page = super::dashboard::get_signed(d.api, &page, &admin);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&format!("wharf run {app} -- sh")),
        "{}",
        page.body
    );
    let csp = page.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("script-src 'self';"), "{csp}");
}
