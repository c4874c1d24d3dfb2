//! The web dashboard in a real headless Chromium (through chromedriver, which each test starts
//! on a free loopback port), against a real daemon with a deployed app: signing in (a wrong
//! password, a throttled user), the overview and the app page, signing out revoking the
//! session; a viewer sees no change form and is refused a forged one, a change without the
//! CSRF token is refused, a password change and a removal end sessions; every dashboard route
//! sends a request without a session to the sign-in form, a cookie never opens the token API
//! and a token never opens the dashboard. Screenshots of each page at 375 and 1280 px wide go
//! to target/screenshots/.

use super::harness::*;
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(super) const ADMIN_PASSWORD: &str = "admin password 1";
pub(super) const VIEWER_PASSWORD: &str = "viewer password 1";

/// chromedriver on a free loopback port, and a headless Chromium session through it.
pub(super) struct Browser {
    driver: Child,
    client: Option<Client>,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub(super) async fn start() -> Browser {
        Browser::start_in(None, &[]).await
    }

    /// A browser whose clock is in the time `zone` (`Asia/Tokyo`), as a viewer's there.
    pub(super) async fn start_in_zone(zone: &str) -> Browser {
        Browser::start_in(Some(zone), &[]).await
    }

    /// A browser started with Chromium's command-line `args` besides the usual ones (to
    /// resolve a test's host name to loopback, say).
    pub(super) async fn start_with_args(args: &[String]) -> Browser {
        Browser::start_in(None, args).await
    }

    async fn start_in(zone: Option<&str>, extra: &[String]) -> Browser {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let port = free_port();
        let mut driver = Command::new(chromedriver());
        if let Some(zone) = zone {
            driver.env("TZ", zone);
        }
        let driver = driver
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (scripts/test-deps.sh installs chromium-driver)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut caps = serde_json::Map::new();
        let mut options = serde_json::json!({
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        });
        if let Some(list) = options["args"].as_array_mut() {
            list.extend(extra.iter().map(|arg| serde_json::json!(arg)));
        }
        if let Some(binary) = chromium() {
            options["binary"] = serde_json::json!(binary);
        }
        caps.insert("goog:chromeOptions".into(), options);
        // Every console message is kept, for `console_errors`.
        caps.insert(
            "goog:loggingPrefs".into(),
            serde_json::json!({ "browser": "ALL" }),
        );
        let client = ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        client.set_window_size(1280, 900).await.unwrap();
        Browser {
            driver,
            client: Some(client),
            _profile: profile,
        }
    }

    pub(super) fn client(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    /// Load `url`. A load Chromium cut off because the host's network changed (tests running
    /// beside this one create Docker networks) shows its error page: that load is tried again.
    pub(super) async fn goto(&self, url: &str) {
        let mut error = None;
        for _ in 0..5 {
            self.client().goto(url).await.unwrap();
            error = self.load_error().await;
            if error.is_none() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("{url} did not load in five tries: {error:?}");
    }

    /// Chromium's error code (`ERR_NETWORK_CHANGED`...) when it shows its error page in place
    /// of the page. Its URL alone does not say so: WebDriver may report the address that failed.
    pub(super) async fn load_error(&self) -> Option<String> {
        let code = self
            .client()
            .execute(
                "return location.protocol === 'chrome-error:' \
                    || document.getElementById('main-frame-error') !== null \
                    ? (document.querySelector('.error-code') || {}).textContent || 'an error page' \
                    : null",
                vec![],
            )
            .await;
        match code {
            Ok(code) => code.as_str().map(|code| code.trim().to_string()),
            Err(err) => Some(format!("a page no script runs in: {err}")),
        }
    }

    pub(super) async fn path(&self) -> String {
        let url = self.client().current_url().await.unwrap();
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Wait (up to 10 s) until the browser is at `expected`, which a click's navigation may
    /// reach after the click returns.
    pub(super) async fn wait_for_path(&self, expected: &str) {
        self.wait_for_path_within(expected, Duration::from_secs(10))
            .await;
    }

    /// As `wait_for_path`, for a page that comes after a deploy of up to `limit`.
    pub(super) async fn wait_for_path_within(&self, expected: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let path = self.path().await;
            if path == expected {
                return;
            }
            assert!(Instant::now() < deadline, "at {path}, not {expected}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(super) async fn text(&self, css: &str) -> String {
        self.client()
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    pub(super) async fn count(&self, css: &str) -> usize {
        self.client()
            .find_all(Locator::Css(css))
            .await
            .unwrap()
            .len()
    }

    /// Fill the sign-in form (where the browser is) and send it.
    pub(super) async fn sign_in(&self, name: &str, password: &str) {
        let client = self.client();
        let field = match client.find(Locator::Id("name")).await {
            Ok(field) => field,
            Err(err) => panic!(
                "no sign-in form at {} ({:?}): {err}\n{}",
                client.current_url().await.unwrap(),
                self.load_error().await,
                self.source().await
            ),
        };
        field.clear().await.unwrap();
        field.send_keys(name).await.unwrap();
        client
            .find(Locator::Id("password"))
            .await
            .unwrap()
            .send_keys(password)
            .await
            .unwrap();
        self.click("form button[type=submit]").await;
    }

    /// Sign in as `name` from the sign-in form at `base` (`http://HOST:PORT`) and wait for
    /// the overview.
    pub(super) async fn sign_in_at(&self, base: &str, name: &str, password: &str) {
        // Another try when the form comes back: its submission can be cut off like a load
        // (see `goto`); what the page said the last time is kept for the failure message.
        let mut said = String::new();
        for _ in 0..4 {
            self.goto(&format!("{base}/sign-in")).await;
            self.sign_in(name, password).await;
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if self.path().await == "/" {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            said = self.source().await;
        }
        panic!("signing in as {name} at {base} failed four times; the page:\n{said}");
    }

    /// Click `css` and wait until the page it leads to has replaced this one.
    pub(super) async fn click(&self, css: &str) {
        self.click_within(css, Duration::from_secs(10)).await;
    }

    /// Click `css` where the page stays (a script acts on it; nothing loads).
    pub(super) async fn press(&self, css: &str) {
        self.client()
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Type `text` into the field `css`.
    pub(super) async fn fill(&self, css: &str, text: &str) {
        let field = self
            .client()
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Open the overview's "deploy from a file" form and fill it with `app` and the archive
    /// at `archive` (the test then sends it).
    pub(super) async fn fill_upload_form(&self, app: &str, archive: &Path) {
        self.client()
            .find(Locator::Css("details.deploy-new summary"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        self.fill("#upload-app", app).await;
        self.client()
            .find(Locator::Css("#upload-archive"))
            .await
            .unwrap()
            .send_keys(&archive.display().to_string())
            .await
            .unwrap();
    }

    /// Wait up to `limit` until an element `css` of the page holds `needle`; how long it took.
    pub(super) async fn wait_for_text(&self, css: &str, needle: &str, limit: Duration) -> Duration {
        let start = Instant::now();
        loop {
            let found = self.client().find_all(Locator::Css(css)).await;
            for element in found.unwrap_or_default() {
                if element.text().await.is_ok_and(|t| t.contains(needle)) {
                    return start.elapsed();
                }
            }
            if start.elapsed() >= limit {
                panic!(
                    "no {css} with {needle:?} within {limit:?}; the page:\n{}",
                    self.source().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The page's HTML as the browser holds it.
    pub(super) async fn source(&self) -> String {
        self.client().source().await.unwrap()
    }

    /// As `click`, for a change (a deploy) that may take up to `limit` before its page comes.
    pub(super) async fn click_within(&self, css: &str, limit: Duration) {
        let client = self.client();
        let old = client.find(Locator::Css("html")).await.unwrap();
        client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap();
        let deadline = Instant::now() + limit;
        // The old page's root goes stale once the new page has loaded.
        while old.text().await.is_ok() {
            assert!(Instant::now() < deadline, "clicking {css} led nowhere");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(super) async fn session_cookie(&self) -> String {
        self.client()
            .get_named_cookie("wharf_session")
            .await
            .unwrap()
            .value()
            .to_string()
    }

    /// The page at 375 and at 1280 px wide, as target/screenshots/NAME-WIDTH.png; a page
    /// whose console received an error fails the test.
    pub(super) async fn screenshots(&self, name: &str) {
        self.assert_console_clean(name).await;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        for (width, height) in [(375, 1100), (1280, 900)] {
            self.client().set_window_size(width, height).await.unwrap();
            let png = self.client().screenshot().await.unwrap();
            std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
        }
        self.client().set_window_size(1280, 900).await.unwrap();
    }

    /// The errors the page's console received since the last call (script errors, refused
    /// resources, Content-Security-Policy violations), as chromedriver reports them. Not
    /// errors of the page: the status of the page itself (a refusal the test asked for is
    /// answered 4xx on purpose), and a request Chromium cut because the host's network
    /// changed (the Docker engine adds interfaces as tests create networks).
    pub(super) async fn console_errors(&self) -> Vec<String> {
        let log = self
            .client()
            .issue_cmd(BrowserLog)
            .await
            .expect("chromedriver gives the browser's console log");
        let page = self.client().current_url().await.unwrap();
        let page_status = format!(
            "{} - Failed to load resource: the server responded with a status of",
            page.as_str().split('?').next().unwrap_or_default()
        );
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
            .filter(|message| {
                !message.starts_with(&page_status) && !message.ends_with("net::ERR_NETWORK_CHANGED")
            })
            .collect()
    }

    /// Fail the test if the page's console received an error, naming the page.
    pub(super) async fn assert_console_clean(&self, page: &str) {
        let errors = self.console_errors().await;
        assert!(errors.is_empty(), "console errors on {page}: {errors:#?}");
    }

    pub(super) async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// chromedriver's own command for the browser's console log (not in the W3C protocol).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/se/log"))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(r#"{"type":"browser"}"#.to_string()),
        )
    }
}

pub(super) fn chromedriver() -> String {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("chromedriver")
        .to_string()
}

pub(super) fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/lib/chromium/chromium"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

pub(super) fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("screenshots")
}

/// A plain HTTP/1.1 exchange with the API listener: status, headers (lower-case names) and body.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: String,
}

impl Answer {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn cookies(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

pub(super) fn exchange(
    api: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {api}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "POST" {
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        {
            head.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let body = if method == "POST" {
        body.as_bytes()
    } else {
        &[]
    };
    send(api, head.as_bytes(), body)
}

/// POST `body` (bytes, such as a file upload) to `path`; `headers` name its content type.
pub(super) fn exchange_bytes(
    api: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {api}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    send(api, head.as_bytes(), body)
}

fn send(api: SocketAddr, head: &[u8], body: &[u8]) -> Answer {
    let mut stream = std::net::TcpStream::connect(api).unwrap();
    stream.write_all(head).unwrap();
    // A refusal may come before the whole body is read; it is still read back.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let raw = String::from_utf8_lossy(&raw).to_string();
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
    Answer {
        status,
        headers,
        body: body.to_string(),
    }
}

/// GET `path` with the session cookie of `secret`.
pub(super) fn get_signed(api: SocketAddr, path: &str, secret: &str) -> Answer {
    exchange(api, "GET", path, &[("Cookie", &cookie_header(secret))], "")
}

pub(super) fn cookie_header(secret: &str) -> String {
    format!("wharf_session={secret}")
}

/// Sign in without a browser, as a script would; returns the session's secret.
pub(super) fn sign_in_raw(api: SocketAddr, name: &str, password: &str) -> String {
    let form = exchange(api, "GET", "/sign-in", &[], "");
    let token = value_after(&form.body, "name=\"token\" value=\"");
    let form_cookie = form
        .cookies()
        .into_iter()
        .find_map(|c| {
            c.split(';')
                .next()
                .filter(|c| c.starts_with("wharf_sign_in="))
        })
        .unwrap()
        .to_string();
    let body: String =
        form_urlencoded(&[("token", &token), ("name", name), ("password", password)]);
    let answer = exchange(api, "POST", "/sign-in", &[("Cookie", &form_cookie)], &body);
    assert_eq!(answer.status, 303, "{}", answer.body);
    let session = answer
        .cookies()
        .into_iter()
        .find_map(|c| c.strip_prefix("wharf_session="))
        .unwrap();
    session.split(';').next().unwrap().to_string()
}

pub(super) fn form_urlencoded(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let encode = |s: &str| {
                s.bytes()
                    .map(|b| match b {
                        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                            (b as char).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect::<String>()
            };
            format!("{}={}", encode(k), encode(v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The text between `marker` and the next `"` in `html`.
pub(super) fn value_after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// The CSRF token on a page of the session `secret`.
pub(super) fn csrf_of(api: SocketAddr, secret: &str) -> String {
    let page = exchange(api, "GET", "/", &[("Cookie", &cookie_header(secret))], "");
    assert_eq!(page.status, 200, "{}", page.body);
    value_after(&page.body, "name=\"csrf\" value=\"")
}

pub(super) fn add_user(d: &Daemon, name: &str, password: &str, viewer: bool) {
    let mut args = vec![
        "--data-dir",
        d.data_dir().to_str().unwrap(),
        "users",
        "add",
        name,
    ];
    if viewer {
        args.push("--viewer");
    }
    args.push("--password-stdin");
    let mut child = Command::new(WHARF)
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Each container of `app` with its id and when it started: what a restart changes.
pub(super) fn started(d: &Daemon, app: &str) -> Vec<String> {
    d.containers(app)
        .iter()
        .map(|c| inspect(c, "{{.Id}} {{.State.StartedAt}}"))
        .collect()
}

/// A daemon with an admin, a viewer and a deployed app; returns the app's name.
pub(super) fn daemon_with_app() -> (Daemon, String) {
    let d = Daemon::start();
    add_user(&d, "ada", ADMIN_PASSWORD, false);
    add_user(&d, "vic", VIEWER_PASSWORD, true);
    let app = unique("dash");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {app}.test"),
        "hello from the dashboard test",
    );
    d.deploy_ok(dir.path());
    d.wait_for_body(&format!("{app}.test"), "hello from the dashboard test");
    (d, app)
}

#[test]
fn an_admin_signs_in_sees_the_app_restarts_it_and_signing_out_revokes_the_session() {
    let (d, app) = daemon_with_app();
    let base = format!("http://{}", d.api);
    // A second deploy that fails: its release shows why, and v1 keeps serving.
    let broken = app_dir_with(
        &format!("# wharf.app = {app}\n# wharf.domain = {app}.test"),
        "never served",
        r#"CMD ["sh", "-c", "echo crashing on purpose; exit 3"]"#,
    );
    let out = d.deploy(broken.path());
    assert!(!out.status.success(), "{}", stdout(&out));
    let before = started(&d, &app);
    block_on(async {
        let browser = Browser::start().await;
        // A page asked for without a session leads to the sign-in form, and back after it.
        browser.goto(&format!("{base}/apps/{app}")).await;
        assert_eq!(
            browser.path().await,
            format!("/sign-in?next=%2Fapps%2F{app}")
        );
        browser.screenshots("sign-in").await;

        browser.sign_in("ada", "not the password").await;
        assert!(browser.path().await.starts_with("/sign-in"));
        assert_eq!(
            browser.text("#sign-in-error").await,
            "Wrong user name or password."
        );
        browser.screenshots("sign-in-wrong-password").await;

        browser.sign_in("ada", ADMIN_PASSWORD).await;
        browser.wait_for_path(&format!("/apps/{app}")).await;
        assert_eq!(browser.text("h1").await, app);
        let releases = browser.text("#releases").await;
        assert!(
            releases.contains("v1") && releases.contains("active"),
            "{releases}"
        );
        assert!(
            releases.contains("v2") && releases.contains("failed"),
            "{releases}"
        );
        let reason = browser.text("#releases .reason").await;
        assert!(reason.contains("exit"), "{reason}");
        let processes = browser.text("#processes").await;
        assert!(
            processes.contains("running") && processes.contains("healthy"),
            "{processes}"
        );
        assert!(
            browser
                .text("#domains")
                .await
                .contains(&format!("{app}.test"))
        );
        browser.screenshots("app").await;

        // The cookie: HttpOnly and SameSite=Strict (Secure only over HTTPS: this is HTTP).
        let cookie = browser
            .client()
            .get_named_cookie("wharf_session")
            .await
            .unwrap();
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(format!("{:?}", cookie.same_site()), "Some(Strict)");

        browser.goto(&format!("{base}/")).await;
        let apps = browser.text("#apps").await;
        assert!(apps.contains(&app), "{apps}");
        assert!(apps.contains("last deploy failed"), "{apps}");
        assert!(apps.contains("v1"), "{apps}");
        assert!(apps.contains("1/1 healthy"), "{apps}");
        assert!(apps.contains(&format!("{app}.test")), "{apps}");
        let server = browser.text("dl.facts").await;
        assert!(server.contains(env!("CARGO_PKG_VERSION")), "{server}");
        assert!(server.contains("Docker's data"), "{server}");
        assert!(!server.contains("not answering"), "{server}");
        browser.screenshots("overview").await;

        // A change: the restart replaces the app's containers.
        browser.goto(&format!("{base}/apps/{app}")).await;
        browser
            .click("section[aria-label='Every process'] form[action$='/restart'] button")
            .await;
        browser
            .wait_for_path(&format!("/apps/{app}?done=restart"))
            .await;
        assert!(browser.text(".notice").await.starts_with("Restarted"));
        browser.screenshots("app-restarted").await;

        // Signing out ends the session on the server: its cookie opens nothing any more.
        let secret = browser.session_cookie().await;
        assert_eq!(get_signed(d.api, "/", &secret).status, 200);
        browser.click("form.sign-out button").await;
        browser.wait_for_path("/sign-in").await;
        let after = get_signed(d.api, "/", &secret);
        assert_eq!(after.status, 303);
        assert_eq!(after.header("location"), Some("/sign-in"));
        browser.close().await;
    });
    assert_ne!(before, started(&d, &app), "the restart restarted nothing");
}

#[test]
fn a_viewer_sees_no_change_form_and_forged_changes_are_refused() {
    let (d, app) = daemon_with_app();
    let base = format!("http://{}", d.api);
    block_on(async {
        let browser = Browser::start().await;
        browser.sign_in_at(&base, "vic", VIEWER_PASSWORD).await;
        browser.goto(&format!("{base}/apps/{app}")).await;
        assert_eq!(browser.text("h1").await, app);
        assert_eq!(browser.count("form[action$='/restart']").await, 0);
        // The only form is signing out.
        assert_eq!(browser.count("main form").await, 0);
        browser.screenshots("app-viewer").await;
        browser.close().await;
    });
    let containers = started(&d, &app);
    let restart = format!("/apps/{app}/restart");

    // A viewer's forged change, with their own valid CSRF token: refused.
    let viewer = sign_in_raw(d.api, "vic", VIEWER_PASSWORD);
    let csrf = csrf_of(d.api, &viewer);
    let answer = exchange(
        d.api,
        "POST",
        &restart,
        &[("Cookie", &cookie_header(&viewer))],
        &format!("csrf={csrf}"),
    );
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(
        answer
            .body
            .contains("Viewers can look but not change anything"),
        "{}",
        answer.body
    );

    // Every admin route (a page or a change), with the viewer's own valid token: refused
    // before any handler runs.
    for (method, path, access) in wharf_server::dashboard::dashboard_routes() {
        use wharf_server::dashboard::Access;
        if !matches!(access, Access::Admin | Access::Upload) {
            continue;
        }
        let path = path.replace("{app}", &app);
        let answer = exchange(
            d.api,
            method.as_str(),
            &path,
            &[("Cookie", &cookie_header(&viewer))],
            &format!("csrf={csrf}&name=GREETING&confirm={app}&process=web&count=3"),
        );
        assert_eq!(answer.status, 403, "{method} {path}: {}", answer.body);
    }

    // An admin's session without the token, with another session's token, with a wrong one.
    let admin = sign_in_raw(d.api, "ada", ADMIN_PASSWORD);
    for body in [String::new(), format!("csrf={csrf}"), "csrf=00".to_string()] {
        let answer = exchange(
            d.api,
            "POST",
            &restart,
            &[("Cookie", &cookie_header(&admin))],
            &body,
        );
        assert_eq!(answer.status, 403, "{body}: {}", answer.body);
        assert!(answer.body.contains("CSRF token"), "{}", answer.body);
    }
    assert_eq!(
        started(&d, &app),
        containers,
        "a refused change restarted something"
    );

    // Every other change a viewer forges, with their token, is refused before it is tried.
    for (path, form) in [
        (format!("/apps/{app}/rollback"), "version=1"),
        (format!("/apps/{app}/config/set"), "name=FORGED&value=x"),
        (format!("/apps/{app}/config/unset"), "name=FORGED"),
        (format!("/apps/{app}/domains/add"), "domain=forged.test"),
        (format!("/apps/{app}/domains/remove"), "domain=forged.test"),
    ] {
        let answer = exchange(
            d.api,
            "POST",
            &path,
            &[("Cookie", &cookie_header(&viewer))],
            &format!("csrf={csrf}&{form}"),
        );
        assert_eq!(answer.status, 403, "{path}: {}", answer.body);
    }
    let answer = get_signed(d.api, &format!("/apps/{app}/rollback?version=1"), &viewer);
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(d.config_vars(&app).is_empty());
    assert_eq!(
        d.wharf_json(&["domains", "list", &app])["added"],
        serde_json::json!([])
    );

    // A new password ends the viewer's sessions; removing the admin... is refused while they
    // are the last one, so a second admin first: removal ends their sessions too.
    assert_eq!(get_signed(d.api, "/", &viewer).status, 200);
    d.wharf_ok(&["users", "passwd", "vic"]);
    assert_eq!(get_signed(d.api, "/", &viewer).status, 303);
    let out = d.wharf(&["users", "remove", "ada"]);
    fails_with(&out, "last admin");
    add_user(&d, "bea", ADMIN_PASSWORD, false);
    d.wharf_ok(&["users", "remove", "ada"]);
    assert_eq!(get_signed(d.api, "/", &admin).status, 303);
}

#[test]
fn sign_in_is_throttled_after_repeated_failures() {
    let d = Daemon::start();
    add_user(&d, "ada", ADMIN_PASSWORD, false);
    let base = format!("http://{}", d.api);
    block_on(async {
        let browser = Browser::start().await;
        browser.goto(&format!("{base}/sign-in")).await;
        for _ in 0..5 {
            browser.sign_in("ada", "a wrong guess").await;
            assert_eq!(
                browser.text("#sign-in-error").await,
                "Wrong user name or password."
            );
        }
        // Now even the right password is not tried.
        browser.sign_in("ada", ADMIN_PASSWORD).await;
        let error = browser.text("#sign-in-error").await;
        assert!(
            error.starts_with("Too many failed sign-ins for this user: try again in 15 min."),
            "{error}"
        );
        assert!(browser.path().await.starts_with("/sign-in"));
        browser.screenshots("sign-in-throttled").await;
        browser.close().await;
    });
}

#[test]
fn every_dashboard_route_without_a_session_goes_to_sign_in_and_tokens_and_cookies_stay_apart() {
    let d = Daemon::start();
    add_user(&d, "ada", ADMIN_PASSWORD, false);
    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();
    let bearer = format!("Bearer {token}");
    let routes = wharf_server::dashboard::dashboard_routes();
    assert!(routes.len() >= 5, "{routes:?}");
    for (method, path, access) in routes {
        if access == wharf_server::dashboard::Access::Public {
            continue;
        }
        let path = path.replace("{app}", "blog").replace("{name}", "db");
        // No credential, an API token, a made-up session: each is sent to the sign-in form.
        for headers in [
            vec![],
            vec![("Authorization", bearer.as_str())],
            vec![(
                "Cookie",
                "wharf_session=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            )],
        ] {
            let answer = exchange(d.api, method.as_str(), &path, &headers, "csrf=x");
            assert_eq!(
                answer.status, 303,
                "{method} {path} {headers:?}: {}",
                answer.body
            );
            let location = answer.header("location").unwrap_or_default();
            assert!(
                location.starts_with("/sign-in"),
                "{method} {path}: {location}"
            );
        }
    }
    // A dashboard session never opens the token API; the token still does.
    let secret = sign_in_raw(d.api, "ada", ADMIN_PASSWORD);
    let answer = get_signed(d.api, "/v1/apps", &secret);
    assert_eq!(answer.status, 401, "{}", answer.body);
    let answer = exchange(d.api, "GET", "/v1/apps", &[("Authorization", &bearer)], "");
    assert_eq!(answer.status, 200, "{}", answer.body);
    // Pages forbid scripts and framing, and the sign-in form carries no session.
    let page = get_signed(d.api, "/", &secret);
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(page.header("cache-control"), Some("no-store"));
}

/// Wait (up to 30 s) until `host` answers 200 with `needle` through the proxy: what
/// `Daemon::wait_for_body` does, from inside the browser's async block.
pub(super) async fn serves(d: &Daemon, host: &str, needle: &str) {
    let client = http_client();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let last = get_with(&client, d.http, host, "/").await;
        if matches!(&last, Ok((200, body)) if body.contains(needle)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{host} never served {needle}: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// How long a change that deploys may take before its page comes back.
pub(super) const DEPLOY_LIMIT: Duration = Duration::from_secs(90);

#[test]
fn an_admin_rolls_back_from_the_app_page_after_confirming_and_the_old_release_serves() {
    let (d, app) = daemon_with_app();
    let base = format!("http://{}", d.api);
    let host = format!("{app}.test");
    let second = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {host}"),
        "the second release",
    );
    d.deploy_ok(second.path());
    d.wait_for_body(&host, "the second release");
    block_on(async {
        let browser = Browser::start().await;
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        browser.goto(&format!("{base}/apps/{app}")).await;
        // Only v1 (superseded) has a button: v2 serves.
        assert_eq!(browser.count("#releases a[href*='/rollback']").await, 1);
        browser
            .click("#releases a[href$='/rollback?version=1']")
            .await;
        // The confirmation names the release and changes nothing yet.
        browser
            .wait_for_path(&format!("/apps/{app}/rollback?version=1"))
            .await;
        assert_eq!(browser.text("h1").await, format!("Roll {app} back to v1?"));
        let target = browser.text("#rollback-target").await;
        assert!(target.contains("v1") && target.contains("v2"), "{target}");
        browser.screenshots("rollback-confirm").await;
        let (_, body) = get_with(&http_client(), d.http, &host, "/").await.unwrap();
        assert!(body.contains("the second release"), "{body}");

        browser
            .click_within("form.confirm-form button", DEPLOY_LIMIT)
            .await;
        // The app's page follows the rollback's deploy, then shows how it ended.
        browser
            .wait_for_path(&format!("/apps/{app}?done=deploying&release=3"))
            .await;
        assert!(
            browser.text("#deploy-heading").await.contains("v3"),
            "the page follows the rollback's release"
        );
        browser
            .wait_for_path_within(&format!("/apps/{app}"), DEPLOY_LIMIT)
            .await;
        assert_eq!(browser.text(".live-end").await, "The release is live.");
        let active = browser.text("#releases tbody tr:first-child").await;
        assert!(
            active.contains("v3") && active.contains("active"),
            "{active}"
        );
        browser.screenshots("app-rolled-back").await;

        // The active release's redeploy button: v3's image again as v4, followed live.
        browser
            .click_within("form.redeploy button", DEPLOY_LIMIT)
            .await;
        browser
            .wait_for_path(&format!("/apps/{app}?done=deploying&release=4"))
            .await;
        browser
            .wait_for_path_within(&format!("/apps/{app}"), DEPLOY_LIMIT)
            .await;
        let active = browser.text("#releases tbody tr:first-child").await;
        assert!(
            active.contains("v4") && active.contains("active"),
            "{active}"
        );
        browser.screenshots("app-redeployed").await;
        browser.close().await;
    });
    // A real request: v1's body serves again.
    let (status, body) = d.get(&host, "/").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("hello from the dashboard test"), "{body}");
    // The CLI redeploys the same way, and the log names who asked each time.
    let out = d.wharf_ok(&["redeploy", &app]);
    assert!(out.contains("Redeploying"), "{out}");
    let releases = d.wharf_json(&["releases", &app]);
    assert_eq!(
        (&releases[0]["version"], &releases[0]["status"]),
        (&serde_json::json!(5), &serde_json::json!("active")),
        "{releases}"
    );
    let events = d.wharf_json(&["events", &app]);
    let redeploys: Vec<_> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "redeploy" && e["result"] == "ok")
        .map(|e| e["actor"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(redeploys.len(), 2, "{events}");
    assert!(redeploys.iter().any(|a| a == "user ada"), "{redeploys:?}");

    // A release that cannot be rolled back to, asked for by hand, is refused with the reason.
    let admin = sign_in_raw(d.api, "ada", ADMIN_PASSWORD);
    let cookie = cookie_header(&admin);
    let page = exchange(
        d.api,
        "GET",
        &format!("/apps/{app}/rollback?version=5"),
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(
        page.body.contains("it is the release serving now"),
        "{}",
        page.body
    );
    let csrf = csrf_of(d.api, &admin);
    let answer = exchange(
        d.api,
        "POST",
        &format!("/apps/{app}/rollback"),
        &[("Cookie", &cookie)],
        &format!("csrf={csrf}&version=seven"),
    );
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(
        answer.body.contains("`seven` is not a release number"),
        "{}",
        answer.body
    );
}

#[test]
fn an_admin_sets_and_unsets_a_config_var_and_adds_and_removes_a_domain() {
    let (d, app) = daemon_with_app();
    let base = format!("http://{}", d.api);
    let extra = format!("www.{app}.test");
    block_on(async {
        let browser = Browser::start().await;
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        browser.goto(&format!("{base}/apps/{app}")).await;

        // A var set: a new release, its name shown, its value nowhere on the page.
        browser.fill("#config-name", "GREETING").await;
        browser.fill("#config-value", "a secret greeting").await;
        browser
            .click_within("#config-set button", DEPLOY_LIMIT)
            .await;
        browser
            .wait_for_path(&format!("/apps/{app}?done=config-set&release=2"))
            .await;
        assert!(browser.text("#config-names").await.contains("GREETING"));
        assert!(!browser.source().await.contains("a secret greeting"));
        // The release says which var it set, by name.
        let releases = browser.text("#releases").await;
        assert!(releases.contains("set GREETING"), "{releases}");
        browser.screenshots("app-config-set").await;

        // Revealed on request, one var on a page of its own, and recorded.
        browser.click("button[aria-label='Reveal GREETING']").await;
        assert_eq!(browser.text("#revealed").await, "a secret greeting");
        browser.screenshots("app-config-revealed").await;
        browser.close().await;
    });
    let events = d.wharf_json(&["events", &app, "--json"]);
    assert!(
        events["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "config reveal" && e["actor"] == "user ada"),
        "{events}"
    );
    let out = d.wharf_ok(&[
        "run",
        &app,
        "--",
        "sh",
        "-c",
        "echo \"[${GREETING-unset}]\"",
    ]);
    assert_eq!(out.trim(), "[a secret greeting]");

    block_on(async {
        let browser = Browser::start().await;
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        browser.goto(&format!("{base}/apps/{app}")).await;

        // Unset: another release, without it.
        browser
            .click_within("form[action$='/config/unset'] button", DEPLOY_LIMIT)
            .await;
        browser
            .wait_for_path(&format!("/apps/{app}?done=config-unset&release=3"))
            .await;
        assert_eq!(browser.count("#config-names").await, 0);

        // The Dockerfile's domain has no remove button; an added one has.
        assert_eq!(browser.count("form[action$='/domains/remove']").await, 0);
        browser.fill("#domain-name", &extra).await;
        browser.click("#domain-add button").await;
        browser
            .wait_for_path(&format!("/apps/{app}?done=domain-added"))
            .await;
        let domains = browser.text("#domains").await;
        assert!(
            domains.contains(&format!("{extra} added by command")),
            "{domains}"
        );
        assert!(
            domains.contains(&format!("{app}.test from the Dockerfile")),
            "{domains}"
        );
        assert_eq!(browser.count("form[action$='/domains/remove']").await, 1);
        browser.screenshots("app-domain-added").await;
        serves(&d, &extra, "hello from the dashboard test").await;

        // A bad domain: the API's reason, and a way back.
        browser.fill("#domain-name", "not a domain").await;
        browser.click("#domain-add button").await;
        let error = browser.text("main .error").await;
        assert!(error.contains("not a domain"), "{error}");
        assert_eq!(browser.text("main p a").await, "Back");
        browser.screenshots("app-domain-refused").await;
        browser.click("main p a").await;

        browser
            .click("form[action$='/domains/remove'] button")
            .await;
        browser
            .wait_for_path(&format!("/apps/{app}?done=domain-removed"))
            .await;
        assert!(!browser.text("#domains").await.contains(&extra));
        browser.close().await;
    });
    let out = d.wharf_ok(&[
        "run",
        &app,
        "--",
        "sh",
        "-c",
        "echo \"[${GREETING-unset}]\"",
    ]);
    assert_eq!(out.trim(), "[unset]");
    assert_ne!(
        d.get(&extra, "/").map(|(status, _)| status),
        Ok(200),
        "{extra} is still routed"
    );

    // The Dockerfile's domain, removed by a forged form, is refused with where it comes from.
    let admin = sign_in_raw(d.api, "ada", ADMIN_PASSWORD);
    let csrf = csrf_of(d.api, &admin);
    let answer = exchange(
        d.api,
        "POST",
        &format!("/apps/{app}/domains/remove"),
        &[("Cookie", &cookie_header(&admin))],
        &form_urlencoded(&[("csrf", &csrf), ("domain", &format!("{app}.test"))]),
    );
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.body.contains("Dockerfile"), "{}", answer.body);
    assert!(
        d.get(&format!("{app}.test"), "/")
            .unwrap()
            .1
            .contains("hello")
    );
}
