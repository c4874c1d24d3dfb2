//! Going back to one server: on two real Docker engines made a Swarm by Wharf's own commands,
//! `wharf cluster leave` is refused while the other node is in the Swarm, naming it and how
//! to move it out. Once it is removed, the leave moves an app scaled to two and linked to a
//! database from its Swarm service to containers on the manager under load, without one
//! failed request; the database's overlay network goes, the engine leaves the Swarm and the
//! registry goes; asked again, there is nothing to leave. An app's worker, a Swarm service in
//! the cluster, runs as containers here after the leave.

use super::cluster_apps::{
    IMAGE, build_image, deploy_image, join, services_on, wait_for_ready_nodes, wait_until,
};
use super::cluster_harness::Cluster;
use super::cluster_workers::{WORKER, write_app};
use super::harness::{Daemon, RequestLoop, fails_with, stdout, unique};

#[test]
fn a_cluster_goes_back_to_one_server_without_a_failed_request() {
    build_image();
    // The daemon reaches node1's containers, as it would running on node1.
    let cluster = Cluster::start_reachable(2);
    let (node1, node2) = (cluster.node(1), cluster.node(2));
    for image in [IMAGE, "registry:2", "redis:8", "busybox:latest"] {
        node1.load_image(image);
    }
    let mut d = Daemon::configured(&[], &[("DOCKER_HOST", &node1.host())]);
    d.spawn();
    d.wharf_ok(&["cluster", "init"]);
    join(&d, node2);
    wait_for_ready_nodes(&d, 2);

    let app = unique("back");
    let domain = format!("{app}.example.test");
    let deployed = deploy_image(&d, &app, &[&format!("domain={domain}"), "scale=2"]);
    assert!(deployed.contains("created service"), "{deployed}");
    d.wait_for_body(&domain, "hello ");
    // Linked to a database, its tasks reach it over the database's overlay (release v2).
    let cache = unique("cache");
    d.wharf_ok(&["services", "create", "redis", &cache]);
    let linked = d.wharf_ok(&["services", "link", &cache, &app]);
    assert!(linked.contains("wharf_svc_"), "{linked}");
    // The daemon runs outside node1 here: the services CA's certificate, which containers
    // there mount from the data directory, is put at the same path on node1.
    let ca = d.data_dir().join("services-ca/ca.crt");
    node1.exec_ok(&["mkdir", "-p", ca.parent().unwrap().to_str().unwrap()]);
    let copied = std::process::Command::new("docker")
        .arg("cp")
        .arg(&ca)
        .arg(format!("{}:{}", node1.container, ca.display()))
        .output()
        .unwrap();
    assert!(
        copied.status.success(),
        "{}",
        super::harness::stderr(&copied)
    );

    // An app with two workers, built here: its worker runs as a Swarm service.
    let worked = unique("worked");
    let dir = tempfile::tempdir().unwrap();
    write_app(dir.path(), &worked, WORKER);
    let out = d.deploy_ok(dir.path());
    assert!(
        out.contains(&format!(
            "created service wharf-{worked}-worker-v1 (2 tasks"
        )),
        "{out}"
    );
    d.wait_for_body(&format!("{worked}.example.test"), "web says");

    // Refused while another node is in the Swarm; nothing changes.
    fails_with(
        &d.wharf(&["cluster", "leave"]),
        "the cluster has other nodes (node2)",
    );
    wait_until("v1's service drained and removed", || {
        services_on(node1)
            == [
                format!("wharf-{app}-web-v2"),
                format!("wharf-{worked}-web-v1"),
                format!("wharf-{worked}-worker-v1"),
            ]
    });
    assert_eq!(node1.swarm_state(), "active");

    node2.exec_ok(&["docker", "swarm", "leave"]);
    wait_until("node2 seen down", || {
        d.wharf_json(&["nodes"])["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["name"] == "node2" && n["state"] == "down")
    });
    // Its task is started again on node1 before node2 goes.
    d.wharf_ok(&["nodes", "remove", "node2"]);

    // Under load, the app moves to containers here and the Swarm goes.
    let load = RequestLoop::start(d.http, &domain, "hello ");
    std::thread::sleep(std::time::Duration::from_secs(1));
    let left = d.wharf_ok(&["cluster", "leave"]);
    std::thread::sleep(std::time::Duration::from_secs(1));
    load.assert_none_failed();
    assert!(
        left.contains(&format!("Moving {app} from Swarm services to containers")),
        "{left}"
    );
    assert!(left.contains("left the Swarm"), "{left}");
    assert!(
        left.contains(&format!("{cache}'s overlay network wharf_svc_")),
        "{left}"
    );
    assert!(
        left.contains(&format!(
            "This server is a single server again; {app}, {worked} run as containers here."
        )),
        "{left}"
    );
    assert_eq!(node1.swarm_state(), "inactive");
    let containers = node1.docker(&["ps", "--format", "{{.Names}}"]);
    let names = stdout(&containers);
    for replica in 1..=2 {
        assert!(
            names.contains(&format!("wharf-{app}-web-v3-{replica}")),
            "replica {replica} of v3 not a container on node1:\n{names}"
        );
    }
    for replica in 1..=2 {
        assert!(
            names.contains(&format!("wharf-{worked}-worker-v2-{replica}")),
            "worker {replica} of v2 not a container on node1:\n{names}"
        );
    }
    assert!(!names.contains("wharf-registry"), "{names}");
    let volumes = node1.docker(&["volume", "ls", "--format", "{{.Name}}"]);
    assert!(!stdout(&volumes).contains("wharf-registry"));
    let networks = node1.docker(&["network", "ls", "--format", "{{.Name}}"]);
    assert!(
        !stdout(&networks).contains("wharf_svc_"),
        "{}",
        stdout(&networks)
    );
    let ps = d.wharf_ok(&["ps", &app]);
    assert!(!ps.contains("@node"), "no Swarm tasks listed:\n{ps}");
    d.wait_for_body(&domain, "hello ");

    // A single server again: nothing to leave, and a deploy makes containers.
    let again = d.wharf_ok(&["cluster", "leave"]);
    assert!(again.contains("not a cluster: nothing to leave"), "{again}");
    let redeployed = d.wharf_ok(&["config", "set", &app, "GREETING=single"]);
    assert!(!redeployed.contains("created service"), "{redeployed}");
    d.wait_for_body(&domain, "hello single ");
    d.terminate();
}
