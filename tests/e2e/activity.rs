//! The activity log end to end: a change from each way in (the CLI on the server, a token on
//! the API listener, a git push over HTTP with that token, a command and a git push through a
//! real OpenSSH server, the dashboard in Chromium; a token made on the server) is recorded with who made it, what it was
//! and how it ended; a refused change is recorded as failed with the API's reason; `wharf
//! events` and the dashboard's activity page and app page list them.

use super::dashboard::{ADMIN_PASSWORD, Browser, DEPLOY_LIMIT, daemon_with_app};
use super::harness::*;
use super::sshd::{Repo, SshKey, Sshd, all_output};
use super::token_scopes::remote;
use serde_json::Value;
use std::time::{Duration, Instant};

/// The newest event of `app` doing `action` after the event `after`, once it has ended.
fn ended(d: &Daemon, app: &str, action: &str, after: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let listed = d.wharf_json(&["events", app, "--json"]);
        let found = listed["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == action && e["id"].as_i64().unwrap() > after)
            .cloned();
        if let Some(event) = found.filter(|e| e["result"] != "running") {
            return event;
        }
        assert!(
            Instant::now() < deadline,
            "no ended `{action}` of {app} after event {after}: {listed}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn id(event: &Value) -> i64 {
    event["id"].as_i64().unwrap()
}

#[test]
fn every_way_in_is_recorded_with_who_made_the_change() {
    let (d, app) = daemon_with_app();
    let settings = format!("# wharf.app = {app}\n# wharf.domain = {app}.test");

    // `wharf deploy` on the server: the local user, and the release it made.
    let first = ended(&d, &app, "deploy", 0);
    assert!(
        first["actor"].as_str().unwrap().starts_with("local"),
        "{first}"
    );
    assert_eq!(
        (&first["result"], &first["message"]),
        (&Value::from("ok"), &Value::from("release v1 serves"))
    );

    // A change the API refuses is recorded as failed, with the reason the user was given.
    let out = d.wharf(&["rollback", &app, "v99"]);
    assert!(!out.status.success());
    let refused = ended(&d, &app, "rollback", id(&first));
    assert_eq!(refused["result"], "failed", "{refused}");
    let reason = refused["message"].as_str().unwrap();
    assert!(
        !reason.is_empty() && stderr(&out).contains(reason),
        "the log says `{reason}`, the user read: {}",
        stderr(&out)
    );

    // A token on the API listener, and a git push over HTTP with it: the token's name.
    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();
    // Made in the store directly (tokens have no API route), and recorded all the same.
    let server_wide = d.wharf_json(&["events", "--json"]);
    let made = server_wide["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "tokens create")
        .unwrap_or_else(|| panic!("no `tokens create` in {server_wide}"));
    assert_eq!(
        (&made["subject"], &made["result"]),
        (&Value::from("ci"), &Value::from("ok"))
    );
    assert!(
        made["actor"].as_str().unwrap().starts_with("local"),
        "{made}"
    );
    assert!(made.get("app").is_none(), "{made}");
    let out = remote(
        &d,
        &token,
        &["domains", "add", &app, &format!("www.{app}.test")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let added = ended(&d, &app, "domains add", id(&refused));
    assert_eq!(
        (&added["actor"], &added["result"]),
        (&Value::from("token ci"), &Value::from("ok"))
    );
    // The domain is named in the request's body, and in the log.
    assert_eq!(added["subject"], format!("www.{app}.test"), "{added}");
    let repo = Repo::new(app_dir(&settings, "pushed over HTTP"));
    let url = format!("http://x:{token}@{}/git/{app}.git", d.api);
    let out = repo.git(&["push", &url, "main"], &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let pushed = ended(&d, &app, "deploy", id(&added));
    assert_eq!(pushed["actor"], "token ci", "{pushed}");
    assert_eq!(pushed["result"], "ok", "{pushed}");

    // A command and a push through OpenSSH: the key's name.
    let sshd = Sshd::start();
    let key = SshKey::new();
    sshd.add_key(&d, "laptop", &key);
    let out = sshd.ssh(&key, &format!("config:set {app} FROM_SSH=1"));
    assert!(out.status.success(), "{}", all_output(&out));
    let by_ssh = ended(&d, &app, "config", id(&pushed));
    assert_eq!(by_ssh["actor"], "ssh key laptop", "{by_ssh}");
    repo.write("www/index.html", "pushed over SSH");
    repo.commit("over SSH");
    let out = repo.push_ssh(&sshd, &key, &app, &["main"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let ssh_push = ended(&d, &app, "deploy", id(&by_ssh));
    assert_eq!(
        (&ssh_push["actor"], &ssh_push["result"]),
        (&Value::from("ssh key laptop"), &Value::from("ok"))
    );

    // The dashboard: the signed-in user; and its pages list what everyone did.
    let base = format!("http://{}", d.api);
    block_on(async {
        let browser = Browser::start().await;
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        browser.goto(&format!("{base}/apps/{app}")).await;
        browser.fill("#config-name", "FROM_DASHBOARD").await;
        browser.fill("#config-value", "1").await;
        browser
            .click_within("#config-set button", DEPLOY_LIMIT)
            .await;
        let by_user = ended(&d, &app, "config", id(&ssh_push));
        assert_eq!(
            (&by_user["actor"], &by_user["result"]),
            (&Value::from("user ada"), &Value::from("ok"))
        );
        browser.goto(&format!("{base}/apps/{app}")).await;
        let recent = browser.text("#activity").await;
        assert!(
            recent.contains("user ada") && recent.contains("ssh key laptop"),
            "{recent}"
        );
        browser.goto(&format!("{base}/activity")).await;
        let all = browser.text("#activity").await;
        for who in ["user ada", "ssh key laptop", "token ci", "local"] {
            assert!(
                all.contains(who),
                "{who} missing from the activity page: {all}"
            );
        }
        assert!(all.contains("failed"), "{all}");
        browser.screenshots("activity").await;
        browser.close().await;
    });

    // The CLI's table says the same.
    let table = d.wharf_ok(&["events", &app]);
    assert!(
        table.contains("user ada") && table.contains("token ci"),
        "{table}"
    );
}
