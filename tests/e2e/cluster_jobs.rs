//! One-off tasks in a cluster: on three real Docker engines made a Swarm by Wharf's commands,
//! `wharf run` without a terminal, `wharf run --detach` and a deploy's release command run as
//! Swarm jobs on a node the app's placement rules allow (a job's container takes its node's
//! hostname), their output and exit code come back as on a single server, and each job's
//! service is gone once it ended. A failing release command fails the deploy with its output
//! while the previous release keeps serving; a run no node may take fails within seconds with
//! the Swarm's reason.

use super::cluster_apps::{IMAGE, services_on, three_node_cluster, wait_until};
use super::harness::{app_dir, fails_with, stderr, stdout, unique};
use std::time::{Duration, Instant};

#[test]
fn runs_and_release_commands_run_as_jobs_on_the_nodes_the_app_may_use() {
    let (cluster, mut d) = three_node_cluster();
    let node1 = cluster.node(1);

    // An app placed on node2 alone: its run goes there, with both streams and the exit code.
    let app = unique("jobs");
    d.wharf_ok(&[
        "deploy",
        "--app",
        &app,
        "--image",
        IMAGE,
        "--set",
        "port=8080",
        "--set",
        "placement=node.hostname==node2",
    ]);
    let web = format!("wharf-{app}-web-v1");
    assert_eq!(services_on(node1), std::slice::from_ref(&web));
    let out = d.wharf(&[
        "run",
        &app,
        "--",
        "sh",
        "-c",
        "hostname; echo out; echo err >&2; exit 3",
    ]);
    let (said, complained) = (stdout(&out), stderr(&out));
    assert_eq!(
        out.status.code(),
        Some(3),
        "{said}{complained}\n{}",
        d.log()
    );
    assert_eq!(said, "node2\nout\n", "stderr: {complained}");
    assert!(complained.contains("err"), "{complained}");
    assert_eq!(
        services_on(node1),
        std::slice::from_ref(&web),
        "the run's job is gone when `wharf run` returns"
    );

    // Detached: the answer names the job, which goes once it ended.
    let name = d.wharf_ok(&["run", "--detach", &app, "--", "sh", "-c", "sleep 1"]);
    let name = name.trim();
    assert!(name.starts_with(&format!("wharf-{app}_run-")), "{name}");
    wait_until("the detached run's job removed", || {
        services_on(node1) == [web.clone()]
    });
    // One that still runs when the server restarts goes once it ended all the same.
    let name = d.wharf_ok(&["run", "--detach", &app, "--", "sh", "-c", "sleep 6"]);
    assert!(d.terminate(), "the daemon stopped cleanly");
    assert!(
        services_on(node1).contains(&name.trim().to_string()),
        "{:?}",
        services_on(node1)
    );
    d.spawn();
    wait_until("the detached run's job removed after a restart", || {
        services_on(node1) == [web.clone()]
    });

    // A run no node may take (the node it names lost its label) fails within seconds, saying
    // why.
    d.wharf_ok(&["nodes", "label", "node3", "role=jobs"]);
    let placed = unique("unplaced");
    d.wharf_ok(&[
        "deploy",
        "--app",
        &placed,
        "--image",
        IMAGE,
        "--set",
        "port=8080",
        "--set",
        "placement=node.labels.role==jobs",
    ]);
    d.wharf_ok(&["nodes", "label", "node3", "role=other"]);
    let started = Instant::now();
    let out = d.wharf(&["run", &placed, "--", "true"]);
    fails_with(&out, "no suitable node");
    fails_with(&out, "placement: node.labels.role==jobs");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(
        !services_on(node1).iter().any(|s| s.contains("_run-")),
        "{:?}",
        services_on(node1)
    );

    // A release command, of an image built on this server (node1): its job runs there, as
    // the app's placement says. Its failure fails the deploy with its output, and the first
    // release keeps serving.
    node1.load_image("busybox:latest");
    let built = unique("release");
    let domain = format!("{built}.example.test");
    let settings = format!(
        "# wharf.app = {built}\n# wharf.domain = {domain}\n# wharf.placement = node.hostname == node1"
    );
    let dir = app_dir(&settings, "first release");
    std::fs::write(
        dir.path().join("Procfile"),
        "release: echo \"releasing on $(hostname)\"\n",
    )
    .unwrap();
    let deployed = d.deploy_ok(dir.path());
    assert!(deployed.contains("releasing on node1"), "{deployed}");
    d.wait_for_body(&domain, "first release");
    std::fs::write(dir.path().join("www/index.html"), "second release").unwrap();
    std::fs::write(
        dir.path().join("Procfile"),
        "release: echo \"migrating on $(hostname)\"; echo broken >&2; exit 4\n",
    )
    .unwrap();
    let out = d.deploy(dir.path());
    fails_with(&out, "release command failed with exit code 4");
    fails_with(&out, "migrating on node1");
    fails_with(&out, "broken");
    fails_with(&out, "the previous release keeps serving");
    d.wait_for_body(&domain, "first release");
    assert!(
        !services_on(node1).iter().any(|s| s.contains("_release-")),
        "{:?}",
        services_on(node1)
    );
}
