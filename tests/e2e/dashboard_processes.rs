//! The processes on an app's dashboard page, in Chromium against a real daemon and Docker: an
//! admin scales the web process to two containers, sets its memory limit, stops it and starts
//! it again, mounts a volume, each seen in the engine; a bad scale is refused with a reason; every change is in
//! the activity log as the user's. An app is destroyed only once its name is typed.

use super::dashboard::{ADMIN_PASSWORD, Browser, DEPLOY_LIMIT, daemon_with_app};
use super::harness::*;
use std::process::Command;
use std::time::{Duration, Instant};

/// The running containers of `app`'s web process (retiring ones are stopped, then removed).
fn running_web(d: &Daemon, app: &str) -> Vec<String> {
    let out = Command::new("docker")
        .args(["ps", "--format", "{{.Names}}"])
        .arg("--filter")
        .arg(format!("label=wharf.instance={}", d.instance_id()))
        .arg("--filter")
        .arg(format!("label=wharf.app={app}"))
        .arg("--filter")
        .arg("label=wharf.process=web")
        .output()
        .unwrap();
    stdout(&out).lines().map(str::to_string).collect()
}

/// Wait until `app` runs `count` web containers.
fn wait_for_web(d: &Daemon, app: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let running = running_web(d, app);
        if running.len() == count {
            return running;
        }
        assert!(
            Instant::now() < deadline,
            "{app} runs {running:?}, not {count} web containers"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn an_admin_scales_limits_stops_and_starts_a_process_from_its_page() {
    let (d, app) = daemon_with_app();
    let base = format!("http://{}", d.api);
    block_on(async {
        let browser = Browser::start().await;
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        browser.goto(&format!("{base}/apps/{app}")).await;
        let formation = browser.text("#formation").await;
        assert!(formation.contains("web"), "{formation}");
        browser.screenshots("app-processes").await;

        // Scale: two web containers serve.
        browser.fill("#scale-web", "2").await;
        browser
            .click_within("form[action$='/scale'] button", DEPLOY_LIMIT)
            .await;
        browser
            .wait_for_path(&format!("/apps/{app}?done=scaled&release=2"))
            .await;
        assert!(browser.text(".notice").await.starts_with("Scaled"));
        wait_for_web(&d, &app, 2);

        // A scale beyond the bound is refused with the reason, and changes nothing.
        browser.goto(&format!("{base}/apps/{app}")).await;
        browser
            .client()
            .execute(
                "document.getElementById('scale-web').removeAttribute('max')",
                vec![],
            )
            .await
            .unwrap();
        browser.fill("#scale-web", "1000").await;
        browser.click("form[action$='/scale'] button").await;
        let refusal = browser.text(".error").await;
        assert!(refusal.contains("from 0 to 100"), "{refusal}");
        browser.screenshots("app-scale-refused").await;

        // Limits: the containers are made again with the memory limit.
        browser.goto(&format!("{base}/apps/{app}")).await;
        browser
            .client()
            .find(fantoccini::Locator::Css("details.limits summary"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser.fill("#limits-memory", "256m").await;
        browser.click_within("#limits button", DEPLOY_LIMIT).await;
        browser
            .wait_for_path(&format!("/apps/{app}?done=limits&release=3"))
            .await;
        let web = wait_for_web(&d, &app, 2);
        for container in &web {
            assert_eq!(inspect(container, "{{.HostConfig.Memory}}"), "268435456");
        }

        // Stop the web process, then start it again.
        browser
            .click_within(
                "form[action$='/stop'] button[aria-label='Stop web']",
                DEPLOY_LIMIT,
            )
            .await;
        browser
            .wait_for_path(&format!("/apps/{app}?done=stopped"))
            .await;
        wait_for_web(&d, &app, 0);
        browser
            .click_within(
                "form[action$='/start'] button[aria-label='Start web']",
                DEPLOY_LIMIT,
            )
            .await;
        browser
            .wait_for_path(&format!("/apps/{app}?done=started"))
            .await;
        wait_for_web(&d, &app, 2);
        browser.screenshots("app-processes-after").await;

        // A named volume mounted from the storage form: the app is deployed again with it.
        let volume = format!("{app}-media:/media");
        browser.fill("#storage-spec", &volume).await;
        browser
            .click_within("#storage-mount button", DEPLOY_LIMIT)
            .await;
        browser
            .wait_for_path(&format!("/apps/{app}?done=mounted"))
            .await;
        assert!(browser.text("#storage-mounts").await.contains(&volume));
        browser.close().await;
    });
    // Started again, the app serves.
    d.wait_for_body(&format!("{app}.test"), "hello from the dashboard test");

    let events = d.wharf_json(&["events", &app, "--json"]);
    let mine: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == "user ada" && e["result"] == "ok")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        mine,
        ["storage mount", "start", "stop", "limits", "scale"],
        "{events}"
    );
    let mounts = d.wharf_ok(&["storage", "list", &app]);
    assert!(mounts.contains("/media"), "{mounts}");
}

#[test]
fn an_app_is_destroyed_only_when_its_name_is_typed() {
    let (d, app) = daemon_with_app();
    let base = format!("http://{}", d.api);
    block_on(async {
        let browser = Browser::start().await;
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        browser.goto(&format!("{base}/apps/{app}")).await;
        browser.click("a.danger-link").await;
        assert_eq!(browser.path().await, format!("/apps/{app}/destroy"));
        browser.screenshots("app-destroy").await;

        // A name that is not the app's destroys nothing.
        browser.fill("#destroy-confirm", "not-the-name").await;
        browser.click("#destroy button").await;
        let refusal = browser.text(".error").await;
        assert!(refusal.contains("Nothing was destroyed"), "{refusal}");
        assert_eq!(running_web(&d, &app).len(), 1);

        browser.goto(&format!("{base}/apps/{app}/destroy")).await;
        browser.fill("#destroy-confirm", &app).await;
        browser.click_within("#destroy button", DEPLOY_LIMIT).await;
        browser.wait_for_path("/?done=destroyed").await;
        assert!(browser.text(".notice").await.starts_with("App destroyed"));
        assert!(!browser.source().await.contains(&format!("/apps/{app}\"")));
        browser.close().await;
    });
    assert!(d.containers(&app).is_empty(), "{:?}", d.containers(&app));
    let events = d.wharf_json(&["events", &app, "--json"]);
    let destroy = &events["events"][0];
    assert_eq!(
        (&destroy["action"], &destroy["actor"], &destroy["result"]),
        (
            &serde_json::Value::from("destroy"),
            &serde_json::Value::from("user ada"),
            &serde_json::Value::from("ok")
        ),
        "{events}"
    );
}
