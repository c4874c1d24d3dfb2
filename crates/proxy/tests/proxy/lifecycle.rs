//! Graceful shutdown, idle timeout and the access log.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use wharf_proxy::ProxyConfig;

use crate::support::*;

#[tokio::test]
async fn shutdown_stops_accepting_and_finishes_in_flight() {
    let p = proxy().await;
    let slow = backend(|_req| async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        Response::new(full("done"))
    })
    .await;
    p.route("app", "app.test", &[slow]);
    let addr = p.addr;
    let in_flight = tokio::spawn(async move { get(addr, "app.test", "/").await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    p.shutdown.cancel();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !p.task.is_finished(),
        "serve waits for the in-flight request"
    );
    assert!(TcpStream::connect(addr).await.is_err(), "listener closed");
    let r = in_flight.await.unwrap();
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "done");
    tokio::time::timeout(Duration::from_secs(5), p.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn idle_connections_are_closed() {
    let p = proxy_with(ProxyConfig {
        idle_timeout: Duration::from_millis(200),
        ..ProxyConfig::default()
    })
    .await;
    let mut s = TcpStream::connect(p.addr).await.unwrap();
    let mut buf = [0u8; 16];
    let started = std::time::Instant::now();
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("idle connection closed by the proxy")
        .unwrap_or(0);
    assert_eq!(n, 0);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn slow_request_is_not_cut_by_idle_timeout() {
    let p = proxy_with(ProxyConfig {
        idle_timeout: Duration::from_millis(100),
        ..ProxyConfig::default()
    })
    .await;
    let slow = backend(|_req| async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        Response::new(full("patience"))
    })
    .await;
    p.route("app", "app.test", &[slow]);
    let r = get(p.addr, "app.test", "/").await;
    assert_eq!(r.body, "patience");
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn access_log_has_one_structured_event_per_request() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_env_filter("wharf::access=info")
        .with_writer(move || writer.clone())
        .finish();
    // Current-thread runtime: every task runs on this thread, under this subscriber.
    let _guard = tracing::subscriber::set_default(subscriber);

    let p = proxy().await;
    let be = echo_backend("a").await;
    p.route("app", "app.test", &[be]);
    let req = Request::get("/logged?x=1")
        .header("host", "app.test")
        .header("x-request-id", "log-me")
        .body(full(Bytes::new()))
        .unwrap();
    let r = send(p.addr, req).await;
    assert_eq!(r.status, StatusCode::OK);
    get(p.addr, "unknown.test", "/").await;
    tokio::time::sleep(Duration::from_millis(50)).await;

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2, "{text}");
    let f = &events[0]["fields"];
    assert_eq!(f["request_id"], "log-me");
    assert_eq!(f["client"], "127.0.0.1");
    assert_eq!(f["host"], "app.test");
    assert_eq!(f["method"], "GET");
    assert_eq!(f["path"], "/logged");
    assert_eq!(f["status"], 200);
    assert_eq!(f["upstream"], be.to_string());
    assert_eq!(f["bytes"], r.body.len() as u64);
    assert!(f["duration_ms"].is_u64());
    let f = &events[1]["fields"];
    assert_eq!(f["status"], 404);
    assert_eq!(f["upstream"], "-");
}

#[tokio::test]
async fn slow_request_headers_are_cut() {
    use tokio::io::AsyncWriteExt;
    let p = proxy_with(ProxyConfig {
        header_read_timeout: Duration::from_millis(200),
        ..ProxyConfig::default()
    })
    .await;
    let mut s = TcpStream::connect(p.addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: a.te").await.unwrap();
    let started = std::time::Instant::now();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out))
        .await
        .expect("connection with an unfinished head is closed")
        .ok();
    assert!(started.elapsed() >= Duration::from_millis(150));
    let text = String::from_utf8_lossy(&out);
    assert!(text.is_empty() || text.contains("408"), "{text}");
}

#[tokio::test]
async fn header_read_timeout_spares_requests_in_progress_and_closes_waiting_keep_alive() {
    use tokio::io::AsyncWriteExt;
    let p = proxy_with(ProxyConfig {
        header_read_timeout: Duration::from_millis(200),
        ..ProxyConfig::default()
    })
    .await;
    let slow = backend(|_req| async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        Response::new(full("patience"))
    })
    .await;
    p.route("app", "app.test", &[slow]);
    let mut s = TcpStream::connect(p.addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: app.test\r\n\r\n")
        .await
        .unwrap();
    // The answer comes after the header-read timeout: a request in progress is not cut.
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&got).contains("patience") {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("response in time")
            .unwrap();
        assert_ne!(n, 0, "closed early: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
    // Then the kept-alive connection waits for a next head no longer than the timeout.
    let answered = std::time::Instant::now();
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("waiting connection closed by the proxy")
        .unwrap_or(0);
    assert_eq!(n, 0);
    assert!(answered.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn forwarded_proto_follows_configured_scheme() {
    let p = proxy_with(ProxyConfig {
        scheme: wharf_proxy::Scheme::Https,
        ..ProxyConfig::default()
    })
    .await;
    let be = echo_backend("a").await;
    p.route("app", "app.test", &[be]);
    let r = get(p.addr, "app.test", "/").await;
    assert!(r.body.contains("x-forwarded-proto: https"), "{}", r.body);
}
