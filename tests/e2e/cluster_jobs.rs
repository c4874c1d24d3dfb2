//! One-off tasks in a cluster: on three real Docker engines made a Swarm by Wharf's commands,
//! `wharf run` without a terminal, `wharf run --detach` and a deploy's release command run as
//! Swarm jobs on a node the app's placement rules allow (a job's container takes its node's
//! hostname), their output and exit code come back as on a single server (and are in `wharf
//! logs`, however short the job), and each job's service is gone once it ended. A failing release command fails the deploy with its output
//! while the previous release keeps serving; a run no node may take fails within seconds with
//! the Swarm's reason; a cron job runs as a job too, its exit code and output kept. An app's
//! storage pins its jobs to this server, with its volume.

use super::cluster_apps::{deploy_image, services_on, three_node_cluster, wait_until};
use super::harness::{app_dir, fails_with, stderr, stdout, unique};
use std::time::{Duration, Instant};

#[test]
fn runs_and_release_commands_run_as_jobs_on_the_nodes_the_app_may_use() {
    let (cluster, mut d) = three_node_cluster();
    let node1 = cluster.node(1);

    // A release command, of an image built on this server (node1): its job runs on node3, as
    // the app's placement says, from the image the web service runs (the cluster's registry's,
    // which node3 pulls).
    node1.load_image("busybox:latest");
    let built = unique("release");
    let domain = format!("{built}.example.test");
    let settings = format!(
        "# wharf.app = {built}\n# wharf.domain = {domain}\n# wharf.placement = node.hostname == node3"
    );
    let dir = app_dir(&settings, "first release");
    std::fs::write(
        dir.path().join("Procfile"),
        "release: echo \"releasing on $(hostname)\"\n",
    )
    .unwrap();
    // And a cron job every minute, checked at the end (its minute passes meanwhile).
    std::fs::write(
        dir.path().join("app.json"),
        r#"{"cron": [{"command": "echo cron-on-$(hostname); exit 5", "schedule": "* * * * *"}]}"#,
    )
    .unwrap();
    let deployed = d.deploy_ok(dir.path());
    assert!(deployed.contains("releasing on node3"), "{deployed}");
    assert!(
        deployed.contains(&format!("ran as job wharf-{built}_release-"))
            && deployed.contains(" on node node3"),
        "{deployed}"
    );
    d.wait_for_body(&domain, "first release");

    // An app placed on node2 alone: its run goes there, with both streams and the exit code.
    let app = unique("jobs");
    deploy_image(&d, &app, &["placement=node.hostname==node2"]);
    let web = format!("wharf-{app}-web-v1");
    // The app's services on the manager: its web service, and its jobs while they are there.
    let services_of = |app: &str| -> Vec<String> {
        let (service, job) = (format!("wharf-{app}-"), format!("wharf-{app}_"));
        services_on(node1)
            .into_iter()
            .filter(|s| s.starts_with(&service) || s.starts_with(&job))
            .collect()
    };
    assert_eq!(services_of(&app), [web.as_str()]);
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
        services_of(&app),
        [web.as_str()],
        "the run's job is gone when `wharf run` returns"
    );
    // Input piped to `wharf run` cannot reach a Swarm job: such a run stays a container on
    // this server, which gets the input.
    let out = d.wharf_with_stdin(
        &["run", &app, "--", "sh", "-c", "cat; echo; hostname"],
        "given input",
    );
    let said = stdout(&out);
    assert!(out.status.success(), "{said}{}", stderr(&out));
    assert!(said.starts_with("given input\n"), "{said}");
    assert!(
        !said.contains("node2"),
        "a run with input went to a node: {said}"
    );

    // Detached: the answer names the job, which goes once it ended; what it printed, in less
    // time than the log follower's look, is in `wharf logs` all the same.
    let said = unique("briefly-said");
    let name = d.wharf_ok(&["run", "--detach", &app, "--", "echo", &said]);
    let name = name.trim();
    assert!(name.starts_with(&format!("wharf-{app}_run-")), "{name}");
    wait_until("the detached run's job removed", || {
        services_of(&app) == [web.as_str()]
    });
    let logs = d.wharf_ok(&["logs", &app]);
    assert!(
        logs.lines()
            .any(|l| l.contains("run.") && l.ends_with(&said)),
        "{logs}"
    );
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
        services_of(&app) == [web.as_str()]
    });

    // Storage pins an app's jobs to this server (node1), as its web tasks, with its volume.
    let stored = unique("stored");
    deploy_image(&d, &stored, &[]);
    d.wharf_ok(&["storage", "mount", &stored, "data:/data"]);
    d.wharf_ok(&["run", &stored, "--", "sh", "-c", "echo kept > /data/file"]);
    let out = d.wharf_ok(&["run", &stored, "--", "sh", "-c", "hostname; cat /data/file"]);
    assert_eq!(out, "node1\nkept\n");

    // A run no node may take (the node it names lost its label) fails within seconds, saying
    // why.
    d.wharf_ok(&["nodes", "label", "node3", "role=jobs"]);
    let placed = unique("unplaced");
    deploy_image(&d, &placed, &["placement=node.labels.role==jobs"]);
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

    // A failing release command fails the deploy with its output; the first release keeps
    // serving.
    std::fs::write(dir.path().join("www/index.html"), "second release").unwrap();
    std::fs::write(
        dir.path().join("Procfile"),
        "release: echo \"migrating on $(hostname)\"; echo broken >&2; exit 4\n",
    )
    .unwrap();
    let out = d.deploy(dir.path());
    fails_with(&out, "release command failed with exit code 4");
    fails_with(&out, "migrating on node3");
    fails_with(&out, "broken");
    fails_with(&out, "the previous release keeps serving");
    d.wait_for_body(&domain, "first release");
    assert!(
        !services_on(node1).iter().any(|s| s.contains("_release-")),
        "{:?}",
        services_on(node1)
    );

    // The cron job ran as a job on node3 within about a minute, its exit code and output kept,
    // and its job is gone.
    let deadline = Instant::now() + Duration::from_secs(130);
    let run_line = loop {
        let listed = d.wharf_ok(&["cron", &built]);
        if let Some(line) = listed
            .lines()
            .find(|l| l.contains("cron-on") && !l.contains("running") && !l.starts_with('*'))
        {
            break line.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "the cron job never finished:\n{listed}\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_secs(2));
    };
    let fields: Vec<&str> = run_line.split_whitespace().collect();
    assert_eq!(fields[1], "5", "the exit code is kept: {run_line}");
    let log = d.wharf_ok(&["cron", &built, "--log", fields[0]]);
    assert!(log.contains("cron-on-node3"), "{log}");
    wait_until("the cron job's service removed", || {
        !services_on(node1).iter().any(|s| s.contains("_cron-"))
    });
}
