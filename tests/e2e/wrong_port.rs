//! An app that listens on another port than the one Wharf routes to: the deploy stops as soon as
//! that is clear, naming the port the app does listen on and the Dockerfile line to add, rather
//! than waiting out the health check; with that line the app deploys.

use super::harness::*;
use std::time::{Duration, Instant};

/// busybox httpd on port 3000, whatever `$PORT` says.
const ON_3000: &str = r#"CMD ["httpd", "-f", "-p", "3000", "-h", "/www"]"#;

#[test]
fn an_app_on_another_port_is_refused_naming_it() {
    // A long health timeout, so that a refusal in time can only come from the port check.
    let d = Daemon::start_with(&["--health-timeout", "120"]);
    let app = unique("port");
    let settings = format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com");

    // EXPOSE 8080 (the harness's Dockerfile) while the app listens on 3000.
    let dir = app_dir_with(&settings, "on 3000", ON_3000);
    let started = Instant::now();
    let out = d.deploy(dir.path());
    assert!(!out.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "refused at once, not after the health timeout: {:?}",
        started.elapsed()
    );
    fails_with(
        &out,
        "the app listens on port 3000, not 8080: add `# wharf.port = 3000` to the Dockerfile",
    );
    assert!(d.containers(&app).is_empty(), "nothing is left behind");

    // No EXPOSE and no port setting: the default port is named the same way.
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("{settings}\nFROM busybox:latest\nCOPY www /www\n{ON_3000}\n"),
    )
    .unwrap();
    let out = d.deploy(dir.path());
    fails_with(
        &out,
        "the app listens on port 3000, not 80: add `# wharf.port = 3000`",
    );

    // The line the message gives makes it deploy.
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("{settings}\n# wharf.port = 3000\nFROM busybox:latest\nCOPY www /www\n{ON_3000}\n"),
    )
    .unwrap();
    d.deploy_ok(dir.path());
    assert_eq!(
        d.get(&format!("{app}.example.com"), "/").unwrap(),
        (200, "on 3000".to_string())
    );
}
