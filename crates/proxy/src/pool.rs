//! Keep-alive HTTP/1.1 connections to backends, pooled per [`Target`] and proxy worker.
//!
//! Each target keeps, for each worker, a stack of idle connections (most recently used
//! first): a connection's task runs on the worker that dialed it, so only that worker
//! reuses it and no request crosses threads.
//! A request takes one, or dials a new connection if none is ready; the
//! response body hands it back when it has been read to the end. A connection
//! whose response was cut short is dropped, which closes it. Idle connections
//! older than [`POOL_IDLE_TIMEOUT`] are discarded, and dropping a target (when
//! it leaves its route) drops its idle connections.
//!
//! Compared with hyper-util's general-purpose client this avoids, per request,
//! a pool-key hash and lookup, a spawned task that waits for the connection to
//! become reusable, and the absolute-URI round trip.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tracing::Instrument;

use crate::body::RequestBody;
use crate::target::Target;

/// How long an idle pooled backend connection is kept.
pub(crate) const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Idle connections kept per target; more are closed when they come back.
const MAX_IDLE_PER_TARGET: usize = 512;

type Sender = http1::SendRequest<RequestBody>;

/// Idle connections of one target, one pool per worker.
#[derive(Debug)]
pub(crate) struct ConnPools(Box<[ConnPool]>);

impl ConnPools {
    pub(crate) fn new() -> ConnPools {
        // As many as the default number of workers; more workers share pools (still correct,
        // only their requests then reach connections driven by another thread).
        static SLOTS: OnceLock<usize> = OnceLock::new();
        let slots = *SLOTS.get_or_init(crate::workers::default_workers);
        ConnPools((0..slots.max(1)).map(|_| ConnPool::default()).collect())
    }

    /// The pool of the worker on this thread.
    pub(crate) fn local(&self) -> &ConnPool {
        &self.0[crate::workers::current() % self.0.len()]
    }
}

/// Idle connections of one target on one worker.
#[derive(Debug, Default)]
pub(crate) struct ConnPool {
    idle: Mutex<VecDeque<(Sender, Instant)>>,
}

impl ConnPool {
    /// The most recently returned idle connection that is still usable.
    fn take(&self) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        while idle
            .front()
            .is_some_and(|(_, since)| now.duration_since(*since) > POOL_IDLE_TIMEOUT)
        {
            idle.pop_front();
        }
        while let Some((sender, _)) = idle.pop_back() {
            if sender.is_ready() {
                return Some(sender);
            }
        }
        None
    }

    fn put(&self, sender: Sender) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE_PER_TARGET {
            idle.push_back((sender, Instant::now()));
        }
    }

    /// Number of idle connections (for tests).
    #[cfg(test)]
    fn idle_len(&self) -> usize {
        self.idle.lock().map(|g| g.len()).unwrap_or(0)
    }
}

/// A connection lent to one request; give it back with [`Pooled::release`].
#[derive(Debug)]
pub(crate) struct Pooled {
    sender: Sender,
    target: Arc<Target>,
}

impl Pooled {
    /// The response was read to its end: the connection may serve another request.
    pub(crate) fn release(self) {
        let Pooled { mut sender, target } = self;
        if sender.is_ready() {
            target.pool().put(sender);
        } else if !sender.is_closed() {
            // The connection task has not yet noticed the exchange is over (or the
            // request body is still being sent): return it once it is ready.
            tokio::spawn(async move {
                if sender.ready().await.is_ok() {
                    target.pool().put(sender);
                }
            });
        }
    }
}

/// Why no response came back from a backend.
#[derive(Debug)]
pub(crate) enum SendError {
    /// The TCP connection could not be established; the request was not sent.
    Connect(io::Error),
    /// The connection failed while sending the request or reading the response head.
    Http(hyper::Error),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Connect(e) => write!(f, "connect failed: {e}"),
            SendError::Http(e) => write!(f, "{e}"),
        }
    }
}

/// Send `req` to `target` over a pooled connection (or a new one) and return the
/// response head plus the connection, to be released once the body is read.
pub(crate) async fn send(
    target: &Arc<Target>,
    mut req: Request<RequestBody>,
    connect_timeout: Duration,
) -> Result<(Response<Incoming>, Pooled), SendError> {
    // Reused connections may have been closed by the backend in the meantime:
    // hyper hands the request back when it was not written, then try the next one.
    while let Some(mut sender) = target.pool().take() {
        match sender.try_send_request(req).await {
            Ok(resp) => {
                let pooled = Pooled {
                    sender,
                    target: Arc::clone(target),
                };
                return Ok((resp, pooled));
            }
            Err(mut e) => match e.take_message() {
                Some(back) => req = back,
                None => return Err(SendError::Http(e.into_error())),
            },
        }
    }
    // Boxed: dialing is the rare path, and its large future would otherwise be
    // inlined into (and copied along with) every request's future.
    let mut sender = Box::pin(connect(target.addr(), connect_timeout)).await?;
    match sender.send_request(req).await {
        Ok(resp) => Ok((
            resp,
            Pooled {
                sender,
                target: Arc::clone(target),
            },
        )),
        Err(e) => Err(SendError::Http(e)),
    }
}

/// Dial `addr` and start the HTTP/1.1 connection task.
async fn connect(addr: SocketAddr, timeout: Duration) -> Result<Sender, SendError> {
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(SendError::Connect(e)),
        Err(_) => {
            return Err(SendError::Connect(io::Error::new(
                io::ErrorKind::TimedOut,
                "connect timed out",
            )));
        }
    };
    let _ = stream.set_nodelay(true);
    let (sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(SendError::Http)?;
    let span = tracing::debug_span!("upstream_conn", upstream = %addr);
    tokio::spawn(
        async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "backend connection ended with error");
            }
        }
        .instrument(span),
    );
    Ok(sender)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::BodySlot;
    use http_body_util::Empty;

    #[tokio::test]
    async fn connections_are_reused_and_refused_is_a_connect_error() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        tokio::spawn(async move {
            loop {
                let (s, _) = listener.accept().await.unwrap();
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(|_req| async {
                        Ok::<_, std::convert::Infallible>(Response::new(
                            Empty::<bytes::Bytes>::new(),
                        ))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(s), svc)
                        .await;
                });
            }
        });
        let target = Target::new(addr);
        for _ in 0..3 {
            let req_body = test_body().await;
            let req = Request::builder().uri("/").body(req_body).unwrap();
            let (resp, pooled) = send(&target, req, Duration::from_secs(1)).await.unwrap();
            assert_eq!(resp.status(), 200);
            drop(resp);
            pooled.release();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(target.pool().idle_len(), 1);

        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dead = Target::new(closed.local_addr().unwrap());
        drop(closed);
        let req_body = test_body().await;
        let req = Request::builder().uri("/").body(req_body).unwrap();
        let err = send(&dead, req, Duration::from_secs(1)).await.unwrap_err();
        assert!(matches!(err, SendError::Connect(_)), "{err}");
    }

    /// An empty request body as the proxy would forward it.
    async fn test_body() -> RequestBody {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            let tx = std::sync::Mutex::new(Some(tx));
            let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                if let Some(tx) = tx.lock().unwrap().take() {
                    let _ = tx.send(BodySlot::new(req.into_body()));
                }
                async {
                    Ok::<_, std::convert::Infallible>(Response::new(Empty::<bytes::Bytes>::new()))
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(s), svc)
                .await;
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut s, conn) = http1::handshake::<_, Empty<bytes::Bytes>>(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(conn);
        let _ = s
            .send_request(Request::builder().uri("/").body(Empty::new()).unwrap())
            .await;
        rx.await.unwrap().body()
    }
}
