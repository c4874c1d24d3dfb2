//! Per-connection activity tracking for the idle and header-read timeouts: an IO wrapper
//! that stamps every read/write, a count of requests in progress on the connection, and
//! since when it has been waiting for the next request head.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// How long a connection with no deadline to watch waits before its timeouts are checked again.
const RECHECK: Duration = Duration::from_secs(3600);

/// Last-traffic timestamp and in-progress request count of one client connection.
#[derive(Debug)]
pub(crate) struct Activity {
    epoch: Instant,
    last_ms: AtomicU64,
    active: AtomicUsize,
    /// When the last request ended (or the connection opened): from then on the
    /// connection waits for the next request head.
    head_since_ms: AtomicU64,
    /// HTTP/2: requests are streams, there is no head to wait for between them.
    h2: AtomicBool,
}

impl Activity {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Activity {
            epoch: Instant::now(),
            last_ms: AtomicU64::new(0),
            active: AtomicUsize::new(0),
            head_since_ms: AtomicU64::new(0),
            h2: AtomicBool::new(false),
        })
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn touch(&self) {
        self.last_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// The connection speaks HTTP/2 (no header-read timeout between its requests).
    pub(crate) fn set_h2(&self) {
        self.h2.store(true, Ordering::Relaxed);
    }

    /// Whether the connection speaks HTTP/2.
    pub(crate) fn is_h2(&self) -> bool {
        self.h2.load(Ordering::Relaxed)
    }

    /// When to check the timeouts next: the idle deadline (unless `closing`) and, on
    /// HTTP/1, the deadline of the request head being waited for. While a request is in
    /// progress neither can be due; the check is then put off by the shorter timeout (a
    /// request ending before that starts later deadlines, so the check is never late).
    pub(crate) fn next_check(&self, idle: Duration, head: Duration, closing: bool) -> Instant {
        let now = Instant::now();
        if self.active.load(Ordering::Acquire) > 0 {
            return now + idle.min(head);
        }
        let mut at = now + RECHECK;
        if !closing {
            at = at.min(self.idle_deadline(idle));
        }
        if !self.h2.load(Ordering::Relaxed) {
            at = at.min(self.head_deadline(head));
        }
        at
    }

    /// When the connection becomes idle if nothing else happens.
    fn idle_deadline(&self, idle: Duration) -> Instant {
        self.epoch + Duration::from_millis(self.last_ms.load(Ordering::Relaxed)) + idle
    }

    /// True if no request is in progress and there was no traffic for `idle`.
    pub(crate) fn is_idle(&self, idle: Duration) -> bool {
        self.active.load(Ordering::Acquire) == 0 && Instant::now() >= self.idle_deadline(idle)
    }

    fn head_deadline(&self, head: Duration) -> Instant {
        self.epoch + Duration::from_millis(self.head_since_ms.load(Ordering::Acquire)) + head
    }

    /// True if the HTTP/1 connection has waited longer than `head` for a request head.
    pub(crate) fn head_overdue(&self, head: Duration) -> bool {
        self.active.load(Ordering::Acquire) == 0
            && !self.h2.load(Ordering::Relaxed)
            && Instant::now() >= self.head_deadline(head)
    }

    /// Count a request in progress until the guard drops.
    pub(crate) fn begin(self: &Arc<Self>) -> ActiveRequest {
        self.active.fetch_add(1, Ordering::AcqRel);
        ActiveRequest(Arc::clone(self))
    }
}

/// One request in progress on a connection.
#[derive(Debug)]
pub(crate) struct ActiveRequest(Arc<Activity>);

impl Drop for ActiveRequest {
    fn drop(&mut self) {
        let now = self.0.now_ms();
        self.0.last_ms.store(now, Ordering::Relaxed);
        self.0.head_since_ms.store(now, Ordering::Release);
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

/// IO wrapper that records traffic in an [`Activity`].
#[derive(Debug)]
pub(crate) struct IdleIo<T> {
    io: T,
    activity: Arc<Activity>,
}

impl<T> IdleIo<T> {
    pub(crate) fn new(io: T, activity: Arc<Activity>) -> Self {
        activity.touch();
        IdleIo { io, activity }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for IdleIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let res = Pin::new(&mut this.io).poll_read(cx, buf);
        if matches!(res, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.touch();
        }
        res
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for IdleIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let res = Pin::new(&mut this.io).poll_write(cx, buf);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        res
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let res = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        res
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
