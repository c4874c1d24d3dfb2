//! Loopback test helpers: scriptable hyper backends, a running proxy, and clients.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use wharf_proxy::{ProxyConfig, ProxyListener, Route, Router, Target};

pub type Body = BoxBody<Bytes, hyper::Error>;
pub type Handler = Arc<
    dyn Fn(Request<Incoming>) -> Pin<Box<dyn Future<Output = Response<Body>> + Send>> + Send + Sync,
>;

pub fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).map_err(|never| match never {}).boxed()
}

/// Start a backend on 127.0.0.1:0 answering every request with `handler`.
pub async fn backend<F, Fut>(handler: F) -> SocketAddr
where
    F: Fn(Request<Incoming>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    let handler: Handler = Arc::new(move |req| Box::pin(handler(req)));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let handler = Arc::clone(&handler);
            tokio::spawn(async move {
                let svc = service_fn(move |req| {
                    let handler = Arc::clone(&handler);
                    async move { Ok::<_, Infallible>(handler(req).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .with_upgrades()
                    .await;
            });
        }
    });
    addr
}

/// A backend that answers `name` and echoes the request line and headers it got.
pub async fn echo_backend(name: &'static str) -> SocketAddr {
    backend(move |req: Request<Incoming>| async move {
        let mut text = format!(
            "backend={name}\nmethod={}\nuri={}\n",
            req.method(),
            req.uri()
        );
        for (k, v) in req.headers() {
            text.push_str(&format!("{k}: {}\n", v.to_str().unwrap_or("?")));
        }
        let body = req.into_body().collect().await.unwrap().to_bytes();
        text.push_str(&format!("body-len={}\n", body.len()));
        Response::builder()
            .header("x-backend", name)
            .header("keep-alive", "timeout=5")
            .header("connection", "x-backend-secret")
            .header("x-backend-secret", "s")
            .body(full(text))
            .unwrap()
    })
    .await
}

/// An address nothing listens on (bound then released).
pub async fn dead_addr() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap()
}

pub struct RunningProxy {
    pub addr: SocketAddr,
    pub router: Arc<Router>,
    pub shutdown: CancellationToken,
    pub task: JoinHandle<Result<(), wharf_proxy::ProxyError>>,
}

/// Proxy workers in tests: more than one, so that tests cover requests and connections
/// spread over several workers.
pub const WORKERS: usize = 2;

pub async fn proxy_with(config: ProxyConfig) -> RunningProxy {
    let listener = ProxyListener::bind("127.0.0.1:0".parse().unwrap(), WORKERS).unwrap();
    let addr = listener.local_addr();
    let router = Router::new();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(wharf_proxy::serve(
        listener,
        Arc::clone(&router),
        config,
        shutdown.clone(),
    ));
    RunningProxy {
        addr,
        router,
        shutdown,
        task,
    }
}

pub async fn proxy() -> RunningProxy {
    proxy_with(ProxyConfig::default()).await
}

impl RunningProxy {
    /// Register `app` at `domain` over `backends`; returns the targets.
    pub fn route(&self, app: &str, domain: &str, backends: &[SocketAddr]) -> Vec<Arc<Target>> {
        let targets: Vec<_> = backends.iter().map(|a| Target::new(*a)).collect();
        self.router
            .set_app(app, &[domain.to_string()], Route::new(app, targets.clone()));
        targets
    }
}

/// Open an HTTP/1.1 connection to `addr`.
pub async fn h1(addr: SocketAddr) -> hyper::client::conn::http1::SendRequest<Body> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = conn.with_upgrades().await;
    });
    sender
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

/// Send `req` on a fresh HTTP/1.1 connection and collect the reply.
pub async fn send(addr: SocketAddr, req: Request<Body>) -> Reply {
    on(&mut h1(addr).await, req).await
}

/// Send `req` on `client`'s connection once it is ready for it, and collect the reply.
pub async fn on(
    client: &mut hyper::client::conn::http1::SendRequest<Body>,
    req: Request<Body>,
) -> Reply {
    let resp = tokio::time::timeout(Duration::from_secs(10), async {
        client.ready().await.expect("connection still open");
        client.send_request(req).await
    })
    .await
    .expect("proxy answered in time")
    .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// A GET of `path` with `Host: host` and no body.
pub fn get_request(host: &str, path: &str) -> Request<Body> {
    Request::get(path)
        .header("host", host)
        .body(full(Bytes::new()))
        .unwrap()
}

/// GET `path` with `Host: host` on a fresh connection.
pub async fn get(addr: SocketAddr, host: &str, path: &str) -> Reply {
    send(addr, get_request(host, path)).await
}

/// Write raw bytes and read until the peer closes (or 5 s pass).
pub async fn raw(addr: SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Wait until `cond` holds, for at most 5 s.
pub async fn wait_for(cond: impl Fn() -> bool) {
    for _ in 0..250 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("condition not reached in 5 s");
}
