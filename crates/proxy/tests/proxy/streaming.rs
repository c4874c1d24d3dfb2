//! Bodies stream through in both directions, and in-flight accounting follows
//! the response body.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream;
use http::{Request, Response, StatusCode};
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use tokio::sync::mpsc;

use crate::support::*;

const CHUNK: usize = 64 * 1024;
const TOTAL: usize = 50 * 1024 * 1024;

fn chunk(i: usize) -> Bytes {
    Bytes::from(vec![(i % 251) as u8; CHUNK])
}

fn expected_sum() -> u64 {
    (0..TOTAL / CHUNK)
        .map(|i| (i % 251) as u64 * CHUNK as u64)
        .sum()
}

/// A body fed from a channel, so the test controls when each chunk is sent.
fn channel_body() -> (mpsc::Sender<Bytes>, Body) {
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    let s = stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, Infallible>(Frame::data(b)), rx))
    });
    (
        tx,
        StreamBody::new(s).map_err(|never| match never {}).boxed(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_upload_streams_intact() {
    let p = proxy().await;
    let sink = backend(|req: Request<hyper::body::Incoming>| async move {
        let mut body = req.into_body();
        let (mut n, mut sum) = (0u64, 0u64);
        while let Some(frame) = body.frame().await {
            if let Ok(d) = frame.unwrap().into_data() {
                n += d.len() as u64;
                sum += d.iter().map(|b| *b as u64).sum::<u64>();
            }
        }
        Response::new(full(format!("{n} {sum}")))
    })
    .await;
    p.route("app", "app.test", &[sink]);
    let (tx, body) = channel_body();
    tokio::spawn(async move {
        for i in 0..TOTAL / CHUNK {
            if tx.send(chunk(i)).await.is_err() {
                return;
            }
        }
    });
    let req = Request::post("/upload")
        .header("host", "app.test")
        .body(body)
        .unwrap();
    let r = send(p.addr, req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, format!("{TOTAL} {}", expected_sum()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_download_streams_intact() {
    let p = proxy().await;
    let source = backend(|_req| async {
        let s =
            stream::iter((0..TOTAL / CHUNK).map(|i| Ok::<_, Infallible>(Frame::data(chunk(i)))));
        Response::new(StreamBody::new(s).map_err(|never| match never {}).boxed())
    })
    .await;
    p.route("app", "app.test", &[source]);
    let mut sender = h1(p.addr).await;
    let req = Request::get("/big")
        .header("host", "app.test")
        .body(full(Bytes::new()))
        .unwrap();
    let resp = sender.send_request(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body();
    let (mut n, mut sum) = (0usize, 0u64);
    while let Some(frame) = body.frame().await {
        if let Ok(d) = frame.unwrap().into_data() {
            n += d.len();
            sum += d.iter().map(|b| *b as u64).sum::<u64>();
        }
    }
    assert_eq!(n, TOTAL);
    assert_eq!(sum, expected_sum());
}

#[tokio::test]
async fn response_starts_before_request_body_ends() {
    let p = proxy().await;
    // Echo backend: answers at once, streaming the request body back.
    let echo = backend(|req: Request<hyper::body::Incoming>| async move {
        Response::new(req.into_body().boxed())
    })
    .await;
    p.route("app", "app.test", &[echo]);
    let (tx, body) = channel_body();
    let mut sender = h1(p.addr).await;
    let req = Request::post("/echo")
        .header("host", "app.test")
        .body(body)
        .unwrap();
    let pending = tokio::spawn(async move { sender.send_request(req).await });
    tx.send(Bytes::from_static(b"first")).await.unwrap();
    let resp = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("response headers arrive while the request body is still open")
        .unwrap()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body();
    let first = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .expect("first echoed chunk")
        .unwrap()
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(&first[..], b"first");
    tx.send(Bytes::from_static(b"second")).await.unwrap();
    drop(tx);
    let rest = body.collect().await.unwrap().to_bytes();
    assert_eq!(&rest[..], b"second");
}

#[tokio::test]
async fn in_flight_follows_response_body_and_drain_waits() {
    let p = proxy().await;
    let (gate_tx, gate_rx) = tokio::sync::watch::channel(false);
    let slow = backend(move |_req| {
        let gate = gate_rx.clone();
        async move {
            let s = stream::unfold(0u8, move |state| {
                let mut gate = gate.clone();
                async move {
                    match state {
                        0 => Some((
                            Ok::<_, Infallible>(Frame::data(Bytes::from_static(b"head "))),
                            1,
                        )),
                        1 => {
                            let _ = gate.wait_for(|open| *open).await;
                            Some((Ok(Frame::data(Bytes::from_static(b"tail"))), 2))
                        }
                        _ => None,
                    }
                }
            });
            Response::new(StreamBody::new(s).map_err(|never| match never {}).boxed())
        }
    })
    .await;
    let targets = p.route("app", "app.test", &[slow]);
    let target = targets[0].clone();
    let mut sender = h1(p.addr).await;
    let req = get_request("app.test", "/");
    let resp = sender.send_request(req).await.unwrap();
    assert_eq!(target.in_flight(), 1, "counted while the body streams");
    let t = target.clone();
    let drain = tokio::spawn(async move { t.drain(Duration::from_secs(10)).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!drain.is_finished(), "drain waits for the open response");
    // A draining target is never picked again.
    assert_eq!(
        get(p.addr, "app.test", "/").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    gate_tx.send(true).unwrap();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"head tail");
    assert!(
        tokio::time::timeout(Duration::from_secs(5), drain)
            .await
            .unwrap()
            .unwrap()
    );
    assert_eq!(target.in_flight(), 0);
}

#[tokio::test]
async fn client_disconnect_releases_in_flight() {
    let p = proxy().await;
    let slow = backend(|_req| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        Response::new(full("late"))
    })
    .await;
    let targets = p.route("app", "app.test", &[slow]);
    let mut sender = h1(p.addr).await;
    let req = get_request("app.test", "/");
    let attempt = tokio::time::timeout(Duration::from_millis(100), sender.send_request(req)).await;
    assert!(attempt.is_err(), "backend is slow");
    assert_eq!(targets[0].in_flight(), 1);
    drop(sender);
    for _ in 0..50 {
        if targets[0].in_flight() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("in-flight count leaked after client disconnect");
}
