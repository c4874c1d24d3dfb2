//! Integration tests for named volumes against the real Docker engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{app_labels, docker, unique_app};
use wharf_runtime::{RuntimeError, labels};

/// Removes the named volume when dropped (also when the test panics).
struct VolumeCleanup(String);

impl Drop for VolumeCleanup {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker")
            .args(["volume", "rm", "-f", &self.0])
            .output();
    }
}

fn labels_of(name: &str) -> String {
    let out = std::process::Command::new("docker")
        .args(["volume", "inspect", "-f", "{{json .Labels}}", name])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn volumes_are_created_with_labels_once_and_only_wharfs_are_removed() {
    let docker = docker().await;
    let app = unique_app();
    let name = format!("{app}-data");
    let _cleanup = VolumeCleanup(name.clone());

    assert!(
        docker
            .ensure_volume(&name, &app_labels(&app))
            .await
            .unwrap()
    );
    let shown = labels_of(&name);
    assert!(
        shown.contains(&format!("\"{}\":\"{app}\"", labels::APP))
            && shown.contains("\"wharf.managed\":\"true\""),
        "{shown}"
    );
    assert!(
        !docker
            .ensure_volume(&name, &app_labels(&app))
            .await
            .unwrap(),
        "an existing volume is used as it is"
    );
    docker.remove_volume(&name).await.unwrap();
    docker.remove_volume(&name).await.unwrap();

    // A volume made behind Wharf's back is used, never labelled nor removed.
    let plain = format!("{app}-plain");
    let _plain_cleanup = VolumeCleanup(plain.clone());
    let out = std::process::Command::new("docker")
        .args(["volume", "create", &plain])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        !docker
            .ensure_volume(&plain, &app_labels(&app))
            .await
            .unwrap()
    );
    assert!(!labels_of(&plain).contains("wharf.managed"));
    let err = docker.remove_volume(&plain).await.unwrap_err();
    assert!(matches!(err, RuntimeError::NotManaged(_)), "{err:?}");
    labels_of(&plain);
}
