//! [`Exchange`]: one request and its response on one kept-alive backend connection, as far
//! as both the sending of the request ([`super::send`]) and the reading of the response body
//! ([`super::UpstreamBody`]) need it: the request's upload goes on while the response is read,
//! and whether the connection may carry another request.

use std::io;
use std::task::{Context, Poll};
use std::time::Duration;

use tracing::Instrument;

use super::request::{Upload, UploadError};
use super::response::{self, HeadError, ResponseHead};
use crate::conn_pool::BackendConn;

/// How long the rest of a request body is still sent to a backend that answered before
/// taking all of it.
const EARLY_ANSWER_LINGER: Duration = Duration::from_secs(30);

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
    pub(super) conn: BackendConn,
    upload: Upload,
    /// Writing the request failed; the response may still come (an early error answer).
    upload_failed: bool,
    /// Some byte of the response has arrived.
    pub(super) received: bool,
    /// The response head came before the whole request had been written: how the backend
    /// treats the rest of the body is its own affair, so the connection is not reused.
    answered_early: bool,
}

impl Exchange {
    pub(super) fn new(conn: BackendConn, upload: Upload) -> Self {
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
    pub(super) fn poll_upload(&mut self, cx: &mut Context<'_>) -> Result<(), UploadError> {
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
    pub(super) fn is_clean(&self) -> bool {
        !self.answered_early
            && !self.upload_failed
            && self.upload.is_done()
            && self.conn.buf.is_empty()
    }

    /// The response has ended but the backend has not yet taken the whole request (it
    /// answered early): let it have the rest, for at most [`EARLY_ANSWER_LINGER`], so that the
    /// client's body is read to its end and the client's connection stays usable; then close.
    pub(super) fn finish_upload_apart(mut self: Box<Self>) {
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

    pub(super) fn poll_head(
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
