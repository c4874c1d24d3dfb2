//! Upgraded connections are spliced and count as in flight until closed.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

/// A backend that upgrades to an "echo" protocol and echoes bytes back.
pub(crate) async fn echo_upgrade_backend() -> SocketAddr {
    backend(|mut req: Request<hyper::body::Incoming>| async move {
        if !req.headers().contains_key("upgrade") {
            return Response::builder()
                .status(StatusCode::BAD_REQUEST)
                .body(full("not an upgrade"))
                .unwrap();
        }
        let on = hyper::upgrade::on(&mut req);
        tokio::spawn(async move {
            if let Ok(up) = on.await {
                let mut io = TokioIo::new(up);
                let mut buf = [0u8; 1024];
                loop {
                    match io.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if io.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            }
        });
        Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header("upgrade", "echo")
            .header("connection", "upgrade")
            .body(full(Bytes::new()))
            .unwrap()
    })
    .await
}

pub(crate) async fn open_upgraded(proxy: SocketAddr) -> TcpStream {
    let mut s = TcpStream::connect(proxy).await.unwrap();
    s.write_all(
        b"GET /ws HTTP/1.1\r\nHost: ws.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n",
    )
    .await
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut byte))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            n,
            1,
            "closed before the 101 head ended: {}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_lowercase();
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(head.contains("upgrade: echo"), "{head}");
    assert!(head.contains("x-request-id"), "{head}");
    s
}

async fn ping(s: &mut TcpStream, msg: &[u8]) {
    s.write_all(msg).await.unwrap();
    let mut got = vec![0u8; msg.len()];
    tokio::time::timeout(Duration::from_secs(5), s.read_exact(&mut got))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, msg);
}

#[tokio::test]
async fn websocket_style_upgrade_is_spliced_and_counted() {
    let p = proxy().await;
    let be = echo_upgrade_backend().await;
    let targets = p.route("ws", "ws.test", &[be]);
    let target = targets[0].clone();
    let mut s = open_upgraded(p.addr).await;
    ping(&mut s, b"ping").await;
    ping(&mut s, b"second message").await;
    assert_eq!(target.in_flight(), 1, "upgraded connection is in flight");

    let t = target.clone();
    let drain = tokio::spawn(async move { t.drain(Duration::from_secs(10)).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!drain.is_finished());
    ping(&mut s, b"still open while draining").await;
    drop(s);
    assert!(
        tokio::time::timeout(Duration::from_secs(5), drain)
            .await
            .unwrap()
            .unwrap()
    );
    assert_eq!(target.in_flight(), 0);
}

#[tokio::test]
async fn drain_timeout_cuts_upgraded_connections() {
    let p = proxy().await;
    let be = echo_upgrade_backend().await;
    let targets = p.route("ws", "ws.test", &[be]);
    let mut s = open_upgraded(p.addr).await;
    ping(&mut s, b"hello").await;
    assert!(!targets[0].drain(Duration::from_millis(100)).await);
    let mut buf = [0u8; 8];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("cut connection is closed")
        .unwrap_or(0);
    assert_eq!(n, 0);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(targets[0].in_flight(), 0);
}

#[tokio::test]
async fn refused_upgrade_is_passed_through() {
    let p = proxy().await;
    let be = echo_backend("plain").await;
    let targets = p.route("ws", "ws.test", &[be]);
    let req = Request::get("/ws")
        .header("host", "ws.test")
        .header("connection", "upgrade")
        .header("upgrade", "echo")
        .body(full(Bytes::new()))
        .unwrap();
    let r = send(p.addr, req).await;
    // The echo backend answers 200 (no upgrade); the proxy relays it and the
    // upgrade headers reached the backend.
    assert_eq!(r.status, StatusCode::OK);
    let body = r.body.to_lowercase();
    assert!(body.contains("upgrade: echo"), "{body}");
    assert!(body.contains("connection: upgrade"), "{body}");
    assert_eq!(targets[0].in_flight(), 0);
}
