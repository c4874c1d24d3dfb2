//! The backend leg on the wire, against scripted raw-socket backends: body framings,
//! interim responses, HEAD, kept-alive connections reused or closed by the backend, early
//! answers to uploads, and malformed responses.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use http::{Request, StatusCode};
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::support::*;

/// What a scripted backend does with the `n`th request (0-based) on a connection.
enum Act {
    /// Write these bytes and keep reading requests.
    Reply(&'static [u8]),
    /// Write these bytes, then close.
    ReplyClose(&'static [u8]),
    /// Close without answering.
    Close,
    /// Write these bytes right after the head, before reading the body; a moment later read
    /// the body, as an HTTP server must before its next request, and go on. (Whether the
    /// proxy has sent the whole body by the time it reads the answer depends on the socket
    /// buffers, unless its client holds the body's end back.)
    ReplyEarly(&'static [u8]),
}

/// Connections a scripted backend accepted, and how many of them the proxy has closed.
#[derive(Debug, Default)]
struct Conns {
    opened: AtomicUsize,
    closed: AtomicUsize,
}

impl Conns {
    fn opened(&self) -> usize {
        self.opened.load(Ordering::SeqCst)
    }

    fn closed(&self) -> usize {
        self.closed.load(Ordering::SeqCst)
    }
}

/// A backend answering by `script(request_head, n)`; counts its connections.
async fn scripted(
    script: impl Fn(&str, usize) -> Act + Send + Sync + 'static,
) -> (SocketAddr, Arc<Conns>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let conns = Arc::new(Conns::default());
    let count = Arc::clone(&conns);
    let script = Arc::new(script);
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            count.opened.fetch_add(1, Ordering::SeqCst);
            let (script, count) = (Arc::clone(&script), Arc::clone(&count));
            tokio::spawn(async move {
                serve(s, script).await;
                count.closed.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    (addr, conns)
}

async fn serve(mut s: TcpStream, script: Arc<impl Fn(&str, usize) -> Act + Send + Sync>) {
    let mut buf = Vec::new();
    for n in 0.. {
        let Some(head) = read_head(&mut s, &mut buf).await else {
            return;
        };
        match script(&head, n) {
            Act::ReplyEarly(bytes) => {
                if s.write_all(bytes).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                skip_body(&mut s, &head, &mut buf).await;
            }
            Act::Close => return,
            Act::Reply(bytes) => {
                skip_body(&mut s, &head, &mut buf).await;
                if s.write_all(bytes).await.is_err() {
                    return;
                }
            }
            Act::ReplyClose(bytes) => {
                skip_body(&mut s, &head, &mut buf).await;
                let _ = s.write_all(bytes).await;
                return;
            }
        }
    }
}

/// The next request head (lower-cased), its bytes taken off `buf`.
async fn read_head(s: &mut (impl AsyncRead + Unpin), buf: &mut Vec<u8>) -> Option<String> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end + 4]).to_lowercase();
            buf.drain(..end + 4);
            return Some(head);
        }
        let mut chunk = [0u8; 4096];
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Read past a request body of the head's Content-Length.
async fn skip_body(s: &mut (impl AsyncRead + Unpin), head: &str, buf: &mut Vec<u8>) -> Vec<u8> {
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < len {
        let mut chunk = [0u8; 4096];
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return std::mem::take(buf),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    buf.drain(..len).collect()
}

fn post(host: &str, body: &'static str) -> Request<Body> {
    Request::post("/")
        .header("host", host)
        .body(full(Bytes::from_static(body.as_bytes())))
        .unwrap()
}

const OK_HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

#[tokio::test]
async fn chunked_and_close_delimited_bodies_pass_through() {
    let p = proxy().await;
    let (chunked, chunked_conns) = scripted(|_, _| {
        Act::Reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n")
    })
    .await;
    let (close, close_conns) =
        scripted(|_, _| Act::ReplyClose(b"HTTP/1.1 200 OK\r\nX-Kind: close\r\n\r\nuntil the end"))
            .await;
    p.route("chunked", "chunked.test", &[chunked]);
    p.route("close", "close.test", &[close]);
    for _ in 0..3 {
        let r = get(p.addr, "chunked.test", "/").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, "hello world");
        let r = get(p.addr, "close.test", "/").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, "until the end");
        assert_eq!(r.headers["x-kind"], "close");
    }
    // Chunked responses leave the connection reusable (one per proxy worker at most);
    // close-delimited ones cannot.
    assert!(chunked_conns.opened() <= WORKERS, "{chunked_conns:?}");
    assert_eq!(close_conns.opened(), 3);
}

#[tokio::test]
async fn interim_responses_are_skipped_and_head_answers_have_no_body() {
    let p = proxy().await;
    let (b, conns) = scripted(|head, _| {
        if head.starts_with("head ") {
            Act::Reply(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        } else {
            Act::Reply(b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        }
    })
    .await;
    p.route("app", "app.test", &[b]);
    let mut client = h1(p.addr).await;
    for method in ["HEAD", "GET", "HEAD", "GET"] {
        let req = Request::builder()
            .method(method)
            .uri("/")
            .header("host", "app.test")
            .body(full(Bytes::new()))
            .unwrap();
        let resp = client.send_request(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{method}");
        assert_eq!(resp.headers()["content-length"], "5", "{method}");
        let body = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .unwrap()
            .to_bytes();
        let want: &[u8] = if method == "HEAD" { b"" } else { b"hello" };
        assert_eq!(&body[..], want, "{method}");
    }
    assert!(conns.opened() <= WORKERS);
}

#[tokio::test]
async fn connections_the_backend_closed_while_idle_are_not_used() {
    let p = proxy().await;
    // Answers and closes 50 ms later, as a backend with a short keep-alive timeout does.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = Vec::new();
                if let Some(head) = read_head(&mut s, &mut buf).await {
                    skip_body(&mut s, &head, &mut buf).await;
                    let _ = s.write_all(OK_HELLO).await;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            });
        }
    });
    p.route("app", "app.test", &[addr]);
    let mut client = h1(p.addr).await;
    for i in 0..4 {
        let resp = client.send_request(post("app.test", "data")).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "request {i}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_kept_alive_connection_closed_unanswered_is_retried_only_when_safe() {
    let p = proxy().await;
    // Answers the first request of each connection; closes on the second without a word,
    // as a backend does when its keep-alive timeout fires just as the request arrives.
    let (b, conns) = scripted(|_, n| {
        if n == 0 {
            Act::Reply(OK_HELLO)
        } else {
            Act::Close
        }
    })
    .await;
    p.route("app", "app.test", &[b]);
    let mut client = h1(p.addr).await;
    for i in 0..3 {
        let req = get_request("app.test", "/");
        let resp = client.send_request(req).await.unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::OK,
            "GET {i} is sent again on a new connection"
        );
    }
    assert!(conns.opened() >= 3, "{conns:?}");
    // A POST may have been acted on: not sent twice, the client gets a 502.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let resp = client.send_request(post("app.test", "data")).await.unwrap();
        statuses.push(resp.status());
    }
    assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");
    assert!(statuses.contains(&StatusCode::BAD_GATEWAY), "{statuses:?}");
}

/// How much of an upload's end its client keeps back until it has read the answer.
const TAIL: usize = 1024;

/// A POST of `body` whose last [`TAIL`] bytes are sent only once `tail` is fired.
fn held_back_post(host: &str, body: &'static str) -> (oneshot::Sender<()>, Request<Body>) {
    let (tail, fired) = oneshot::channel::<()>();
    let (start, end) = body.as_bytes().split_at(body.len() - TAIL);
    let frames = stream::once(async move { Bytes::from_static(start) })
        .chain(stream::once(async move {
            let _ = fired.await;
            Bytes::from_static(end)
        }))
        .map(|b| Ok::<_, Infallible>(Frame::data(b)));
    let req = Request::post("/")
        .header("host", host)
        .header("content-length", body.len())
        .body(
            StreamBody::new(frames)
                .map_err(|never| match never {})
                .boxed(),
        )
        .unwrap();
    (tail, req)
}

#[tokio::test]
async fn an_early_answer_to_an_upload_reaches_the_client_and_the_next_request_works() {
    let p = proxy().await;
    let (b, conns) = scripted(|head, _| {
        if head.starts_with("post ") {
            Act::ReplyEarly(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo big!")
        } else {
            Act::Reply(OK_HELLO)
        }
    })
    .await;
    p.route("app", "app.test", &[b]);
    let big: &'static str = Box::leak("x".repeat(4 * 1024 * 1024).into_boxed_str());
    // Every client keeps the end of its upload back until it has read the answer, so the
    // answer always comes before the whole request went out to the backend. Sent in one go,
    // 4 MiB can fit in loopback socket buffers before the answer is read: the exchange is
    // then not early at all and its connection rightly goes back to the pool.
    for round in 0..2 {
        let mut client = h1(p.addr).await;
        let (tail, req) = held_back_post("app.test", big);
        let r = on(&mut client, req).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "round {round}");
        assert_eq!(r.body, "too big!");
        tail.send(()).unwrap();
        let r = get(p.addr, "app.test", "/").await;
        assert_eq!(r.status, StatusCode::OK, "round {round}");
        assert_eq!(r.body, "hello");
    }
    // The client's own connection carries its next request once its upload is through.
    // A raw client, writing the body while it reads the early answer: hyper's client
    // (1.12) goes idle when the answer ends, before its buffered body is flushed, and then
    // leaves a request queued in that window unsent (seen in its trace).
    let mut client = TcpStream::connect(p.addr).await.unwrap();
    let mut buf = Vec::new();
    let upload = format!(
        "POST / HTTP/1.1\r\nhost: app.test\r\ncontent-length: {}\r\n\r\n{big}",
        big.len()
    );
    for round in 0..3 {
        let (mut rx, mut tx) = client.split();
        let (written, answer) = tokio::join!(
            tx.write_all(&upload.as_bytes()[..upload.len() - TAIL]),
            read_response(&mut rx, &mut buf)
        );
        written.unwrap();
        tx.write_all(&upload.as_bytes()[upload.len() - TAIL..])
            .await
            .unwrap();
        let (head, body) = answer;
        assert!(head.starts_with("http/1.1 413"), "round {round}: {head}");
        assert_eq!(body, "too big!");
        client
            .write_all(b"GET / HTTP/1.1\r\nhost: app.test\r\n\r\n")
            .await
            .unwrap();
        let (head, body) = read_response(&mut client, &mut buf).await;
        assert!(head.starts_with("http/1.1 200"), "round {round}: {head}");
        assert_eq!(body, "hello");
    }
    // The rest of each upload went to the backend, then its connection was closed (an
    // answered-early connection is not reused), without waiting for the client to send
    // another request or to close.
    wait_for(|| conns.closed() >= 2 + 3).await;
}

#[tokio::test]
async fn uploads_answered_after_their_body_leave_the_connection_reusable() {
    let p = proxy().await;
    let (b, conns) = scripted(|_, _| Act::Reply(OK_HELLO)).await;
    p.route("app", "app.test", &[b]);
    let mut client = h1(p.addr).await;
    for size in [1, 1000, 64 * 1024, 256 * 1024, 1, 300 * 1024, 7] {
        let body: &'static str = Box::leak("y".repeat(size).into_boxed_str());
        let r = on(&mut client, post("app.test", body)).await;
        assert_eq!(r.status, StatusCode::OK, "{size}");
        assert_eq!(r.body, "hello");
    }
    assert!(conns.opened() <= WORKERS, "{conns:?}");
    assert_eq!(conns.closed(), 0, "{conns:?}");
}

/// A response on a raw client connection: its head (lower-cased) and its body, under 10 s.
async fn read_response(s: &mut (impl AsyncRead + Unpin), buf: &mut Vec<u8>) -> (String, String) {
    tokio::time::timeout(Duration::from_secs(10), async {
        let head = read_head(s, buf).await.expect("a response head");
        let body = skip_body(s, &head, buf).await;
        (head, String::from_utf8_lossy(&body).into_owned())
    })
    .await
    .expect("proxy answered in time")
}

#[tokio::test]
async fn malformed_responses_are_502_and_the_target_stays_healthy() {
    let p = proxy().await;
    for (i, reply) in [
        &b"NOT HTTP AT ALL\r\n\r\n"[..],
        b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
    ]
    .into_iter()
    .enumerate()
    {
        let (b, _) = scripted(move |_, _| Act::Reply(reply)).await;
        let host = format!("app{i}.test");
        let targets = p.route(&format!("app{i}"), &host, &[b]);
        let r = get(p.addr, &host, "/").await;
        assert_eq!(
            r.status,
            StatusCode::BAD_GATEWAY,
            "{}",
            String::from_utf8_lossy(reply)
        );
        assert!(targets[0].is_healthy());
        assert_eq!(targets[0].in_flight(), 0);
    }
    // A head far beyond the limit.
    let (b, _) = scripted(|_, _| {
        let big: &'static [u8] = Box::leak(
            format!(
                "HTTP/1.1 200 OK\r\nx-big: {}\r\n\r\n",
                "a".repeat(100 * 1024)
            )
            .into_bytes()
            .into_boxed_slice(),
        );
        Act::Reply(big)
    })
    .await;
    p.route("big", "big.test", &[b]);
    assert_eq!(
        get(p.addr, "big.test", "/").await.status,
        StatusCode::BAD_GATEWAY
    );
}

#[tokio::test]
async fn a_body_cut_short_by_the_backend_is_not_passed_off_as_complete() {
    let p = proxy().await;
    let (b, _) = scripted(|_, _| {
        Act::ReplyClose(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
    })
    .await;
    p.route("app", "app.test", &[b]);
    let mut client = h1(p.addr).await;
    let req = get_request("app.test", "/");
    // Depending on how far the proxy got, the cut shows in the head or in the body; never
    // as a complete short response.
    match client.send_request(req).await {
        Ok(resp) => {
            assert_eq!(resp.status(), StatusCode::OK);
            let body = http_body_util::BodyExt::collect(resp.into_body()).await;
            assert!(body.is_err(), "the client sees the cut, not a short body");
        }
        Err(e) => assert!(e.is_incomplete_message(), "{e}"),
    }
}
