//! Several machines with Docker on this one, for cluster tests: each node is a container of
//! the image `wharf-test-node:1` (scripts/node-image.sh) running its own Docker engine, on a
//! network the test creates. Each node's engine socket is bind-mounted out to a directory of
//! the test's, so the test and a Wharf daemon on the host reach it with
//! `DOCKER_HOST=unix:///...` ([`Node::host`]). Every Swarm operation happens between these
//! engines: the machine's own engine never joins a Swarm. Dropping the cluster removes its
//! containers (with their engines' data volumes) and its network.
//!
//! The nodes run without `--privileged`: this machine's own engine may lack a capability
//! (CAP_SYS_RESOURCE) that `--privileged` would grant, which makes every privileged container
//! fail to start. They get every other capability, no seccomp or AppArmor profile, every
//! device and a cgroup namespace of their own, which is what an engine inside needs.
//!
//! A Wharf daemon runs on its manager, and reaches the containers there (apps on a single
//! server) at their addresses on the manager's bridge networks. Here the daemon runs on this
//! machine, outside node1: [`Cluster::start_reachable`] gives node1's engine bridge networks
//! in a /16 of its own ([`reachable_networks`]), routes it here through node1 and lets node1
//! forward to them, for as long as the cluster lives.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The nodes' image, built by scripts/node-image.sh (from scripts/test-deps.sh).
pub const NODE_IMAGE: &str = "wharf-test-node:1";

/// The second byte of the address pool of node1's bridge networks in
/// [`Cluster::start_reachable`], `10.B.0.0/16`, routed from this machine to node1: apart from
/// this machine's own engine's pools (172.17.0.0/16 up) and the Swarm's overlay pool (it gives
/// out 10.0.0.0/24, 10.0.1.0/24... first), and picked from 50 by the cluster's name, so that
/// test runs side by side on one machine (each routing its own) rarely share one.
fn reachable_networks(cluster: &str) -> u8 {
    let sum = cluster.bytes().fold(0u32, |sum, b| {
        sum.wrapping_mul(31).wrapping_add(u32::from(b))
    });
    200 + (sum % 50) as u8
}

/// The label on every container and network a cluster test creates.
const LABEL: &str = "wharf.e2e.cluster";

pub struct Cluster {
    network: String,
    nodes: Vec<Node>,
    /// Holds each node's socket directory.
    _dir: tempfile::TempDir,
    /// The pool this machine routes to node1 (`10.B.0.0/16`), to be undone.
    routed: Option<String>,
}

pub struct Node {
    /// The container's name.
    pub container: String,
    /// Its hostname: the node's name in the cluster until Wharf names it otherwise.
    pub hostname: String,
    socket_dir: PathBuf,
}

impl Cluster {
    /// Start `count` nodes named `node1`, `node2`, ... (their hostnames) and wait until each
    /// node's engine answers.
    pub fn start(count: usize) -> Cluster {
        Cluster::start_nodes(count, false)
    }

    /// As [`Cluster::start`], and this machine reaches the containers on node1's bridge
    /// networks at their addresses, as a daemon on the manager would.
    pub fn start_reachable(count: usize) -> Cluster {
        let mut cluster = Cluster::start_nodes(count, true);
        let node1 = cluster.node(1);
        node1.exec_ok(&["iptables", "-I", "DOCKER-USER", "-j", "ACCEPT"]);
        let pool = format!("10.{}.0.0/16", reachable_networks(&cluster.network));
        let route = Command::new("ip")
            .args(["route", "replace", &pool, "via", &node1.address()])
            .output()
            .unwrap();
        assert!(
            route.status.success(),
            "routing {pool} to node1: {}",
            String::from_utf8_lossy(&route.stderr)
        );
        cluster.routed = Some(pool);
        cluster
    }

    fn start_nodes(count: usize, reachable: bool) -> Cluster {
        let present = docker(&["image", "inspect", NODE_IMAGE]);
        assert!(
            present.status.success(),
            "the image {NODE_IMAGE} is missing: build it with scripts/node-image.sh (scripts/test-deps.sh does)"
        );
        let id = crate::e2e::harness::unique("wharf-e2e-cluster");
        let dir = tempfile::Builder::new()
            .prefix("wharf-cluster")
            .tempdir_in("/tmp")
            .unwrap();
        docker_ok(&["network", "create", "--label", LABEL, &id]);
        let mut cluster = Cluster {
            network: id.clone(),
            nodes: Vec::new(),
            _dir: dir,
            routed: None,
        };
        for n in 1..=count {
            let hostname = format!("node{n}");
            let socket_dir = cluster._dir.path().join(&hostname);
            std::fs::create_dir(&socket_dir).unwrap();
            let node = Node {
                container: format!("{id}-{hostname}"),
                hostname,
                socket_dir,
            };
            let daemon_json = (reachable && n == 1).then(|| {
                let path = cluster._dir.path().join("daemon.json");
                let b = reachable_networks(&id);
                let pools = format!(
                    r#"{{"bip": "10.{b}.255.1/24", "default-address-pools": [{{"base": "10.{b}.0.0/16", "size": 24}}]}}"#
                );
                std::fs::write(&path, pools).unwrap();
                path
            });
            node.run(&cluster.network, daemon_json.as_deref());
            cluster.nodes.push(node);
        }
        for node in &cluster.nodes {
            node.wait_for_engine();
        }
        cluster
    }

    /// The `n`th node, from 1.
    pub fn node(&self, n: usize) -> &Node {
        &self.nodes[n - 1]
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
}

impl Node {
    /// Start the node's container; its engine reads `daemon_json` when given.
    fn run(&self, network: &str, daemon_json: Option<&std::path::Path>) {
        let sockets = format!("{}:/run/wharf-node", self.socket_dir.display());
        let mut args = vec![
            "run",
            "-d",
            "--name",
            &self.container,
            "--hostname",
            &self.hostname,
            "--label",
            LABEL,
            "--network",
            network,
            "--cgroupns",
            "private",
            "--cap-add",
            "ALL",
            "--cap-drop",
            "SYS_RESOURCE",
            "--security-opt",
            "seccomp=unconfined",
            "--security-opt",
            "apparmor=unconfined",
            "--security-opt",
            "systempaths=unconfined",
            "--device-cgroup-rule",
            "a *:* rwm",
            // The engine's data on the host's disk, where overlay2 works; removed with the
            // container (`rm -v`).
            "-v",
            "/var/lib/docker",
            "-v",
            &sockets,
        ];
        let config =
            daemon_json.map(|path| format!("{}:/etc/docker/daemon.json:ro", path.display()));
        if let Some(config) = &config {
            args.extend(["-v", config]);
        }
        args.push(NODE_IMAGE);
        docker_ok(&args);
    }

    fn wait_for_engine(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !self.docker(&["info"]).status.success() {
            assert!(
                Instant::now() < deadline,
                "node {}'s engine did not answer within 2 minutes:\n{}",
                self.hostname,
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// `DOCKER_HOST` for this node's engine.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket_dir.join("docker.sock").display())
    }

    /// Run the docker CLI against this node's engine, from the host.
    pub fn docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .arg("--host")
            .arg(self.host())
            .args(args)
            .output()
            .unwrap()
    }

    /// Run `args` inside the node (as a command on that machine would run).
    pub fn exec(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .args(["exec", &self.container])
            .args(args)
            .output()
            .unwrap()
    }

    /// Run the shell script `script` inside the node, as root, and insist that it succeeds.
    pub fn exec_script(&self, script: &str) {
        use std::io::Write;
        let mut child = Command::new("docker")
            .args(["exec", "-i", &self.container, "sh"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "on {}: {script}\n{}{}",
            self.hostname,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Run `args` inside the node and insist that it succeeds; its stdout.
    pub fn exec_ok(&self, args: &[&str]) -> String {
        let out = self.exec(args);
        assert!(
            out.status.success(),
            "on {}: {args:?}: {}{}",
            self.hostname,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Its address on the cluster's network.
    pub fn address(&self) -> String {
        docker_ok(&[
            "inspect",
            "-f",
            "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
            &self.container,
        ])
    }

    /// Put `image`, from the machine's own engine, on this node's engine.
    pub fn load_image(&self, image: &str) {
        let load = Command::new("sh")
            .arg("-c")
            .arg(r#"docker save "$1" | docker --host "$2" load -q"#)
            .args(["sh", image, &self.host()])
            .output()
            .unwrap();
        assert!(
            load.status.success(),
            "loading {image} into {}: {}",
            self.hostname,
            String::from_utf8_lossy(&load.stderr)
        );
    }

    /// Whether this node's engine runs a container whose ID starts with `prefix` (a
    /// container's default hostname is the start of its ID).
    pub fn runs_container(&self, prefix: &str) -> bool {
        let out = self.docker(&["ps", "-q", "--no-trunc"]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|id| id.starts_with(prefix))
    }

    /// Kill the node's container at once, as a machine that loses power or its network: its
    /// engine and tasks are gone without a goodbye to the Swarm.
    pub fn kill(&self) {
        docker_ok(&["kill", &self.container]);
    }

    /// Its engine's Swarm state: `inactive`, `pending`, `active`...
    pub fn swarm_state(&self) -> String {
        let out = self.docker(&["info", "--format", "{{.Swarm.LocalNodeState}}"]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn logs(&self) -> String {
        let out = docker(&["logs", "--tail", "50", &self.container]);
        let dockerd = self.exec(&["tail", "-n", "30", "/var/log/dockerd.log"]);
        format!(
            "{}{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&dockerd.stdout)
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(pool) = &self.routed {
            let _ = Command::new("ip").args(["route", "del", pool]).output();
        }
        for node in &self.nodes {
            let _ = docker(&["rm", "-f", "-v", &node.container]);
        }
        let _ = docker(&["network", "rm", &self.network]);
    }
}

/// The machine's own docker CLI.
fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().unwrap()
}

fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
