//! `wharf ps`, `wharf scale` and `wharf limits set`: each change is a release, kept by later
//! deploys; bad input changes nothing.

use super::harness::*;
use std::process::Command;

fn inspect(container: &str, format: &str) -> String {
    let out = Command::new("docker")
        .args(["inspect", "-f", format, container])
        .output()
        .unwrap();
    stdout(&out).trim().to_string()
}

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
    d.deploy_ok(dir.path());
    let ps = d.wharf_ok(&["ps", &app]);
    assert!(
        ps.contains(&format!("wharf-{app}-web-v1-1")) && ps.contains("healthy"),
        "{ps}"
    );
    assert!(ps.contains(&format!("wharf-{app}-worker-v1-1")), "{ps}");

    d.wharf_ok(&["scale", &app, "web=2", "worker=0"]);
    assert_eq!(
        d.containers(&app),
        vec![
            format!("wharf-{app}-web-v2-1"),
            format!("wharf-{app}-web-v2-2")
        ]
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
    assert_eq!(
        d.containers(&app),
        vec![
            format!("wharf-{app}-web-v4-1"),
            format!("wharf-{app}-web-v4-2")
        ]
    );
    assert_eq!(
        inspect(&format!("wharf-{app}-web-v4-2"), "{{.HostConfig.Memory}}"),
        "67108864"
    );

    // Bad input changes nothing.
    let releases = d.wharf_ok(&["releases", &app]);
    for (args, needle) in [
        (vec!["scale", &app, "nope=1"], "web, worker"),
        (vec!["scale", &app, "web=lots"], "whole number"),
        (vec!["scale", &app, "web=1000"], "at most"),
        (
            vec!["limits", "set", &app, "web", "--memory", "1k"],
            "--memory",
        ),
        (vec!["limits", "set", &app, "web"], "--memory and/or --cpus"),
        (vec!["scale", "no-such-app", "web=1"], "no-such-app"),
    ] {
        let out = d.wharf(&args);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(d.wharf_ok(&["releases", &app]), releases);
    assert_eq!(d.containers(&app).len(), 2);
}
