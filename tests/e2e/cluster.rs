//! A cluster made by Wharf's own commands on three real Docker engines (containers of
//! `wharf-test-node:1`, see `cluster_harness`): a daemon on the host drives node 1's engine,
//! `wharf cluster init` makes it a Swarm manager without restarting what runs there, one node
//! joins by the printed command and one over SSH with a key, and `wharf nodes` lists, labels,
//! drains, activates and removes them. The machine's own engine stays out of every Swarm.

use super::cluster_apps::join;
use super::cluster_harness::Cluster;
use super::harness::{Daemon, fails_with, stdout};
use super::token_scopes::remote;
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn a_server_grows_into_a_three_node_cluster_by_command() {
    let cluster = Cluster::start(3);
    let (node1, node2, node3) = (cluster.node(1), cluster.node(2), cluster.node(3));
    let mut d = Daemon::configured(&[], &[("DOCKER_HOST", &node1.host())]);
    d.spawn();

    // A single server: no cluster, and the node commands say how to make one.
    let status = d.wharf_ok(&["cluster", "status"]);
    assert!(status.contains("Not a cluster"), "{status}");
    fails_with(&d.wharf(&["nodes"]), "wharf cluster init");

    // Something already running on the server keeps running through the init, untouched.
    // (The registry's image too: this machine cannot pull, and `cluster init` starts it.)
    node1.load_image("busybox:latest");
    node1.load_image("registry:2");
    let running = node1.docker(&["run", "-d", "busybox:latest", "sleep", "3600"]);
    assert!(running.status.success(), "{}", stdout(&running));
    let running = stdout(&running).trim().to_string();
    let started = |c: &str| {
        stdout(&node1.docker(&[
            "inspect",
            "-f",
            "{{.State.StartedAt}} {{.State.Running}}",
            c,
        ]))
    };
    let before = started(&running);

    // A bad address is refused with the reason, before the engine is touched.
    fails_with(
        &d.wharf(&["cluster", "init", "--advertise-addr", "10.0.0.1;true"]),
        "not an address to advertise",
    );
    let init = d.wharf_ok(&["cluster", "init"]);
    assert!(init.contains("now a cluster manager"), "{init}");
    assert_eq!(node1.swarm_state(), "active");
    assert_eq!(
        started(&running),
        before,
        "the running container was restarted"
    );
    let again = d.wharf_ok(&["cluster", "init"]);
    assert!(again.contains("already is a cluster manager"), "{again}");

    // The registry the nodes pull images from runs on this server, on its cluster address.
    let registry = format!("{}:5000", node1.address());
    let status = d.wharf_ok(&["cluster", "status"]);
    assert!(
        status.contains(&format!("Registry:    {registry}")),
        "{status}"
    );

    // Node 2 joins by the script `nodes add` prints, run on that machine: its engine gets the
    // registry's CA and a client certificate, then joins.
    join(&d, node2);
    let certs = format!("/etc/docker/certs.d/{registry}");
    assert_eq!(
        node2.exec_ok(&["stat", "-c", "%a %n", &format!("{certs}/client.key")]),
        format!("600 {certs}/client.key")
    );
    // The registry lets in only a client with a certificate of the cluster's CA: a node's is
    // accepted (and the registry's own certificate checks against that CA), none is refused.
    let pem = tempfile::tempdir().unwrap();
    for file in ["ca.crt", "client.cert", "client.key"] {
        let contents = node2.exec_ok(&["cat", &format!("{certs}/{file}")]);
        std::fs::write(pem.path().join(file), contents + "\n").unwrap();
    }
    let url = format!("https://{registry}/v2/");
    let with_node_cert = Command::new("curl")
        .args(["-sS", "--max-time", "10", "--cacert"])
        .arg(pem.path().join("ca.crt"))
        .arg("--cert")
        .arg(pem.path().join("client.cert"))
        .arg("--key")
        .arg(pem.path().join("client.key"))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        with_node_cert.status.success() && stdout(&with_node_cert).trim() == "{}",
        "{}{}",
        stdout(&with_node_cert),
        String::from_utf8_lossy(&with_node_cert.stderr)
    );
    let without = Command::new("curl")
        .args(["-sS", "--max-time", "10", "--cacert"])
        .arg(pem.path().join("ca.crt"))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        !without.status.success(),
        "a client without a certificate got in: {}",
        stdout(&without)
    );
    // A name already in the cluster is refused.
    fails_with(
        &d.wharf(&["nodes", "add", "node2"]),
        "already in the cluster",
    );
    fails_with(&d.wharf(&["nodes", "add", "bad/name"]), "not a node name");

    // Node 3 joins over SSH with a key (batch mode), and gets the name given.
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("id_ed25519");
    let keygen = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(keygen.success());
    let public = std::fs::read_to_string(keys.path().join("id_ed25519.pub")).unwrap();
    let copied = Command::new("docker")
        .args(["exec", "-i", &node3.container, "sh", "-c"])
        .arg("cat > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(public.as_bytes())?;
            child.wait()
        })
        .unwrap();
    assert!(copied.success());
    let target = format!("root@{}", node3.address());
    // A target that could pass for an ssh option is refused before anything runs.
    fails_with(
        &d.wharf(&["nodes", "add", "web-3", "--ssh", "root@-oProxyCommand=x"]),
        "not an SSH target",
    );
    let joined = d.wharf_ok(&[
        "nodes",
        "add",
        "web-3",
        "--ssh",
        &target,
        "--ssh-key",
        key.to_str().unwrap(),
        // This machine's own known_hosts is left alone.
        "--ssh-option",
        "UserKnownHostsFile=/dev/null",
    ]);
    assert!(joined.contains("Node web-3"), "{joined}");
    assert_eq!(node3.swarm_state(), "active");
    let files = node3.exec_ok(&["ls", &certs]);
    assert_eq!(
        files.split_whitespace().collect::<Vec<_>>(),
        ["ca.crt", "client.cert", "client.key"]
    );

    // Three nodes, ready; the workers' states settle within seconds of joining.
    let nodes = wait_for_nodes(&d, |nodes| {
        nodes.len() == 3 && nodes.iter().all(|n| n["state"] == "ready")
    });
    let names: Vec<&str> = nodes.iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["node1", "node2", "web-3"], "{nodes:?}");
    let me = &nodes[0];
    assert_eq!(me["role"], "manager");
    assert_eq!(me["this_server"], true);
    assert!(me["containers"].as_u64().unwrap() >= 1, "{me}");
    assert!(me["cpus"].as_f64().unwrap() > 0.0, "{me}");
    assert!(me["memory_bytes"].as_i64().unwrap() > 0, "{me}");
    assert_eq!(nodes[2]["hostname"], "node3");
    assert_eq!(nodes[2]["labels"]["wharf.name"], "web-3");
    let table = d.wharf_ok(&["nodes"]);
    for word in [
        "NAME",
        "node1 (this server)",
        "manager (leader)",
        "web-3",
        "ready",
    ] {
        assert!(table.contains(word), "{word} not in:\n{table}");
    }
    let status = d.wharf_ok(&["cluster", "status"]);
    assert!(status.contains("Nodes:       3"), "{status}");

    // Only admin tokens reach the cluster: a read-only one may not even list the nodes.
    let reader = d
        .wharf_ok(&["tokens", "create", "reader", "--read-only"])
        .trim()
        .to_string();
    fails_with(&remote(&d, &reader, &["nodes"]), "only admin tokens");
    let admin = d.wharf_ok(&["tokens", "create", "ops"]).trim().to_string();
    let listed = remote(&d, &admin, &["nodes"]);
    assert!(stdout(&listed).contains("web-3"), "{}", stdout(&listed));

    // Labels: set two, remove one; Wharf's own are refused.
    d.wharf_ok(&["nodes", "label", "node2", "role=web", "zone=a"]);
    let shown = d.wharf_ok(&["nodes", "label", "node2", "zone-"]);
    assert!(shown.contains("role=web"), "{shown}");
    let node = node_named(&d, "node2");
    assert_eq!(node["labels"]["role"], "web");
    assert!(node["labels"].get("zone").is_none(), "{node}");
    // The label is the engine's own, as a placement rule reads it.
    let on_engine = stdout(&node1.docker(&[
        "node",
        "inspect",
        "-f",
        "{{index .Spec.Labels \"role\"}}",
        "node2",
    ]));
    assert_eq!(on_engine.trim(), "web");
    fails_with(
        &d.wharf(&["nodes", "label", "node2", "wharf.name=x"]),
        "Wharf's own",
    );
    fails_with(
        &d.wharf(&["nodes", "label", "nowhere", "a=b"]),
        "no node `nowhere`",
    );

    // Drain and activate.
    d.wharf_ok(&["nodes", "drain", "node2"]);
    assert_eq!(node_named(&d, "node2")["availability"], "drain");
    assert!(d.wharf_ok(&["nodes"]).contains("drain"));
    d.wharf_ok(&["nodes", "activate", "node2"]);
    assert_eq!(node_named(&d, "node2")["availability"], "active");

    // A node that is up is not removed; once it has left, it is.
    fails_with(
        &d.wharf(&["nodes", "remove", "node2"]),
        "still up (ready): drain it",
    );
    fails_with(&d.wharf(&["nodes", "remove", "node1"]), "this server");
    node2.exec_ok(&["docker", "swarm", "leave"]);
    wait_for_nodes(&d, |nodes| {
        nodes
            .iter()
            .any(|n| n["name"] == "node2" && n["state"] == "down")
    });
    let removed = d.wharf_ok(&["nodes", "remove", "node2"]);
    assert!(removed.contains("Node node2 removed"), "{removed}");
    let names: Vec<String> = d.wharf_json(&["nodes"])["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["node1", "web-3"]);

    // Every Swarm was the nodes' own: the machine's engine is in none.
    let host = Command::new("docker")
        .args(["info", "--format", "{{.Swarm.LocalNodeState}}"])
        .output()
        .unwrap();
    assert_eq!(stdout(&host).trim(), "inactive");
    d.terminate();
}

fn node_named(d: &Daemon, name: &str) -> Value {
    d.wharf_json(&["nodes"])["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == name)
        .unwrap_or_else(|| panic!("no node {name}"))
        .clone()
}

/// The nodes once `ready` holds of them (within a minute).
fn wait_for_nodes(d: &Daemon, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let nodes = d.wharf_json(&["nodes"])["nodes"]
            .as_array()
            .unwrap()
            .clone();
        if ready(&nodes) {
            return nodes;
        }
        assert!(
            Instant::now() < deadline,
            "the nodes did not settle: {nodes:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}
