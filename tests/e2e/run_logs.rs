//! `wharf run` (one-off commands in the app's image with its config: exit codes, stdin, TTY,
//! detached runs) and `wharf logs` (merged replica logs, follow, process filter, release logs).

use super::harness::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `wharf ARGS` against `d` with stdin, stdout and stderr piped.
fn spawn_piped(d: &Daemon, args: &[&str]) -> Child {
    Command::new(WHARF)
        .arg("--data-dir")
        .arg(d.data_dir())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// This server's one-off (`wharf run`) containers of `app`.
fn run_containers(d: &Daemon, app: &str) -> Vec<String> {
    d.containers(app)
        .into_iter()
        .filter(|c| c.starts_with(&format!("wharf-{app}.run-")))
        .collect()
}

/// Lines of a child's stdout, as they come, on a channel.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

fn wait_with_timeout(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("process did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn deployed_app(d: &Daemon, prefix: &str, settings: &str, cmd: Option<&str>) -> String {
    let app = unique(prefix);
    let settings = format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com\n{settings}");
    let dir = match cmd {
        Some(cmd) => app_dir_with(&settings, "hi", cmd),
        None => app_dir(&settings, "hi"),
    };
    d.deploy_ok(dir.path());
    app
}

#[test]
fn run_uses_the_apps_config_passes_stdin_and_exit_codes_and_leaves_nothing() {
    let d = Daemon::start();
    let app = deployed_app(&d, "run", "# wharf.scale = 1", None);
    d.wharf_ok(&["config", "set", &app, "GREETING=hello from config"]);

    let out = d.wharf(&["run", &app, "--", "sh", "-c", "echo \"$GREETING\"; exit 3"]);
    assert_eq!(out.status.code(), Some(3), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "hello from config");
    assert_eq!(
        run_containers(&d, &app),
        Vec::<String>::new(),
        "{}",
        d.log()
    );

    // stderr is kept apart; PORT is set like in the app's own containers, DYNO to run.ID.
    let out = d.wharf(&[
        "run",
        &app,
        "--",
        "sh",
        "-c",
        "echo out; echo err$PORT $DYNO >&2",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "out");
    assert!(stderr(&out).contains("err8080 run."), "{}", stderr(&out));

    // stdin is passed and closed at its end.
    let out = d.wharf_with_stdin(&["run", &app, "--", "cat"], "hello\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "hello\n");

    // A command that does not exist: a clear error, 127, no container left.
    let out = d.wharf(&["run", &app, "--", "no-such-command", "x"]);
    assert_eq!(out.status.code(), Some(127), "stdout: {}", stdout(&out));
    assert!(
        stderr(&out).contains("executable file not found"),
        "{}",
        stderr(&out)
    );
    assert!(run_containers(&d, &app).is_empty());

    // A client that goes away: its command is killed and its container removed.
    let mut child = spawn_piped(&d, &["run", &app, "--", "sleep", "300"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !run_containers(&d, &app)
        .iter()
        .any(|c| container_running(c))
    {
        assert!(Instant::now() < deadline, "the run never started");
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !run_containers(&d, &app).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the run's container outlived its client:\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn run_in_a_terminal_gets_a_tty() {
    let d = Daemon::start();
    let app = deployed_app(&d, "tty", "", None);
    let command = format!(
        "{WHARF} --data-dir {} run {app} -- sh",
        d.data_dir().display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buffer) {
            if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                return;
            }
        }
    });
    let mut seen = String::new();
    let mut wait_for = |needle: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !seen.contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(chunk) => seen.push_str(&String::from_utf8_lossy(&chunk)),
                Err(_) => panic!("never saw {needle:?}; output so far: {seen:?}"),
            }
        }
    };
    // busybox sh shows its prompt only on a terminal.
    wait_for("# ");
    stdin
        .write_all(b"tty -s && echo is-a-tty; echo $((6*7))\r")
        .unwrap();
    stdin.flush().unwrap();
    wait_for("42");
    wait_for("is-a-tty");
    stdin.write_all(b"exit 5\r").unwrap();
    stdin.flush().unwrap();
    let status = wait_with_timeout(&mut child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(5));
    assert!(run_containers(&d, &app).is_empty());
}

#[test]
fn detached_runs_are_labelled_survive_a_restart_and_remove_themselves() {
    let mut d = Daemon::start();
    let app = deployed_app(&d, "detach", "# wharf.scale = 1", None);
    let out = d.wharf_ok(&[
        "run",
        "--detach",
        &app,
        "--",
        "sh",
        "-c",
        "echo detached-hello; sleep 12",
    ]);
    let name = out.trim().to_string();
    assert!(name.starts_with(&format!("wharf-{app}.run-")), "{out}");
    assert!(container_running(&name));
    let label = Command::new("docker")
        .args([
            "inspect",
            "-f",
            "{{index .Config.Labels \"wharf.task\"}} {{.HostConfig.AutoRemove}}",
            &name,
        ])
        .output()
        .unwrap();
    assert_eq!(stdout(&label).trim(), "run true");

    let logs = d.wharf_ok(&["logs", &app, "--process", "run"]);
    assert!(logs.contains("| detached-hello"), "{logs}");
    assert!(logs.starts_with("run."), "{logs}");

    // Reconcile at start does not mistake a running one-off for a leftover.
    assert!(d.terminate());
    d.spawn();
    assert!(
        container_running(&name),
        "reconcile removed a running run:\n{}",
        d.log()
    );

    let deadline = Instant::now() + Duration::from_secs(40);
    while d.containers(&app).contains(&name) {
        assert!(
            Instant::now() < deadline,
            "{name} was not removed when it ended"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn logs_merge_replicas_follow_filter_and_show_release_logs() {
    let d = Daemon::start();
    let cmd = r#"CMD ["sh", "-c", "(i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done) & exec httpd -f -p 8080 -h /www"]"#;
    let app = deployed_app(&d, "logs", "# wharf.scale = 2", Some(cmd));

    // Both replicas, prefixed, ordered by time.
    let deadline = Instant::now() + Duration::from_secs(30);
    let logs = loop {
        let logs = d.wharf_ok(&["logs", &app, "--tail", "5"]);
        if (logs.contains("web.1 | tick") && logs.contains("web.2 | tick"))
            || Instant::now() > deadline
        {
            break logs;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(
        logs.contains("web.1 | tick") && logs.contains("web.2 | tick"),
        "{logs}"
    );
    assert!(logs.lines().count() <= 10, "{logs}");
    let highest = logs
        .lines()
        .filter_map(|l| l.rsplit("tick ").next()?.parse::<u32>().ok())
        .max()
        .unwrap();

    // Following shows lines written after it started.
    let mut follow = spawn_piped(&d, &["logs", &app, "-f", "--tail", "1"]);
    let lines = lines_of(&mut follow);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no new line while following; saw {seen:?}"));
        let newer = line
            .rsplit("tick ")
            .next()
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| n > highest + 2);
        seen.push(line);
        if newer {
            break;
        }
    }
    assert!(
        seen.iter()
            .all(|l| l.starts_with("web.1 | ") || l.starts_with("web.2 | ")),
        "{seen:?}"
    );
    follow.kill().unwrap();
    follow.wait().unwrap();

    // --process filters.
    let web = d.wharf_ok(&["logs", &app, "--process", "web", "--tail", "2"]);
    assert!(web.contains("web.1 | "), "{web}");
    let out = d.wharf(&["logs", &app, "--process", "worker"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("worker"), "{}", stderr(&out));

    // The build and deploy log of a release.
    let release = d.wharf_ok(&["logs", &app, "--release", "v1", "--build"]);
    assert!(release.contains("Step 1/"), "{release}");
    assert!(release.contains("v1 is live"), "{release}");
    let out = d.wharf(&["logs", &app, "--release", "v9", "--build"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("v9"), "{}", stderr(&out));
}

#[test]
fn run_and_logs_refuse_bad_input() {
    let d = Daemon::start();
    for args in [
        &["run", "no-such-app", "--", "true"][..],
        &["logs", "no-such-app"][..],
    ] {
        let out = d.wharf(args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            stderr(&out).contains("no app named `no-such-app`"),
            "{args:?}: {}",
            stderr(&out)
        );
    }

    // An app with config but no release yet.
    let app = unique("norelease");
    d.wharf_ok(&["config", "set", &app, "A=1"]);
    for args in [&["run", &app, "--", "true"][..], &["logs", &app][..]] {
        let out = d.wharf(args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            stderr(&out).contains("has no release yet"),
            "{args:?}: {}",
            stderr(&out)
        );
    }

    let out = d.wharf(&["logs", &app, "--tail", "lots"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("`lots` is not a number"),
        "{}",
        stderr(&out)
    );
    let out = d.wharf(&["run", &app]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("required"), "{}", stderr(&out));
}

#[test]
fn remote_runs_need_a_token_and_runs_cut_off_by_a_crash_are_cleaned_up() {
    let mut d = Daemon::start();
    let app = deployed_app(&d, "remote", "", None);
    let server = format!("http://{}", d.api);
    let remote = |token: Option<&str>, args: &[&str]| {
        let mut cmd = Command::new(WHARF);
        cmd.args(["--server", &server])
            .args(args)
            .stdin(Stdio::null());
        if let Some(token) = token {
            cmd.env("WHARF_TOKEN", token);
        }
        cmd.output().unwrap()
    };
    let run = ["run", &app, "--", "sh", "-c", "echo remote; exit 4"];
    let out = remote(None, &run);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("missing API token"),
        "{}",
        stderr(&out)
    );
    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();
    let out = remote(Some(&token), &run);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(stdout(&out), "remote\n");
    let out = remote(Some(&token), &["logs", &app, "--release", "v1", "--build"]);
    assert!(stdout(&out).contains("Step 1/"), "{}", stderr(&out));

    // The server dies while a run is attached: the command ends, its container stays behind
    // (nobody removed it), and the clean-up after the next start removes it.
    let mut child = spawn_piped(&d, &["run", &app, "--", "sleep", "2"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let name = loop {
        if let Some(name) = run_containers(&d, &app)
            .into_iter()
            .find(|c| container_running(c))
        {
            break name;
        }
        assert!(Instant::now() < deadline, "the run never started");
        std::thread::sleep(Duration::from_millis(100));
    };
    d.kill9();
    let status = wait_with_timeout(&mut child, Duration::from_secs(30));
    assert!(!status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while container_running(&name) {
        assert!(Instant::now() < deadline, "{name} never ended");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(run_containers(&d, &app).contains(&name));
    d.spawn();
    // Removed by the clean-up that follows the start (in the background).
    let deadline = Instant::now() + Duration::from_secs(60);
    while d.containers(&app).contains(&name) {
        assert!(
            Instant::now() < deadline,
            "the exited run was not removed:\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
