//! Deploying, redeploying, scaling, routing by domain and destroying apps.

use super::harness::*;
use std::collections::HashSet;

#[test]
fn deploy_then_redeploy_a_change_then_destroy() {
    let d = Daemon::start();
    let app = unique("hello");
    let domain = format!("{app}.example.com");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
        "version one",
    );
    let out = d.deploy_ok(dir.path());
    assert!(out.contains(&format!("http://{domain}/")), "{out}");
    assert!(out.contains("Step 1/"), "build output is streamed: {out}");
    assert_eq!(
        d.get(&domain, "/").unwrap(),
        (200, "version one".to_string())
    );
    // One container (the default scale), replaced start-first.
    assert_eq!(d.containers(&app), vec![format!("wharf-{app}-web-v1-1")]);
    let inspect = std::process::Command::new("docker")
        .args([
            "inspect",
            "-f",
            "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.LogConfig.Config}}",
        ])
        .arg(format!("wharf-{app}-web-v1-1"))
        .output()
        .unwrap();
    let inspect = stdout(&inspect);
    assert!(
        inspect.contains("unless-stopped"),
        "apps come back after a reboot: {inspect}"
    );
    assert!(
        inspect.contains("max-size:10m"),
        "container logs are rotated: {inspect}"
    );

    std::fs::write(dir.path().join("www/index.html"), "version two").unwrap();
    d.deploy_ok(dir.path());
    assert_eq!(
        d.get(&domain, "/").unwrap(),
        (200, "version two".to_string())
    );
    d.wait_for_containers(&app, &[format!("wharf-{app}-web-v2-1")]);

    let apps = d.wharf_ok(&["apps"]);
    let line = apps.lines().find(|l| l.contains(&app)).expect("app listed");
    assert!(line.contains("v2") && line.contains(&domain), "{apps}");
    let releases = d.wharf_ok(&["releases", &app]);
    assert!(
        releases.contains("active") && releases.contains("superseded"),
        "{releases}"
    );

    let (status, body) = d.get("nobody.example.com", "/").unwrap();
    assert_eq!(status, 404);
    assert!(body.contains("nobody.example.com"), "{body}");

    let refused = d.wharf(&["apps", "destroy", &app]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--confirm"),
        "{}",
        stderr(&refused)
    );
    let refused = d.wharf(&["apps", "destroy", &app, "--confirm", "other"]);
    assert!(!refused.status.success());
    assert_eq!(
        d.get(&domain, "/").unwrap().0,
        200,
        "a refused destroy changes nothing"
    );
    d.wharf_ok(&["apps", "destroy", &app, "--confirm", &app]);
    assert!(d.containers(&app).is_empty());
    assert_eq!(d.get(&domain, "/").unwrap().0, 404);
    assert!(!d.wharf_ok(&["apps"]).contains(&app));
}

#[test]
fn scale_two_balances_over_two_replicas_and_replaces_both() {
    let d = Daemon::start();
    let app = unique("web");
    let domain = format!("{app}.example.com");
    let dir = app_dir_with(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 2"),
        "v1",
        r#"CMD ["sh", "-c", "hostname > /www/host.txt && exec httpd -f -p 8080 -h /www"]"#,
    );
    d.deploy_ok(dir.path());
    assert_eq!(
        d.containers(&app),
        vec![
            format!("wharf-{app}-web-v1-1"),
            format!("wharf-{app}-web-v1-2")
        ]
    );
    let hosts: HashSet<String> = (0..10)
        .map(|_| d.get(&domain, "/host.txt").unwrap().1)
        .collect();
    assert_eq!(
        hosts.len(),
        2,
        "requests are spread over both replicas: {hosts:?}"
    );

    std::fs::write(dir.path().join("www/index.html"), "v2").unwrap();
    d.deploy_ok(dir.path());
    d.wait_for_containers(
        &app,
        &[
            format!("wharf-{app}-web-v2-1"),
            format!("wharf-{app}-web-v2-2"),
        ],
    );
    assert_eq!(d.get(&domain, "/").unwrap(), (200, "v2".to_string()));
}

#[test]
fn two_apps_on_two_domains() {
    let d = Daemon::start();
    let (a, b) = (unique("alpha"), unique("beta"));
    let dir_a = app_dir(
        &format!("# wharf.app = {a}\n# wharf.domain = {a}.example.com"),
        "I am alpha",
    );
    let dir_b = app_dir(
        &format!(
            "# mypaas.servicename = {b}\n# mypaas.domain = {b}.example.com\n# mypaas.domain = www.{b}.example.com"
        ),
        "I am beta",
    );
    d.deploy_ok(dir_a.path());
    d.deploy_ok(dir_b.path());
    assert_eq!(
        d.get(&format!("{a}.example.com"), "/").unwrap().1,
        "I am alpha"
    );
    assert_eq!(
        d.get(&format!("{b}.example.com"), "/").unwrap().1,
        "I am beta"
    );
    assert_eq!(
        d.get(&format!("www.{b}.example.com"), "/").unwrap().1,
        "I am beta"
    );
    // Host matching ignores case and a port.
    assert_eq!(
        d.get(&format!("{}.EXAMPLE.com:80", a.to_uppercase()), "/")
            .unwrap()
            .1,
        "I am alpha"
    );
}

#[test]
fn failed_health_check_keeps_the_old_release_serving() {
    let d = Daemon::start_with(&["--health-timeout", "4"]);
    for scale in ["1", "0"] {
        let app = unique("sturdy");
        let domain = format!("{app}.example.com");
        let settings =
            format!("# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = {scale}");
        let good = app_dir(&settings, "good release");
        d.deploy_ok(good.path());
        let before = d.containers(&app);

        let bad = app_dir_with(
            &settings,
            "bad release",
            r#"CMD ["sh", "-c", "echo booting-but-never-listening; sleep 600"]"#,
        );
        let out = d.deploy(bad.path());
        assert!(!out.status.success(), "scale {scale}: the deploy must fail");
        let err = stderr(&out);
        assert!(err.contains("not healthy"), "{err}");
        assert!(
            err.contains("booting-but-never-listening"),
            "the error shows the container's log: {err}"
        );
        d.wait_for_body(&domain, "good release");
        let releases = d.wharf_ok(&["releases", &app]);
        assert!(releases.contains("failed"), "{releases}");
        assert_eq!(
            d.containers(&app),
            before,
            "scale {scale}: only the old release runs"
        );
    }
}

/// Health checks send the app's domain as Host, so an app that answers only its own host
/// names (as Django does with a strict `ALLOWED_HOSTS`) becomes healthy and gets traffic.
#[test]
fn health_checks_send_the_apps_domain_as_host() {
    let d = Daemon::start_with(&["--health-timeout", "10"]);
    let app = unique("strict");
    let domain = format!("{app}.example.com");
    let settings = format!(
        "# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.healthcheck = /cgi-bin/strict"
    );
    let dir = app_dir_with(
        &settings,
        "strict app",
        "RUN chmod +x /www/cgi-bin/strict\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]",
    );
    std::fs::create_dir(dir.path().join("www/cgi-bin")).unwrap();
    std::fs::write(
        dir.path().join("www/cgi-bin/strict"),
        format!(
            "#!/bin/sh\nif [ \"$HTTP_HOST\" = \"{domain}\" ]; then\n  printf 'Status: 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nhost ok\\n'\nelse\n  printf 'Status: 400 Bad Request\\r\\nContent-Type: text/plain\\r\\n\\r\\nnot my host: %s\\n' \"$HTTP_HOST\"\nfi\n"
        ),
    )
    .unwrap();
    d.deploy_ok(dir.path());
    assert_eq!(
        d.get(&domain, "/cgi-bin/strict").unwrap(),
        (200, "host ok\n".to_string())
    );
}

/// busybox's nc as a TCP server that is not HTTP: it echoes what it gets (an HTTP request
/// gets its own lines back, which no HTTP client takes for an answer).
const TCP_ECHO: &str = r#"CMD ["nc", "-ll", "-p", "8080", "-e", "/bin/cat"]"#;

/// An app with no domain gets no HTTP traffic, so it may serve anything over TCP (a database
/// deployed as an app): it is healthy once it accepts a connection.
#[test]
fn an_app_with_no_domain_only_has_to_accept_tcp() {
    let d = Daemon::start_with(&["--health-timeout", "10"]);
    let app = unique("tcp");
    let dir = app_dir_with(&format!("# wharf.app = {app}"), "unused", TCP_ECHO);
    let out = d.deploy_ok(dir.path());
    assert!(out.contains("TCP connect to port 8080"), "{out}");
    assert!(out.contains("is live"), "{out}");
    let ps = d.ps_settled(&app);
    let web = ps
        .lines()
        .find(|l| l.contains(&format!("wharf-{app}-web")))
        .unwrap_or_else(|| panic!("no web instance:\n{ps}"));
    assert!(web.contains("running"), "{ps}");
    // The health monitor checks it the same way, round after round.
    std::thread::sleep(std::time::Duration::from_secs(6));
    let ps = d.wharf_ok(&["ps", &app]);
    let web = ps
        .lines()
        .find(|l| l.contains(&format!("wharf-{app}-web")))
        .unwrap_or_else(|| panic!("no web instance:\n{ps}"));
    assert!(
        web.contains("healthy") && !web.contains("unhealthy"),
        "{ps}"
    );

    // With a domain, HTTP reaches it, so it must answer HTTP: the echo does not.
    let settings = format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com");
    let dir = app_dir_with(&settings, "unused", TCP_ECHO);
    let out = d.deploy(dir.path());
    assert!(!out.status.success(), "the deploy must fail");
    let err = stderr(&out);
    assert!(err.contains("not healthy"), "{err}");
    assert!(err.contains("GET / on port 8080"), "{err}");

    // With no domain, a server on another port than the routed one is still named.
    let on_3000 = TCP_ECHO.replace("8080", "3000");
    let dir = app_dir_with(&format!("# wharf.app = {app}"), "unused", &on_3000);
    fails_with(
        &d.deploy(dir.path()),
        "the app listens on port 3000, not 8080: add `# wharf.port = 3000`",
    );
}
