//! The proxy's access log: a line per request in `logs/access.log` of the data directory (or
//! the file `--access-log` names), never in the daemon's own log; `--access-log off` writes
//! none anywhere.

use super::harness::*;
use std::path::Path;

/// Ask the proxy for a host no app serves (a 404 is logged like any request), then stop the
/// daemon, which flushes its logs.
fn one_request_then_stop(d: &mut Daemon, host: &str) {
    let (status, _) = d.get(host, "/logged").unwrap();
    assert_eq!(status, 404);
    assert!(d.terminate(), "{}", d.log());
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn requests_go_to_the_access_log_file_not_the_daemon_log() {
    let mut d = Daemon::start();
    let host = format!("{}.test", unique("logged"));
    one_request_then_stop(&mut d, &host);
    let access = read(&d.data_dir().join("logs/access.log"));
    assert!(
        access.contains(&host) && access.contains("/logged") && access.contains("404"),
        "access log: {access}"
    );
    let daemon = d.log();
    assert!(!daemon.contains(&host), "in the daemon's log: {daemon}");
    assert!(!daemon.contains("wharf::access"), "{daemon}");
    assert!(daemon.contains("INFO"), "the daemon still logs: {daemon}");
}

#[test]
fn access_log_can_go_elsewhere_or_be_off() {
    let elsewhere = tempfile::tempdir().unwrap();
    let file = elsewhere.path().join("nested/proxy.log");
    let mut d = Daemon::start_with(&["--access-log", file.to_str().unwrap()]);
    let host = format!("{}.test", unique("elsewhere"));
    one_request_then_stop(&mut d, &host);
    assert!(read(&file).contains(&host), "{}", read(&file));
    assert!(!d.data_dir().join("logs/access.log").exists());
    assert!(!d.log().contains(&host));

    let mut d = Daemon::start_with(&["--access-log", "off"]);
    let host = format!("{}.test", unique("off"));
    one_request_then_stop(&mut d, &host);
    assert!(!d.data_dir().join("logs/access.log").exists());
    assert!(!d.log().contains(&host), "{}", d.log());

    // A log that cannot be opened stops the server before it serves, saying what to do.
    let blocker = elsewhere.path().join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let d = Daemon::configured(
        &["--access-log", blocker.join("access.log").to_str().unwrap()],
        &[],
    );
    let out = d.server_command().output().unwrap();
    fails_with(&out, "--access-log off");
}
