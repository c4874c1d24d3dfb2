//! Alerts and notifications with the real engine: an app that keeps exiting raises a crash and
//! then a crash loop, and a webhook receiver on loopback gets them within a minute; an app over
//! its memory limit raises an out-of-memory alert; a receiver that is down at first gets its
//! message once it is back; a real SMTP server (aiosmtpd, from Debian's python3-aiosmtpd)
//! receives the test email.

use super::harness::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A webhook receiver on loopback: answers 200 to every POST and keeps the bodies.
struct Receiver {
    bodies: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Receiver {
    fn on(port: u16) -> Receiver {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = bodies.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_ok()
                    && let Ok(json) = serde_json::from_slice(&body)
                {
                    kept.lock().unwrap().push(json);
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            }
        });
        Receiver { bodies }
    }

    /// Wait up to `within` for a body whose `kind` is `kind`.
    fn wait_for(&self, kind: &str, within: Duration) -> serde_json::Value {
        let deadline = Instant::now() + within;
        loop {
            if let Some(body) = self
                .bodies
                .lock()
                .unwrap()
                .iter()
                .find(|b| b["kind"] == kind)
            {
                return body.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no `{kind}` notification within {within:?}; got {:?}",
                self.bodies.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// The kinds of the alerts `wharf events APP` lists.
fn alert_kinds(d: &Daemon, app: &str) -> Vec<String> {
    d.wharf_json(&["events", app])["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str().map(str::to_string))
        .collect()
}

/// Wait up to `within` for `wharf events APP` to list an alert of `kind`.
fn wait_for_alert(d: &Daemon, app: &str, kind: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while !alert_kinds(d, app).iter().any(|k| k == kind) {
        assert!(
            Instant::now() < deadline,
            "no `{kind}` event for {app} within {within:?}: {:?}\n{}",
            alert_kinds(d, app),
            d.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// A busybox app that serves, then after `seconds` runs `then` (and so exits).
fn app_that(app: &str, settings: &str, seconds: u32, then: &str) -> tempfile::TempDir {
    app_dir_with(
        &format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com\n{settings}"),
        "up for a while",
        &format!(r#"CMD ["sh", "-c", "httpd -p 8080 -h /www; sleep {seconds}; {then}"]"#),
    )
}

#[test]
fn an_app_exiting_in_a_loop_is_a_crash_then_a_loop_and_its_webhook_hears_of_it() {
    let d = Daemon::start();
    let port = free_port();
    let receiver = Receiver::on(port);
    let hook = format!("http://127.0.0.1:{port}/hook");
    d.wharf_ok(&["notify", "add", "webhook", &hook]);

    let app = unique("crashy");
    let dir = app_that(&app, "", 10, "exit 3");
    d.deploy_ok(dir.path());
    let deployed = receiver.wait_for("deploy-succeeded", Duration::from_secs(30));
    assert_eq!(deployed["app"], app.as_str());

    // The first exit: within a minute of it, the receiver has it.
    let crashed = receiver.wait_for("crashed", Duration::from_secs(60));
    assert_eq!(crashed["app"], app.as_str());
    assert_eq!(crashed["subject"], "web");
    assert_eq!(crashed["severity"], "warning");
    assert!(
        crashed["message"].as_str().unwrap().contains("code 3"),
        "{crashed}"
    );
    // The engine restarts it; the third exit within minutes is a loop.
    let looping = receiver.wait_for("crash-loop", Duration::from_secs(90));
    assert_eq!(looping["severity"], "critical");
    let kinds = alert_kinds(&d, &app);
    assert!(kinds.contains(&"crash-loop".to_string()), "{kinds:?}");
    // Stored as Wharf's own events, shown by `wharf events APP`.
    let shown = d.wharf_ok(&["events", &app]);
    assert!(
        shown.contains("Wharf") && shown.contains("app restarting in a loop"),
        "{shown}"
    );
    // The deploy was recorded once (by the deploy itself), and notified.
    let events = d.wharf_json(&["events", &app]);
    let deploys = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "deploy")
        .count();
    assert_eq!(deploys, 1, "{events}");

    // Repeats are grouped: later crashes of the loop do not each send a message.
    std::thread::sleep(Duration::from_secs(20));
    let loops = receiver
        .bodies
        .lock()
        .unwrap()
        .iter()
        .filter(|b| b["kind"] == "crash-loop")
        .count();
    assert_eq!(loops, 1, "one crash-loop message per window");
}

#[test]
fn an_app_over_its_memory_limit_raises_an_out_of_memory_alert() {
    let d = Daemon::start();
    let app = unique("hungry");
    // 200 MB read into one buffer by dd, in a container limited to 32 MB.
    let dir = app_that(
        &app,
        "# wharf.maxmem = 32m",
        6,
        "dd if=/dev/zero of=/dev/null bs=200M count=1",
    );
    d.deploy_ok(dir.path());
    wait_for_alert(&d, &app, "out-of-memory", Duration::from_secs(60));
    let events = d.wharf_json(&["events", &app]);
    let oom = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "out-of-memory")
        .unwrap()
        .clone();
    assert_eq!(oom["severity"], "critical");
    assert_eq!(oom["actor"], "Wharf");
    assert!(
        oom["message"].as_str().unwrap().contains("memory limit"),
        "{oom}"
    );
}

#[test]
fn a_receiver_that_is_down_gets_its_message_once_it_is_back() {
    let d = Daemon::start_with(&["--notify-retry-cap", "3"]);
    let port = free_port();
    let hook = format!("http://127.0.0.1:{port}/hook?token=secret");
    d.wharf_ok(&["notify", "add", "webhook", &hook]);
    d.wharf_ok(&["notify", "test"]);

    // Nobody listens: the failure shows on the channel, without the URL's secret.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listed = d.wharf_json(&["notify", "list"]);
        let channel = &listed["channels"][0];
        if channel["last_error"].is_string() {
            assert!(channel["last_delivery"].is_null(), "{listed}");
            assert!(!listed.to_string().contains("secret"), "{listed}");
            break;
        }
        assert!(Instant::now() < deadline, "no error shown: {listed}");
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(
        d.log().contains("notification not delivered"),
        "{}",
        d.log()
    );
    assert!(
        !d.log().contains("secret"),
        "the daemon's log shows no secret"
    );

    let receiver = Receiver::on(port);
    let test = receiver.wait_for("test", Duration::from_secs(30));
    assert_eq!(test["count"], 1);
    let listed = d.wharf_json(&["notify", "list"]);
    assert!(listed["channels"][0]["last_delivery"].is_i64(), "{listed}");
    let table = d.wharf_ok(&["notify", "list"]);
    assert!(
        table.contains("webhook") && table.contains("http://127.0.0.1"),
        "{table}"
    );

    let id = listed["channels"][0]["id"].to_string();
    d.wharf_ok(&["notify", "remove", &id]);
    assert!(
        d.wharf_ok(&["notify", "list"])
            .contains("No notification channels")
    );
}

/// aiosmtpd on loopback, writing what it receives into a maildir; stopped when dropped.
struct SmtpSink {
    child: Child,
    maildir: tempfile::TempDir,
}

impl SmtpSink {
    fn start(port: u16) -> SmtpSink {
        let maildir = tempfile::tempdir().unwrap();
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            // A maildir it creates (it only creates one that does not exist).
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd (python3-aiosmtpd, installed by scripts/test-deps.sh)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd does not listen");
            std::thread::sleep(Duration::from_millis(100));
        }
        SmtpSink { child, maildir }
    }

    fn messages(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail/new");
        std::fs::read_dir(&new)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn notify_test_reaches_an_smtp_server_and_a_webhook() {
    let d = Daemon::start_with(&["--notify-from", "wharf@example.com"]);
    let smtp_port = free_port();
    let sink = SmtpSink::start(smtp_port);
    let hook_port = free_port();
    let receiver = Receiver::on(hook_port);
    d.wharf_ok(&[
        "notify",
        "add",
        "webhook",
        &format!("http://127.0.0.1:{hook_port}/"),
        "--format",
        "slack",
    ]);
    d.wharf_ok(&[
        "notify",
        "add",
        "email",
        "ops@example.com",
        "--smtp",
        &format!("127.0.0.1:{smtp_port}"),
    ]);
    assert!(d.wharf_ok(&["notify", "test"]).contains("2 channel(s)"));

    let deadline = Instant::now() + Duration::from_secs(30);
    let mail = loop {
        if let Some(mail) = sink.messages().pop() {
            break mail;
        }
        assert!(Instant::now() < deadline, "no email:\n{}", d.log());
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(mail.contains("To: ops@example.com"), "{mail}");
    assert!(mail.contains("From: wharf@example.com"), "{mail}");
    assert!(mail.contains("test notification"), "{mail}");
    // The Slack-shaped body is one line of text.
    let deadline = Instant::now() + Duration::from_secs(30);
    let text = loop {
        if let Some(body) = receiver.bodies.lock().unwrap().first() {
            break body["text"].as_str().unwrap_or_default().to_string();
        }
        assert!(Instant::now() < deadline, "no webhook:\n{}", d.log());
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(text.starts_with("[info] Wharf on "), "{text}");

    // Bad input is refused before any request, in the domain's words.
    fails_with(
        &d.wharf(&["notify", "add", "email", "nobody", "--smtp", "127.0.0.1:25"]),
        "is not an email address",
    );
    fails_with(
        &d.wharf(&["notify", "add", "webhook", "ftp://example.com/"]),
        "is not a webhook URL",
    );
}
