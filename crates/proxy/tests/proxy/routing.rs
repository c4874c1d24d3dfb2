//! Host routing, header rewriting, error pages, HTTP/1.0, h2c and ACME.

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use wharf_proxy::{ProxyConfig, Route};

use crate::support::*;

#[tokio::test]
async fn unknown_host_is_404() {
    let p = proxy().await;
    let r = get(p.addr, "nope.test", "/").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body.trim(), "no app is served at nope.test");
    assert!(r.headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn path_prefixes_share_a_host_and_the_path_reaches_the_app_unchanged() {
    let p = proxy().await;
    let site = echo_backend("site").await;
    let blog = echo_backend("blog").await;
    p.route("site", "shared.test", &[site]);
    p.route("blog", "shared.test/blog", &[blog]);
    for (path, backend) in [
        ("/", "site"),
        ("/blogger", "site"),
        ("/blog", "blog"),
        ("/blog/", "blog"),
        ("/blog/post?q=1", "blog"),
        ("/blog?q=1", "blog"),
    ] {
        let r = get(p.addr, "shared.test", path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(
            r.body.contains(&format!("backend={backend}")),
            "{path}: {}",
            r.body
        );
        assert!(
            r.body.contains(&format!("uri={path}\n")),
            "{path}: {}",
            r.body
        );
    }
    // A host served only under a prefix knows nothing of its other paths.
    p.route("docs", "docs.test/v1", &[site]);
    let r = get(p.addr, "docs.test", "/v2").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get(p.addr, "docs.test", "/v1/x").await;
    assert!(r.body.contains("backend=site"), "{}", r.body);
}

#[tokio::test]
async fn routes_by_host_and_rewrites_headers() {
    let p = proxy().await;
    let a = echo_backend("a").await;
    let b = echo_backend("b").await;
    p.route("app-a", "a.test", &[a]);
    p.route("app-b", "b.test", &[b]);

    let req = Request::get("/some/path?q=1")
        .header("host", "A.Test:8080")
        .header("x-request-id", "req-123")
        .header("x-forwarded-for", "10.1.2.3")
        .header("connection", "keep-alive, x-hop")
        .header("x-hop", "secret")
        .header("keep-alive", "timeout=1")
        .header("x-custom", "kept")
        .body(full(Bytes::new()))
        .unwrap();
    let r = send(p.addr, req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = r.body.to_lowercase();
    assert!(body.contains("backend=a"), "{body}");
    assert!(body.contains("uri=/some/path?q=1"), "{body}");
    assert!(
        body.contains("host: a.test:8080"),
        "original host preserved: {body}"
    );
    assert!(body.contains("x-forwarded-host: a.test:8080"), "{body}");
    assert!(
        body.contains("x-forwarded-for: 10.1.2.3, 127.0.0.1"),
        "{body}"
    );
    assert!(body.contains("x-forwarded-proto: http"), "{body}");
    assert!(body.contains("x-request-id: req-123"), "{body}");
    assert!(body.contains("x-custom: kept"), "{body}");
    assert!(
        !body.contains("x-hop"),
        "connection-named header leaked: {body}"
    );
    assert!(!body.contains("keep-alive: timeout"), "{body}");
    assert_eq!(r.headers["x-request-id"], "req-123");
    // Backend's hop-by-hop headers are not returned to the client.
    assert!(!r.headers.contains_key("keep-alive"));
    assert!(!r.headers.contains_key("x-backend-secret"));
    assert_eq!(r.headers["x-backend"], "a");

    let r = get(p.addr, "b.test.", "/").await;
    assert!(r.body.contains("backend=b"));
    // A generated request id is a UUID, on both sides.
    let id = r.headers["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 36);
    assert!(r.body.contains(&format!("x-request-id: {id}")));
}

#[tokio::test]
async fn missing_host_is_400_and_http10_works() {
    let p = proxy().await;
    let a = echo_backend("a").await;
    p.route("app", "a.test", &[a]);
    let resp = raw(p.addr, b"GET / HTTP/1.0\r\n\r\n").await;
    assert!(
        resp.starts_with("HTTP/1.0 400") || resp.starts_with("HTTP/1.1 400"),
        "{resp}"
    );
    let resp = raw(p.addr, b"GET / HTTP/1.0\r\nHost: a.test\r\n\r\n").await;
    assert!(resp.contains(" 200 OK"), "{resp}");
    assert!(resp.contains("backend=a"), "{resp}");
    // Garbage does not hurt the proxy.
    let resp = raw(p.addr, b"\x00\x01garbage\r\n\r\n").await;
    assert!(resp.is_empty() || resp.contains("400"), "{resp}");
    let resp = raw(
        p.addr,
        b"GET / HTTP/1.1\r\nHost: a.test\r\nBad Header\r\n\r\n",
    )
    .await;
    assert!(resp.is_empty() || resp.contains("400"), "{resp}");
    let resp = raw(
        p.addr,
        b"CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 405"), "{resp}");
    assert_eq!(get(p.addr, "a.test", "/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn h2c_prior_knowledge_routes_by_authority() {
    let p = proxy().await;
    let a = echo_backend("a").await;
    p.route("app", "a.test", &[a]);
    let stream = TcpStream::connect(p.addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    for _ in 0..3 {
        let req = Request::get("http://a.test/h2")
            .body(full(Bytes::new()))
            .unwrap();
        let resp = sender.send_request(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.version(), http::Version::HTTP_2);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&body).to_lowercase();
        assert!(body.contains("uri=/h2"), "{body}");
        assert!(body.contains("host: a.test"), "{body}");
    }
}

#[tokio::test]
async fn two_hosts_or_a_host_unlike_the_target_are_400() {
    let p = proxy().await;
    let a = echo_backend("a").await;
    p.route("app-a", "a.test", &[a]);
    let b = echo_backend("b").await;
    p.route("app-b", "b.test", &[b]);
    // HTTP/1.1: two Host headers (RFC 9112 section 3.2), whatever they name.
    for twice in [
        &b"GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n"[..],
        &b"GET / HTTP/1.1\r\nHost: a.test\r\nHost: a.test\r\nConnection: close\r\n\r\n"[..],
    ] {
        let resp = raw(p.addr, twice).await;
        assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
        assert!(resp.contains("more than one Host header"), "{resp}");
    }
    // An absolute-form target naming another host than Host.
    let resp = raw(
        p.addr,
        b"GET http://b.test/ HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
    assert!(resp.contains("another host"), "{resp}");
    // The same host, in another case or with a port, is one host.
    let resp = raw(
        p.addr,
        b"GET http://A.test:80/ HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(
        resp.contains(" 200 OK") && resp.contains("backend=a"),
        "{resp}"
    );

    // HTTP/2: a Host header that disagrees with :authority, or two of them.
    let stream = TcpStream::connect(p.addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let h2 = |hosts: &[&str]| {
        let mut req = Request::get("http://a.test/h2");
        for host in hosts {
            req = req.header("host", *host);
        }
        req.body(full(Bytes::new())).unwrap()
    };
    for (hosts, status) in [
        (&["b.test"][..], StatusCode::BAD_REQUEST),
        (&["a.test", "a.test"][..], StatusCode::BAD_REQUEST),
        (&["a.test"][..], StatusCode::OK),
        (&[][..], StatusCode::OK),
    ] {
        let resp = sender.send_request(h2(hosts)).await.unwrap();
        assert_eq!(resp.status(), status, "{hosts:?}");
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&body);
        assert!(!body.contains("backend=b"), "{hosts:?}: {body}");
    }
}

#[tokio::test]
async fn no_healthy_target_is_503() {
    let p = proxy().await;
    let a = echo_backend("a").await;
    let targets = p.route("shop", "shop.test", &[a]);
    targets[0].set_healthy(false);
    let r = get(p.addr, "shop.test", "/").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        r.body.contains("shop has no healthy instance"),
        "{}",
        r.body
    );
    p.router
        .set_app("empty", &["empty.test"], Route::new("empty", vec![]));
    assert_eq!(
        get(p.addr, "empty.test", "/").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn acme_challenge_hook_answers_before_routing() {
    let responder =
        |host: &str, token: &str| (token == "tok123").then(|| format!("{token}.key-for-{host}"));
    let p = proxy_with(ProxyConfig {
        challenge: Some(Arc::new(responder)),
        ..ProxyConfig::default()
    })
    .await;
    let r = get(p.addr, "new.test", "/.well-known/acme-challenge/tok123").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "tok123.key-for-new.test");
    // Unknown token falls through to routing.
    let r = get(p.addr, "new.test", "/.well-known/acme-challenge/other").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
