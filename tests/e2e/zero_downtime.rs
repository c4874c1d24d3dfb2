//! A client keeps sending requests through the proxy while an app is redeployed (with
//! `scale = 2`, and with no scale at all: the default is start-first) or its config changes; not
//! one request may fail. Only `scale = 0`, written out, deploys stop-first.

use super::harness::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[test]
fn ten_redeploys_of_a_scale_two_app_drop_no_request() {
    let d = Daemon::start();
    let app = unique("steady");
    let domain = format!("{app}.example.com");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 2"),
        "release 0",
    );
    d.deploy_ok(dir.path());

    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (stop, proxy, domain) = (stop.clone(), d.http, domain.clone());
        spawn_on_runtime(async move {
            let client = http_client();
            let (mut ok, mut failures) = (0u64, Vec::new());
            let deadline = Instant::now() + Duration::from_secs(900);
            while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                match get_with(&client, proxy, &domain, "/").await {
                    Ok((200, body)) if body.starts_with("release ") => ok += 1,
                    other => failures.push(format!("{other:?}")),
                }
            }
            (ok, failures)
        })
    };

    for release in 1..=10 {
        std::fs::write(
            dir.path().join("www/index.html"),
            format!("release {release}"),
        )
        .unwrap();
        d.deploy_ok(dir.path());
    }
    stop.store(true, Ordering::Relaxed);
    let (ok, failures) = block_on(load).unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} requests failed: {:?}",
        failures.len(),
        ok as usize + failures.len(),
        &failures[..failures.len().min(10)]
    );
    assert!(
        ok > 100,
        "the client kept sending requests during the deploys ({ok})"
    );
    assert_eq!(d.get(&domain, "/").unwrap().1, "release 10");
    d.wait_for_containers(
        &app,
        &[
            format!("wharf-{app}-web-v11-1"),
            format!("wharf-{app}-web-v11-2"),
        ],
    );
}

#[test]
fn default_redeploys_and_config_changes_drop_no_request() {
    let d = Daemon::start();
    let app = unique("default");
    let domain = format!("{app}.example.com");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
        "release 0",
    );
    d.deploy_ok(dir.path());
    let load = RequestLoop::start(d.http, &domain, "release ");
    for release in 1..=3 {
        std::fs::write(
            dir.path().join("www/index.html"),
            format!("release {release}"),
        )
        .unwrap();
        let out = d.deploy_ok(dir.path());
        assert!(!out.contains("Stopping the running instance"), "{out}");
    }
    for n in 1..=2 {
        d.wharf_ok(&["config", "set", &app, &format!("TRY={n}")]);
    }
    load.assert_none_failed();
    assert_eq!(d.get(&domain, "/").unwrap().1, "release 3");
    d.wait_for_containers(&app, &[format!("wharf-{app}-web-v6-1")]);
}

#[test]
fn scale_zero_written_out_still_deploys_stop_first() {
    let d = Daemon::start();
    let app = unique("stopfirst");
    let domain = format!("{app}.example.com");
    let dir = app_dir(
        &format!(
            "# mypaas.servicename = {app}\n# mypaas.url = http://{domain}\n# mypaas.scale = 0"
        ),
        "release 1",
    );
    d.deploy_ok(dir.path());
    std::fs::write(dir.path().join("www/index.html"), "release 2").unwrap();
    let out = d.deploy_ok(dir.path());
    assert!(out.contains("Stopping the running instance"), "{out}");
    assert_eq!(d.get(&domain, "/").unwrap().1, "release 2");
    assert_eq!(d.containers(&app), vec![format!("wharf-{app}-web-v2-1")]);
}
