//! A database on another node of the cluster: `wharf services create postgres db --node
//! node2` runs it there as a Swarm service pinned to node2 (its image pushed by the manager to
//! the cluster's registry, its volume made on node2), and an app whose task runs on node3,
//! linked to it, reaches it over its overlay network under the host name in DATABASE_URL
//! (with `--unencrypted-overlays`: this machine's kernel cannot do IPsec). Its certificate is
//! renewed in place. Its backup lands in the manager's data directory and verifies there, and
//! `services connect` reaches it from the manager. When node2 goes down, `wharf
//! services` says so and that the database stays there, a `node-down` alert names it; no task
//! runs anywhere else; it can be destroyed all the same, though not purged. A second database,
//! on node3, is purged: a job there empties its volume. A MariaDB on node2 is reached over
//! TLS, backed up, verified and purged the same way.

use super::cluster_apps::{three_node_cluster_with, wait_until};
use super::cluster_harness::Node;
use super::cluster_links::{APP_IMAGE, build_app_image, probe};
use super::harness::{fails_with, stderr, stdout, unique};
use super::sinks::wait_for_alert;
use std::time::Duration;

#[test]
fn a_postgres_on_node2_serves_an_app_on_node3_is_backed_up_on_the_manager_and_reported_when_node2_dies()
 {
    build_app_image();
    let (cluster, mut d) =
        three_node_cluster_with(&["--unencrypted-overlays", "--alert-check-interval", "1"]);
    let node1 = cluster.node(1);
    node1.load_image("postgres:17");
    node1.load_image(APP_IMAGE);

    // Bad input: a node that is not in the cluster, and a kind that cannot live elsewhere.
    let unknown = d.wharf(&["services", "create", "postgres", "x", "--node", "nowhere"]);
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        !unknown.status.success()
            && said.contains("no node `nowhere`")
            && said.contains("wharf nodes"),
        "{said}"
    );
    let redis = d.wharf(&["services", "create", "redis", "r", "--node", "node2"]);
    let said = String::from_utf8_lossy(&redis.stderr);
    assert!(
        !redis.status.success() && said.contains("leave out `--node node2`"),
        "{said}"
    );

    let db = unique("ndb");
    let created = d.wharf_ok(&["services", "create", "postgres", &db, "--node", "node2"]);
    assert!(created.contains("postgres://"), "{created}");
    // One task, pinned to node2, running there; its volume is node2's.
    let service = format!("wharf_svc_{db}");
    let constraints = stdout(&node1.docker(&[
        "service",
        "inspect",
        "-f",
        "{{json .Spec.TaskTemplate.Placement.Constraints}}",
        &service,
    ]));
    let node2_id = stdout(&cluster.node(2).docker(&["info", "-f", "{{.Swarm.NodeID}}"]))
        .trim()
        .to_string();
    assert!(
        constraints.contains(&format!("node.id=={node2_id}")),
        "{constraints}"
    );
    let tasks = running_tasks(node1, &service);
    assert_eq!(tasks, vec!["node2".to_string()], "its task runs on node2");
    let volume_node = stdout(&cluster.node(2).docker(&[
        "volume",
        "inspect",
        "-f",
        "{{index .Labels \"wharf.node\"}}",
        &format!("wharf-service.{db}"),
    ]));
    assert_eq!(volume_node.trim(), node2_id, "the volume is on node2");
    assert!(
        !node1
            .docker(&["volume", "inspect", &format!("wharf-service.{db}")])
            .status
            .success(),
        "no volume on the manager"
    );
    let listed = d.wharf_ok(&["services"]);
    let row = listed.lines().find(|l| l.starts_with(&db)).unwrap();
    assert!(
        row.contains("running") && row.ends_with("node2"),
        "{listed}"
    );

    // An app on node3, linked: its task reaches the database on node2 by its name; the
    // database speaks TLS there (`S`) with the certificate it got as a Swarm secret.
    let app = unique("onnode3");
    let domain = format!("{app}.example.test");
    d.wharf_ok(&[
        "deploy",
        "--app",
        &app,
        "--image",
        APP_IMAGE,
        "--set",
        "port=8080",
        "--set",
        &format!("domain={domain}"),
        "--set",
        "placement=node.hostname==node3",
    ]);
    let linked = d.wharf_ok(&["services", "link", &db, &app]);
    assert!(linked.contains("is live"), "{linked}");
    let answered = probe(&d, &domain);
    assert!(
        answered.contains(&format!("db {db}:5432 answered [S]")),
        "{answered}"
    );
    let task_host = answered.split_whitespace().last().unwrap();
    assert!(
        cluster.node(3).runs_container(task_host),
        "the app's task runs on node3: {answered}"
    );

    // A certificate near its end is renewed at the server's start, in place: new secrets,
    // the task started again on node2, and the app reaches it over TLS again.
    let secrets = || {
        stdout(&node1.docker(&[
            "service",
            "inspect",
            "-f",
            "{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}} {{end}}",
            &service,
        ]))
    };
    let before = secrets();
    let until = || {
        stdout(&node1.docker(&[
            "service",
            "inspect",
            "-f",
            "{{index .Spec.Labels \"wharf.service-tls-until\"}}",
            &service,
        ]))
        .trim()
        .parse::<i64>()
        .unwrap_or(0)
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        until() > now + 365 * 24 * 3600,
        "made with a 5-year certificate"
    );
    node1.docker(&[
        "service",
        "update",
        "--detach",
        "--label-add",
        "wharf.service-tls-until=1",
        &service,
    ]);
    assert_eq!(until(), 1);
    assert!(d.terminate(), "the daemon stopped cleanly");
    d.spawn();
    wait_until("the certificate renewed", || until() > now);
    let after = secrets();
    assert_eq!(after.split_whitespace().count(), 3, "{after}");
    // The certificate and key are new secrets; the CA's certificate is the same one.
    let replaced = before
        .split_whitespace()
        .filter(|s| !after.contains(s))
        .count();
    assert_eq!(replaced, 2, "{before} / {after}");
    wait_until("the task with the new certificate running on node2", || {
        let update = stdout(&node1.docker(&[
            "service",
            "inspect",
            "-f",
            "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}",
            &service,
        ]));
        update.trim() == "completed" && running_tasks(node1, &service) == ["node2"]
    });
    wait_until(
        "the app reaching the database over TLS again",
        || matches!(d.get(&domain, "/cgi-bin/db"), Ok((200, body)) if body.contains("answered [S]")),
    );

    // Backups land in the manager's data directory, and verify there.
    d.wharf_ok(&["services", "backup", &db]);
    let dir = d.data_dir().join("backups").join(&db);
    let dumps: Vec<(String, u64)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".dump"))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, e.metadata().unwrap().len())
        })
        .collect();
    let [(dump, size)] = dumps.as_slice() else {
        panic!("one backup: {dumps:?}");
    };
    assert!(*size > 0, "{dumps:?}");
    let verified = d.wharf_ok(&["services", "backups", "verify", &db]);
    assert!(verified.contains(" restores: "), "{verified}");
    // And restores into the database on node2, from the manager.
    d.wharf_ok(&["services", "restore", &db, dump]);
    // Its own client, attached, reaches it from the manager too; the client container goes.
    let out = d.wharf_with_stdin(
        &["services", "connect", &db],
        "SELECT 40 + 2 AS answer, inet_server_addr() IS NOT NULL AS remote;\n",
    );
    let said = stdout(&out);
    assert!(out.status.success(), "{said}{}", stderr(&out));
    assert!(said.contains("42") && said.contains(" t"), "{said}");
    wait_until("the connect's client container removed", || {
        !stdout(&node1.docker(&["ps", "-a", "--format", "{{.Names}}"]))
            .contains(&format!("wharf-service.{db}.client-"))
    });

    // `wharf nodes` says which node holds the database.
    let nodes = d.wharf_ok(&["nodes"]);
    let row = nodes.lines().find(|l| l.starts_with("node2")).unwrap();
    assert!(
        nodes.lines().next().unwrap().ends_with("DATABASES") && row.ends_with(&db),
        "{nodes}"
    );

    // A second database, on node3, destroyed with `--purge`: its data is deleted there by a
    // job on node3; the empty volume stays (the manager cannot remove a volume elsewhere).
    let db2 = unique("ndb");
    d.wharf_ok(&["services", "create", "postgres", &db2, "--node", "node3"]);
    let data = format!("/var/lib/docker/volumes/wharf-service.{db2}/_data");
    assert!(
        !cluster.node(3).exec_ok(&["ls", "-A", &data]).is_empty(),
        "postgres wrote its data on node3"
    );
    let purged = d.wharf_ok(&["services", "destroy", &db2, "--purge", "--confirm", &db2]);
    assert!(
        purged.contains("deleted its data on node node3")
            && purged.contains(&format!("docker volume rm wharf-service.{db2}")),
        "{purged}"
    );
    assert_eq!(cluster.node(3).exec_ok(&["ls", "-A", &data]), "", "emptied");
    assert!(!d.wharf_ok(&["services"]).contains(&db2));
    let jobs = stdout(&node1.docker(&[
        "service",
        "ls",
        "-q",
        "--filter",
        &format!("name=wharf_svc_{db2}"),
    ]));
    assert!(jobs.trim().is_empty(), "no service or job left: {jobs}");

    // Unlinked, the app leaves the overlay; the database stays on it (it is its only
    // network), so the unlink neither removes it nor waits for it.
    let unlinked = d.wharf_ok(&["services", "unlink", &db, &app]);
    assert!(!unlinked.contains("Removing network"), "{unlinked}");
    let info = d.wharf_ok(&["services", "info", &db]);
    assert!(
        info.contains("state:     running") && info.contains("overlay:   wharf_svc_"),
        "{info}"
    );

    // node2 dies: the database is reported as down with its node, and stays pinned there.
    cluster.node(2).kill();
    wait_until("the database's node reported down", || {
        let listed = d.wharf_ok(&["services"]);
        listed.contains("node node2 is down")
    });
    let info = d.wharf_ok(&["services", "info", &db]);
    assert!(
        info.contains("node node2 is down; the database stays pinned there and is not moved"),
        "{info}"
    );
    // An alert says so, naming the database.
    let alert = wait_for_alert(&d, None, "node-down", Duration::from_secs(60));
    let message = alert["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("node node2 is down") && message.ends_with(&format!(": {db}")),
        "{alert}"
    );
    assert_eq!(alert["severity"], "critical", "{alert}");
    std::thread::sleep(Duration::from_secs(5));
    let elsewhere: Vec<String> = running_tasks(node1, &service)
        .into_iter()
        .filter(|node| node != "node2")
        .collect();
    assert!(elsewhere.is_empty(), "not moved: {elsewhere:?}");
    // Its data cannot be purged while its node is down: refused before anything is removed.
    fails_with(
        &d.wharf(&["services", "destroy", &db, "--purge", "--confirm", &db]),
        "node node2 is down: `--purge` deletes the data",
    );
    let info = d.wharf_ok(&["services", "info", &db]);
    assert!(info.contains("node node2 is down"), "{info}");
    // The node, down, is not removed while it holds the database (unless forced), nor does
    // the server leave the cluster.
    fails_with(
        &d.wharf(&["nodes", "remove", "node2"]),
        &format!("node `node2` holds the database(s) {db}"),
    );
    d.wharf_ok(&["nodes", "remove", "node2", "--force"]);
    fails_with(
        &d.wharf(&["cluster", "leave"]),
        &format!("the database(s) {db} run on other nodes"),
    );

    // Destroyed while its node is down: its service, secrets and overlay go from the
    // cluster (its volume stays on node2).
    d.wharf_ok(&["services", "destroy", &db, "--confirm", &db]);
    let overlays = stdout(&node1.docker(&[
        "network",
        "ls",
        "-q",
        "--filter",
        &format!("label=wharf.overlay={db}"),
    ]));
    assert!(overlays.trim().is_empty(), "{overlays}");
    assert!(
        !node1
            .docker(&["service", "inspect", &service])
            .status
            .success()
    );
    let secrets = stdout(&node1.docker(&[
        "secret",
        "ls",
        "-q",
        "--filter",
        &format!("label=wharf.service={db}"),
    ]));
    assert!(secrets.trim().is_empty(), "{secrets}");
    // Once it is destroyed, only node3 keeps the server a cluster.
    fails_with(
        &d.wharf(&["cluster", "leave"]),
        "the cluster has other nodes (node3)",
    );
}

/// The nodes of the tasks of `service` the Swarm sees running (asked of the manager).
fn running_tasks(manager: &Node, service: &str) -> Vec<String> {
    let out = stdout(&manager.docker(&[
        "service",
        "ps",
        service,
        "--filter",
        "desired-state=running",
        "--format",
        "{{.Node}} {{.CurrentState}}",
    ]));
    out.lines()
        .filter(|l| l.split_whitespace().nth(1) == Some("Running"))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

#[test]
fn a_mariadb_on_node2_is_backed_up_verified_reached_and_purged_from_the_manager() {
    let (cluster, d) = three_node_cluster_with(&["--unencrypted-overlays"]);
    let node1 = cluster.node(1);
    node1.load_image("mariadb:11");
    let db = unique("mdb");
    let created = d.wharf_ok(&["services", "create", "mariadb", &db, "--node", "node2"]);
    assert!(created.contains("mysql://"), "{created}");
    let service = format!("wharf_svc_{db}");
    assert_eq!(running_tasks(node1, &service), vec!["node2".to_string()]);

    // Its own client, from the manager, over TLS.
    let out = d.wharf_with_stdin(
        &["services", "connect", &db],
        "CREATE TABLE kept (n INT); INSERT INTO kept VALUES (42); SHOW STATUS LIKE 'Ssl_cipher';\n",
    );
    let said = stdout(&out);
    assert!(out.status.success(), "{said}{}", stderr(&out));
    assert!(
        said.contains("Ssl_cipher\tTLS"),
        "the client spoke TLS: {said}"
    );

    // A backup lands on the manager and restores in a scratch container there.
    d.wharf_ok(&["services", "backup", &db]);
    let verified = d.wharf_ok(&["services", "backups", "verify", &db]);
    assert!(verified.contains(" restores: "), "{verified}");

    // Purged: its data on node2 is deleted.
    let data = format!("/var/lib/docker/volumes/wharf-service.{db}/_data");
    assert!(!cluster.node(2).exec_ok(&["ls", "-A", &data]).is_empty());
    let purged = d.wharf_ok(&["services", "destroy", &db, "--purge", "--confirm", &db]);
    assert!(
        purged.contains("deleted its data on node node2"),
        "{purged}"
    );
    assert_eq!(cluster.node(2).exec_ok(&["ls", "-A", &data]), "", "emptied");
}
