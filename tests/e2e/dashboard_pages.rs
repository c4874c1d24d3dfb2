//! Every dashboard page, over HTTPS at the API's own name (`--api-domain`, certificate from
//! Pebble): each page the router serves renders in Chromium with no console error (no script
//! error, no refused resource, no Content-Security-Policy violation), and the session cookie is
//! `__Host-` prefixed, `Secure`, `HttpOnly` and `SameSite=Strict` there; the console's
//! websocket runs a command through that listener. The pages come from the router's own list,
//! so a new page is walked (and screenshotted) without editing this test.

use super::acme::{Validation, acme_daemon, chain_path, wait_for};
use super::dashboard::{ADMIN_PASSWORD, Browser, add_user};
use super::harness::*;
use fantoccini::Locator;
use wharf_server::dashboard::{Access, dashboard_routes};

/// The pages to walk: every GET route behind a session, but the live streams and the
/// console's websocket (not pages).
fn pages(app: &str, db: &str, backup: &str) -> Vec<String> {
    dashboard_routes()
        .into_iter()
        .filter(|(method, path, access)| {
            method == http::Method::GET
                && matches!(access, Access::Signed | Access::Admin)
                && !path.ends_with("/live")
                && !path.ends_with("/socket")
        })
        .map(|(_, path, _)| {
            let path = path.replace("{app}", app).replace("{name}", db);
            // Confirmation pages name what they confirm.
            if path.ends_with("/rollback") {
                format!("{path}?version=1")
            } else if path.ends_with("/restore") {
                format!("{path}?backup={backup}")
            } else {
                path
            }
        })
        .collect()
}

#[test]
fn every_page_renders_over_https_with_no_console_error() {
    let api = format!("{}.example.com", unique("dash"));
    let (pebble, d) = acme_daemon(Validation::default(), &["--api-domain", &api]);
    let chain = chain_path(&d, &api);
    wait_for("a certificate for the API's name", &d, || {
        chain.exists().then_some(())
    });
    pebble.verifies(&chain).unwrap();
    add_user(&d, "ada", ADMIN_PASSWORD, false);

    let app = unique("pages");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {app}.test"),
        "first",
    );
    d.deploy_ok(dir.path());
    std::fs::write(dir.path().join("www/index.html"), "second").unwrap();
    d.deploy_ok(dir.path());
    let db = unique("pagesdb");
    d.wharf_ok(&["services", "create", "redis", &db]);
    d.wharf_ok(&["services", "link", &db, &app]);
    d.wharf_ok(&["services", "backup", &db]);
    let backups = d.wharf_json(&["services", "backups", &db]);
    let backup = backups[0]["file"]
        .as_str()
        .unwrap_or_else(|| panic!("a backup of {db}: {backups}"))
        .to_string();

    let base = format!("https://{api}:{}", d.https.port());
    block_on(async {
        // Chromium reaches the API's name on loopback; Pebble's test roots are not in its
        // store (the chain was verified against them above).
        let browser = Browser::start_with_args(&[
            format!("--host-resolver-rules=MAP {api} 127.0.0.1"),
            "--ignore-certificate-errors".to_string(),
        ])
        .await;
        // Chromium's error page is told from a page: port 1 refuses the connection.
        browser.client().goto("http://127.0.0.1:1/").await.unwrap();
        let error = browser.load_error().await;
        assert!(
            error.as_deref().is_some_and(|e| e.contains("ERR_")),
            "{error:?}"
        );
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        let cookie = browser
            .client()
            .get_named_cookie("__Host-wharf_session")
            .await
            .unwrap();
        assert_eq!(cookie.secure(), Some(true), "{cookie:?}");
        assert_eq!(cookie.http_only(), Some(true), "{cookie:?}");
        assert_eq!(
            format!("{:?}", cookie.same_site()),
            "Some(Strict)",
            "{cookie:?}"
        );
        browser
            .assert_console_clean("the sign-in and the overview")
            .await;
        // The console is read for real: an error a page logs is seen (and then cleared).
        browser
            .client()
            .execute("console.error('wharf console probe')", vec![])
            .await
            .unwrap();
        let seen = browser.console_errors().await;
        assert!(
            seen.iter().any(|e| e.contains("wharf console probe")),
            "{seen:?}"
        );
        browser
            .assert_console_clean("the overview, once read")
            .await;

        let pages = pages(&app, &db, &backup);
        assert!(pages.len() >= 12, "{pages:?}");
        for page in pages {
            browser.goto(&format!("{base}{page}")).await;
            let heading = browser
                .client()
                .find(Locator::Css("h1"))
                .await
                .unwrap_or_else(|e| panic!("{page} has no heading: {e}"))
                .text()
                .await
                .unwrap();
            assert!(!heading.is_empty(), "{page}");
            assert!(
                !heading.contains("Not found") && !heading.contains("refused"),
                "{page}: {heading}"
            );
            // Give the page's script a moment to run (and fail, if it would).
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            browser.assert_console_clean(&page).await;
            let name = page
                .trim_matches('/')
                .replace(&app, "app")
                .replace(&db, "db")
                .split('?')
                .next()
                .unwrap_or_default()
                .replace('/', "-");
            let name = if name.is_empty() { "overview" } else { &name };
            browser.screenshots(&format!("https-{name}")).await;
        }

        // The console's websocket passes the HTTPS listener too.
        browser.goto(&format!("{base}/apps/{app}/console")).await;
        browser
            .fill("#console-command", "sh -c 'echo over-$((40+2))'")
            .await;
        browser.press("#console-form button").await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let status = browser.text("#console-status").await;
            if status.contains("exited with code 0") {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{status}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(browser.text(".xterm-rows").await.contains("over-42"));
        browser.assert_console_clean("the console over HTTPS").await;
        browser.close().await;
    });
}
