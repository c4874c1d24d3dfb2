//! Alerts and notifications with the real engine: an app that keeps exiting raises a crash and
//! then a crash loop, and a webhook receiver on loopback gets them within a minute; an app over
//! its memory limit raises an out-of-memory alert; a receiver that is down at first gets its
//! message once it is back; a real SMTP server (aiosmtpd, from Debian's python3-aiosmtpd)
//! receives the test email, over STARTTLS with a certificate of a private CA the daemon is
//! told to trust (`--smtp-ca-file`), and one whose certificate it does not trust gets nothing.

use super::harness::*;
use super::sinks::{Receiver, SmtpSink, alert_kinds, wait_for_alert};
use super::tls::Ca;
use std::time::{Duration, Instant};

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
    wait_for_alert(&d, Some(&app), "out-of-memory", Duration::from_secs(60));
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

    let mail = sink.wait_for_message(&d, Duration::from_secs(30));
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

/// The channel of `wharf notify list --json` whose target names `port`, once it has
/// delivered or failed.
fn channel_settled(d: &Daemon, port: u16) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listed = d.wharf_json(&["notify", "list"]);
        let channel = listed["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["target"].as_str().unwrap().contains(&port.to_string()))
            .unwrap_or_else(|| panic!("no channel for port {port}: {listed}"))
            .clone();
        if channel["last_error"].is_string() || channel["last_delivery"].is_i64() {
            return channel;
        }
        assert!(
            Instant::now() < deadline,
            "the channel to port {port} neither delivered nor failed: {listed}\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn email_goes_over_starttls_only_to_a_server_whose_certificate_is_trusted() {
    // Two mail servers that refuse mail before STARTTLS: one with a certificate of the CA the
    // daemon is told to trust, one with a certificate of a CA it has never heard of.
    let ca = Ca::named("wharf test mail CA");
    let (chain, key) = ca.issue(&["127.0.0.1"], 1, (-1, 30));
    let trusted_port = free_port();
    let trusted = SmtpSink::requiring_starttls(trusted_port, &chain, &key);
    let stranger = Ca::named("a CA nobody told Wharf of");
    let (chain, key) = stranger.issue(&["127.0.0.1"], 2, (-1, 30));
    let untrusted_port = free_port();
    let untrusted = SmtpSink::requiring_starttls(untrusted_port, &chain, &key);

    let d = Daemon::start_with(&[
        "--notify-from",
        "wharf@example.com",
        "--smtp-ca-file",
        &ca.root_file(),
        "--notify-retry-cap",
        "3",
    ]);
    for port in [trusted_port, untrusted_port] {
        d.wharf_ok(&[
            "notify",
            "add",
            "email",
            "ops@example.com",
            "--smtp",
            &format!("127.0.0.1:{port}"),
            "--starttls",
        ]);
    }
    assert!(d.wharf_ok(&["notify", "test"]).contains("2 channel(s)"));

    let mail = trusted.wait_for_message(&d, Duration::from_secs(30));
    assert!(mail.contains("To: ops@example.com"), "{mail}");
    assert!(mail.contains("test notification"), "{mail}");
    let delivered = channel_settled(&d, trusted_port);
    assert!(delivered["last_delivery"].is_i64(), "{delivered}");
    assert!(delivered["last_error"].is_null(), "{delivered}");

    // The server Wharf does not trust gets nothing, and the channel says why.
    let refused = channel_settled(&d, untrusted_port);
    let error = refused["last_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("invalid peer certificate: UnknownIssuer"),
        "{refused}"
    );
    // Said once, not once per layer of the SMTP client.
    assert_eq!(error.matches("UnknownIssuer").count(), 1, "{refused}");
    assert!(refused["last_delivery"].is_null(), "{refused}");
    assert!(untrusted.messages().is_empty());
    let table = d.wharf_ok(&["notify", "list"]);
    assert!(table.contains("UnknownIssuer"), "{table}");
    assert!(
        d.log().contains("notification not delivered"),
        "{}",
        d.log()
    );
}

#[test]
fn a_server_requiring_starttls_gets_no_mail_over_a_plain_connection() {
    // Proves the sink above really insists on STARTTLS: without it, nothing is accepted.
    let ca = Ca::new();
    let (chain, key) = ca.issue(&["127.0.0.1"], 1, (-1, 30));
    let port = free_port();
    let sink = SmtpSink::requiring_starttls(port, &chain, &key);
    let d = Daemon::start_with(&["--smtp-ca-file", &ca.root_file()]);
    d.wharf_ok(&[
        "notify",
        "add",
        "email",
        "ops@example.com",
        "--smtp",
        &format!("127.0.0.1:{port}"),
    ]);
    d.wharf_ok(&["notify", "test"]);
    let refused = channel_settled(&d, port);
    let error = refused["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("STARTTLS"), "{refused}");
    assert!(sink.messages().is_empty());
}

#[test]
fn an_smtp_ca_file_that_is_not_pem_stops_the_start_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("not-a-ca.pem");
    std::fs::write(&bad, "hello, I am not a certificate\n").unwrap();
    let d = Daemon::configured(&["--smtp-ca-file", bad.to_str().unwrap()], &[]);
    let out = d.server_command().output().unwrap();
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(
        said.contains(&format!("--smtp-ca-file {}", bad.display()))
            && said.contains("no certificate in it")
            && said.contains("BEGIN CERTIFICATE"),
        "{said}"
    );
}
