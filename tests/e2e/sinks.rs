//! Where alerts end up, for the notification tests: a webhook receiver on loopback that keeps
//! what it is posted, a real SMTP server (aiosmtpd, from Debian's python3-aiosmtpd) writing
//! what it receives into a maildir, plain or requiring STARTTLS with a test certificate, and
//! the alerts `wharf events` lists.

use super::harness::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A webhook receiver on loopback: answers 200 to every POST and keeps the bodies.
pub struct Receiver {
    pub bodies: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Receiver {
    pub fn on(port: u16) -> Receiver {
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

    /// A receiver on a free port, and the webhook URL that reaches it.
    pub fn start() -> (Receiver, String) {
        let port = free_port();
        (Receiver::on(port), format!("http://127.0.0.1:{port}/hook"))
    }

    /// The bodies received so far whose `kind` is `kind`.
    pub fn of_kind(&self, kind: &str) -> Vec<serde_json::Value> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .filter(|b| b["kind"] == kind)
            .cloned()
            .collect()
    }

    /// Wait up to `within` for a body whose `kind` is `kind`.
    pub fn wait_for(&self, kind: &str, within: Duration) -> serde_json::Value {
        let deadline = Instant::now() + within;
        loop {
            if let Some(body) = self.of_kind(kind).into_iter().next() {
                return body;
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

/// The alerts `wharf events [APP]` lists (events with a `kind`), newest first.
pub fn alerts(d: &Daemon, app: Option<&str>) -> Vec<serde_json::Value> {
    let mut args = vec!["events", "--limit", "1000"];
    args.extend(app);
    d.wharf_json(&args)["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"].is_string())
        .cloned()
        .collect()
}

/// The kinds of the alerts `wharf events APP` lists.
pub fn alert_kinds(d: &Daemon, app: &str) -> Vec<String> {
    alerts(d, Some(app))
        .iter()
        .filter_map(|e| e["kind"].as_str().map(str::to_string))
        .collect()
}

/// Wait up to `within` for `wharf events [APP]` to list an alert of `kind`; returns it.
pub fn wait_for_alert(
    d: &Daemon,
    app: Option<&str>,
    kind: &str,
    within: Duration,
) -> serde_json::Value {
    let deadline = Instant::now() + within;
    loop {
        let listed = alerts(d, app);
        if let Some(alert) = listed.iter().find(|e| e["kind"] == kind) {
            return alert.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no `{kind}` event for {app:?} within {within:?}: {listed:?}\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// aiosmtpd on loopback, writing what it receives into a maildir; stopped when dropped.
pub struct SmtpSink {
    child: Child,
    maildir: tempfile::TempDir,
}

impl SmtpSink {
    /// A plain SMTP server on `port`.
    pub fn start(port: u16) -> SmtpSink {
        SmtpSink::spawn(port, None)
    }

    /// An SMTP server on `port` that refuses mail before STARTTLS, and then presents
    /// `cert` (a PEM chain) with its `key`.
    pub fn requiring_starttls(port: u16, cert: &str, key: &str) -> SmtpSink {
        SmtpSink::spawn(port, Some((cert, key)))
    }

    fn spawn(port: u16, tls: Option<(&str, &str)>) -> SmtpSink {
        let maildir = tempfile::tempdir().unwrap();
        let mut command = Command::new("/usr/bin/python3");
        command
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"));
        if let Some((cert, key)) = tls {
            // With a certificate, aiosmtpd requires STARTTLS unless told --no-requiretls.
            command.args(["--tlscert", cert, "--tlskey", key]);
        }
        let child = command
            // The handler's own arguments come last: a maildir it creates (it only creates
            // one that does not exist).
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
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

    pub fn messages(&self) -> Vec<String> {
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

    /// Wait up to `within` for a message; returns it.
    pub fn wait_for_message(&self, d: &Daemon, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            if let Some(mail) = self.messages().pop() {
                return mail;
            }
            assert!(
                Instant::now() < deadline,
                "no email within {within:?}:\n{}",
                d.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
