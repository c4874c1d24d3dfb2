//! An app's other processes in a cluster: on three real Docker engines made a Swarm by Wharf's
//! commands, a Procfile's `worker` (scale 2 by app.json's formation) runs as the Swarm service
//! `wharf-APP-worker-vN` with two tasks and no container on the manager; `wharf ps` lists its
//! tasks with their nodes and `wharf logs --process worker` has their output. A redeploy makes
//! the new release's worker service and removes the old one. `wharf stop APP worker` sets the
//! service to 0 tasks (and a daemon restart keeps it so, making no container), `wharf start`
//! back to 2, `wharf restart` replaces its tasks; `wharf stop APP web` sets web's service to 0
//! tasks once out of the route, and `wharf start` brings it back, checked. A worker that exits at once fails the deploy
//! with its output, leaves no service of the failed release, and the previous release serves.

use super::cluster_apps::{services_on, three_node_cluster, wait_until};
use super::cluster_harness::Node;
use super::harness::{fails_with, stdout, unique};
use std::path::Path;
use std::time::{Duration, Instant};

pub(super) const WORKER: &str =
    "while true; do echo \"tick from $DYNO on $(hostname)\"; sleep 1; done";

pub(super) fn write_app(dir: &Path, app: &str, worker: &str) {
    std::fs::write(
        dir.join("Dockerfile"),
        format!(
            "# wharf.app = {app}\n# wharf.domain = {app}.example.test\nFROM busybox:latest\nRUN mkdir -p /www\nEXPOSE 5000\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("Procfile"),
        format!(
            "web: echo \"web says $GREETING\" > /www/index.html && exec httpd -f -p $PORT -h /www\nworker: {worker}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("app.json"),
        r#"{"formation": {"worker": {"quantity": 2}}}"#,
    )
    .unwrap();
}

/// The manager's services of `app` with their replicas, `NAME RUNNING/WANTED`.
fn replicas_of(manager: &Node, app: &str) -> Vec<String> {
    let out = manager.docker(&["service", "ls", "--format", "{{.Name}} {{.Replicas}}"]);
    let prefix = format!("wharf-{app}-");
    let mut lines: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

/// Whether the manager's engine runs a plain container of the app's worker (not a task).
fn worker_containers_on(manager: &Node, app: &str) -> Vec<String> {
    let out = manager.docker(&["ps", "-a", "--format", "{{.Names}}"]);
    let prefix = format!("wharf-{app}-worker-");
    stdout(&out)
        .lines()
        // A task's container is `SERVICE.SLOT.TASKID`; a container of a process `NAME-vN-R`.
        .filter(|n| n.starts_with(&prefix) && !n.contains('.'))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_worker_runs_as_a_swarm_service_and_stops_starts_and_restarts_there() {
    let (cluster, mut d) = three_node_cluster();
    let node1 = cluster.node(1);
    let app = unique("workers");
    let domain = format!("{app}.example.test");
    let dir = tempfile::tempdir().unwrap();
    write_app(dir.path(), &app, WORKER);
    d.wharf_ok(&["config", "set", &app, "GREETING=one"]);

    let deployed = d.deploy_ok(dir.path());
    let (web1, worker1) = (
        format!("wharf-{app}-web-v1"),
        format!("wharf-{app}-worker-v1"),
    );
    assert!(
        deployed.contains(&format!("created service {worker1} (2 tasks")),
        "{deployed}"
    );
    d.wait_for_body(&domain, "web says one");
    wait_until("the worker service runs 2 of 2 tasks", || {
        replicas_of(node1, &app) == [format!("{web1} 1/1"), format!("{worker1} 2/2")]
    });
    assert_eq!(worker_containers_on(node1, &app), Vec::<String>::new());

    // `wharf ps` lists the worker's tasks with their nodes.
    let ps = d.wharf_ok(&["ps", &app]);
    for slot in 1..=2 {
        assert!(ps.contains(&format!("{worker1}.{slot}@node")), "{ps}");
    }
    // `wharf logs --process worker` has both tasks' output, marked worker.SLOT.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let logs = d.wharf_ok(&["logs", &app, "--process", "worker"]);
        if (1..=2).all(|slot| logs.contains(&format!("tick from worker.{slot} on "))) {
            assert!(!logs.contains("web says"), "{logs}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not both workers' output in `wharf logs` within 30 s:\n{logs}\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    // A redeploy (a config change) makes v2's worker service; v1's goes.
    d.wharf_ok(&["config", "set", &app, "GREETING=two"]);
    d.wait_for_body(&domain, "web says two");
    let (web2, worker2) = (
        format!("wharf-{app}-web-v2"),
        format!("wharf-{app}-worker-v2"),
    );
    wait_until("only v2's services left", || {
        replicas_of(node1, &app) == [format!("{web2} 1/1"), format!("{worker2} 2/2")]
    });

    // Stop sets the worker's service to 0 tasks; the web keeps serving.
    let stopped = d.wharf_ok(&["stop", &app, "worker"]);
    assert!(stopped.contains("set to 0 tasks"), "{stopped}");
    wait_until("the worker service at 0 tasks", || {
        replicas_of(node1, &app) == [format!("{web2} 1/1"), format!("{worker2} 0/0")]
    });
    assert_eq!(d.get(&domain, "/").unwrap().0, 200);
    // A daemon restart keeps it stopped and makes no worker container on the manager.
    assert!(d.terminate(), "the daemon stopped cleanly");
    d.spawn();
    d.wait_for_body(&domain, "web says two");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        replicas_of(node1, &app),
        [format!("{web2} 1/1"), format!("{worker2} 0/0")]
    );
    assert_eq!(worker_containers_on(node1, &app), Vec::<String>::new());

    // Start brings the two tasks back.
    let started = d.wharf_ok(&["start", &app, "worker"]);
    assert!(started.contains("runs 2 tasks"), "{started}");
    assert_eq!(
        replicas_of(node1, &app),
        [format!("{web2} 1/1"), format!("{worker2} 2/2")]
    );

    // Restart replaces both tasks by new ones.
    let tasks = |node: &Node| -> Vec<String> {
        let out = node.docker(&[
            "service",
            "ps",
            "--filter",
            "desired-state=running",
            "--format",
            "{{.ID}}",
            &worker2,
        ]);
        let mut ids: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
        ids.sort();
        ids
    };
    let before = tasks(node1);
    assert_eq!(before.len(), 2, "{before:?}");
    let restarted = d.wharf_ok(&["restart", &app, "worker"]);
    assert!(restarted.contains("Restarted"), "{restarted}");
    let after = tasks(node1);
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(
        after.iter().all(|t| !before.contains(t)),
        "{before:?} -> {after:?}"
    );

    // Stopping web takes it out of the route and sets its service to 0 tasks; a start sets it
    // back, checks the task's health and routes to it.
    d.wharf_ok(&["stop", &app, "web"]);
    assert!(!matches!(d.get(&domain, "/"), Ok((200, _))));
    wait_until("the web service at 0 tasks", || {
        replicas_of(node1, &app) == [format!("{web2} 0/0"), format!("{worker2} 2/2")]
    });
    let started = d.wharf_ok(&["start", &app, "web"]);
    assert!(started.contains("routed to its 1 Swarm task"), "{started}");
    assert_eq!(
        d.get(&domain, "/").unwrap(),
        (200, "web says two\n".to_string())
    );

    // Restarting web deploys the release again: v3, same image and config, new tasks.
    let restarted = d.wharf_ok(&["restart", &app, "web"]);
    assert!(
        restarted.contains("a restart of web deploys the running release again"),
        "{restarted}"
    );
    assert!(restarted.contains(" v3 is live"), "{restarted}");
    let (web2, worker2) = (
        format!("wharf-{app}-web-v3"),
        format!("wharf-{app}-worker-v3"),
    );
    wait_until("v2's services replaced by v3's", || {
        replicas_of(node1, &app) == [format!("{web2} 1/1"), format!("{worker2} 2/2")]
    });
    d.wait_for_body(&domain, "web says two");

    // A worker that exits at once fails the deploy with its output; v3 keeps serving and
    // keeps its worker, and v4 leaves no service behind.
    write_app(dir.path(), &app, "echo worker-crash; exit 3");
    let out = d.deploy(dir.path());
    fails_with(
        &out,
        "the worker process exited right after it started (exit code 3)",
    );
    fails_with(&out, "worker-crash");
    fails_with(&out, "the previous release keeps serving");
    d.wait_for_body(&domain, "web says two");
    assert_eq!(
        replicas_of(node1, &app),
        [format!("{web2} 1/1"), format!("{worker2} 2/2")]
    );
    assert!(
        !services_on(node1).iter().any(|s| s.ends_with("-v4")),
        "{:?}",
        services_on(node1)
    );
}
