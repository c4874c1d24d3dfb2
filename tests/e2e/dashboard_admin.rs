//! The dashboard's admin pages in a real headless Chromium against a real daemon: an admin
//! creates an API token whose secret, shown once, then opens the token API, and revokes it;
//! adds an SSH key made by ssh-keygen, which the daemon writes into the authorized_keys file
//! it was given, and removes it; adds a viewer, whose shown password signs them in in a fresh
//! browser, gives them a new one and removes them. A viewer is refused the tokens, keys and
//! users pages and a forged change to users. The certificates page shows uploaded
//! certificates with their expiry, one expiring soon marked. Screenshots of each page at 375
//! and 1280 px wide go to target/screenshots/.

use super::dashboard::*;
use super::harness::*;
use super::tls::Ca;
use fantoccini::Locator;
use std::process::Command;

/// A daemon whose push keys go to `keys_dir/authorized_keys`, with the admin `ada`.
fn daemon_with_admin(keys_dir: &tempfile::TempDir) -> (Daemon, String) {
    let authorized = keys_dir.path().join("authorized_keys");
    let authorized = authorized.to_str().unwrap().to_string();
    let d = Daemon::start_with(&["--authorized-keys", &authorized]);
    add_user(&d, "ada", ADMIN_PASSWORD, false);
    (d, authorized)
}

/// `GET /v1/apps` with `token` as the bearer: the status.
fn api_status_with(d: &Daemon, token: &str) -> u16 {
    exchange(
        d.api,
        "GET",
        "/v1/apps",
        &[("Authorization", &format!("Bearer {token}"))],
        "",
    )
    .status
}

/// A new ed25519 key pair in `dir`: (the public key's line, its fingerprint).
fn ssh_key(dir: &std::path::Path) -> (String, String) {
    let private = dir.join("id_dash");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "dash@test", "-f"])
        .arg(&private)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let public = std::fs::read_to_string(dir.join("id_dash.pub")).unwrap();
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(dir.join("id_dash.pub"))
        .output()
        .unwrap();
    let fingerprint = stdout(&out).split_whitespace().nth(1).unwrap().to_string();
    (public.trim().to_string(), fingerprint)
}

#[test]
fn an_admin_creates_and_revokes_a_token_and_adds_and_removes_an_ssh_key() {
    let keys_dir = tempfile::tempdir().unwrap();
    let (d, authorized) = daemon_with_admin(&keys_dir);
    let base = format!("http://{}", d.api);
    let (public, fingerprint) = ssh_key(keys_dir.path());
    let key_base64 = public.split_whitespace().nth(1).unwrap().to_string();
    block_on(async {
        let browser = Browser::start().await;
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        let nav = browser.text("header nav").await;
        for link in ["Certificates", "Tokens", "SSH keys", "Users"] {
            assert!(nav.contains(link), "{nav}");
        }

        // A token made in the page: its secret, shown once, opens the API.
        browser.click("header nav a[href='/tokens']").await;
        assert!(browser.text("main").await.contains("No tokens."));
        browser.fill("#token-name", "dash-ci").await;
        browser.fill("#token-expires", "30d").await;
        browser
            .client()
            .find(Locator::Id("token-read-only"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser.click("#token-create button[type=submit]").await;
        browser.wait_for_path("/tokens/create").await;
        let secret = browser.text("#token-secret").await;
        assert!(secret.starts_with("wharf_"), "{secret}");
        let shown = browser.text("#token-created").await;
        assert!(
            shown.contains("read-only") && shown.contains("shown only this once"),
            "{shown}"
        );
        let listed = browser.text("#tokens").await;
        assert!(
            listed.contains("dash-ci") && listed.contains("in 30 days") && listed.contains("never"),
            "{listed}"
        );
        assert!(!listed.contains(&secret), "the list shows no secret");
        browser.screenshots("admin-token-created").await;
        assert_eq!(api_status_with(&d, &secret), 200);
        assert!(!d.log().contains(&secret), "the secret was logged");

        // A name taken is refused in the store's words, with a way back.
        browser.fill("#token-name", "dash-ci").await;
        browser.click("#token-create button[type=submit]").await;
        let refusal = browser.text("p.error").await;
        assert!(
            refusal.contains("A token named `dash-ci` already exists"),
            "{refusal}"
        );
        browser.screenshots("admin-token-refused").await;
        browser.click("main a[href='/tokens']").await;

        // Revoked in the page: the same request is refused.
        let listed = browser.text("#tokens").await;
        assert!(!listed.contains("never"), "its use is shown: {listed}");
        browser.click("button[aria-label='Revoke dash-ci']").await;
        browser.wait_for_path("/tokens?done=revoked").await;
        assert!(browser.text(".notice").await.starts_with("Token revoked"));
        assert!(!browser.source().await.contains(&secret));
        browser.screenshots("admin-tokens").await;
        assert_eq!(api_status_with(&d, &secret), 401);
        assert_eq!(d.wharf_json(&["tokens", "list"]), serde_json::json!([]));

        // An SSH key pasted in the page goes into the store and the authorized_keys file.
        browser.click("header nav a[href='/keys']").await;
        browser.fill("#key-name", "dash-key").await;
        browser.fill("#key-public", &public).await;
        browser.click("#key-add button[type=submit]").await;
        browser.wait_for_path("/keys?done=added").await;
        let keys = browser.text("#keys").await;
        assert!(
            keys.contains("dash-key") && keys.contains(&fingerprint),
            "{keys}"
        );
        let file = std::fs::read_to_string(&authorized).unwrap();
        assert!(
            file.contains(&key_base64) && file.contains("ssh-command dash-key"),
            "{file}"
        );
        let stored = d.wharf_json(&["keys", "list"]);
        assert_eq!(stored[0]["name"], "dash-key", "{stored}");
        assert_eq!(stored[0]["fingerprint"], fingerprint.as_str(), "{stored}");
        browser.screenshots("admin-keys").await;

        // The same key again is refused by name, and nothing changes.
        browser.fill("#key-name", "again").await;
        browser.fill("#key-public", &public).await;
        browser.click("#key-add button[type=submit]").await;
        let refusal = browser.text("p.error").await;
        assert!(
            refusal.contains("already added, as `dash-key`"),
            "{refusal}"
        );
        assert_eq!(std::fs::read_to_string(&authorized).unwrap(), file);

        browser.goto(&format!("{base}/keys")).await;
        browser.click("button[aria-label='Remove dash-key']").await;
        browser.wait_for_path("/keys?done=removed").await;
        let file = std::fs::read_to_string(&authorized).unwrap();
        assert!(!file.contains(&key_base64), "{file}");
        assert_eq!(d.wharf_json(&["keys", "list"]), serde_json::json!([]));
        browser.close().await;
    });
}

#[test]
fn an_admin_adds_a_viewer_who_signs_in_and_is_refused_the_admin_pages() {
    let keys_dir = tempfile::tempdir().unwrap();
    let (d, _) = daemon_with_admin(&keys_dir);
    let base = format!("http://{}", d.api);
    // Two certificates: one for 63 days, one expiring in ten days (marked).
    let ca = Ca::new();
    for (domain, serial, days) in [("later.test", 1, 63), ("soon.test", 2, 10)] {
        let (chain, key) = ca.issue(&[domain], serial, (-1, days));
        d.wharf_ok(&["certs", "add", domain, "--cert", &chain, "--key", &key]);
    }
    block_on(async {
        let admin = Browser::start().await;
        admin.goto(&format!("{base}/sign-in")).await;
        admin.sign_in("ada", ADMIN_PASSWORD).await;
        admin.wait_for_path("/").await;

        admin.click("header nav a[href='/certs']").await;
        let certs = admin.text("#certs").await;
        assert!(
            certs.contains("later.test") && certs.contains("in 63 days"),
            "{certs}"
        );
        assert!(certs.contains("uploaded"), "{certs}");
        assert_eq!(admin.count("#certs tr.marked").await, 1);
        assert!(
            admin.text("#certs tr.marked").await.contains("soon.test"),
            "{certs}"
        );
        assert!(admin.text("#acme-directory").await.contains("off"));
        admin.screenshots("admin-certs").await;

        // A viewer added in the page, with the password it shows once.
        admin.click("header nav a[href='/users']").await;
        admin.fill("#user-name", "vera").await;
        admin.click("#user-add button[type=submit]").await;
        admin.wait_for_path("/users/add").await;
        let password = admin.text("#user-password").await;
        assert_eq!(password.len(), 24, "{password}");
        let users = admin.text("#users").await;
        assert!(
            users.contains("vera") && users.contains("viewer"),
            "{users}"
        );
        assert!(!d.log().contains(&password), "the password was logged");
        admin.screenshots("admin-user-added").await;

        let viewer = Browser::start().await;
        viewer.goto(&format!("{base}/sign-in")).await;
        viewer.sign_in("vera", &password).await;
        viewer.wait_for_path("/").await;
        let nav = viewer.text("header nav").await;
        assert!(nav.contains("Certificates"), "{nav}");
        assert!(!nav.contains("Tokens") && !nav.contains("Users"), "{nav}");
        viewer.goto(&format!("{base}/certs")).await;
        assert!(viewer.text("#certs").await.contains("soon.test"));
        viewer.goto(&format!("{base}/users")).await;
        assert_eq!(viewer.text("h1").await, "Forbidden");
        viewer.screenshots("viewer-refused-users").await;

        // Their session shows on the admin's list; the admin cannot remove themself.
        admin.goto(&format!("{base}/users")).await;
        let users = admin.text("#users").await;
        assert!(users.contains("1 open"), "{users}");
        assert_eq!(admin.count("button[aria-label='Remove ada']").await, 0);
        admin.screenshots("admin-users").await;

        // A viewer is refused each admin page and a forged change, with their own CSRF token.
        let session = sign_in_raw(d.api, "vera", &password);
        for page in ["/tokens", "/keys", "/users"] {
            let answer = get_signed(d.api, page, &session);
            assert_eq!(answer.status, 403, "{page}: {}", answer.body);
        }
        assert_eq!(get_signed(d.api, "/certs", &session).status, 200);
        let csrf = csrf_of(d.api, &session);
        for (path, form) in [
            ("/users/add", "name=mallory&role=admin"),
            ("/users/passwd", "name=ada"),
            ("/users/remove", "name=ada"),
            ("/tokens/create", "name=forged"),
            ("/keys/remove", "name=any"),
        ] {
            let answer = exchange(
                d.api,
                "POST",
                path,
                &[("Cookie", &cookie_header(&session))],
                &format!("csrf={csrf}&{form}"),
            );
            assert_eq!(answer.status, 403, "{path}: {}", answer.body);
        }
        let names: Vec<String> = d
            .wharf_json(&["users", "list"])
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["ada", "vera"]);
        assert_eq!(d.wharf_json(&["tokens", "list"]), serde_json::json!([]));

        // An admin may not remove themself, even by a forged form.
        let own = sign_in_raw(d.api, "ada", ADMIN_PASSWORD);
        let answer = exchange(
            d.api,
            "POST",
            "/users/remove",
            &[("Cookie", &cookie_header(&own))],
            &format!("csrf={}&name=ada", csrf_of(d.api, &own)),
        );
        assert_eq!(answer.status, 400, "{}", answer.body);
        assert!(
            answer.body.contains("cannot remove yourself"),
            "{}",
            answer.body
        );

        // A new password, shown once, ends the viewer's sessions; removal too.
        admin
            .click("button[aria-label='New password for vera']")
            .await;
        admin.wait_for_path("/users/passwd").await;
        let second = admin.text("#user-password").await;
        assert_ne!(second, password);
        assert_eq!(get_signed(d.api, "/", &session).status, 303);
        viewer.goto(&format!("{base}/certs")).await;
        assert!(viewer.path().await.starts_with("/sign-in"));
        viewer.sign_in("vera", &second).await;
        viewer.wait_for_path("/certs").await;
        let session = sign_in_raw(d.api, "vera", &second);
        admin.goto(&format!("{base}/users")).await;
        admin.click("button[aria-label='Remove vera']").await;
        admin.wait_for_path("/users?done=removed").await;
        assert!(!admin.text("#users").await.contains("vera"));
        assert_eq!(get_signed(d.api, "/", &session).status, 303);
        viewer.close().await;
        admin.close().await;
    });
}
