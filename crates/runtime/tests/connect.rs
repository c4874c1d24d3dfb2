//! Integration tests for connecting to the engine.

mod common;

use wharf_runtime::{Docker, RuntimeError};

#[tokio::test]
async fn connects_to_local_engine() {
    let docker = common::docker().await;
    let version = docker.api_version();
    let (major, minor) = version.split_once('.').unwrap();
    let v = (
        major.parse::<usize>().unwrap(),
        minor.parse::<usize>().unwrap(),
    );
    assert!(v >= wharf_runtime::MIN_API_VERSION, "{version}");
}

#[tokio::test]
async fn missing_socket_is_unreachable_with_help() {
    let err = Docker::connect_with_socket("/nonexistent.sock")
        .await
        .unwrap_err();
    eprintln!("error shown to user: {err}");
    match &err {
        RuntimeError::Unreachable { socket, .. } => assert!(socket.contains("/nonexistent.sock")),
        other => panic!("expected Unreachable, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("/nonexistent.sock"), "{msg}");
    assert!(msg.contains("Is Docker running?"), "{msg}");
    assert!(msg.contains("does not exist"), "{msg}");
}

#[tokio::test]
async fn socket_without_listener_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dead.sock");
    // A socket file nobody listens on any more.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    let err = Docker::connect_with_socket(path.to_str().unwrap())
        .await
        .unwrap_err();
    eprintln!("error shown to user: {err}");
    assert!(matches!(err, RuntimeError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("Is Docker running?"), "{err}");
}

#[tokio::test]
async fn old_engine_is_rejected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    // A fake engine on a private socket that claims API 1.40 (Docker 19.03).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sock");
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let server = tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf).await;
            let body = r#"{"Version":"19.03.15","ApiVersion":"1.40","MinAPIVersion":"1.12"}"#;
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = conn.write_all(response.as_bytes()).await;
        }
    });

    let err = Docker::connect_with_socket(path.to_str().unwrap())
        .await
        .unwrap_err();
    eprintln!("error shown to user: {err}");
    match &err {
        RuntimeError::TooOld { version } => assert_eq!(version, "1.40"),
        other => panic!("expected TooOld, got {other:?}"),
    }
    assert!(err.to_string().contains("upgrade Docker"), "{err}");
    server.abort();
}
