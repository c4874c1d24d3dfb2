//! Health probes and the background monitor.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use http::{Response, StatusCode};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use wharf_proxy::{ProbeError, ProxyConfig, Route, Router, Target, probe};

use crate::support::*;

#[tokio::test]
async fn probe_reports_status_connect_and_timeout() {
    let be = backend(|req: http::Request<hyper::body::Incoming>| async move {
        let host = req.headers().get("host").and_then(|h| h.to_str().ok());
        let status = match req.uri().path() {
            "/healthz" => 204,
            // Like Django's ALLOWED_HOSTS: only the app's own domain is answered.
            "/strict" if host == Some("app.test") => 200,
            "/strict" => 400,
            _ => 503,
        };
        let host = req.headers().get("host").cloned();
        let mut resp = Response::new(full(""));
        *resp.status_mut() = StatusCode::from_u16(status).unwrap();
        if let Some(h) = host {
            resp.headers_mut().insert("x-seen-host", h);
        }
        resp
    })
    .await;
    let t = Duration::from_secs(2);
    assert_eq!(
        probe(be, "/healthz", None, t).await.unwrap(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        probe(be, "/", None, t).await.unwrap(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        probe(be, "/strict", Some("app.test"), t).await.unwrap(),
        StatusCode::OK,
        "the app's domain is sent as Host"
    );
    assert_eq!(
        probe(be, "/strict", None, t).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "without a domain, the address is the Host"
    );
    assert!(matches!(
        probe(be, "/", Some("bad host\n"), t).await,
        Err(ProbeError::InvalidHost { .. })
    ));
    assert!(matches!(
        probe(dead_addr().await, "/", None, t).await,
        Err(ProbeError::Connect(_))
    ));
    assert!(matches!(
        probe(be, "no-slash", None, t).await,
        Err(ProbeError::InvalidPath { .. })
    ));

    // Accepts but never answers.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let err = probe(silent_addr, "/", None, Duration::from_millis(150))
        .await
        .unwrap_err();
    assert!(matches!(err, ProbeError::Timeout(_)), "{err}");

    // Closes without answering: a protocol error.
    let closer = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closer_addr = closer.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = closer.accept().await {
            drop(s);
        }
    });
    let err = probe(closer_addr, "/", None, t).await.unwrap_err();
    assert!(matches!(err, ProbeError::Http(_)), "{err}");
}

#[tokio::test]
async fn monitor_marks_targets_by_status() {
    let status = Arc::new(AtomicU16::new(200));
    let s = Arc::clone(&status);
    let be = backend(move |req: http::Request<hyper::body::Incoming>| {
        // Answers only probes that name the app's domain.
        let host = req.headers().get("host").and_then(|h| h.to_str().ok());
        let code = if req.uri().path() == "/ready" && host == Some("app.test") {
            s.load(Ordering::SeqCst)
        } else {
            599
        };
        async move {
            let mut resp = Response::new(full(""));
            *resp.status_mut() = StatusCode::from_u16(code).unwrap();
            resp
        }
    })
    .await;
    let dead = dead_addr().await;
    let router = Router::new();
    let live = Target::new(be);
    let gone = Target::new(dead);
    router.set_app(
        "app",
        &["app.test"],
        Route::with_health_check(
            "app",
            vec![live.clone(), gone.clone()],
            Some("ready".into()),
            Some("app.test".into()),
            false,
        ),
    );
    let config = ProxyConfig {
        health_interval: Duration::from_millis(50),
        health_timeout: Duration::from_millis(500),
        ..ProxyConfig::default()
    };
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(wharf_proxy::monitor_health(
        router.clone(),
        config,
        shutdown.clone(),
    ));

    wait_for(|| !gone.is_healthy()).await;
    assert!(live.is_healthy());
    status.store(500, Ordering::SeqCst);
    wait_for(|| !live.is_healthy()).await;
    status.store(404, Ordering::SeqCst);
    wait_for(|| live.is_healthy()).await;

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .unwrap()
        .unwrap();
}
