//! scripts/install.sh on a machine without systemd (forced with WHARF_NO_SYSTEMD=1), with this
//! build's binary, a temporary data directory and loopback ports: it gives what `wharf init`
//! gives (the `wharf` group owning the socket, the first API token, printed once), starts the
//! server, deploys the example app, and says how to stop the server; the token works.

use super::harness::*;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Stops the server the script started, and removes its example app, whatever happens.
struct Installed {
    data_dir: PathBuf,
    binary: PathBuf,
}

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = Command::new(&self.binary)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(["apps", "destroy", "hello", "--confirm", "hello"])
            .output();
        if let Ok(pid) = std::fs::read_to_string(self.data_dir.join("wharf.pid")) {
            let _ = Command::new("kill").args(["-TERM", pid.trim()]).status();
        }
    }
}

/// Whether process `pid` runs (a zombie, left for whoever adopted it to reap, does not).
pub fn running(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z'))
    })
}

fn group_of(path: &Path) -> String {
    let out = Command::new("stat")
        .args(["-c", "%G"])
        .arg(path)
        .output()
        .unwrap();
    stdout(&out).trim().to_string()
}

#[test]
fn without_systemd_the_install_script_sets_up_what_init_would() {
    let root = tempfile::tempdir().unwrap();
    let data_dir = root.path().join("data");
    let bin_dir = root.path().join("bin");
    let http = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let api = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh");
    let _installed = Installed {
        data_dir: data_dir.clone(),
        binary: bin_dir.join("wharf"),
    };
    let out = Command::new("bash")
        .arg(&script)
        .env("WHARF_NO_SYSTEMD", "1")
        .env("WHARF_BINARY", WHARF)
        .env("WHARF_BIN_DIR", &bin_dir)
        .env("WHARF_DATA_DIR", &data_dir)
        .env("WHARF_HTTP_LISTEN", http.to_string())
        .env("WHARF_HTTPS_LISTEN", "none")
        .env("WHARF_API_LISTEN", api.to_string())
        .env("WHARF_LOG_FILE", root.path().join("wharf.log"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let log = std::fs::read_to_string(root.path().join("wharf.log")).unwrap_or_default();
    let printed = format!("{}{}", stdout(&out), stderr(&out));
    assert!(out.status.success(), "{printed}\nserver log:\n{log}");

    // The first token, printed once, and never in the server's log.
    let tokens: Vec<&str> = printed
        .split_whitespace()
        .filter(|w| w.starts_with("wharf_"))
        .collect();
    assert_eq!(tokens.len(), 1, "{printed}");
    let token = tokens[0];
    assert!(!log.contains(token));
    // The wharf user and group exist, and the group may use the socket.
    assert!(Command::new("id").arg("wharf").status().unwrap().success());
    assert_eq!(group_of(&data_dir.join("wharf.sock")), "wharf");
    // How to stop it is said, and works with the pid file it names.
    assert!(printed.contains("kill -TERM"), "{printed}");
    assert!(printed.contains("example app answers"), "{printed}");
    // The dashboard's address and its first user, whose password (printed once by init) is
    // never in the server's log.
    assert!(
        printed.contains(&format!("dashboard is at http://{api}/")),
        "{printed}"
    );
    let password = printed
        .lines()
        .skip_while(|l| !l.contains("dashboard user `admin`"))
        .nth(1)
        .map(str::trim)
        .unwrap_or_else(|| panic!("no dashboard password printed:\n{printed}"));
    assert!(password.len() >= 12, "{printed}");
    assert!(!log.contains(password));

    let listed = Command::new(bin_dir.join("wharf"))
        .args([
            "apps",
            "--server",
            &format!("http://{api}"),
            "--token",
            token,
        ])
        .output()
        .unwrap();
    assert!(stdout(&listed).contains("hello"), "{}", stderr(&listed));

    let pid = std::fs::read_to_string(data_dir.join("wharf.pid")).unwrap();
    Command::new(bin_dir.join("wharf"))
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["apps", "destroy", "hello", "--confirm", "hello"])
        .output()
        .unwrap();
    assert!(
        Command::new("kill")
            .args(["-TERM", pid.trim()])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while running(pid.trim()) {
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
