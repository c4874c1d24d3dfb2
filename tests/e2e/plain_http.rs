//! No API token crosses the network in clear by default: a server started without
//! --api-listen serves its plain HTTP API on loopback only, and the CLI refuses to send a token
//! over plain http to an address that is not loopback (sending nothing at all) unless told
//! `--insecure`. The docker0 bridge address 172.17.0.1 is this machine's own non-loopback
//! address.

use super::harness::*;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BRIDGE: [u8; 4] = [172, 17, 0, 1];

/// `wharf ARGS` as a remote client, with no token or server from the environment. A client
/// that hangs (it connected to a listener that never answers) fails the test.
fn client(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(WHARF)
        .args(args)
        .env_remove("WHARF_TOKEN")
        .env_remove("WHARF_SERVER")
        .env_remove("WHARF_INSECURE")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("wharf {args:?} hung: it connected and waited for an answer");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn the_default_api_listener_is_loopback_only() {
    // The harness always names its API address; this server gets the default instead.
    let dir = tempfile::tempdir().unwrap();
    let http = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let mut server = Command::new(WHARF)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["server", "--http-listen", &http.to_string()])
        .args(["--https-listen", "none", "--acme-directory", "off"])
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let default_api = SocketAddr::from(([127, 0, 0, 1], 7070));
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(default_api).is_err() {
        let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
        assert!(
            server.try_wait().unwrap().is_none(),
            "wharf server exited:\n{log}"
        );
        assert!(Instant::now() < deadline, "no API on {default_api}:\n{log}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let outside =
        TcpStream::connect_timeout(&SocketAddr::from((BRIDGE, 7070)), Duration::from_secs(2));
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(
        outside.is_err(),
        "the API answered on the docker0 address, not only on loopback"
    );
}

#[test]
fn the_cli_sends_no_token_over_plain_http_beyond_loopback() {
    // A listener on a non-loopback address of this machine records whether anything arrives.
    let listener = TcpListener::bind(SocketAddr::from((BRIDGE, 0))).unwrap();
    listener.set_nonblocking(true).unwrap();
    let server = format!("http://{}", listener.local_addr().unwrap());
    let app = app_dir("# wharf.app = clear", "never sent");
    let path = app.path().to_str().unwrap();

    let refused = [
        client(&["push", &server, path, "--token", "wharf_secret"], &[]),
        client(
            &["apps", "--server", &server],
            &[("WHARF_TOKEN", "wharf_secret")],
        ),
        client(
            &["push", &server.replace("http://", ""), path],
            &[("WHARF_TOKEN", "wharf_secret"), ("WHARF_INSECURE", "0")],
        ),
    ];
    for out in &refused {
        fails_with(out, "over plain http");
        let err = stderr(out);
        assert!(
            err.contains("https://NAME") && err.contains("ssh -N -L") && err.contains("--insecure"),
            "the refusal offers HTTPS, SSH and --insecure: {err}"
        );
        assert!(!err.contains("wharf_secret"), "{err}");
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        listener.accept().is_err(),
        "the CLI connected although it refused to send"
    );
}

#[test]
fn with_insecure_the_cli_talks_to_a_server_listening_beyond_loopback() {
    let api = SocketAddr::from((BRIDGE, free_port()));
    let d = Daemon::start_with(&["--api-listen", &api.to_string()]);
    let token = d.wharf_ok(&["tokens", "create", "lan"]).trim().to_string();
    let server = format!("http://{api}");

    let out = client(&["apps", "--server", &server, "--token", &token], &[]);
    fails_with(&out, "over plain http");
    let out = client(
        &["apps", "--server", &server, "--token", &token, "--insecure"],
        &[],
    );
    assert!(out.status.success(), "{}\n{}", stderr(&out), d.log());
    let out = client(
        &["apps", "--server", &server],
        &[("WHARF_TOKEN", &token), ("WHARF_INSECURE", "1")],
    );
    assert!(out.status.success(), "{}\n{}", stderr(&out), d.log());
}
