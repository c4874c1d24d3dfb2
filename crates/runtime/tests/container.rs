//! Integration tests for running containers against the real Docker engine.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{Cleanup, app_labels, docker, unique_app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wharf_runtime::{ContainerSpec, Docker, Mount, RestartPolicy, RuntimeError, labels};

const GRACE: Duration = Duration::from_secs(2);

fn spec(app: &str, name: &str, cmd: &str, restart: RestartPolicy) -> ContainerSpec {
    let mut labels = app_labels(app);
    labels.insert(labels::PROCESS.to_owned(), "web".to_owned());
    labels.insert(labels::REPLICA.to_owned(), "1".to_owned());
    ContainerSpec {
        name: name.to_owned(),
        image: "busybox:latest".to_owned(),
        env: vec![("GREETING".to_owned(), "hi there=yes".to_owned())],
        labels,
        cmd: Some(vec!["sh".to_owned(), "-c".to_owned(), cmd.to_owned()]),
        mounts: Vec::new(),
        memory_bytes: Some(64 * 1024 * 1024),
        nano_cpus: Some(500_000_000),
        restart,
        network: None,
        ..Default::default()
    }
}

async fn http_get(addr: SocketAddr) -> std::io::Result<String> {
    let mut stream =
        tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr))
            .await??;
    stream
        .write_all(b"GET /index.html HTTP/1.0\r\nHost: test\r\n\r\n")
        .await?;
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await??;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

async fn wait_exited(docker: &Docker, id: &str) -> wharf_runtime::ContainerInfo {
    for _ in 0..100 {
        let info = match docker.inspect(id).await {
            Ok(info) => info,
            Err(e) => panic!("inspect {id}: {e}"),
        };
        if !info.running {
            return info;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("container {id} did not exit");
}

#[tokio::test]
async fn http_container_lifecycle() {
    let docker = docker().await;
    let app = unique_app();
    let name = format!("wharf-{app}-web-v1-1");
    let mut cleanup = Cleanup::default();
    cleanup.container(&name);

    let s = spec(
        &app,
        &name,
        "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www",
        RestartPolicy::UnlessStopped,
    );
    let started = docker.create_and_start(&s).await.unwrap();
    assert_eq!(started.name, name);
    assert!(started.running);
    assert_eq!(started.state, "running");
    assert_eq!(started.restart_policy, "unless-stopped");
    assert_eq!(started.image, "busybox:latest");
    assert!(started.started_at.is_some());
    assert_eq!(started.health, None);
    assert_eq!(
        started.labels.get(labels::MANAGED).map(String::as_str),
        Some("true")
    );

    let listed = docker.list(&[(labels::APP, &app)]).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let info = &listed[0];
    assert_eq!(info.id, started.id);
    assert_eq!(
        info.labels.get(labels::PROCESS).map(String::as_str),
        Some("web")
    );
    let ip = info.ip.expect("running container has an IP");
    // Filtering on a second label narrows the result.
    assert!(
        docker
            .list(&[(labels::APP, &app), (labels::PROCESS, "worker")])
            .await
            .unwrap()
            .is_empty()
    );

    let inspected = docker.inspect(&name).await.unwrap();
    assert_eq!(inspected.restart_policy, "unless-stopped");
    assert_eq!(inspected.id, started.id);

    let addr = SocketAddr::new(ip, 8080);
    let mut response = Err(std::io::Error::other("not tried"));
    for _ in 0..50 {
        response = http_get(addr).await;
        if response.as_ref().is_ok_and(|r| r.starts_with("HTTP/1.")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let response = response.unwrap();
    assert!(
        response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200"),
        "{response}"
    );
    assert!(response.ends_with("ok\n"), "{response}");

    // Creating a second container with the same name is a conflict.
    let err = docker.create_and_start(&s).await.unwrap_err();
    eprintln!("error shown to user: {err}");
    assert!(matches!(err, RuntimeError::Conflict { .. }), "{err:?}");

    docker.stop_and_remove(&started.id, GRACE).await.unwrap();
    assert!(
        docker
            .list(&[(labels::APP, &app)])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        docker.inspect(&started.id).await,
        Err(RuntimeError::NotFound(_))
    ));
    // Already gone: still fine.
    docker.stop_and_remove(&started.id, GRACE).await.unwrap();
    assert!(matches!(
        docker.stop(&started.id, GRACE).await,
        Err(RuntimeError::NotFound(_))
    ));
}

#[tokio::test]
async fn logs_of_exited_container_and_restart() {
    let docker = docker().await;
    let app = unique_app();
    let name = format!("wharf-{app}-job-v1-1");
    let mut cleanup = Cleanup::default();
    cleanup.container(&name);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("msg"), "from-mount\n").unwrap();
    let mut s = spec(
        &app,
        &name,
        "for i in 1 2 3 4 5; do echo line-$i; done; cat /data/msg; echo \"$GREETING\"; sleep 0.3; echo err-line >&2; sleep 0.3; touch /data/x 2>/dev/null || echo read-only",
        RestartPolicy::No,
    );
    s.mounts.push(Mount {
        source: dir.path().to_str().unwrap().to_owned(),
        target: "/data".to_owned(),
        read_only: true,
    });
    let started = docker.create_and_start(&s).await.unwrap();
    assert_eq!(started.restart_policy, "no");
    let exited = wait_exited(&docker, &started.id).await;
    assert_eq!(exited.state, "exited");
    assert_eq!(exited.exit_code, Some(0));
    assert_eq!(exited.ip, None);

    // stdout and stderr are copied independently by the engine; the sleeps
    // around the stderr line keep the interleaving deterministic.
    let tail = docker.logs_tail(&started.id, 5).await.unwrap();
    assert_eq!(
        tail,
        [
            "line-5",
            "from-mount",
            "hi there=yes",
            "err-line",
            "read-only"
        ]
    );
    let all = docker.logs_tail(&started.id, 1000).await.unwrap();
    assert_eq!(all.len(), 9, "{all:?}");
    assert!(docker.logs_tail(&started.id, 0).await.unwrap().is_empty());

    // Exited containers are still listed; they can be started again.
    let listed = docker.list(&[(labels::APP, &app)]).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].running);
    docker.start(&started.id).await.unwrap();
    wait_exited(&docker, &started.id).await;
    assert_eq!(docker.logs_tail(&started.id, 1000).await.unwrap().len(), 18);

    docker.stop_and_remove(&name, GRACE).await.unwrap();
    assert!(
        docker
            .list(&[(labels::APP, &app)])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        docker.logs_tail(&started.id, 5).await,
        Err(RuntimeError::NotFound(_))
    ));
}

#[tokio::test]
async fn missing_image_and_invalid_spec() {
    let docker = docker().await;
    let app = unique_app();
    let name = format!("wharf-{app}-web-v1-1");
    let mut cleanup = Cleanup::default();
    cleanup.container(&name);

    let mut s = spec(&app, &name, "true", RestartPolicy::No);
    s.image = format!("wharf-{app}:does-not-exist");
    let err = docker.create_and_start(&s).await.unwrap_err();
    eprintln!("error shown to user: {err}");
    assert!(matches!(err, RuntimeError::NotFound(_)), "{err:?}");
    assert!(err.to_string().contains("does-not-exist"), "{err}");

    let mut s = spec(&app, &name, "true", RestartPolicy::No);
    s.network = Some(format!("{app}-no-such-network"));
    let err = docker.create_and_start(&s).await.unwrap_err();
    eprintln!("error shown to user: {err}");
    assert!(matches!(err, RuntimeError::NotFound(_)), "{err:?}");
    assert!(err.to_string().contains("no-such-network"), "{err}");

    let mut s = spec(&app, &name, "true", RestartPolicy::No);
    s.env.push(("BAD=NAME".to_owned(), "x".to_owned()));
    let err = docker.create_and_start(&s).await.unwrap_err();
    eprintln!("error shown to user: {err}");
    assert!(matches!(err, RuntimeError::InvalidSpec(_)), "{err:?}");

    // A command that cannot be started leaves no container behind.
    let mut s = spec(&app, &name, "true", RestartPolicy::No);
    s.cmd = Some(vec!["/no/such/binary".to_owned()]);
    let err = docker.create_and_start(&s).await.unwrap_err();
    eprintln!("error shown to user: {err}");
    assert!(err.to_string().contains("/no/such/binary"), "{err}");
    assert!(
        docker
            .list(&[(labels::APP, &app)])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn unmanaged_objects_are_invisible_and_untouchable() {
    let docker = docker().await;
    let app = unique_app();
    let name = format!("{app}-plain");
    let mut cleanup = Cleanup::default();
    cleanup.container(&name);

    // A container created behind Wharf's back, without wharf.managed=true.
    let client = bollard::Docker::connect_with_local_defaults().unwrap();
    let body = bollard::models::ContainerCreateBody {
        image: Some("busybox:latest".to_owned()),
        cmd: Some(vec!["sleep".to_owned(), "30".to_owned()]),
        labels: Some(app_labels(&app)),
        ..Default::default()
    };
    let opts = bollard::query_parameters::CreateContainerOptionsBuilder::default()
        .name(&name)
        .build();
    let created = client.create_container(Some(opts), body).await.unwrap();

    let all = docker.list(&[]).await.unwrap();
    assert!(
        all.iter().all(|c| c.id != created.id),
        "unmanaged container listed"
    );
    assert!(
        all.iter()
            .all(|c| c.labels.get(labels::MANAGED).map(String::as_str) == Some("true"))
    );
    assert!(
        docker
            .list(&[(labels::APP, &app)])
            .await
            .unwrap()
            .is_empty()
    );

    // Mutating calls refuse it, and it survives.
    let err = docker
        .stop_and_remove(&created.id, GRACE)
        .await
        .unwrap_err();
    eprintln!("error shown to user: {err}");
    assert!(matches!(err, RuntimeError::NotManaged(_)), "{err:?}");
    assert!(matches!(
        docker.start(&created.id).await,
        Err(RuntimeError::NotManaged(_))
    ));
    assert!(docker.inspect(&created.id).await.is_ok());

    // Same for images: tag busybox under a test-only name; removing it through Wharf is refused.
    let tag = format!("{app}:plain");
    cleanup.image(&tag);
    let tag_opts = bollard::query_parameters::TagImageOptionsBuilder::default()
        .repo(&app)
        .tag("plain")
        .build();
    client
        .tag_image("busybox:latest", Some(tag_opts))
        .await
        .unwrap();
    let err = docker.remove_image(&tag).await.unwrap_err();
    eprintln!("error shown to user: {err}");
    assert!(matches!(err, RuntimeError::NotManaged(_)), "{err:?}");
    assert!(docker.image_exists(&tag).await.unwrap());
    assert!(
        docker
            .list_images(&[])
            .await
            .unwrap()
            .iter()
            .all(|i| !i.tags.contains(&tag))
    );

    let rm = bollard::query_parameters::RemoveContainerOptionsBuilder::default()
        .force(true)
        .build();
    client
        .remove_container(&created.id, Some(rm))
        .await
        .unwrap();
    let untag = bollard::query_parameters::RemoveImageOptionsBuilder::default().build();
    client.remove_image(&tag, Some(untag), None).await.unwrap();
    assert!(docker.image_exists("busybox:latest").await.unwrap());
}
