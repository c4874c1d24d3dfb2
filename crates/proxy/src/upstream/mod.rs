//! The backend leg of forwarding: HTTP/1.1 over kept-alive TCP connections (pooled per
//! target and worker, see [`pool`]), driven by the request's own task.
//!
//! A request writes its head (and streams its body, see [`request::Upload`]) while it waits
//! for the response head; the response body ([`UpstreamBody`]) is then read straight from
//! the connection as the client takes it, and keeps streaming the request body too if the
//! backend answered before reading all of it. Compared with a general-purpose client this
//! needs no task per connection and no channels between tasks: one request is one task.
//! Upgrades use their own connections (see [`crate::upgrade`]).

mod body;
mod chunked;
mod conn;
pub(crate) mod pool;
mod request;
mod response;

use std::io;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Response;
use tracing::Instrument;

pub(crate) use body::UpstreamBody;
pub(crate) use request::{BodyFraming, Outgoing};

use crate::request_body::BodySlot;
use crate::target::InFlight;
use conn::BackendConn;
use request::{Upload, UploadError};
use response::{HeadError, ResponseHead};

/// How long the rest of a request body is still sent to a backend that answered before
/// taking all of it.
const EARLY_ANSWER_LINGER: Duration = Duration::from_secs(30);

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
        let (conn, reused) = match target.idle_conns().local().take() {
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
