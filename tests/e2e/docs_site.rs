//! The documentation site a running daemon serves at `/docs` of its API listener, without a
//! session: fetched with a real HTTP client (the first page, a guide, the search index with a
//! word of a page in it, a 404, a path that tries to leave the site, a `304` for a known
//! entity tag), and opened in Chromium, where the search finds a page (screenshots at 375 and
//! 1280 px wide in target/screenshots/).
//!
//! The site is embedded when the daemon is built: scripts/test.sh runs scripts/docs.sh first.
//! A binary built without it fails these tests, saying so.

use super::dashboard::Browser;
use super::harness::*;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use std::net::SocketAddr;
use std::time::Duration;

/// One answer of the daemon: status, the headers these tests read, body.
struct Fetched {
    status: u16,
    content_type: String,
    etag: String,
    location: String,
    body: String,
}

fn fetch(api: SocketAddr, path: &str, if_none_match: Option<&str>) -> Fetched {
    block_on(async {
        let mut request = hyper::Request::get(format!("http://{api}{path}"));
        if let Some(tag) = if_none_match {
            request = request.header("if-none-match", tag);
        }
        let response = tokio::time::timeout(
            Duration::from_secs(10),
            http_client().request(request.body(Empty::<Bytes>::new()).unwrap()),
        )
        .await
        .expect("an answer within 10 s")
        .expect("an answer");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let (status, content_type, etag, location) = (
            response.status().as_u16(),
            header("content-type"),
            header("etag"),
            header("location"),
        );
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Fetched {
            status,
            content_type,
            etag,
            location,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    })
}

/// The first page, failing with how to build the site when the binary has none.
fn first_page(d: &Daemon) -> Fetched {
    let page = fetch(d.api, "/docs/", None);
    assert!(
        !page.body.contains("not built into this binary"),
        "this wharf was built without its documentation site: run scripts/docs.sh, then build again"
    );
    page
}

/// The search index's file name as the pages load it (`searchindex.js`, or with a hash:
/// `searchindex-0123abcd.js`).
fn search_index_name(page: &str) -> String {
    page.match_indices("searchindex")
        .map(|(start, _)| {
            let rest = &page[start..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .find(|name| name.ends_with(".js") || name.ends_with(".json"))
        .expect("the page names its search index")
        .to_string()
}

#[test]
fn the_daemon_serves_the_documentation_its_search_index_and_nothing_else() {
    let d = Daemon::start();

    let entry = fetch(d.api, "/docs", None);
    assert_eq!(entry.status, 308);
    assert_eq!(entry.location, "/docs/");

    let page = first_page(&d);
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert!(
        page.body.contains("Install Wharf on a fresh VPS"),
        "{}",
        page.body
    );
    assert!(!page.etag.is_empty());
    let again = fetch(d.api, "/docs/", Some(&page.etag));
    assert_eq!(again.status, 304);

    let guide = fetch(d.api, "/docs/guides/custom-domains.html", None);
    assert_eq!(guide.status, 200);
    assert_eq!(guide.content_type, "text/html; charset=utf-8");
    assert!(guide.body.contains("wharf certs add"), "{}", guide.body);

    let name = search_index_name(&page.body);
    let index = fetch(d.api, &format!("/docs/{name}"), None);
    assert_eq!(index.status, 200, "/docs/{name}");
    assert_eq!(index.content_type, "text/javascript; charset=utf-8");
    // A word of the CapRover page, in no other: the index holds every page's words.
    assert!(index.body.contains("captain"), "{name} lacks `captain`");

    let api = fetch(d.api, "/docs/api/openapi.json", None);
    assert_eq!(api.status, 200);
    assert_eq!(api.content_type, "application/json");
    // The API's own address serves the same document, without a token.
    let served = fetch(d.api, "/api/openapi.json", None);
    assert_eq!(served.status, 200);
    assert_eq!(served.content_type, "application/json");
    let document: serde_json::Value = serde_json::from_str(&served.body).unwrap();
    let copy: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(
        document, copy,
        "/api/openapi.json and the docs site's copy differ"
    );
    assert!(
        document["paths"]["/v1/apps/{app}/releases"].is_object(),
        "{}",
        served.body
    );

    for missing in [
        "/docs/no-such-page.html",
        "/docs/%2e%2e/Cargo.toml",
        "/docs/guides/%2e%2e/%2e%2e/wharf.db",
        "/docs/..%2fwharf.db",
    ] {
        let answer = fetch(d.api, missing, None);
        assert_eq!(answer.status, 404, "{missing}");
    }
}

#[test]
fn the_documentation_opens_in_a_browser_and_its_search_finds_a_page() {
    let d = Daemon::start();
    first_page(&d);
    let base = format!("http://{}", d.api);
    block_on(async {
        let browser = Browser::start().await;
        browser.goto(&format!("{base}/docs/")).await;
        browser.screenshots("docs").await;
        browser
            .goto(&format!("{base}/docs/migrating/heroku.html"))
            .await;
        assert_eq!(browser.text("main h1").await, "From Heroku");
        browser.screenshots("docs-page").await;

        // mdBook's search opens from its toolbar and lists the pages that hold the words typed.
        browser.press(SEARCH_TOGGLE).await;
        browser.fill(SEARCH_BAR, "captain").await;
        browser
            .wait_for_text(SEARCH_RESULTS, "CapRover", Duration::from_secs(10))
            .await;
        browser.screenshots("docs-search").await;

        // Loaded on a phone's width, a page opens with its table of contents folded away.
        browser.client().set_window_size(375, 1100).await.unwrap();
        browser
            .goto(&format!("{base}/docs/guides/fastapi.html"))
            .await;
        assert_eq!(browser.text("main h1").await, "FastAPI");
        browser.screenshots("docs-phone").await;
        browser.close().await;
    });
}

/// mdBook's search button, its field and its list of results.
const SEARCH_TOGGLE: &str = "#mdbook-search-toggle";
const SEARCH_BAR: &str = "#mdbook-searchbar";
const SEARCH_RESULTS: &str = "#mdbook-searchresults";

/// The path after `See ` on an error's last line.
fn docs_link(said: &str) -> String {
    said.lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("See /docs/"))
        .map(|rest| format!("/docs/{rest}"))
        .unwrap_or_else(|| panic!("no `See /docs/...` line in:\n{said}"))
}

/// The page and heading a link names are on the daemon's site.
fn served(d: &Daemon, link: &str) {
    let (path, anchor) = link.split_once('#').unwrap_or((link, ""));
    let page = fetch(d.api, path, None);
    assert_eq!(page.status, 200, "{link}");
    assert!(
        anchor.is_empty() || page.body.contains(&format!("id=\"{anchor}\"")),
        "{link}: no heading `{anchor}` on the page"
    );
}

#[test]
fn errors_end_with_a_link_to_the_section_that_explains_them_and_it_is_served() {
    let d = Daemon::start();
    first_page(&d);

    // Checked by the CLI before any upload.
    let app = unique("doclink");
    let dir = app_dir(&format!("# wharf.app = {app}\n# wharf.port = 99999"), "x");
    let out = d.deploy(dir.path());
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        docs_link(&said),
        "/docs/dockerfile-config.html#port",
        "{said}"
    );
    served(&d, "/docs/dockerfile-config.html#port");

    // Refused by the server: a domain another app has.
    let owner = unique("docowner");
    let domain = format!("{owner}.example.com");
    d.deploy_ok(
        app_dir(
            &format!("# wharf.app = {owner}\n# wharf.domain = {domain}"),
            "x",
        )
        .path(),
    );
    let out = d.deploy(
        app_dir(
            &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
            "x",
        )
        .path(),
    );
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(said.contains("is already served by the app"), "{said}");
    let link = docs_link(&said);
    assert_eq!(link, "/docs/dockerfile-config.html#domain", "{said}");
    served(&d, &link);

    // A container that exits at once points at the troubleshooting page.
    let crashing = app_dir_with(&format!("# wharf.app = {app}"), "x", "CMD [\"false\"]");
    let out = d.deploy(crashing.path());
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    let link = docs_link(&said);
    assert_eq!(
        link, "/docs/operations/troubleshooting.html#a-deploy-fails",
        "{said}"
    );
    served(&d, &link);
}
