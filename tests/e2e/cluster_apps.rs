//! Apps in a cluster: on three real Docker engines made a Swarm by Wharf's own commands (see
//! `cluster_harness`), an image deployed with scale 3 runs as one Swarm service whose three
//! tasks the Swarm spreads over the three nodes; the daemon's proxy, on the host, reaches each
//! task at its node's address and the port that node published, and round-robins over them.
//! A config change under load starts the new release's service, health-checks its tasks,
//! switches, drains and removes the old service, with no request failed. What services cannot
//! have yet (a volume) is refused, naming it. A daemon that restarts routes to the same tasks.
//! Four tasks on three nodes share one, on two ports; a rollback runs the first release again.
//! Images reach the other nodes through the registry Wharf runs on the manager (they are
//! loaded on node1 only): an app built from source on this server runs on all three, and the
//! registry keeps the tags of the releases kept. A server that is not a cluster is untouched.
//! Placement rules put the tasks on the nodes they name; a rule no node meets fails the deploy
//! with the Swarm's reason within seconds while the running release serves; on a server that
//! is not a cluster the setting is accepted and ignored, saying so.

use super::cluster_harness::{Cluster, Node};
use super::harness::{Daemon, RequestLoop, fails_with, stdout, unique};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

/// A busybox httpd answering `hello $GREETING HOSTNAME`; a task's hostname is the start of
/// its container's ID, so the test can tell which node answered.
pub(super) const IMAGE: &str = "wharf-e2e-hostname:1";

#[test]
fn an_app_scaled_to_three_runs_on_three_nodes_and_redeploys_without_a_failed_request() {
    let (cluster, mut d) = three_node_cluster_with(&["--keep-releases", "3"]);
    let node1 = cluster.node(1);

    let app = unique("spread");
    let domain = format!("{app}.example.test");
    let deployed = deploy_image(&d, &app, &[&format!("domain={domain}"), "scale=3"]);
    assert!(deployed.contains("created service"), "{deployed}");
    assert!(deployed.contains("is live"), "{deployed}");
    let service = format!("wharf-{app}-web-v1");
    let services = services_on(node1);
    assert_eq!(services, [service], "one service for the app's web process");

    // Through the daemon's proxy, three tasks answer, one on each node.
    let answering = answering_hostnames(&d, &domain, 3);
    let mut by_node: BTreeMap<String, String> = BTreeMap::new();
    for hostname in &answering {
        let on: Vec<&Node> = cluster
            .nodes()
            .iter()
            .filter(|n| n.runs_container(hostname))
            .collect();
        assert_eq!(
            on.len(),
            1,
            "task {hostname} runs on one node: {answering:?}"
        );
        by_node.insert(on[0].hostname.clone(), hostname.clone());
    }
    assert_eq!(
        by_node.keys().collect::<Vec<_>>(),
        ["node1", "node2", "node3"],
        "the tasks are spread: {by_node:?}"
    );
    // `wharf ps` lists the tasks with their nodes.
    let ps = d.wharf_ok(&["ps", &app]);
    for node in ["node1", "node2", "node3"] {
        assert!(ps.contains(&format!("@{node}")), "{node} not in:\n{ps}");
    }
    // Each running task says when it started, as a container does.
    let year = format!(" {}-", &ps_year());
    assert_eq!(ps.matches(&year).count(), 3, "{ps}");
    // `wharf logs` has every task's output, wherever it runs, as web.SLOT.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let logs = d.wharf_ok(&["logs", &app]);
        if answering
            .iter()
            .all(|h| logs.contains(&format!("started on {h}")))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every task's output ({answering:?}) in `wharf logs` within 30 s:\n{logs}\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let logs = d.wharf_ok(&["logs", &app, "--process", "web"]);
    for slot in 1..=3 {
        assert!(
            logs.contains(&format!("web.{slot}")),
            "web.{slot} not in:\n{logs}"
        );
    }

    // A config change under load: a new service, checked, switched to; the old one drains
    // and goes; not one request fails.
    let load = RequestLoop::start(d.http, &domain, "hello ");
    std::thread::sleep(Duration::from_secs(1));
    let changed = d.wharf_ok(&["config", "set", &app, "GREETING=again"]);
    assert!(changed.contains("is live"), "{changed}");
    d.wait_for_body(&domain, "hello again ");
    std::thread::sleep(Duration::from_secs(1));
    load.assert_none_failed();
    let new_service = format!("wharf-{app}-web-v2");
    wait_until("the old release's service removed", || {
        services_on(node1) == [new_service.clone()]
    });
    let before_restart = answering_hostnames(&d, &domain, 3);

    // A daemon that restarts finds the service's tasks again and routes to the same three.
    assert!(d.terminate(), "the daemon stopped cleanly");
    d.spawn();
    let mut after_restart = answering_hostnames(&d, &domain, 3);
    after_restart.sort();
    let mut before = before_restart.clone();
    before.sort();
    assert_eq!(
        after_restart, before,
        "the same tasks serve after a restart"
    );
    assert_eq!(services_on(node1), [new_service]);

    // A stop takes the tasks out of the route; a start routes to them again.
    d.wharf_ok(&["stop", &app, "web"]);
    let stopped = d.get(&domain, "/");
    assert!(!matches!(stopped, Ok((200, _))), "{stopped:?}");
    d.wharf_ok(&["start", &app, "web"]);
    assert_eq!(answering_hostnames(&d, &domain, 3).len(), 3);

    // Scaled to four on three nodes: two tasks share a node, each on a port of its own.
    d.wharf_ok(&["scale", &app, "web=4"]);
    assert_eq!(answering_hostnames(&d, &domain, 4).len(), 4);
    wait_until("only the scaled release's service left", || {
        services_on(node1) == [format!("wharf-{app}-web-v3")]
    });

    // A rollback to the first release: its image and config (no GREETING) on a new service.
    d.wharf_ok(&["rollback", &app, "v1"]);
    d.wait_for_body(&domain, "hello  ");
    assert_eq!(answering_hostnames(&d, &domain, 3).len(), 3);
    wait_until("only the rollback's service left", || {
        services_on(node1) == [format!("wharf-{app}-web-v4")]
    });

    // An app built from source on this server: its image goes to the cluster's registry, and
    // the other nodes pull it from there.
    let status = d.wharf_ok(&["cluster", "status"]);
    let registry = format!("{}:5000", node1.address());
    assert!(
        status.contains(&format!("Registry:    {registry}")),
        "{status}"
    );
    let built = unique("built");
    let built_domain = format!("{built}.example.test");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!(
            "# wharf.app = {built}\n# wharf.domain = {built_domain}\n# wharf.scale = 3\n{HOSTNAME_APP}"
        ),
    )
    .unwrap();
    let out = d.deploy(dir.path());
    let said = stdout(&out);
    assert!(
        out.status.success(),
        "{said}{}",
        super::harness::stderr(&out)
    );
    assert!(
        said.contains(&format!(
            "pushed {registry}/wharf/{built}:v1 to the cluster's registry"
        )),
        "{said}"
    );
    let answering = answering_hostnames(&d, &built_domain, 3);
    for node in cluster.nodes() {
        assert!(
            answering.iter().any(|h| node.runs_container(h)),
            "no task of the built app on {}: {answering:?}",
            node.hostname
        );
    }
    // Releases past the three kept leave the registry too.
    for n in 2..=4 {
        d.wharf_ok(&["config", "set", &built, &format!("N={n}")]);
    }
    let tags_dir =
        format!("/var/lib/registry/docker/registry/v2/repositories/wharf/{built}/_manifests/tags");
    wait_until("the registry keeps the last three releases", || {
        let listed = stdout(&node1.docker(&["exec", "wharf-registry", "ls", &tags_dir]));
        listed.split_whitespace().collect::<Vec<_>>() == ["v2", "v3", "v4"]
    });

    // A volume is this server's: the app's tasks are pinned here, both of them, and
    // `wharf storage` says so. A rule that keeps them off this server fails, saying why.
    let stateful = unique("stateful");
    let stateful_domain = format!("{stateful}.example.test");
    let deploy_stateful = |more: &[&str]| {
        let domain = format!("domain={stateful_domain}");
        let mut args = vec!["deploy", "--app", &stateful, "--image", IMAGE];
        for setting in ["port=8080", "scale=2", domain.as_str()]
            .into_iter()
            .chain(more.iter().copied())
        {
            args.extend(["--set", setting]);
        }
        d.wharf(&args)
    };
    let out = deploy_stateful(&[]);
    assert!(out.status.success(), "{}", super::harness::stderr(&out));
    let out = d.wharf(&["storage", "mount", &stateful, "app-data:/data"]);
    let said = stdout(&out);
    assert!(
        out.status.success(),
        "{said}{}",
        super::harness::stderr(&out)
    );
    assert!(
        said.contains("storage (/data) pins the app's tasks to this server"),
        "{said}"
    );
    for hostname in answering_hostnames(&d, &stateful_domain, 2) {
        assert!(
            node1.runs_container(&hostname),
            "task {hostname} is not on node1"
        );
    }
    let storage = d.wharf_ok(&["storage", "list", &stateful]);
    assert!(
        storage.contains("tasks run on node node1 (this server), where its storage is"),
        "{storage}"
    );
    let out = deploy_stateful(&["placement=node.role==worker"]);
    fails_with(&out, "no suitable node");
    fails_with(&out, "its storage pins it to this server");
    d.wharf_ok(&["apps", "destroy", &stateful, "--confirm", &stateful]);

    // Destroying the apps removes their services, and their images from the registry.
    d.wharf_ok(&["apps", "destroy", &app, "--confirm", &app]);
    d.wharf_ok(&["apps", "destroy", &built, "--confirm", &built]);
    assert!(services_on(node1).is_empty(), "{:?}", services_on(node1));
    let left = node1.docker(&["exec", "wharf-registry", "ls", &tags_dir]);
    assert_eq!(stdout(&left).trim(), "", "tags left in the registry");
    d.terminate();
}

#[test]
fn placement_rules_put_the_tasks_on_the_nodes_they_name_and_a_rule_no_node_meets_fails_the_deploy()
{
    let (cluster, mut d) = three_node_cluster();
    let node1 = cluster.node(1);
    let node2 = cluster.node(2);
    d.wharf_ok(&["nodes", "label", "node2", "role=web"]);

    let app = unique("placed");
    let domain = format!("{app}.example.test");
    let domain_setting = format!("domain={domain}");
    let deploy = |placement: &[&str]| {
        let mut args = vec!["deploy", "--app", &app, "--image", IMAGE];
        for setting in ["port=8080", domain_setting.as_str(), "scale=2"]
            .into_iter()
            .chain(placement.iter().copied())
        {
            args.extend(["--set", setting]);
        }
        d.wharf(&args)
    };
    let on_node2 = |what: &str| {
        let answering = answering_hostnames(&d, &domain, 2);
        for hostname in &answering {
            assert!(
                node2.runs_container(hostname),
                "{what}: task {hostname} is not on node2 (node1: {}, node3: {})",
                node1.runs_container(hostname),
                cluster.node(3).runs_container(hostname)
            );
        }
    };

    // Two tasks, both on the one node labelled role=web (each on a port of its own).
    let out = deploy(&["placement=node.labels.role==web"]);
    let said = stdout(&out);
    assert!(
        out.status.success(),
        "{said}{}",
        super::harness::stderr(&out)
    );
    assert!(
        said.contains("spread over the nodes where node.labels.role==web"),
        "{said}"
    );
    on_node2("v1");

    // As a Dockerfile writes it, with spaces, and a second rule on its own line.
    let out = deploy(&[
        "placement=node.labels.role == web",
        "placement=node.hostname != node3",
    ]);
    assert!(out.status.success(), "{}", super::harness::stderr(&out));
    let v2 = format!("wharf-{app}-web-v2");
    wait_until("only the second release's service left", || {
        services_on(node1) == [v2.clone()]
    });
    on_node2("v2");
    let constraints = stdout(&node1.docker(&[
        "service",
        "inspect",
        "-f",
        "{{json .Spec.TaskTemplate.Placement.Constraints}}",
        &v2,
    ]));
    assert_eq!(
        constraints.trim(),
        r#"["node.labels.role==web","node.hostname!=node3"]"#
    );

    // A rule no node meets: the Swarm leaves the tasks pending; the deploy fails with its
    // reason in seconds (not at the 20 s health timeout), and the running release serves.
    let started = Instant::now();
    let out = deploy(&["placement=node.labels.role==db"]);
    let took = started.elapsed();
    fails_with(&out, "no suitable node");
    fails_with(&out, "placement: node.labels.role==db");
    fails_with(&out, "the previous release keeps serving");
    assert!(took < Duration::from_secs(18), "took {took:?}");
    assert_eq!(
        services_on(node1),
        [v2],
        "the failed release's service went"
    );
    on_node2("after the failed deploy");
    d.terminate();
}

#[test]
fn on_a_server_that_is_not_a_cluster_placement_is_accepted_and_ignored() {
    build_image();
    let d = Daemon::start();
    let app = unique("single");
    let domain = format!("{app}.example.test");
    let domain_setting = format!("domain={domain}");
    let deploy = |placement: &str| {
        d.wharf(&[
            "deploy",
            "--app",
            &app,
            "--image",
            IMAGE,
            "--set",
            "port=8080",
            "--set",
            &domain_setting,
            "--set",
            placement,
        ])
    };
    let out = deploy("placement=node.labels.role == web, node.role != manager");
    let said = stdout(&out);
    assert!(
        out.status.success(),
        "{said}{}",
        super::harness::stderr(&out)
    );
    assert_eq!(
        said.matches("`placement` applies only in a cluster")
            .count(),
        1,
        "{said}"
    );
    d.wait_for_body(&domain, "hello ");

    // A rule in no form the Swarm reads is refused, naming it and the forms allowed.
    let out = deploy("placement=node.labels.role=web");
    fails_with(&out, "`wharf.placement`");
    fails_with(&out, "`node.labels.role=web`");
    fails_with(&out, "FIELD == VALUE or FIELD != VALUE");

    // Nothing of a cluster is asked for on a single server: its start logged no error.
    let log = d.log();
    let errors: Vec<&str> = log.lines().filter(|l| l.contains(" ERROR ")).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Deploy [`IMAGE`] as `app` (port 8080) with more `settings` (`KEY=VALUE`, as `--set`);
/// the deploy's output.
pub(super) fn deploy_image(d: &Daemon, app: &str, settings: &[&str]) -> String {
    let mut args = vec![
        "deploy",
        "--app",
        app,
        "--image",
        IMAGE,
        "--set",
        "port=8080",
    ];
    for setting in settings {
        args.extend(["--set", setting]);
    }
    d.wharf_ok(&args)
}

/// Wait until `wharf nodes` lists `count` nodes, every one `ready`.
pub(super) fn wait_for_ready_nodes(d: &Daemon, count: usize) {
    wait_until(&format!("{count} ready nodes"), || {
        let nodes = d.wharf_json(&["nodes"])["nodes"]
            .as_array()
            .unwrap()
            .clone();
        nodes.len() == count && nodes.iter().all(|n| n["state"] == "ready")
    });
}

/// This year, as `wharf ps` starts a date.
fn ps_year() -> String {
    let out = Command::new("date").args(["-u", "+%Y"]).output().unwrap();
    stdout(&out).trim().to_string()
}

/// [`three_node_cluster_with`] a daemon of default settings.
pub(super) fn three_node_cluster() -> (Cluster, Daemon) {
    three_node_cluster_with(&[])
}

/// Three nodes with [`IMAGE`], busybox (for builds) and the registry's image loaded on node1
/// only, and a daemon driving node1's engine, started with `server_args`, that made
/// them a cluster by its own commands (`cluster init`, `nodes add` over SSH): every node ready.
pub(super) fn three_node_cluster_with(server_args: &[&str]) -> (Cluster, Daemon) {
    build_image();
    let cluster = Cluster::start(3);
    for image in [IMAGE, "busybox:latest", "registry:2"] {
        cluster.node(1).load_image(image);
    }
    let mut d = Daemon::configured(server_args, &[("DOCKER_HOST", &cluster.node(1).host())]);
    d.spawn();
    d.wharf_ok(&["cluster", "init"]);
    for node in &cluster.nodes()[1..] {
        join(&d, node);
    }
    wait_for_ready_nodes(&d, 3);
    (cluster, d)
}

/// The Dockerfile of [`IMAGE`].
const HOSTNAME_APP: &str = "FROM busybox:latest\nEXPOSE 8080\nCMD [\"sh\", \"-c\", \"mkdir -p /www && echo \\\"hello $GREETING $(hostname)\\\" > /www/index.html && echo \\\"started on $(hostname)\\\" && exec httpd -f -p 8080 -h /www\"]\n";

pub(super) fn build_image() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), HOSTNAME_APP).unwrap();
    let built = Command::new("docker")
        .args(["build", "-q", "-t", IMAGE])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
}

/// Join `node` by the script `wharf nodes add` prints (between its first two blank lines),
/// run in a root shell on it, as a user pastes it.
pub(super) fn join(d: &Daemon, node: &Node) {
    let printed = d.wharf_ok(&["nodes", "add", &node.hostname]);
    let script = printed
        .split("\n\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no script in: {printed}"));
    assert!(script.contains("docker swarm join --token "), "{printed}");
    assert!(script.contains("/etc/docker/certs.d/"), "{printed}");
    node.exec_script(script);
}

/// The Swarm services on the manager, by name.
pub(super) fn services_on(manager: &Node) -> Vec<String> {
    let out = manager.docker(&["service", "ls", "--format", "{{.Name}}"]);
    let mut names: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    names.sort();
    names
}

/// The hostnames answering on `domain` through the proxy, once `count` different ones have.
pub(super) fn answering_hostnames(d: &Daemon, domain: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen: Vec<String> = Vec::new();
    while seen.len() < count {
        assert!(
            Instant::now() < deadline,
            "only {seen:?} answered on {domain}\n{}",
            d.log()
        );
        if let Ok((200, body)) = d.get(domain, "/")
            && let Some(hostname) = body.split_whitespace().last()
            && !seen.iter().any(|s| s == hostname)
        {
            seen.push(hostname.to_string());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    seen
}

pub(super) fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "not within a minute: {what}");
        std::thread::sleep(Duration::from_millis(500));
    }
}
