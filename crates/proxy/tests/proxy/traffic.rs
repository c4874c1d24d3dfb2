//! The traffic counters count exactly what the proxy answered each app, per address, through
//! route swaps, with upstream failures, websockets and connections apart.

use std::time::Duration;

use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use wharf_proxy::{ProxyConfig, Route, Target};

use crate::support::*;
use crate::upgrade::{echo_upgrade_backend, open_upgraded};

/// A backend answering by path: `/missing` 404, `/fail` 500, anything else 200 with `hello`.
async fn status_backend() -> std::net::SocketAddr {
    backend(|req: Request<hyper::body::Incoming>| async move {
        let status = match req.uri().path() {
            "/missing" => StatusCode::NOT_FOUND,
            "/fail" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::OK,
        };
        let _ = req.into_body().collect().await;
        Response::builder()
            .status(status)
            .body(full("hello"))
            .unwrap()
    })
    .await
}

/// The counters are written as each answer's body ends, just after the client has it.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_counted_exactly_by_app_address_and_status_class_through_a_redeploy() {
    let p = proxy().await;
    let backend = status_backend().await;
    let targets = vec![Target::new(backend)];
    p.router.set_app(
        "blog",
        &["blog.test", "example.test/blog"],
        Route::new("blog", targets.clone()),
    );
    p.route("site", "example.test", &[backend]);

    // Over several connections, so that both workers count.
    for _ in 0..4 {
        let mut client = h1(p.addr).await;
        for path in ["/", "/", "/", "/missing", "/fail"] {
            on(&mut client, get_request("blog.test", path)).await;
        }
        let post = Request::post("/blog/upload")
            .header("host", "example.test")
            .body(full("0123456789"))
            .unwrap();
        assert_eq!(on(&mut client, post).await.status, StatusCode::OK);
        on(&mut client, get_request("example.test", "/")).await;
    }
    // A redeploy swaps the route: the totals go on.
    p.router.set_app(
        "blog",
        &["blog.test", "example.test/blog"],
        Route::new("blog", targets),
    );
    assert_eq!(get(p.addr, "blog.test", "/missing").await.status, 404);
    // Not routed: nobody's traffic.
    assert_eq!(get(p.addr, "nobody.test", "/").await.status, 404);
    settle().await;

    let traffic = p.router.traffic();
    let blog = traffic.app("blog").unwrap();
    assert_eq!(blog.requests, [0, 16, 0, 5, 4], "{blog:?}");
    assert_eq!(blog.latency.count(), 25);
    assert_eq!(blog.bytes_in, 40);
    assert_eq!(blog.bytes_out, 25 * 5);
    assert!(blog.latency.sum_seconds > 0.0);
    let on_host = traffic.address("blog", "blog.test").unwrap();
    assert_eq!(
        (
            on_host.requests_of("2xx"),
            on_host.requests_of("4xx"),
            on_host.requests_of("5xx")
        ),
        (12, 5, 4)
    );
    let under_prefix = traffic.address("blog", "example.test/blog").unwrap();
    assert_eq!(under_prefix.requests(), 4);
    assert_eq!(under_prefix.bytes_in, 40);
    assert_eq!(traffic.app("site").unwrap().requests(), 4);
    assert!(traffic.addresses.iter().all(|a| a.process == "web"));

    // A removed app is forgotten.
    p.router.remove_app("site");
    assert!(p.router.traffic().app("site").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_errors_timeouts_and_no_instance_are_the_apps_5xx() {
    let config = ProxyConfig {
        response_header_timeout: Duration::from_millis(200),
        ..ProxyConfig::default()
    };
    let p = proxy_with(config).await;
    p.route("down", "down.test", &[dead_addr().await]);
    let slow = backend(|_req| async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        Response::new(full("late"))
    })
    .await;
    p.route("slow", "slow.test", &[slow]);
    p.route("empty", "empty.test", &[]);
    assert_eq!(get(p.addr, "down.test", "/").await.status, 502);
    assert_eq!(get(p.addr, "slow.test", "/").await.status, 504);
    assert_eq!(get(p.addr, "empty.test", "/").await.status, 503);
    settle().await;

    let traffic = p.router.traffic();
    let down = traffic.app("down").unwrap();
    assert_eq!((down.requests_of("5xx"), down.upstream_errors), (1, 1));
    let slow = traffic.app("slow").unwrap();
    assert_eq!((slow.requests_of("5xx"), slow.upstream_timeouts), (1, 1));
    assert!(slow.latency.sum_seconds >= 0.2, "{slow:?}");
    let empty = traffic.app("empty").unwrap();
    assert_eq!(
        (empty.requests_of("5xx"), empty.upstream_errors),
        (1, 0),
        "no instance is not an upstream error"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websockets_and_connections_are_gauges() {
    let p = proxy().await;
    p.route("ws", "ws.test", &[echo_upgrade_backend().await]);
    let upgraded = open_upgraded(p.addr).await;
    let idle = tokio::net::TcpStream::connect(p.addr).await.unwrap();
    settle().await;
    let traffic = p.router.traffic();
    let ws = traffic.app("ws").unwrap();
    assert_eq!(ws.open_websockets, 1);
    assert_eq!(ws.requests_of("1xx"), 1);
    // The upgraded connection counts as a websocket, no longer as an HTTP connection.
    assert_eq!(traffic.open_connections, 1);

    drop(upgraded);
    drop(idle);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let traffic = p.router.traffic();
        if traffic.open_connections == 0 && traffic.app("ws").unwrap().open_websockets == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gauges stayed up: {traffic:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counting_can_be_turned_off() {
    let p = proxy_with(ProxyConfig {
        count_traffic: false,
        ..ProxyConfig::default()
    })
    .await;
    p.route("quiet", "quiet.test", &[status_backend().await]);
    assert_eq!(get(p.addr, "quiet.test", "/").await.status, 200);
    settle().await;
    let traffic = p.router.traffic();
    assert_eq!(traffic.app("quiet").unwrap().requests(), 0);
    assert_eq!(traffic.open_connections, 0);
}
