//! Restarting or upgrading Wharf under load fails no request. With systemd, its listening
//! sockets are held by systemd (`wharf.socket`; here the test plays systemd and hands them over
//! through LISTEN_FDS), so connections made while no Wharf runs wait in the socket's queue.
//! Without, SIGUSR2 starts the binary anew with the sockets handed over, and the old process
//! stops once the new one serves. Two clients keep sending requests meanwhile, one on
//! kept-alive connections and one with a new connection per request; not one may fail.

use super::harness::*;
use command_fds::{CommandFdExt, FdMapping};
use std::net::{SocketAddr, TcpListener};
use std::os::fd::OwnedFd;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// `wharf server` as systemd starts a socket-activated service: the sockets as fds 3 and on,
/// LISTEN_FDS and LISTEN_PID (the pid of the process itself, hence the `exec` in a shell).
fn socket_activated(d: &Daemon, sockets: &[&TcpListener]) -> Command {
    let server = d.server_command();
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(r#"export LISTEN_PID=$$; exec "$0" "$@""#)
        .arg(server.get_program())
        .args(server.get_args())
        .env("LISTEN_FDS", sockets.len().to_string());
    for (key, value) in server.get_envs() {
        if let Some(value) = value {
            command.env(key, value);
        }
    }
    let mappings = sockets
        .iter()
        .enumerate()
        .map(|(i, socket)| FdMapping {
            parent_fd: OwnedFd::from(socket.try_clone().unwrap()),
            child_fd: 3 + i as i32,
        })
        .collect();
    command.fd_mappings(mappings).unwrap();
    command
}

/// Send requests in a loop until `stop`; (answered with the body, failures).
pub(super) fn load(
    proxy: SocketAddr,
    domain: String,
    keep_alive: bool,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<(u64, Vec<String>)> {
    spawn_on_runtime(async move {
        let (mut ok, mut failures) = (0u64, Vec::new());
        let deadline = Instant::now() + Duration::from_secs(600);
        let mut client = http_client();
        while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
            if !keep_alive {
                client = http_client();
            }
            match get_with(&client, proxy, &domain, "/").await {
                Ok((200, body)) if body == "steady" => ok += 1,
                other => failures.push(format!("{other:?}")),
            }
        }
        (ok, failures)
    })
}

#[test]
fn restarts_with_sockets_held_by_a_supervisor_fail_no_request() {
    let mut d = Daemon::configured(&[], &[]);
    let http = TcpListener::bind(d.http).unwrap();
    let https = TcpListener::bind(d.https).unwrap();
    d.spawn_from(socket_activated(&d, &[&http, &https]));
    let app = unique("held");
    let domain = format!("{app}.example.com");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 1"),
        "steady",
    );
    d.deploy_ok(dir.path());
    assert!(
        d.log().contains("listening socket handed over"),
        "{}",
        d.log()
    );

    let stop = Arc::new(AtomicBool::new(false));
    let clients =
        [true, false].map(|keep_alive| load(d.http, domain.clone(), keep_alive, stop.clone()));
    std::thread::sleep(Duration::from_secs(1));
    for _ in 0..2 {
        // `systemctl restart wharf`: stop the service, start it again; the sockets stay.
        let old = d.pid();
        assert!(d.terminate(), "clean exit:\n{}", d.log());
        d.spawn_from(socket_activated(&d, &[&http, &https]));
        assert_ne!(d.pid(), old);
        std::thread::sleep(Duration::from_secs(2));
    }
    stop.store(true, Ordering::Relaxed);
    no_request_failed(&d, clients);
}

/// Stops a process this test did not start directly (a successor Wharf) when dropped.
pub(super) struct Successor(pub(super) u32);

impl Drop for Successor {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(120);
        // Gone, or a zombie nobody reaps (its parent was the process it took over from).
        while std::fs::read_to_string(format!("/proc/{}/stat", self.0))
            .is_ok_and(|stat| !stat.contains(") Z "))
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn an_upgrade_by_sigusr2_hands_the_sockets_over_and_fails_no_request() {
    let mut d = Daemon::start();
    let app = unique("upgrade");
    let domain = format!("{app}.example.com");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 1"),
        "steady",
    );
    d.deploy_ok(dir.path());

    let stop = Arc::new(AtomicBool::new(false));
    let clients =
        [true, false].map(|keep_alive| load(d.http, domain.clone(), keep_alive, stop.clone()));
    std::thread::sleep(Duration::from_secs(1));
    let old = upgrade_signal(&d);
    let _successor = successor_of(&mut d, old);
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    no_request_failed(&d, clients);
    // The successor serves the API too, on the socket it bound in its predecessor's place.
    assert!(d.wharf_ok(&["apps"]).contains(&app));
    std::fs::write(dir.path().join("www/index.html"), "upgraded").unwrap();
    d.deploy_ok(dir.path());
    d.wait_for_body(&domain, "upgraded");
}

/// Send the daemon SIGUSR2 (start the binary at its path anew and hand over); its pid.
pub(super) fn upgrade_signal(d: &Daemon) -> u32 {
    let old = d.pid();
    let sent = Command::new("kill")
        .args(["-USR2", &old.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    old
}

/// Wait until the daemon `old` has handed over and exited; its successor, stopped on drop.
pub(super) fn successor_of(d: &mut Daemon, old: u32) -> Successor {
    // The old process stops by itself once its successor serves.
    assert!(
        d.wait_for_exit(),
        "the old process exited cleanly:\n{}",
        d.log()
    );
    let log = d.log();
    let successor = log
        .lines()
        .filter(|line| line.contains("wharf is ready"))
        .filter_map(|line| {
            line.split("pid=")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse::<u32>()
                .ok()
        })
        .find(|pid| *pid != old)
        .unwrap_or_else(|| panic!("no successor is ready:\n{log}"));
    Successor(successor)
}

/// Every request of the stopped `clients` was answered, and they sent enough to tell.
pub(super) fn no_request_failed(
    d: &Daemon,
    clients: [tokio::task::JoinHandle<(u64, Vec<String>)>; 2],
) {
    for client in clients {
        let (ok, failures) = block_on(client).unwrap();
        assert!(
            failures.is_empty(),
            "{} of {} requests failed: {:?}\n{}",
            failures.len(),
            ok as usize + failures.len(),
            &failures[..failures.len().min(10)],
            d.log()
        );
        assert!(ok > 20, "the client kept sending requests ({ok})");
    }
}
