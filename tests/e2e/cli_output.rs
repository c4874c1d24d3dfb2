//! The command line as a Unix tool: listings with a header line and dates, `--json` that
//! parses, no colour when nobody is looking at a terminal, and a reader that goes away early
//! (`| head -1`) ends the command quietly, `wharf logs -f` included.

use super::harness::*;
use std::process::{Command, Stdio};

/// An app that writes a few log lines before it serves.
fn chatty_app(d: &Daemon) -> String {
    let app = unique("tool");
    let settings = format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com");
    let cmd = r#"CMD ["sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done; exec httpd -f -p 8080 -h /www"]"#;
    let dir = app_dir_with(&settings, "tool", cmd);
    d.deploy_ok(dir.path());
    d.wharf_ok(&["config", "set", &app, "GREETING=hello"]);
    app
}

/// Run the CLI with its stdout a pipe whose reader is already gone, as after `| head -1`
/// has read its line; returns (success, stderr).
fn with_stdout_closed(d: &Daemon, args: &[&str]) -> (bool, String) {
    let mut child = Command::new(WHARF)
        .arg("--data-dir")
        .arg(d.data_dir())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (out.status.success(), stderr(&out))
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    let d = Daemon::start();
    let app = chatty_app(&d);
    for args in [
        vec!["releases", &app],
        vec!["logs", &app],
        vec!["logs", "-f", &app],
        vec!["apps"],
        vec!["config", "show", &app, "--reveal", "--json"],
    ] {
        let (ok, err) = with_stdout_closed(&d, &args);
        assert!(ok && err.is_empty(), "{args:?} on a closed pipe: {err}");
    }
    // And through a real shell pipeline.
    for command in ["releases", "logs"] {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "\"$0\" --data-dir \"$1\" {command} \"$2\" | head -1"
            ))
            .arg(WHARF)
            .arg(d.data_dir())
            .arg(&app)
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(stdout(&out).lines().count(), 1, "{}", stdout(&out));
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
}

#[test]
fn listings_have_a_header_dates_json_and_no_colour_off_a_terminal() {
    let d = Daemon::start();
    let app = chatty_app(&d);
    d.wharf_ok(&["tokens", "create", "ci"]);

    // A header line, then a date and an age where the API has Unix seconds.
    let releases = d.wharf_ok(&["releases", &app]);
    let mut lines = releases.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["RELEASE", "STATUS", "CREATED", "SOURCE", "IMAGE", "ERROR"]
    );
    let json = d.wharf_json(&["releases", &app]);
    let created = json[0]["created_at"].as_i64().unwrap();
    assert!(
        !releases.contains(&created.to_string()),
        "no Unix seconds: {releases}"
    );
    let v2 = lines.find(|l| l.starts_with("v2")).unwrap();
    assert!(
        v2.contains(" UTC (") && (v2.contains(" ago)") || v2.contains("just now)")),
        "{v2}"
    );
    let date = v2.split_whitespace().nth(2).unwrap();
    assert!(
        date.len() == 10 && date.as_bytes()[4] == b'-' && date.starts_with("20"),
        "{v2}"
    );
    let tokens = d.wharf_ok(&["tokens", "list"]);
    assert!(
        tokens.starts_with("NAME") && tokens.contains(" UTC ("),
        "{tokens}"
    );

    // Columns line up: every row of `ps` starts its columns where the header does.
    let ps = d.ps_settled(&app);
    let header = ps.lines().next().unwrap();
    let state_at = header.find("STATE").unwrap();
    for row in ps.lines().skip(1) {
        assert!(row[state_at..].starts_with("running"), "{ps}");
    }

    // Every listing has --json, which parses, with the API's field names.
    let listings: Vec<Vec<&str>> = vec![
        vec!["apps"],
        vec!["releases", &app],
        vec!["ps", &app],
        vec!["config", "show", &app],
        vec!["domains", "list", &app],
        vec!["storage", "list", &app],
        vec!["services"],
        vec!["certs"],
        vec!["certs", "status"],
        vec!["cron", &app],
        vec!["tokens", "list"],
        vec!["keys", "list"],
    ];
    for args in &listings {
        let value = d.wharf_json(args);
        assert!(value.is_array() || value.is_object(), "{args:?}: {value}");
    }
    assert_eq!(d.wharf_json(&["apps"])[0]["name"], app.as_str());
    assert_eq!(d.wharf_json(&["ps", &app])[0]["process"], "web");
    assert_eq!(
        d.wharf_json(&["domains", "list", &app])["dockerfile"][0],
        format!("{app}.example.com").as_str()
    );
    assert_eq!(d.wharf_json(&["tokens", "list"])[0]["name"], "ci");

    // No terminal here: no escape sequences, in listings or in errors, even when asked for
    // colour by a terminal-looking environment.
    for args in &listings {
        let out = d.wharf(args);
        assert!(
            !stdout(&out).contains('\u{1b}'),
            "{args:?}: {}",
            stdout(&out)
        );
    }
    let failed = d.wharf(&["releases", "no-such-app"]);
    assert!(!failed.status.success());
    assert!(
        stderr(&failed).starts_with("error: "),
        "{}",
        stderr(&failed)
    );
    assert!(!stderr(&failed).contains('\u{1b}'), "{}", stderr(&failed));
}

#[test]
fn a_builds_own_colours_reach_only_a_terminal() {
    let d = Daemon::start();
    let app = unique("colours");
    let dir = app_dir_with(
        &format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com"),
        "colours",
        "RUN printf '\\033[91mred-from-the-build\\033[0m\\n'\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]",
    );
    let out = d.deploy_ok(dir.path());
    assert!(out.contains("red-from-the-build"), "{out}");
    assert!(!out.contains('\u{1b}'), "{out:?}");
}

#[test]
fn settings_docker_would_refuse_fail_before_the_build() {
    let d = Daemon::start();
    for (setting, needle) in [
        ("# wharf.maxcpu = 1000", "maxcpu = 1000"),
        (
            "# wharf.volume = /no/such/wharf-dir:/data",
            "/no/such/wharf-dir",
        ),
    ] {
        let app = unique("greedy");
        let dir = app_dir(&format!("# wharf.app = {app}\n{setting}"), "greedy");
        let out = d.deploy(dir.path());
        assert!(!out.status.success(), "{setting}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(err.contains(needle), "{setting}: {err}");
        assert!(
            !stdout(&out).contains("Building image"),
            "{setting}: refused before the build: {}",
            stdout(&out)
        );
        let images = Command::new("docker")
            .args(["images", "-q", &format!("wharf/{app}")])
            .output()
            .unwrap();
        assert!(
            stdout(&images).trim().is_empty(),
            "{setting}: nothing was built"
        );
        assert!(
            !d.wharf_ok(&["apps"]).contains(&app),
            "{setting}: no app left"
        );
    }
}
