//! Round robin, the one retry on connect failure, 502 and 504.

use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use tokio::net::TcpListener;
use wharf_proxy::ProxyConfig;

use crate::support::*;

#[tokio::test]
async fn round_robin_over_targets() {
    let p = proxy().await;
    let a = echo_backend("a").await;
    let b = echo_backend("b").await;
    p.route("app", "app.test", &[a, b]);
    // Each worker keeps its own round robin (as nginx's workers do); one client connection
    // stays on one worker.
    let mut client = h1(p.addr).await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        let req = get_request("app.test", "/");
        let r = client.send_request(req).await.unwrap();
        seen.push(r.headers()["x-backend"].to_str().unwrap().to_string());
        http_body_util::BodyExt::collect(r.into_body())
            .await
            .unwrap();
    }
    assert!(
        seen == ["a", "b", "a", "b"] || seen == ["b", "a", "b", "a"],
        "{seen:?}"
    );
    // Across connections (and so workers), both targets keep getting requests.
    let mut counts = std::collections::HashMap::new();
    for _ in 0..20 {
        let r = get(p.addr, "app.test", "/").await;
        *counts
            .entry(r.headers["x-backend"].to_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    assert!(counts.get("a").copied().unwrap_or(0) >= 5, "{counts:?}");
    assert!(counts.get("b").copied().unwrap_or(0) >= 5, "{counts:?}");
}

#[tokio::test]
async fn refused_target_is_marked_unhealthy_and_retried_once() {
    let p = proxy().await;
    let dead = dead_addr().await;
    let live = echo_backend("live").await;
    let targets = p.route("app", "app.test", &[dead, live]);
    // First request picks the dead target, fails to connect, retries on the live one.
    let r = get(p.addr, "app.test", "/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["x-backend"], "live");
    assert!(!targets[0].is_healthy());
    assert!(targets[1].is_healthy());

    // A request with a body is retried too: nothing was sent to the dead target.
    targets[0].set_healthy(true);
    for _ in 0..2 {
        let req = Request::post("/upload")
            .header("host", "app.test")
            .body(full(Bytes::from(vec![b'x'; 10_000])))
            .unwrap();
        let r = send(p.addr, req).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("body-len=10000"), "{}", r.body);
    }
    assert!(!targets[0].is_healthy());
    assert_eq!(targets[0].in_flight(), 0);
}

#[tokio::test]
async fn all_targets_refusing_is_502() {
    let p = proxy().await;
    let targets = p.route("app", "app.test", &[dead_addr().await, dead_addr().await]);
    let r = get(p.addr, "app.test", "/").await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert!(
        r.body.contains("app app could not be reached"),
        "{}",
        r.body
    );
    assert!(targets.iter().all(|t| !t.is_healthy()));
    // Now nothing is healthy: 503.
    assert_eq!(
        get(p.addr, "app.test", "/").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn backend_closing_without_response_is_502() {
    let p = proxy().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            drop(s);
        }
    });
    let targets = p.route("app", "app.test", &[addr]);
    let r = get(p.addr, "app.test", "/").await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    // Not a connect failure: the target stays healthy (health checks decide).
    assert!(targets[0].is_healthy());
    assert_eq!(targets[0].in_flight(), 0);
}

#[tokio::test]
async fn slow_response_headers_are_504() {
    let p = proxy_with(ProxyConfig {
        response_header_timeout: Duration::from_millis(200),
        ..ProxyConfig::default()
    })
    .await;
    let slow = backend(|_req| async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        Response::new(full("late"))
    })
    .await;
    let targets = p.route("app", "app.test", &[slow]);
    let started = std::time::Instant::now();
    let r = get(p.addr, "app.test", "/").await;
    assert_eq!(r.status, StatusCode::GATEWAY_TIMEOUT);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(targets[0].in_flight(), 0);
}
