//! The dashboard's databases pages in a real headless Chromium, against a real daemon, a
//! deployed app and a real Redis service: an admin creates the database from the page, links
//! it to the app (which then has `REDIS_URL`), backs it up and sees the backup, verifies it,
//! reveals the password (masked until then), restores the backup after typing the name (a
//! wrong name restores nothing), unlinks it and destroys it; a viewer sees no change form and
//! is refused a forged reveal; the activity log names the user for each change. Screenshots
//! of /databases and /databases/NAME at 375 and 1280 px wide go to target/screenshots/.

use super::dashboard::{
    ADMIN_PASSWORD, Browser, DEPLOY_LIMIT, VIEWER_PASSWORD, cookie_header, csrf_of,
    daemon_with_app, exchange, form_urlencoded, get_signed, sign_in_raw,
};
use super::harness::*;
use fantoccini::Locator;
use std::time::Duration;

/// Creating a service may pull nothing but still starts a container and waits until it is
/// ready; a backup or verify runs the database's own tools.
const SERVICE_LIMIT: Duration = Duration::from_secs(60);

#[test]
fn an_admin_creates_links_backs_up_verifies_reveals_and_unlinks_a_database() {
    let (d, app) = daemon_with_app();
    let db = unique("dashdb");
    let base = format!("http://{}", d.api);
    let page = format!("/databases/{db}");
    block_on(async {
        let browser = Browser::start().await;
        browser
            .goto(&format!("{base}/sign-in?next=%2Fdatabases"))
            .await;
        browser.sign_in("ada", ADMIN_PASSWORD).await;
        browser.wait_for_path("/databases").await;
        assert_eq!(browser.text("h1").await, "Databases");
        assert!(browser.text("header nav").await.contains("Databases"));

        // Create, from the page.
        browser
            .client()
            .find(Locator::Css("#database-kind"))
            .await
            .unwrap()
            .select_by_value("redis")
            .await
            .unwrap();
        browser.fill("#database-name", &db).await;
        browser
            .click_within("#database-create button", SERVICE_LIMIT)
            .await;
        browser.wait_for_path(&format!("{page}?done=created")).await;
        assert!(
            browser
                .text(".notice")
                .await
                .starts_with("Database created")
        );
        let connection = browser.text("#connection").await;
        assert!(
            connection.contains("redis") && connection.contains("running"),
            "{connection}"
        );
        let masked = browser.text("#database-url").await;
        assert!(masked.contains("********"), "{masked}");

        // Link it to the app: the app's new release has the URL.
        browser
            .client()
            .find(Locator::Css("#link-app"))
            .await
            .unwrap()
            .select_by_value(&app)
            .await
            .unwrap();
        browser
            .click_within("#database-link button", DEPLOY_LIMIT)
            .await;
        let linked = browser.path().await;
        assert!(
            linked.starts_with(&format!("{page}?done=linked&release=")),
            "{linked}"
        );
        let url = d.config_vars(&app).get("REDIS_URL").cloned();
        let url = url.unwrap_or_else(|| panic!("{app} has no REDIS_URL"));
        let links = browser.text("#database-links").await;
        assert!(
            links.contains(&app) && links.contains("REDIS_URL"),
            "{links}"
        );
        let password = url
            .strip_prefix("redis://default:")
            .and_then(|rest| rest.split('@').next())
            .unwrap_or_else(|| panic!("{url}"));
        assert!(!browser.source().await.contains(password));

        // Back up now, then verify.
        browser
            .click_within("#database-backup", SERVICE_LIMIT)
            .await;
        browser
            .wait_for_path(&format!("{page}?done=backed-up"))
            .await;
        let backups = browser.text("#database-backups").await;
        assert!(backups.contains("not verified"), "{backups}");
        browser
            .click_within("#database-verify", SERVICE_LIMIT)
            .await;
        let verified = browser.path().await;
        assert!(
            verified.starts_with(&format!("{page}?done=verified&objects=")),
            "{verified}"
        );
        let backups = browser.text("#database-backups").await;
        assert!(
            backups.contains("verified") && !backups.contains("not verified"),
            "{backups}"
        );
        browser.screenshots("database").await;
        browser
            .client()
            .execute(
                "document.getElementById('backups-heading').scrollIntoView()",
                vec![],
            )
            .await
            .unwrap();
        browser.screenshots("database-backups").await;

        // The list: the database, its app and its verified backup.
        browser.goto(&format!("{base}/databases")).await;
        let listed = browser.text("#databases").await;
        for expected in [db.as_str(), app.as_str(), "running", "verified"] {
            assert!(listed.contains(expected), "{expected}: {listed}");
        }
        browser.screenshots("databases").await;

        // The app's page names the database and the var it gives.
        browser.goto(&format!("{base}/apps/{app}")).await;
        let on_app = browser.text("#app-databases").await;
        assert!(
            on_app.contains(&db) && on_app.contains("REDIS_URL"),
            "{on_app}"
        );

        // Reveal: the URL with its password, this once.
        browser.goto(&format!("{base}{page}")).await;
        browser.click("#database-reveal button").await;
        assert_eq!(browser.text("#database-url").await, url);
        browser.goto(&format!("{base}{page}")).await;
        assert!(!browser.source().await.contains(password));

        // Restore: a wrong name restores nothing; the right one restores.
        browser.click("#database-backups a.button").await;
        assert!(browser.text("h1").await.starts_with("Restore"));
        browser.screenshots("database-restore").await;
        browser.fill("#confirm-name", "not-it").await;
        browser.click("form.fields button").await;
        let refused = browser.text("p.error").await;
        assert!(
            refused.contains("`not-it`, is not") && refused.contains("nothing was restored"),
            "{refused}"
        );
        browser.client().back().await.unwrap();
        browser.fill("#confirm-name", &db).await;
        browser
            .click_within("form.fields button", SERVICE_LIMIT)
            .await;
        browser
            .wait_for_path(&format!("{page}?done=restored"))
            .await;

        // Unlink: the var goes with a new release.
        browser
            .click_within("#database-links form button", DEPLOY_LIMIT)
            .await;
        let unlinked = browser.path().await;
        assert!(
            unlinked.starts_with(&format!("{page}?done=unlinked")),
            "{unlinked}"
        );
        assert!(!d.config_vars(&app).contains_key("REDIS_URL"));
        browser.close().await;
    });

    // A viewer sees the page without a change form, and a forged change is refused.
    let viewer = sign_in_raw(d.api, "vic", VIEWER_PASSWORD);
    let seen = get_signed(d.api, &page, &viewer);
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert!(seen.body.contains("********"), "{}", seen.body);
    for absent in [
        "/reveal",
        "Back up now",
        "Link and deploy",
        "Restore",
        "/destroy",
    ] {
        assert!(!seen.body.contains(absent), "{absent}: {}", seen.body);
    }
    let csrf = csrf_of(d.api, &viewer);
    for (change, form) in [
        ("reveal", String::new()),
        ("backup", String::new()),
        ("link", format!("app={app}")),
        ("destroy", format!("typed={db}")),
    ] {
        let answer = exchange(
            d.api,
            "POST",
            &format!("{page}/{change}"),
            &[("Cookie", &cookie_header(&viewer))],
            &format!("csrf={csrf}&{form}"),
        );
        assert_eq!(answer.status, 403, "{change}: {}", answer.body);
        assert!(!answer.body.contains("redis://default:"), "{}", answer.body);
    }

    // Destroy: only with the name typed.
    let admin = sign_in_raw(d.api, "ada", ADMIN_PASSWORD);
    let csrf = csrf_of(d.api, &admin);
    let destroy = |typed: &str| {
        exchange(
            d.api,
            "POST",
            &format!("{page}/destroy"),
            &[("Cookie", &cookie_header(&admin))],
            &form_urlencoded(&[("csrf", &csrf), ("typed", typed), ("purge", "on")]),
        )
    };
    let refused = destroy("blog");
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("nothing was destroyed"),
        "{}",
        refused.body
    );
    assert!(d.wharf_ok(&["services"]).contains(&db));
    let gone = destroy(&db);
    assert_eq!(gone.status, 303, "{}", gone.body);
    assert_eq!(gone.header("location"), Some("/databases?done=destroyed"));
    assert!(!d.wharf_ok(&["services"]).contains(&db));

    // The activity log: each change, made by the signed-in user.
    let events = d.wharf_json(&["events"]);
    let events = events["events"].as_array().unwrap();
    for action in [
        "services create",
        "services link",
        "services backup",
        "services verify",
        "services reveal",
        "services restore",
        "services unlink",
        "services destroy",
    ] {
        // A create names its service in its body, not its path: the log reads it there.
        let found = events
            .iter()
            .find(|e| e["action"] == action && e["subject"] == db.as_str())
            .unwrap_or_else(|| panic!("no `{action}` of {db}: {events:?}"));
        assert_eq!(found["actor"], "user ada", "{found}");
        assert_eq!(found["result"], "ok", "{found}");
    }
}
