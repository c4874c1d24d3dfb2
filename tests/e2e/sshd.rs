//! A real OpenSSH server per test, on a free loopback port with its own host key and config,
//! letting in the `wharf` user with the keys in this test's authorized_keys file (written by
//! `wharf keys add --authorized-keys`). Plus the client side: fresh keys, `ssh` and `git`.

use super::harness::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Sshd {
    child: Option<Child>,
    dir: tempfile::TempDir,
    pub port: u16,
}

impl Sshd {
    pub fn start() -> Sshd {
        let user = Command::new("getent")
            .args(["passwd", "wharf"])
            .output()
            .unwrap();
        assert!(
            user.status.success(),
            "the `wharf` user is missing: run scripts/test-deps.sh"
        );
        let sshd = Path::new("/usr/sbin/sshd");
        assert!(sshd.exists(), "sshd is missing: run scripts/test-deps.sh");
        let dir = tempfile::tempdir().unwrap();
        // sshd reads authorized_keys as the `wharf` user.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let host_key = dir.path().join("host_key");
        run_ok(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(&host_key),
        );
        std::fs::create_dir_all("/run/sshd").unwrap();
        let port = free_port();
        let d = dir.path().display();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nUsePAM no\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
             PermitRootLogin no\nAllowUsers wharf\nLogLevel VERBOSE\n"
        );
        let config_path = dir.path().join("sshd_config");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("sshd.log")).unwrap();
        let child = Command::new(sshd)
            .args(["-D", "-e", "-f"])
            .arg(&config_path)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut sshd = Sshd {
            child: Some(child),
            dir,
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = sshd.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("sshd exited with {status}:\n{}", sshd.log());
            }
            assert!(
                Instant::now() < deadline,
                "sshd did not start:\n{}",
                sshd.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        sshd
    }

    pub fn authorized_keys(&self) -> PathBuf {
        self.dir.path().join("authorized_keys")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// `wharf keys ARGS` for this sshd's authorized_keys, with `stdin` as input.
    pub fn keys(&self, d: &Daemon, args: &[&str], stdin: &str) -> Output {
        let mut cmd = Command::new(WHARF);
        cmd.arg("--data-dir")
            .arg(d.data_dir())
            .arg("keys")
            .args(args)
            .env("WHARF_AUTHORIZED_KEYS", self.authorized_keys());
        output_with_stdin(&mut cmd, stdin)
    }

    /// Add `key` under `name`, insisting that it works.
    pub fn add_key(&self, d: &Daemon, name: &str, key: &SshKey) {
        let out = self.keys(d, &["add", name], &key.public());
        assert!(out.status.success(), "keys add failed: {}", stderr(&out));
    }

    /// The address to push to: wharf@127.0.0.1:APP (the port is in GIT_SSH_COMMAND).
    pub fn remote(&self, app: &str) -> String {
        format!("wharf@127.0.0.1:{app}")
    }

    /// `ssh wharf@127.0.0.1 COMMAND` with `key`.
    pub fn ssh(&self, key: &SshKey, command: &str) -> Output {
        Command::new("ssh")
            .args(key.ssh_options(self.port))
            .arg("wharf@127.0.0.1")
            .arg(command)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A fresh ed25519 key pair in a temporary directory.
pub struct SshKey {
    dir: tempfile::TempDir,
}

impl SshKey {
    pub fn new() -> SshKey {
        let dir = tempfile::tempdir().unwrap();
        run_ok(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "test@wharf", "-f"])
                .arg(dir.path().join("id")),
        );
        SshKey { dir }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("id")
    }

    pub fn public(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("id.pub")).unwrap()
    }

    /// `SHA256:...` as ssh-keygen prints it.
    pub fn fingerprint(&self) -> String {
        let out = run_ok(
            Command::new("ssh-keygen")
                .arg("-l")
                .arg("-f")
                .arg(self.dir.path().join("id.pub")),
        );
        stdout(&out).split_whitespace().nth(1).unwrap().to_string()
    }

    fn ssh_options(&self, port: u16) -> Vec<String> {
        vec![
            "-p".into(),
            port.to_string(),
            "-i".into(),
            self.path().display().to_string(),
            "-o".into(),
            "StrictHostKeyChecking=no".into(),
            "-o".into(),
            "UserKnownHostsFile=/dev/null".into(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
            "-o".into(),
            "BatchMode=yes".into(),
            "-o".into(),
            "LogLevel=ERROR".into(),
        ]
    }

    /// GIT_SSH_COMMAND for pushing with this key to `port`.
    pub fn git_ssh_command(&self, port: u16) -> String {
        format!("ssh {}", self.ssh_options(port).join(" "))
    }
}

/// A git work tree holding `app` (an app_dir), committed on `main`.
pub struct Repo {
    pub dir: tempfile::TempDir,
}

impl Repo {
    pub fn new(app: tempfile::TempDir) -> Repo {
        let repo = Repo { dir: app };
        repo.git_ok(&["init", "-q", "-b", "main"], &[]);
        repo.git_ok(&["config", "user.name", "Wharf Test"], &[]);
        repo.git_ok(&["config", "user.email", "test@wharf.invalid"], &[]);
        repo.commit("first");
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, file: &str, text: &str) {
        std::fs::write(self.path().join(file), text).unwrap();
    }

    pub fn commit(&self, message: &str) {
        self.git_ok(&["add", "-A"], &[]);
        self.git_ok(&["commit", "-q", "--allow-empty", "-m", message], &[]);
    }

    pub fn head(&self) -> String {
        stdout(&self.git_ok(&["rev-parse", "HEAD"], &[]))
            .trim()
            .to_string()
    }

    pub fn git(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_ASKPASS")
            .env_remove("SSH_ASKPASS")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    pub fn git_ok(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let out = self.git(args, env);
        assert!(
            out.status.success(),
            "git {args:?} failed:\n{}\n{}",
            stdout(&out),
            stderr(&out)
        );
        out
    }

    /// `git push REMOTE REFSPEC...` over SSH with `key`.
    pub fn push_ssh(&self, sshd: &Sshd, key: &SshKey, app: &str, refspecs: &[&str]) -> Output {
        let remote = sshd.remote(app);
        let mut args = vec!["push", remote.as_str()];
        args.extend_from_slice(refspecs);
        let command = key.git_ssh_command(sshd.port);
        self.git(&args, &[("GIT_SSH_COMMAND", command.as_str())])
    }
}

/// The revision `reference` points at in the server's repository of `app`, if any.
pub fn server_ref(d: &Daemon, app: &str, reference: &str) -> Option<String> {
    let repo = d.data_dir().join("repos").join(format!("{app}.git"));
    let out = Command::new("git")
        .args(["-c", "safe.directory=*", "--git-dir"])
        .arg(repo)
        .args(["rev-parse", "--verify", "-q", reference])
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| stdout(&out).trim().to_string())
}

fn run_ok(command: &mut Command) -> Output {
    let out = command.output().unwrap();
    assert!(out.status.success(), "{command:?} failed: {}", stderr(&out));
    out
}

/// Everything git printed (its progress and the remote's lines go to stderr).
pub fn all_output(out: &Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}
