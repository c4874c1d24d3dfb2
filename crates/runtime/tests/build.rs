//! Integration tests for image builds against the real Docker engine.

mod common;

use common::{Cleanup, app_labels, docker, unique_app, write_context};
use wharf_runtime::{BuildError, labels};

#[tokio::test]
async fn build_streams_output_and_reports_ports() {
    let docker = docker().await;
    let app = unique_app();
    let tag = format!("wharf-{app}:v1");
    let mut cleanup = Cleanup::default();
    cleanup.image(&tag);

    let dir = tempfile::tempdir().unwrap();
    let ctx = write_context(
        dir.path(),
        &[(
            "Dockerfile",
            "FROM busybox:latest\nRUN echo hello-from-build\nEXPOSE 8080\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\"]\n",
        )],
    );

    let mut lines = Vec::new();
    let mut on_line = |l: &str| lines.push(l.to_owned());
    let id = docker
        .build(&ctx, "Dockerfile", &tag, app_labels(&app), &mut on_line)
        .await
        .unwrap();

    assert!(id.starts_with("sha256:"), "image id {id}");
    assert!(lines.iter().any(|l| l == "hello-from-build"), "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Step 2/") && l.ends_with(" : RUN echo hello-from-build")),
        "{lines:#?}"
    );
    assert!(docker.image_exists(&tag).await.unwrap());
    assert!(docker.image_exists(&id).await.unwrap());
    assert_eq!(docker.exposed_ports(&tag).await.unwrap(), vec![8080]);

    let images = docker.list_images(&[(labels::APP, &app)]).await.unwrap();
    assert_eq!(images.len(), 1, "{images:?}");
    assert_eq!(images[0].id, id);
    assert_eq!(images[0].tags, vec![tag.clone()]);
    assert_eq!(
        images[0].labels.get(labels::MANAGED).map(String::as_str),
        Some("true")
    );

    docker.remove_image(&tag).await.unwrap();
    assert!(!docker.image_exists(&tag).await.unwrap());
    // Removing a missing image is fine.
    docker.remove_image(&tag).await.unwrap();
    assert!(
        docker
            .list_images(&[(labels::APP, &app)])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn failing_step_is_reported() {
    let docker = docker().await;
    let app = unique_app();
    let tag = format!("wharf-{app}:v1");
    let mut cleanup = Cleanup::default();
    cleanup.image(&tag);

    let dir = tempfile::tempdir().unwrap();
    let ctx = write_context(
        dir.path(),
        &[(
            "Dockerfile",
            "FROM busybox:latest\nRUN false\nRUN echo never\n",
        )],
    );
    let mut lines = Vec::new();
    let mut on_line = |l: &str| lines.push(l.to_owned());
    let err = docker
        .build(&ctx, "Dockerfile", &tag, app_labels(&app), &mut on_line)
        .await
        .unwrap_err();
    eprintln!("error shown to user: {err}");
    match &err {
        BuildError::StepFailed { step, message, .. } => {
            assert!(step.contains("RUN false"), "step {step:?}");
            // The classic builder appends one LABEL step per label, hence "2/5".
            assert!(step.starts_with("Step 2/5 : "), "step {step:?}");
            assert!(message.contains("non-zero code: 1"), "message {message:?}");
        }
        other => panic!("expected StepFailed, got {other:?}"),
    }
    assert!(err.to_string().contains("RUN false"), "{err}");
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("never") && !l.starts_with("Step"))
    );
    assert!(!docker.image_exists(&tag).await.unwrap());
}

#[tokio::test]
async fn missing_dockerfile_is_rejected() {
    let docker = docker().await;
    let app = unique_app();
    let tag = format!("wharf-{app}:v1");
    let mut cleanup = Cleanup::default();
    cleanup.image(&tag);

    let dir = tempfile::tempdir().unwrap();
    let ctx = write_context(dir.path(), &[("README", "no dockerfile here\n")]);
    let mut on_line = |_: &str| {};
    let err = docker
        .build(&ctx, "Dockerfile", &tag, app_labels(&app), &mut on_line)
        .await
        .unwrap_err();
    eprintln!("error shown to user: {err}");
    assert!(matches!(err, BuildError::Rejected { .. }), "{err:?}");
    assert!(err.to_string().contains("Dockerfile"), "{err}");
}

#[tokio::test]
async fn custom_dockerfile_path_and_missing_context() {
    let docker = docker().await;
    let app = unique_app();
    let tag = format!("wharf-{app}:v1");
    let mut cleanup = Cleanup::default();
    cleanup.image(&tag);

    let dir = tempfile::tempdir().unwrap();
    let ctx = write_context(
        dir.path(),
        &[(
            "deploy/Web.Dockerfile",
            "FROM busybox:latest\nEXPOSE 3000 53/udp\n",
        )],
    );
    let mut on_line = |_: &str| {};
    docker
        .build(
            &ctx,
            "deploy/Web.Dockerfile",
            &tag,
            app_labels(&app),
            &mut on_line,
        )
        .await
        .unwrap();
    assert_eq!(docker.exposed_ports(&tag).await.unwrap(), vec![3000]);
    docker.remove_image(&tag).await.unwrap();

    let err = docker
        .build(
            &dir.path().join("nope.tar"),
            "Dockerfile",
            &tag,
            app_labels(&app),
            &mut on_line,
        )
        .await
        .unwrap_err();
    eprintln!("error shown to user: {err}");
    assert!(matches!(err, BuildError::Io { .. }), "{err:?}");
}
