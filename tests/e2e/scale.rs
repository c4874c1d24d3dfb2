//! `wharf ps`, `wharf scale` and `wharf limits set`: each change is a release, kept by later
//! deploys; bad input changes nothing.

use super::harness::*;

#[test]
fn scale_ps_and_limits() {
    let d = Daemon::start();
    let app = unique("scaled");
    let domain = format!("{app}.example.com");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
        "scaled app",
    );
    std::fs::write(
        dir.path().join("Procfile"),
        "web: exec httpd -f -p $PORT -h /www\nworker: while true; do sleep 1; done\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.json"),
        r#"{"formation": {"worker": {"quantity": 1}}}"#,
    )
    .unwrap();
    d.deploy_ok(dir.path());
    let ps = d.wharf_ok(&["ps", &app]);
    assert!(
        ps.contains(&format!("wharf-{app}-web-v1-1")) && ps.contains("healthy"),
        "{ps}"
    );
    assert!(ps.contains(&format!("wharf-{app}-worker-v1-1")), "{ps}");

    d.wharf_ok(&["scale", &app, "web=2", "worker=0"]);
    d.wait_for_containers(
        &app,
        &[
            format!("wharf-{app}-web-v2-1"),
            format!("wharf-{app}-web-v2-2"),
        ],
    );
    assert_eq!(d.get(&domain, "/").unwrap().1, "scaled app");

    d.wharf_ok(&[
        "limits", "set", &app, "web", "--memory", "64m", "--cpus", "0.5",
    ]);
    let web = format!("wharf-{app}-web-v3-1");
    assert_eq!(
        inspect(&web, "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}"),
        "67108864 500000000"
    );

    // A later deploy keeps the scale and the limits.
    std::fs::write(dir.path().join("www/index.html"), "redeployed").unwrap();
    d.deploy_ok(dir.path());
    d.wait_for_containers(
        &app,
        &[
            format!("wharf-{app}-web-v4-1"),
            format!("wharf-{app}-web-v4-2"),
        ],
    );
    assert_eq!(
        inspect(&format!("wharf-{app}-web-v4-2"), "{{.HostConfig.Memory}}"),
        "67108864"
    );

    // Bad input changes nothing.
    let releases = d.wharf_json(&["releases", &app]);
    for (args, needle) in [
        (vec!["scale", &app, "nope=1"], "web, worker"),
        (vec!["scale", &app, "web=lots"], "whole number"),
        (vec!["scale", &app, "web=1000"], "at most"),
        (
            vec!["limits", "set", &app, "web", "--memory", "1k"],
            "--memory",
        ),
        (vec!["limits", "set", &app, "web"], "--memory and/or --cpus"),
        (
            vec!["limits", "set", &app, "web", "--cpus", "1000"],
            "more CPUs than this server has",
        ),
        (vec!["scale", "no-such-app", "web=1"], "no-such-app"),
    ] {
        let out = d.wharf(&args);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(d.wharf_json(&["releases", &app]), releases);
    assert_eq!(d.containers(&app).len(), 2);
}

#[test]
fn stop_start_and_rolling_restart() {
    let mut d = Daemon::start();
    let app = unique("lifecycle");
    let domain = format!("{app}.example.com");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 2"),
        "alive",
    );
    std::fs::write(
        dir.path().join("Procfile"),
        "web: exec httpd -f -p $PORT -h /www\nworker: while true; do sleep 1; done\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.json"),
        r#"{"formation": {"worker": {"quantity": 1}}}"#,
    )
    .unwrap();
    d.deploy_ok(dir.path());
    let worker = format!("wharf-{app}-worker-v1-1");

    // A rolling restart of web drops no request.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (stop, proxy, domain) = (stop.clone(), d.http, domain.clone());
        spawn_on_runtime(async move {
            let client = http_client();
            let (mut ok, mut failures) = (0u32, Vec::new());
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                match get_with(&client, proxy, &domain, "/").await {
                    Ok((200, _)) => ok += 1,
                    other => failures.push(format!("{other:?}")),
                }
            }
            (ok, failures)
        })
    };
    let out = d.wharf_ok(&["restart", &app, "web"]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (ok, failures) = block_on(load).unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    assert!(ok > 10, "{ok}");
    assert!(out.contains("back and healthy"), "{out}");

    // Stop: the app answers 503, and stays stopped across a daemon restart.
    d.wharf_ok(&["stop", &app]);
    assert_eq!(d.get(&domain, "/").unwrap().0, 503);
    assert!(!container_running(&worker));
    d.kill9();
    d.spawn();
    assert_eq!(d.get(&domain, "/").unwrap().0, 503);
    assert!(
        !container_running(&worker),
        "a stopped process stays stopped"
    );
    let ps = d.wharf_ok(&["ps", &app]);
    assert!(ps.contains("exited"), "{ps}");

    d.wharf_ok(&["start", &app]);
    assert_eq!(d.get(&domain, "/").unwrap(), (200, "alive".to_string()));
    assert!(container_running(&worker));

    // One process type alone.
    d.wharf_ok(&["stop", &app, "worker"]);
    assert!(!container_running(&worker));
    assert_eq!(d.get(&domain, "/").unwrap().0, 200);
    // A deploy starts everything again.
    d.deploy_ok(dir.path());
    assert!(container_running(&format!("wharf-{app}-worker-v2-1")));

    for (args, needle) in [
        (vec!["restart", &app, "nope"], "web, worker"),
        (vec!["stop", "no-such-app"], "no-such-app"),
    ] {
        let out = d.wharf(&args);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}
