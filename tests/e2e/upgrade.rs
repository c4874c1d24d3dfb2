//! Upgrading Wharf itself: a server that the previous release (the newest `v*` tag behind this
//! checkout, built by scripts/previous-release.sh) set up with apps, releases, a database
//! service and a certificate is upgraded in place, as a package does it: the binary is
//! replaced, then the running daemon is told to restart (SIGUSR2; systemd's restart with the
//! sockets it holds is tested in handover.rs). Not one request fails, the store is migrated,
//! everything made before is there and works; then the previous binary, started on the
//! upgraded data, refuses clearly and changes nothing.

use super::handover::{Successor, load, no_request_failed, successor_of, upgrade_signal};
use super::harness::*;
use super::tls::{Ca, https_get};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The previous release's binary and its tag.
fn previous_release() -> (PathBuf, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/previous");
    let binary = dir.join("wharf");
    let version = std::fs::read_to_string(dir.join("version")).unwrap_or_default();
    assert!(
        binary.exists() && !version.is_empty(),
        "no previous release at {}: run scripts/previous-release.sh (scripts/test.sh does)",
        binary.display()
    );
    (binary, version.trim().to_string())
}

/// Run the CLI at `binary` against `d`.
fn cli(binary: &Path, d: &Daemon, args: &[&str]) -> Output {
    Command::new(binary)
        .arg("--data-dir")
        .arg(d.data_dir())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn cli_ok(binary: &Path, d: &Daemon, args: &[&str]) -> String {
    let out = cli(binary, d, args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "wharf {args:?} failed:\n{text}");
    text
}

/// `d`'s server command with `binary` as the program, without the options (each with its
/// value) that `binary` does not know: the harness passes some an older Wharf never had.
fn server_with(binary: &Path, d: &Daemon) -> Command {
    let help = Command::new(binary)
        .args(["server", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let server = d.server_command();
    let mut args = server.get_args().map(|a| a.to_string_lossy().into_owned());
    let mut command = Command::new(binary);
    while let Some(arg) = args.next() {
        if arg.starts_with("--") && !arg.starts_with("--data-dir") && !help.contains(&arg) {
            args.next();
            continue;
        }
        command.arg(arg);
    }
    command
}

/// The version the daemon's API reports.
fn server_version(d: &Daemon) -> String {
    let (status, body) = d.api_get("/v1/status");
    assert_eq!(status, 200, "{body}");
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    status["version"].as_str().unwrap_or_default().to_string()
}

/// The schema version recorded in the daemon's store.
fn schema_version(d: &Daemon) -> i64 {
    let db = rusqlite::Connection::open_with_flags(
        d.data_dir().join("wharf.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    db.query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap()
}

#[test]
fn a_server_made_by_the_previous_release_upgrades_in_place_and_refuses_to_go_back() {
    let (previous, tag) = previous_release();
    // The binary the daemon runs from, as /usr/bin/wharf is: replaced by the upgrade.
    let bin = tempfile::tempdir().unwrap();
    let installed = bin.path().join("wharf");
    std::fs::copy(&previous, &installed).unwrap();

    let mut d = Daemon::configured(&[], &[]);
    d.spawn_from(server_with(&installed, &d));
    let old_version = server_version(&d);
    assert_ne!(old_version, env!("CARGO_PKG_VERSION"), "{tag}");
    let old_schema = schema_version(&d);

    // What a user of the previous release has: an app with releases and a linked
    // database, a certificate of their own.
    let app = unique("upgraded");
    // Plain HTTP on one name (a name with a certificate redirects to HTTPS), HTTPS on another.
    let domain = format!("{app}.example.com");
    let secure = format!("secure-{app}.example.com");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}, {secure}\n# wharf.scale = 1"),
        "first",
    );
    cli_ok(&installed, &d, &["deploy", &dir.path().to_string_lossy()]);
    std::fs::write(dir.path().join("www/index.html"), "steady").unwrap();
    cli_ok(&installed, &d, &["deploy", &dir.path().to_string_lossy()]);
    d.wait_for_body(&domain, "steady");
    let db = unique("upgradedb");
    cli_ok(&installed, &d, &["services", "create", "redis", &db]);
    cli_ok(&installed, &d, &["services", "link", &db, &app]);
    let ca = Ca::new();
    let (chain, key) = ca.issue(&[&secure], 4242, (-1, 30));
    cli_ok(
        &installed,
        &d,
        &["certs", "add", &secure, "--cert", &chain, "--key", &key],
    );

    // The upgrade, under load: the new binary replaces the old file (a rename, as dpkg and
    // install do), then the daemon restarts itself from it.
    let stop = Arc::new(AtomicBool::new(false));
    let clients =
        [true, false].map(|keep_alive| load(d.http, domain.clone(), keep_alive, stop.clone()));
    std::thread::sleep(Duration::from_secs(1));
    let staged = bin.path().join("wharf.new");
    std::fs::copy(WHARF, &staged).unwrap();
    std::fs::rename(&staged, &installed).unwrap();
    let old = upgrade_signal(&d);
    let successor: Successor = successor_of(&mut d, old);
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    no_request_failed(&d, clients);

    // The new version serves, on a migrated store, everything made before.
    assert_eq!(server_version(&d), env!("CARGO_PKG_VERSION"));
    let new_schema = schema_version(&d);
    assert!(
        new_schema > old_schema,
        "{tag} left schema {old_schema}; this version's is {new_schema}"
    );
    assert!(
        d.log()
            .contains(&format!("applied schema migration version={new_schema}")),
        "{}",
        d.log()
    );
    let releases = d.wharf_json(&["releases", &app]);
    // Two deploys, and the link's new config.
    assert_eq!(releases.as_array().map(Vec::len), Some(3), "{releases}");
    assert_eq!(releases[0]["status"], "active", "{releases}");
    let services = d.wharf_ok(&["services"]);
    assert!(services.contains(&db), "{services}");
    let vars = d.config_vars(&app);
    assert!(vars.contains_key("REDIS_URL"), "{vars:?}");
    let answer = https_get(&ca, d.https, &secure, &[b"http/1.1"], "/").unwrap();
    assert_eq!((answer.status, answer.body.as_str()), (200, "steady"));
    assert_eq!(answer.serial, format!("{:x}", 4242), "{answer:?}");
    // And the releases made before still roll back.
    d.wharf_ok(&["rollback", &app, "v1"]);
    d.wait_for_body(&domain, "first");

    // Going back: the previous binary refuses the newer store, saying what to do, and
    // leaves it as it was.
    drop(successor);
    let out = server_with(&previous, &d)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("written by a newer Wharf"), "{said}");
    assert!(said.contains("upgrade wharf"), "{said}");
    assert_eq!(schema_version(&d), new_schema);
    // The new version starts on it again.
    d.spawn();
    d.wait_for_body(&domain, "first");
}
