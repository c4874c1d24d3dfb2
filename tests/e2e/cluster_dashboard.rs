//! The dashboard's cluster page, in Chromium against a daemon driving a real engine: on a
//! single server it says so and how to grow; once the server is a cluster of two nodes (made
//! by Wharf's own commands), it lists both with their role, state and availability, the
//! registry's address and the database each holds, and an admin drains a node and activates
//! it again, each seen by the Swarm. A viewer is refused the page.

use super::cluster_apps::{join, wait_for_ready_nodes};
use super::cluster_harness::Cluster;
use super::dashboard::{ADMIN_PASSWORD, Browser, add_user};
use super::harness::*;
use std::time::Duration;

#[test]
fn the_cluster_page_lists_the_nodes_and_drains_one() {
    let cluster = Cluster::start(2);
    let (node1, node2) = (cluster.node(1), cluster.node(2));
    node1.load_image("registry:2");
    node1.load_image("redis:8");
    let mut d = Daemon::configured(&[], &[("DOCKER_HOST", &node1.host())]);
    d.spawn();
    add_user(&d, "ada", ADMIN_PASSWORD, false);
    add_user(&d, "vic", "viewer password 1", true);
    let base = format!("http://{}", d.api);
    let availability = |node: &str| {
        let out = node1.docker(&[
            "node",
            "inspect",
            node,
            "--format",
            "{{.Spec.Availability}}",
        ]);
        stdout(&out).trim().to_string()
    };

    block_on(async {
        let browser = Browser::start().await;
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        browser.goto(&format!("{base}/cluster")).await;
        let single = browser.text("#cluster-state").await;
        assert!(single.contains("single server"), "{single}");
        assert!(single.contains("wharf cluster init"), "{single}");
        assert_eq!(browser.count("#nodes").await, 0);
        browser.screenshots("cluster-single").await;

        d.wharf_ok(&["cluster", "init"]);
        join(&d, node2);
        wait_for_ready_nodes(&d, 2);
        // A database made in the cluster is on this server, the manager.
        let db = unique("pagedb");
        d.wharf_ok(&["services", "create", "redis", &db]);
        browser.goto(&format!("{base}/cluster")).await;
        let state = browser.text("#cluster-state").await;
        assert!(state.contains("active"), "{state}");
        assert!(state.contains(":5000"), "the registry's address: {state}");
        assert_eq!(browser.count("#nodes tbody tr").await, 2);
        let rows = browser.text("#nodes tbody").await;
        assert!(rows.contains("node1"), "{rows}");
        assert!(rows.contains("this server"), "{rows}");
        assert!(rows.contains("node2"), "{rows}");
        assert!(rows.contains("worker"), "{rows}");
        let node1_row = browser.text("#nodes tbody tr:first-child").await;
        assert!(node1_row.contains(&db), "{node1_row}");
        assert_eq!(browser.count("#nodes tr.marked").await, 0, "{rows}");
        browser.screenshots("cluster-nodes").await;

        // Drain node2 from its row, then activate it again: the Swarm does each.
        browser.click("button[aria-label='Drain node2']").await;
        assert_eq!(availability("node2"), "drain");
        let rows = browser.text("#nodes tbody").await;
        assert!(rows.contains("drain"), "{rows}");
        browser.screenshots("cluster-drained").await;
        browser.click("button[aria-label='Activate node2']").await;
        assert_eq!(availability("node2"), "active");
        let events = d.wharf_ok(&["events"]);
        assert!(events.contains("nodes availability"), "{events}");
        browser.close().await;

        // A viewer does not see the page.
        let viewer = Browser::start().await;
        viewer.sign_in_at(&base, "vic", "viewer password 1").await;
        let nav = viewer.text("nav").await;
        assert!(!nav.contains("Cluster"), "{nav}");
        viewer.goto(&format!("{base}/cluster")).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(viewer.count("#nodes").await, 0);
        let heading = viewer.text("h1").await;
        assert!(!heading.contains("Cluster"), "{heading}");
        viewer.close().await;
    });
    d.terminate();
}
