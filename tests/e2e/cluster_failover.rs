//! A node that dies: on three real Docker engines made a Swarm by Wharf's commands, an app at
//! scale 3 runs one task per node and serves a client that sends requests one after another.
//! One worker node's container is killed (its engine and tasks gone at once, as a machine that
//! loses power). The daemon's proxy stops sending to it as soon as requests to it fail (its
//! passive check and health probes), Wharf takes its task out of the route once the Swarm
//! sees the node `down`, and routes to the tasks the Swarm starts on the two other nodes once
//! they pass their health check. The test reports how long each step took and how many
//! requests failed, and insists that only the requests in flight to the dead node failed.
//! A task whose process is killed is replaced by the Swarm, and its replacement routed to. A
//! node drained under load has its tasks moved to the others, the route following them.

use super::cluster_apps::{answering_hostnames, deploy_image, three_node_cluster};
use super::harness::{Daemon, RequestLoop, unique};
use std::time::{Duration, Instant};

/// How long the Swarm may take to see a killed node `down` (it misses heartbeats: 5 s each by
/// default, a few of them), plus Wharf's second of polling.
const NODE_DOWN_WITHIN: Duration = Duration::from_secs(30);

#[test]
fn a_node_that_dies_leaves_the_route_and_its_task_runs_on_the_others() {
    let (cluster, mut d) = three_node_cluster();
    let node_state = |d: &Daemon, hostname: &str| -> String {
        d.wharf_json(&["nodes"])["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["hostname"] == hostname)
            .map(|n| n["state"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    let app = unique("failover");
    let domain = format!("{app}.example.test");
    deploy_image(&d, &app, &[&format!("domain={domain}"), "scale=3"]);
    // Tasks in the route (`wharf ps` gives those a health; it lists starting ones too).
    let routed_on = |d: &Daemon, node: &str| -> usize {
        d.wharf_json(&["ps", &app])
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| {
                p["container"]
                    .as_str()
                    .is_some_and(|c| c.ends_with(&format!("@{node}")))
                    && !p["healthy"].is_null()
            })
            .count()
    };
    for node in ["node1", "node2", "node3"] {
        assert_eq!(routed_on(&d, node), 1, "one task routed on {node}");
    }
    assert_eq!(answering_hostnames(&d, &domain, 3).len(), 3);

    // Under load, node3 dies.
    let load = RequestLoop::start(d.http, &domain, "hello ");
    std::thread::sleep(Duration::from_secs(2));
    let dead = cluster.node(3);
    dead.kill();
    let killed = Instant::now();

    // `wharf nodes` shows it down, and its task leaves the route, within the Swarm's bound.
    let (mut down_after, mut unrouted_after) = (None, None);
    while down_after.is_none() || unrouted_after.is_none() {
        assert!(
            killed.elapsed() < NODE_DOWN_WITHIN,
            "within {NODE_DOWN_WITHIN:?} of the kill: node3 down after {down_after:?}, out of the route after {unrouted_after:?}\n{}",
            d.log()
        );
        if down_after.is_none() && node_state(&d, "node3") == "down" {
            down_after = Some(killed.elapsed());
        }
        if unrouted_after.is_none() && routed_on(&d, "node3") == 0 {
            unrouted_after = Some(killed.elapsed());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let (down_after, unrouted_after) = (down_after.unwrap(), unrouted_after.unwrap());
    // Wharf follows the Swarm within its second of polling (and the CLI calls' time).
    assert!(
        unrouted_after <= down_after + Duration::from_secs(3),
        "node3 down after {down_after:?} but out of the route only after {unrouted_after:?}"
    );
    let log = d.log();
    assert!(
        log.contains("taking a task out of the route"),
        "the daemon says why the task left the route:\n{log}"
    );

    // The Swarm starts the lost task on node1 or node2; once healthy it joins the route.
    let deadline = Instant::now() + Duration::from_secs(60);
    while routed_on(&d, "node1") + routed_on(&d, "node2") < 3 {
        assert!(
            Instant::now() < deadline,
            "the lost task was not routed on another node within a minute:\n{}\n{}",
            d.wharf_ok(&["ps", &app]),
            d.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let rerouted_after = killed.elapsed();
    std::thread::sleep(Duration::from_secs(2));
    let (ok, failures) = load.finish();
    println!(
        "node3 killed: shown down after {down_after:?}, out of the route after {unrouted_after:?}, \
         three tasks on node1 and node2 routed after {rerouted_after:?}; \
         {} of {} requests failed: {failures:?}",
        failures.len(),
        ok as usize + failures.len()
    );
    assert!(ok > 10, "the client kept sending requests ({ok})");
    // One client, one request at a time: only the request in flight to node3 when it died
    // (and one the proxy may have sent there before it saw the node fail) may fail.
    assert!(
        failures.len() <= 2,
        "{} of {} requests failed: {failures:?}",
        failures.len(),
        ok as usize + failures.len()
    );

    // Three tasks answer, all on the two live nodes; the route has nothing on node3.
    assert_eq!(routed_on(&d, "node3"), 0);
    let answering = answering_hostnames(&d, &domain, 3);
    for hostname in &answering {
        assert!(
            [cluster.node(1), cluster.node(2)]
                .iter()
                .any(|n| n.runs_container(hostname)),
            "task {hostname} runs on node1 or node2: {answering:?}"
        );
    }
    assert_eq!(node_state(&d, "node3"), "down");

    // A task whose process dies (its container killed on node2): the Swarm starts a new task
    // for it, which Wharf checks and routes to, so three different tasks answer again.
    let crashed = answering
        .iter()
        .find(|h| cluster.node(2).runs_container(h))
        .expect("a task on node2")
        .clone();
    let load = RequestLoop::start(d.http, &domain, "hello ");
    std::thread::sleep(Duration::from_secs(1));
    let out = cluster.node(2).docker(&["kill", &crashed]);
    assert!(out.status.success(), "{out:?}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let answering = answering_hostnames(&d, &domain, 3);
        if !answering.contains(&crashed) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the crashed task's replacement was not routed to within a minute: {answering:?}\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let (ok, failures) = load.finish();
    println!(
        "a task crashed: {} of {} requests failed: {failures:?}",
        failures.len(),
        ok as usize + failures.len()
    );
    assert!(failures.len() <= 1, "{failures:?}");

    // A drained node's tasks move to the other nodes, under load.
    let load = RequestLoop::start(d.http, &domain, "hello ");
    std::thread::sleep(Duration::from_secs(1));
    let drained = Instant::now();
    d.wharf_ok(&["nodes", "drain", "node2"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while routed_on(&d, "node2") > 0 || routed_on(&d, "node1") < 3 {
        assert!(
            Instant::now() < deadline,
            "node2's tasks did not move to node1 within a minute:\n{}\n{}",
            d.wharf_ok(&["ps", &app]),
            d.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let moved_after = drained.elapsed();
    std::thread::sleep(Duration::from_secs(1));
    let (ok, failures) = load.finish();
    println!(
        "node2 drained: its tasks on node1 after {moved_after:?}; {} of {} requests failed: {failures:?}",
        failures.len(),
        ok as usize + failures.len()
    );
    // The Swarm stops a drained node's tasks as it starts their replacements; the proxy
    // retries a refused connection on another task, so at most a request in flight to a
    // stopping task may fail.
    assert!(failures.len() <= 1, "{failures:?}");
    for hostname in answering_hostnames(&d, &domain, 3) {
        assert!(
            cluster.node(1).runs_container(&hostname),
            "task {hostname} is not on node1"
        );
    }

    d.wharf_ok(&["apps", "destroy", &app, "--confirm", &app]);
    d.terminate();
}
