//! A second Docker engine of the test's own, so that a test can stop and restart an engine
//! without disturbing the machine's (which every other test uses): its own socket, data and
//! exec roots, containerd (and namespace), bridge and address pool, and no iptables rules.
//! Images reach it with `docker save | docker load`. Dropping it stops it and removes all of it.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SecondEngine {
    dir: tempfile::TempDir,
    bridge: String,
    namespace: String,
    child: Option<Child>,
    /// Networks whose traffic an iptables rule lets pass (removed on drop).
    subnets: Vec<String>,
}

impl SecondEngine {
    /// Start an engine of its own (as root, with `dockerd` installed).
    pub fn start() -> SecondEngine {
        let id = std::process::id();
        let taken = String::from_utf8_lossy(
            &Command::new("ip")
                .args(["-4", "addr"])
                .output()
                .unwrap()
                .stdout,
        )
        .to_string();
        let net = (0..200u32)
            .map(|i| ((id + i) % 200 + 20) as u8)
            .find(|n| !taken.contains(&format!("10.213.{n}.")))
            .expect("a free 10.213.N.0/24");
        let engine = SecondEngine {
            dir: tempfile::Builder::new()
                .prefix("e2")
                .tempdir_in("/tmp")
                .unwrap(),
            bridge: format!("wharfe2e{:x}", id & 0xffff),
            namespace: format!("wharfe2e{id}"),
            child: None,
            subnets: Vec::new(),
        };
        let bridge = &engine.bridge;
        run(&["ip", "link", "add", bridge, "type", "bridge"]);
        run(&[
            "ip",
            "addr",
            "add",
            &format!("10.213.{net}.1/24"),
            "dev",
            bridge,
        ]);
        run(&["ip", "link", "set", bridge, "up"]);
        let mut engine = engine;
        engine.start_again();
        engine
    }

    /// Let traffic pass between the containers of this engine's network `name` (a database
    /// and its apps): the machine's engine drops forwarded traffic it does not know of.
    pub fn allow_network(&mut self, name: &str) {
        let subnet = self.docker_ok(&[
            "network",
            "inspect",
            "-f",
            "{{range .IPAM.Config}}{{.Subnet}}{{end}}",
            name,
        ]);
        let rule = forward_rule(&subnet);
        run(&[
            "iptables", "-I", rule[0], rule[1], rule[2], rule[3], rule[4], rule[5], rule[6],
        ]);
        self.subnets.push(subnet);
    }

    /// `DOCKER_HOST` for this engine.
    pub fn host(&self) -> String {
        format!("unix://{}", self.path("docker.sock").display())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Start the engine (again), with the same options, and wait until it answers.
    pub fn start_again(&mut self) {
        assert!(
            self.try_start(),
            "the second engine did not start:\n{}",
            self.log()
        );
    }

    /// Start the engine; whether it answers within a minute and a half.
    fn try_start(&mut self) -> bool {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path("dockerd.log"))
            .unwrap();
        // No --default-address-pool: with one, a restarting dockerd deletes the interface
        // `docker0` (the machine's engine's bridge, not its own) along with its stale network.
        let child = Command::new("dockerd")
            .arg("-H")
            .arg(self.host())
            .arg("--data-root")
            .arg(self.path("data"))
            .arg("--exec-root")
            .arg(self.path("exec"))
            .arg("--pidfile")
            .arg(self.path("docker.pid"))
            .args([
                "--bridge",
                &self.bridge,
                "--iptables=false",
                "--ip-masq=false",
            ])
            .args(["--containerd-namespace", &self.namespace])
            .args([
                "--containerd-plugins-namespace",
                &format!("{}-plugins", self.namespace),
            ])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn();
        let Ok(child) = child else {
            return false;
        };
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(90);
        while !self.docker(&["info"]).status.success() {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        true
    }

    /// Stop the engine with `signal` (`TERM`: it stops its containers first; `KILL`) and wait
    /// until it has exited.
    pub fn stop(&mut self, signal: &str) {
        let mut child = self.child.take().expect("the engine runs");
        run(&["kill", &format!("-{signal}"), &child.id().to_string()]);
        child.wait().unwrap();
        // Its containerd goes with it, a moment later; a new engine cannot start before.
        let pid_file = self.path("exec/containerd/containerd.pid");
        if let Ok(pid) = std::fs::read_to_string(pid_file) {
            let proc = PathBuf::from(format!("/proc/{}", pid.trim()));
            let deadline = Instant::now() + Duration::from_secs(60);
            while proc.exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    /// Run the docker CLI against this engine.
    pub fn docker(&self, args: &[&str]) -> std::process::Output {
        Command::new("docker")
            .arg("--host")
            .arg(self.host())
            .args(args)
            .output()
            .unwrap()
    }

    /// Run the docker CLI against this engine and insist that it succeeds; its stdout.
    pub fn docker_ok(&self, args: &[&str]) -> String {
        let out = self.docker(args);
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Copy `image` from the machine's engine into this one.
    pub fn load(&self, image: &str) {
        let status = Command::new("sh")
            .arg("-c")
            .arg(r#"docker save "$1" | docker --host "$2" load -q"#)
            .args(["sh", image, &self.host()])
            .status()
            .unwrap();
        assert!(status.success(), "loading {image} into the second engine");
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("dockerd.log")).unwrap_or_default()
    }
}

impl Drop for SecondEngine {
    fn drop(&mut self) {
        if self.child.is_none() {
            // Stopped by a test that failed before starting it again: its containers may
            // still run (a killed engine leaves them), and only the engine stops them.
            self.try_start();
        }
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
        // The engine leaves its data root (and, if killed, more) mounted.
        let root = self.dir.path().display().to_string();
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
        let mut mine: Vec<&str> = mounts
            .lines()
            .filter_map(|line| line.split(' ').nth(1))
            .filter(|target| target.starts_with(&root))
            .collect();
        mine.sort_by_key(|target| std::cmp::Reverse(target.len()));
        for target in mine {
            let _ = Command::new("umount").args(["-l", target]).status();
        }
        let _ = Command::new("ip")
            .args(["link", "del", &self.bridge])
            .status();
        for subnet in &self.subnets {
            let _ = Command::new("iptables")
                .arg("-D")
                .args(forward_rule(subnet))
                .status();
        }
    }
}

fn run(args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The FORWARD rule (after `-I`/`-D`) that accepts traffic within `subnet`.
fn forward_rule(subnet: &str) -> [&str; 7] {
    ["FORWARD", "-s", subnet, "-d", subnet, "-j", "ACCEPT"]
}
