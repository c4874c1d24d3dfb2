//! [`UpstreamBody`]: a backend's response body read from its connection as the client takes
//! it (length-delimited, chunked or until close), which also finishes a request body the
//! backend answered early, and hands the connection back to its pool once the exchange
//! is complete. A body dropped before its end closes the connection.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

use super::chunked::{ChunkedDecoder, ChunkedError, Decoded};
use super::exchange::{Exchange, ExchangeError};
use super::response::Framing;
use crate::target::InFlight;

/// Why a response body could not be read to its end.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    #[error(transparent)]
    Exchange(#[from] ExchangeError),
    #[error("malformed chunked response body: {0}")]
    Chunked(#[from] ChunkedError),
}

#[derive(Debug)]
enum State {
    /// This many bytes are left.
    Length(u64),
    Chunked(ChunkedDecoder),
    /// Until the backend closes.
    Close,
    Done,
}

/// A response body streaming from a backend connection.
#[derive(Debug)]
pub(crate) struct UpstreamBody {
    /// `None` once the body has ended or failed.
    exchange: Option<Box<Exchange>>,
    state: State,
    keep_alive: bool,
    /// The request's count on its target, held until the body ends; the target's pool
    /// takes the connection back.
    in_flight: InFlight,
}

impl UpstreamBody {
    pub(super) fn new(
        exchange: Box<Exchange>,
        framing: Framing,
        keep_alive: bool,
        in_flight: InFlight,
    ) -> Self {
        let state = match framing {
            Framing::Empty => State::Done,
            Framing::Length(n) => State::Length(n),
            Framing::Chunked => State::Chunked(ChunkedDecoder::new()),
            Framing::Close => State::Close,
        };
        UpstreamBody {
            exchange: Some(exchange),
            state,
            keep_alive,
            in_flight,
        }
    }

    /// The body has been read: put the connection back in its pool if the exchange ended
    /// cleanly and the backend keeps it open, else close it.
    fn finish(&mut self) {
        self.state = State::Done;
        let Some(mut exchange) = self.exchange.take() else {
            return;
        };
        if self.keep_alive && exchange.is_clean() {
            exchange.conn.reset_for_idle();
            self.in_flight
                .target()
                .idle_conns()
                .local()
                .put(exchange.conn);
        } else {
            exchange.finish_upload_apart();
        }
    }

    fn fail(&mut self, e: impl Into<BodyError>) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        self.exchange = None;
        self.state = State::Done;
        Poll::Ready(Some(Err(e.into())))
    }
}

impl Body for UpstreamBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = self.get_mut();
        let Some(exchange) = this.exchange.as_mut() else {
            return Poll::Ready(None);
        };
        if let Err(e) = exchange.poll_upload(cx) {
            return this.fail(ExchangeError::Upload(e));
        }
        loop {
            let buf = &mut exchange.conn.buf;
            match &mut this.state {
                State::Done => {
                    this.finish();
                    return Poll::Ready(None);
                }
                State::Length(0) => {
                    this.state = State::Done;
                    continue;
                }
                State::Length(left) => {
                    if !buf.is_empty() {
                        let n = usize::try_from(*left).map_or(buf.len(), |l| l.min(buf.len()));
                        *left -= n as u64;
                        return Poll::Ready(Some(Ok(Frame::data(buf.split_to(n).freeze()))));
                    }
                }
                State::Chunked(decoder) => match decoder.decode(buf) {
                    Ok(Decoded::Data(data)) => return Poll::Ready(Some(Ok(Frame::data(data)))),
                    Ok(Decoded::Done) => {
                        this.state = State::Done;
                        continue;
                    }
                    Ok(Decoded::NeedMore) => {}
                    Err(e) => return this.fail(e),
                },
                State::Close => {
                    if !buf.is_empty() {
                        return Poll::Ready(Some(Ok(Frame::data(buf.split().freeze()))));
                    }
                }
            }
            match exchange.conn.poll_fill(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(0)) if matches!(this.state, State::Close) => {
                    this.keep_alive = false;
                    this.state = State::Done;
                }
                Poll::Ready(Ok(0)) => return this.fail(ExchangeError::Closed),
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => return this.fail(ExchangeError::Read(e)),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.state, State::Done | State::Length(0))
    }

    fn size_hint(&self) -> SizeHint {
        match self.state {
            State::Done => SizeHint::with_exact(0),
            State::Length(n) => SizeHint::with_exact(n),
            State::Chunked(_) | State::Close => SizeHint::default(),
        }
    }
}

impl Drop for UpstreamBody {
    fn drop(&mut self) {
        // A body with nothing left to read (no body, or read to its end without the final
        // poll) still gives its connection back.
        if self.is_end_stream() {
            self.finish();
        }
    }
}
