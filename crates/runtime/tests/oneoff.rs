//! One-off containers and log lines against the real Docker engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Cleanup, app_labels, docker, unique_app};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use wharf_runtime::{ContainerSpec, LogStream, OneOffSpec, Output, RuntimeError};

fn one_off(name: &str, cmd: &[&str], tty: bool, auto_remove: bool) -> OneOffSpec {
    OneOffSpec {
        container: ContainerSpec {
            name: name.to_owned(),
            image: "busybox:latest".to_owned(),
            env: vec![("GREETING".to_owned(), "hello".to_owned())],
            labels: app_labels(&unique_app()),
            cmd: Some(cmd.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        },
        tty,
        stdin: !auto_remove,
        auto_remove,
    }
}

#[tokio::test]
async fn attached_one_off_gets_stdin_and_reports_exit_code() {
    let docker = docker().await;
    let mut cleanup = Cleanup::default();
    let name = unique_app();
    let spec = one_off(
        &name,
        &[
            "sh",
            "-c",
            "read line; echo \"$GREETING $line\"; echo oops >&2; exit 7",
        ],
        false,
        false,
    );
    let id = docker.create_one_off(&spec).await.unwrap();
    cleanup.container(&id);
    let mut attached = docker.attach(&id).await.unwrap();
    docker.start(&id).await.unwrap();
    attached.input.write_all(b"world\n").await.unwrap();
    attached.input.shutdown().await.unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    while let Some(item) = attached.output.next().await {
        match item.unwrap() {
            Output::Stdout(b) => out.extend_from_slice(&b),
            Output::Stderr(b) => err.extend_from_slice(&b),
        }
    }
    assert_eq!(String::from_utf8_lossy(&out), "hello world\n");
    assert_eq!(String::from_utf8_lossy(&err), "oops\n");
    assert_eq!(docker.wait(&id).await.unwrap(), 7);
    let info = docker.inspect(&id).await.unwrap();
    assert_eq!(info.restart_policy, "no");
    docker.stop_and_remove(&id, Duration::ZERO).await.unwrap();
    assert!(matches!(
        docker.wait(&id).await,
        Err(RuntimeError::NotFound(_))
    ));
}

#[tokio::test]
async fn tty_one_off_can_be_resized() {
    let docker = docker().await;
    let mut cleanup = Cleanup::default();
    let name = unique_app();
    let spec = one_off(&name, &["sh", "-c", "sleep 1; stty size"], true, false);
    let id = docker.create_one_off(&spec).await.unwrap();
    cleanup.container(&id);
    let mut attached = docker.attach(&id).await.unwrap();
    docker.start(&id).await.unwrap();
    docker.resize(&id, 33, 101).await.unwrap();
    let mut out = Vec::new();
    while let Some(item) = attached.output.next().await {
        if let Output::Stdout(b) = item.unwrap() {
            out.extend_from_slice(&b);
        }
    }
    assert_eq!(String::from_utf8_lossy(&out).trim(), "33 101");
    assert_eq!(docker.wait(&id).await.unwrap(), 0);
}

#[tokio::test]
async fn auto_removed_one_off_and_log_lines() {
    let docker = docker().await;
    let mut cleanup = Cleanup::default();
    let name = unique_app();
    let spec = one_off(
        &name,
        &["sh", "-c", "echo one; echo two >&2; echo three; sleep 2"],
        false,
        true,
    );
    let id = docker.create_one_off(&spec).await.unwrap();
    cleanup.container(&id);
    docker.start(&id).await.unwrap();

    let followed: Vec<_> = docker.log_lines(&id, None, true, None).collect().await;
    let lines: Vec<_> = followed.into_iter().map(Result::unwrap).collect();
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts.len(), 3, "{lines:?}");
    assert!(texts.contains(&"one") && texts.contains(&"two") && texts.contains(&"three"));
    let two = lines.iter().find(|l| l.text == "two").unwrap();
    assert_eq!(two.stream, LogStream::Stderr);
    assert!(
        lines
            .iter()
            .all(|l| l.time.len() == 30 && l.time.ends_with('Z')),
        "{lines:?}"
    );

    // AutoRemove: gone once it exited.
    for _ in 0..100 {
        if matches!(docker.inspect(&id).await, Err(RuntimeError::NotFound(_))) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the auto-removed container {id} is still there");
}

#[tokio::test]
async fn log_lines_tail() {
    let docker = docker().await;
    let mut cleanup = Cleanup::default();
    let name = unique_app();
    let spec = one_off(
        &name,
        &["sh", "-c", "for i in 1 2 3 4 5; do echo l$i; done"],
        false,
        false,
    );
    let id = docker.create_one_off(&spec).await.unwrap();
    cleanup.container(&id);
    docker.start(&id).await.unwrap();
    assert_eq!(docker.wait(&id).await.unwrap(), 0);
    let lines: Vec<_> = docker.log_lines(&id, Some(2), false, None).collect().await;
    let texts: Vec<String> = lines.into_iter().map(|l| l.unwrap().text).collect();
    assert_eq!(texts, ["l4", "l5"]);
}
