//! Databases linked to apps in a cluster: a PostgreSQL service stays a container on the
//! manager (node1, where its volume is), pinned there, and an app pinned to node2 and linked
//! to it reaches it over the service's attachable overlay network, encrypted, under the same
//! host name as on one server: the app's task asks the database, at the host in its
//! DATABASE_URL, whether it speaks TLS (PostgreSQL's SSLRequest) and shows the answer. Where
//! the kernel cannot do IPsec (this machine's cannot: the engine logs that it failed adding
//! the security associations), the test checks instead that nothing gets through in the
//! clear, and proves the path across nodes with a server started with
//! `--unencrypted-overlays`. A backup still lands in the manager's data directory. Unlinking
//! takes the overlay off the app's new service and removes it; linking again makes a new one.

use super::cluster_apps::{three_node_cluster, wait_until};
use super::cluster_harness::{Cluster, Node};
use super::harness::{Daemon, stdout, unique};
use std::process::Command;

/// A busybox httpd whose CGI script `/cgi-bin/db` sends PostgreSQL's SSLRequest to the host
/// and port of `$DATABASE_URL` and prints the server's one-byte answer (`S`: TLS on).
pub(super) const APP_IMAGE: &str = "wharf-e2e-dbprobe:1";

const PROBE: &str = r#"#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
if [ -z "$DATABASE_URL" ]; then echo "no DATABASE_URL"; exit 0; fi
hp=${DATABASE_URL#*@}; host=${hp%%:*}; rest=${hp#*:}; port=${rest%%/*}
answer=$(printf '\000\000\000\010\004\322\026\057' | nc -w 3 "$host" "$port" | head -c 1)
echo "db $host:$port answered [$answer] from $(hostname)"
"#;

const DOCKERFILE: &str = "FROM busybox:latest\nCOPY db /www/cgi-bin/db\nRUN chmod 755 /www/cgi-bin/db && echo ok > /www/index.html\nEXPOSE 8080\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n";

pub(super) fn build_app_image() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), DOCKERFILE).unwrap();
    std::fs::write(dir.path().join("db"), PROBE).unwrap();
    let built = Command::new("docker")
        .args(["build", "-q", "-t", APP_IMAGE])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
}

#[test]
fn a_postgres_pinned_to_the_manager_serves_an_app_on_another_node_over_an_encrypted_overlay() {
    build_app_image();
    let (cluster, mut d) = three_node_cluster();
    let node1 = cluster.node(1);
    node1.load_image("postgres:17");
    node1.load_image(APP_IMAGE);

    let db = unique("cdb");
    let created = d.wharf_ok(&["services", "create", "postgres", &db]);
    assert!(created.contains("postgres://"), "{created}");
    // Pinned to the node that holds its volume: the manager, node1.
    let volume_node = node1.docker(&[
        "volume",
        "inspect",
        "-f",
        "{{index .Labels \"wharf.node\"}}",
        &format!("wharf-service.{db}"),
    ]);
    let node1_id = stdout(&node1.docker(&["info", "-f", "{{.Swarm.NodeID}}"]))
        .trim()
        .to_string();
    assert_eq!(stdout(&volume_node).trim(), node1_id, "the volume's node");
    let listed = d.wharf_ok(&["services"]);
    let row = listed.lines().find(|l| l.starts_with(&db)).unwrap();
    assert!(
        listed.contains("NODE") && row.ends_with("node1"),
        "{listed}"
    );

    let app = unique("onnode2");
    let domain = format!("{app}.example.test");
    let deployed = d.wharf_ok(&[
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
        "placement=node.hostname==node2",
    ]);
    assert!(deployed.contains("created service"), "{deployed}");
    assert!(
        probe(&d, &domain).contains("no DATABASE_URL"),
        "{}",
        probe(&d, &domain)
    );

    // Linked: the app's new service joins the overlay, and its task on node2 asks the
    // database on node1, by the name in DATABASE_URL, over IPsec: the server answers `S`
    // (TLS on). A kernel without IPsec (the engine logs that it failed adding the security
    // associations) must carry nothing at all rather than fall back to the clear.
    let linked = d.wharf_ok(&["services", "link", &db, &app]);
    assert!(linked.contains("is live"), "{linked}");
    let overlay = overlay_of(&d, &db);
    assert!(
        overlay.starts_with(&format!("wharf_svc_{db}_")),
        "{overlay}"
    );
    assert!(
        linked.contains(&format!("its tasks reach linked databases over {overlay}")),
        "{linked}"
    );
    let answered = probe(&d, &domain);
    if kernel_lacks_ipsec(node1) {
        eprintln!("note: this kernel cannot do IPsec; checking that nothing gets through");
        assert!(
            answered.contains(&format!("db {db}:5432 answered []")),
            "{answered}"
        );
    } else {
        assert_reaches_from_node2(&cluster, &db, &answered);
    }
    // The overlay: attachable and encrypted, with the database's container on it.
    let options = overlay_options(node1, &overlay);
    assert!(
        options.starts_with("overlay true ") && options.contains("\"encrypted\":\"\""),
        "{options}"
    );
    let on_overlay = stdout(&node1.docker(&[
        "network",
        "inspect",
        "-f",
        "{{range .Containers}}{{.Name}} {{end}}",
        &overlay,
    ]));
    assert!(
        on_overlay.contains(&format!("wharf-service.{db}")),
        "{on_overlay}"
    );
    let info = d.wharf_ok(&["services", "info", &db]);
    assert!(info.contains("node:      node1"), "{info}");

    // Backups still land in the manager's data directory.
    d.wharf_ok(&["services", "backup", &db]);
    let dumps: Vec<String> = std::fs::read_dir(d.data_dir().join("backups").join(&db))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".dump"))
        .collect();
    assert_eq!(dumps.len(), 1, "one backup: {dumps:?}");

    // Unlinked: the new release's service is off the overlay, and the overlay goes.
    let unlinked = d.wharf_ok(&["services", "unlink", &db, &app]);
    assert!(
        unlinked.contains(&format!("removed network {overlay}")),
        "{unlinked}"
    );
    assert!(
        probe(&d, &domain).contains("no DATABASE_URL"),
        "{}",
        probe(&d, &domain)
    );
    let networks = stdout(&node1.docker(&[
        "service",
        "inspect",
        "-f",
        "{{json .Spec.TaskTemplate.Networks}}",
        &format!("wharf-{app}-web-v3"),
    ]));
    assert!(
        matches!(networks.trim(), "null" | "[]"),
        "the new service joins no network: {networks}"
    );
    wait_until("the overlay removed", || {
        !node1
            .docker(&["network", "inspect", &overlay])
            .status
            .success()
    });

    // A server started with --unencrypted-overlays (for kernels without IPsec) makes the
    // overlay in the clear; linked again, the app's task on node2 reaches the database.
    assert!(d.terminate(), "the daemon stopped cleanly");
    d.set_extra(&["--unencrypted-overlays"]);
    d.spawn();
    let linked = d.wharf_ok(&["services", "link", &db, &app]);
    assert!(linked.contains("is live"), "{linked}");
    // A new overlay, under a new name: node2 may still know the removed one by its name.
    let again = overlay_of(&d, &db);
    assert_ne!(again, overlay);
    let options = overlay_options(node1, &again);
    assert!(
        options.starts_with("overlay true ") && !options.contains("encrypted"),
        "{options}"
    );
    assert_reaches_from_node2(&cluster, &db, &probe(&d, &domain));
}

/// The overlay network `wharf services info` names for `db`.
fn overlay_of(d: &Daemon, db: &str) -> String {
    let info = d.wharf_ok(&["services", "info", db]);
    info.lines()
        .find_map(|l| l.strip_prefix("overlay:   "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no overlay in:\n{info}"))
        .to_string()
}

/// What the app's `/cgi-bin/db` answers through the proxy.
pub(super) fn probe(d: &Daemon, domain: &str) -> String {
    match d.get(domain, "/cgi-bin/db") {
        Ok((200, body)) => body,
        other => panic!("the probe did not answer: {other:?}"),
    }
}

/// The driver, attachable flag and options of `network` on `node`: `overlay true {...}`.
fn overlay_options(node: &Node, network: &str) -> String {
    stdout(&node.docker(&[
        "network",
        "inspect",
        "-f",
        "{{.Driver}} {{.Attachable}} {{json .Options}}",
        network,
    ]))
}

/// Whether the node's engine failed to install IPsec security associations for an encrypted
/// overlay because the kernel lacks them ("function not implemented").
fn kernel_lacks_ipsec(node: &Node) -> bool {
    let log = stdout(&node.exec(&["cat", "/var/log/dockerd.log"]));
    log.lines()
        .any(|l| l.contains("Failed Adding") && l.contains("function not implemented"))
}

/// The probe's answer says PostgreSQL answered `S`, from a task that runs on node2 only.
fn assert_reaches_from_node2(cluster: &Cluster, db: &str, answered: &str) {
    assert!(
        answered.contains(&format!("db {db}:5432 answered [S]")),
        "{answered}"
    );
    let task_host = answered.split_whitespace().last().unwrap();
    assert!(
        cluster.node(2).runs_container(task_host) && !cluster.node(1).runs_container(task_host),
        "the app's task runs on node2: {answered}"
    );
}
