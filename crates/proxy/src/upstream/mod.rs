//! The backend leg of forwarding: HTTP/1.1 over kept-alive TCP connections (pooled per
//! target and worker, see [`crate::pool`]), driven by the request's own task.
//!
//! A request writes its head (and streams its body, see [`request::Upload`]) while it waits
//! for the response head; the response body ([`UpstreamBody`]) is then read straight from
//! the connection as the client takes it, and keeps streaming the request body too if the
//! backend answered before reading all of it. Compared with a general-purpose client this
//! needs no task per connection and no channels between tasks: one request is one task.
//! Upgrades use their own connections (see [`crate::upgrade`]).

mod body;
mod chunked;
mod request;
mod response;

use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::BytesMut;
use http::Response;
use tokio::net::TcpStream;
use tracing::Instrument;

pub(crate) use body::UpstreamBody;
pub(crate) use request::{BodyFraming, Outgoing};

use crate::body::BodySlot;
use crate::target::InFlight;
use request::{Upload, UploadError};
use response::{HeadError, ResponseHead};

/// How long the rest of a request body is still sent to a backend that answered before
/// taking all of it.
const EARLY_ANSWER_LINGER: Duration = Duration::from_secs(30);

/// Read buffer reserved at a time; grows for large bodies up to [`MAX_READ`].
const READ_SIZE: usize = 8 * 1024;
const MAX_READ: usize = 256 * 1024;

/// Why no response came back from a backend.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    /// The TCP connection could not be established; the request was not sent.
    #[error("connect failed: {0}")]
    Connect(#[source] io::Error, InFlight),
    /// The exchange failed before a complete response head arrived.
    #[error(transparent)]
    Exchange(#[from] ExchangeError),
}

/// A failed exchange on an established connection.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExchangeError {
    #[error(transparent)]
    Upload(#[from] UploadError),
    #[error(transparent)]
    Head(#[from] HeadError),
    #[error("reading from the backend failed: {0}")]
    Read(io::Error),
    #[error("the backend closed the connection before the response was complete")]
    Closed,
}

/// One kept-alive connection to a backend and the bytes read from it but not yet used.
#[derive(Debug)]
pub(crate) struct BackendConn {
    stream: TcpStream,
    buf: BytesMut,
    read_size: usize,
}

impl BackendConn {
    async fn dial(addr: SocketAddr, timeout: Duration) -> io::Result<BackendConn> {
        let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(s) => s?,
            Err(_) => return Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out")),
        };
        let _ = stream.set_nodelay(true);
        Ok(BackendConn {
            stream,
            buf: BytesMut::new(),
            read_size: READ_SIZE,
        })
    }

    /// True if this idle connection can carry a request: the backend has neither closed it
    /// nor sent anything unasked. Costs a system call only when the socket shows activity.
    pub(crate) fn is_usable(&mut self) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        match self.stream.poll_read_ready(&mut cx) {
            Poll::Pending => true,
            Poll::Ready(Err(_)) => false,
            Poll::Ready(Ok(())) => matches!(
                self.stream.try_read(&mut [0u8; 1]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock
            ),
        }
    }

    /// Ready to go back to the pool: drop a buffer grown by a large body.
    fn reset_for_idle(&mut self) {
        if self.buf.capacity() > READ_SIZE {
            self.buf = BytesMut::new();
        }
        self.read_size = READ_SIZE;
    }

    /// Read more into the buffer; Ready(Ok(0)) at end of stream.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.buf.capacity() - self.buf.len() < self.read_size / 4 {
            self.buf.reserve(self.read_size);
        }
        let spare = self.buf.capacity() - self.buf.len();
        let n = std::task::ready!(tokio_util::io::poll_read_buf(
            std::pin::Pin::new(&mut self.stream),
            cx,
            &mut self.buf
        ))?;
        // A read that filled the buffer suggests a large body: read more at a time.
        if n == spare && self.read_size < MAX_READ {
            self.read_size *= 2;
        }
        Poll::Ready(Ok(n))
    }
}

/// One request and its response on one connection.
#[derive(Debug)]
pub(crate) struct Exchange {
    conn: BackendConn,
    upload: Upload,
    /// Writing the request failed; the response may still come (an early error answer).
    upload_failed: bool,
    /// Some byte of the response has arrived.
    received: bool,
    /// The response head came before the whole request had been written: how the backend
    /// treats the rest of the body is its own affair, so the connection is not reused.
    answered_early: bool,
}

impl Exchange {
    fn new(conn: BackendConn, upload: Upload) -> Self {
        Exchange {
            conn,
            upload,
            upload_failed: false,
            received: false,
            answered_early: false,
        }
    }

    /// Keep writing the request while the response is read. A failed write stops the
    /// upload (the backend may have answered and closed); a failed client body is an error.
    fn poll_upload(&mut self, cx: &mut Context<'_>) -> Result<(), UploadError> {
        if self.upload_failed || self.upload.is_done() {
            return Ok(());
        }
        match self.upload.poll(&mut self.conn.stream, cx) {
            Poll::Ready(Err(UploadError::Write(e))) => {
                tracing::debug!(error = %e, "backend stopped taking the request");
                self.upload_failed = true;
                Ok(())
            }
            Poll::Ready(Err(e)) => Err(e),
            Poll::Ready(Ok(())) | Poll::Pending => Ok(()),
        }
    }

    /// The whole request went out and nothing is left over from the response: the
    /// connection may carry another request.
    fn is_clean(&self) -> bool {
        !self.answered_early
            && !self.upload_failed
            && self.upload.is_done()
            && self.conn.buf.is_empty()
    }

    /// The response has ended but the backend has not yet taken the whole request (it
    /// answered early): let it have the rest, for at most [`EARLY_ANSWER_LINGER`], so that the
    /// client's body is read to its end and the client's connection stays usable; then close.
    fn finish_upload_apart(mut self: Box<Self>) {
        if self.upload_failed || self.upload.is_done() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let span = tracing::debug_span!("upload_after_answer");
        runtime.spawn(
            async move {
                let upload = std::future::poll_fn(|cx| self.upload.poll(&mut self.conn.stream, cx));
                match tokio::time::timeout(EARLY_ANSWER_LINGER, upload).await {
                    Ok(Ok(())) => tracing::debug!("request body sent after the answer"),
                    Ok(Err(e)) => {
                        tracing::debug!(error = %e, "request body not sent after the answer")
                    }
                    Err(_) => tracing::debug!("request body still unsent after the linger time"),
                }
            }
            .instrument(span),
        );
    }

    fn poll_head(
        &mut self,
        cx: &mut Context<'_>,
        request_was_head: bool,
    ) -> Poll<Result<ResponseHead, ExchangeError>> {
        loop {
            self.poll_upload(cx)?;
            if !self.conn.buf.is_empty()
                && let Some(head) = response::parse(&mut self.conn.buf, request_was_head)?
            {
                self.answered_early = !self.upload.is_done();
                return Poll::Ready(Ok(head));
            }
            match std::task::ready!(self.conn.poll_fill(cx)) {
                Ok(0) => return Poll::Ready(Err(ExchangeError::Closed)),
                Ok(_) => self.received = true,
                Err(e) => return Poll::Ready(Err(ExchangeError::Read(e))),
            }
        }
    }
}

/// Send the request to `target` over an idle kept-alive connection, or a new one, and
/// return the response head with its body streaming from the connection.
///
/// A kept-alive connection may have been closed by the backend just as it was taken: if it
/// ends without a byte of response and the request is idempotent with its body unread, the
/// request is sent again on the next connection (a fresh one at the latest).
pub(crate) async fn send(
    in_flight: InFlight,
    out: &Outgoing,
    slot: &BodySlot,
    connect_timeout: Duration,
) -> Result<Response<UpstreamBody>, SendError> {
    let target = in_flight.target();
    loop {
        let (conn, reused) = match target.pool().take() {
            Some(conn) => (conn, true),
            // Boxed: dialing is the rare path, and its future would otherwise be inlined
            // into (and copied along with) every request's future.
            None => match Box::pin(BackendConn::dial(target.addr(), connect_timeout)).await {
                Ok(conn) => (conn, false),
                Err(e) => return Err(SendError::Connect(e, in_flight)),
            },
        };
        // Boxed once here: the response body carries it, and is moved several times.
        let mut exchange = Box::new(Exchange::new(conn, out.upload(slot)));
        match std::future::poll_fn(|cx| exchange.poll_head(cx, out.is_head)).await {
            Ok(head) => {
                let mut resp = Response::new(UpstreamBody::new(
                    exchange,
                    head.framing,
                    head.keep_alive,
                    in_flight,
                ));
                *resp.status_mut() = head.status;
                *resp.version_mut() = head.version;
                *resp.headers_mut() = head.headers;
                return Ok(resp);
            }
            Err(ExchangeError::Closed | ExchangeError::Read(_))
                if reused && !exchange.received && out.idempotent && slot.untouched() =>
            {
                tracing::debug!(upstream = %target.addr(), "kept-alive connection was closed; sending again");
            }
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    /// A dialed connection and the backend's end of it.
    async fn pair() -> (BackendConn, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (conn, accepted) = tokio::join!(
            BackendConn::dial(addr, Duration::from_secs(1)),
            listener.accept()
        );
        (conn.unwrap(), accepted.unwrap().0)
    }

    async fn settle() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    #[tokio::test]
    async fn idle_connections_are_usable_until_the_backend_closes_or_speaks() {
        let (mut quiet, _kept) = pair().await;
        settle().await;
        assert!(quiet.is_usable(), "an open, silent connection");
        assert!(quiet.is_usable(), "checking does not use it up");

        let (mut closed, backend) = pair().await;
        drop(backend);
        settle().await;
        assert!(!closed.is_usable(), "the backend closed it");

        let (mut chatty, mut backend) = pair().await;
        backend
            .write_all(b"HTTP/1.1 408 Request Timeout\r\n\r\n")
            .await
            .unwrap();
        settle().await;
        assert!(!chatty.is_usable(), "the backend sent something unasked");
    }

    #[tokio::test]
    async fn refused_dial_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        assert!(
            BackendConn::dial(addr, Duration::from_secs(1))
                .await
                .is_err()
        );
    }
}
