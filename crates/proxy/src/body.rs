//! Body types of the proxy. `RequestBody` streams the client's body to a backend
//! and can be handed to a second backend if the first was never reached.
//! `ProxyBody` streams the response to the client and, when finished or dropped,
//! releases the target's in-flight slot and writes the access log line.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;

use crate::access::AccessLog;
use crate::idle::ActiveRequest;
use crate::target::InFlight;
use crate::upstream::UpstreamBody;

/// The error of a response body: the backend's connection failed mid-body.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The client's request body, parked until a backend connection first polls it.
#[derive(Debug, Clone)]
pub(crate) struct BodySlot {
    inner: Arc<Mutex<Option<Incoming>>>,
    end_stream: bool,
    hint: SizeHint,
}

impl BodySlot {
    pub(crate) fn new(body: Incoming) -> Self {
        BodySlot {
            end_stream: body.is_end_stream(),
            hint: body.size_hint(),
            inner: Arc::new(Mutex::new(Some(body))),
        }
    }

    /// A body reading from this slot; it takes the client body on its first poll.
    pub(crate) fn body(&self) -> RequestBody {
        RequestBody {
            slot: self.clone(),
            taken: None,
        }
    }

    /// True when the client sent no body.
    pub(crate) fn is_end_stream(&self) -> bool {
        self.end_stream
    }

    /// The body's length, when the client announced it.
    pub(crate) fn exact_len(&self) -> Option<u64> {
        self.hint.exact()
    }

    /// True while no attempt has started reading the client body, so a retry is safe.
    pub(crate) fn untouched(&self) -> bool {
        self.end_stream || self.inner.lock().map(|g| g.is_some()).unwrap_or(false)
    }
}

/// Request body sent to a backend; see [`BodySlot`].
#[derive(Debug)]
pub(crate) struct RequestBody {
    slot: BodySlot,
    taken: Option<Incoming>,
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        if this.taken.is_none() {
            if this.slot.end_stream {
                return Poll::Ready(None);
            }
            let taken = this.slot.inner.lock().ok().and_then(|mut g| g.take());
            match taken {
                Some(b) => this.taken = Some(b),
                // Another attempt already consumed it: nothing more to send.
                None => return Poll::Ready(None),
            }
        }
        match this.taken.as_mut() {
            Some(b) => Pin::new(b).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.taken {
            Some(b) => b.is_end_stream(),
            None => self.slot.end_stream,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.taken {
            Some(b) => b.size_hint(),
            None => self.slot.hint,
        }
    }
}

/// What the response streams from.
#[derive(Debug)]
enum Source {
    /// A backend's response, read from its kept-alive connection.
    Backend(UpstreamBody),
    /// A backend's answer to an upgrade request (its own hyper connection).
    Upgrade(Incoming),
    /// One of the proxy's own pages.
    Full(Option<Bytes>),
}

/// The response body sent to the client, with the request's bookkeeping attached.
#[derive(Debug)]
pub struct ProxyBody {
    source: Source,
    bytes: u64,
    finish: Option<Finish>,
}

#[derive(Debug)]
struct Finish {
    log: Option<AccessLog>,
    _in_flight: Option<InFlight>,
    _active: Option<ActiveRequest>,
}

impl ProxyBody {
    /// A backend's response body (which holds the request's in-flight count itself).
    pub(crate) fn backend(
        body: UpstreamBody,
        log: Option<AccessLog>,
        active: Option<ActiveRequest>,
    ) -> Self {
        Self::new(Source::Backend(body), log, None, active)
    }

    /// A backend's answer to an upgrade request.
    pub(crate) fn upgrade(
        body: Incoming,
        log: Option<AccessLog>,
        in_flight: Option<InFlight>,
        active: Option<ActiveRequest>,
    ) -> Self {
        Self::new(Source::Upgrade(body), log, in_flight, active)
    }

    fn new(
        source: Source,
        log: Option<AccessLog>,
        in_flight: Option<InFlight>,
        active: Option<ActiveRequest>,
    ) -> Self {
        ProxyBody {
            source,
            bytes: 0,
            finish: Some(Finish {
                log,
                _in_flight: in_flight,
                _active: active,
            }),
        }
    }

    pub(crate) fn full(body: Bytes, log: Option<AccessLog>, active: Option<ActiveRequest>) -> Self {
        Self::new(
            Source::Full((!body.is_empty()).then_some(body)),
            log,
            None,
            active,
        )
    }

    fn done(&mut self, complete: bool) {
        let Some(f) = self.finish.take() else {
            return;
        };
        if let Some(log) = &f.log {
            log.emit(self.bytes, complete);
        }
    }
}

impl Body for ProxyBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let polled: Poll<Option<Result<Frame<Bytes>, BoxError>>> = match &mut this.source {
            Source::Backend(b) => Pin::new(b).poll_frame(cx).map_err(Into::into),
            Source::Upgrade(b) => Pin::new(b).poll_frame(cx).map_err(Into::into),
            Source::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
        };
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(d) = frame.data_ref() {
                    this.bytes += d.len() as u64;
                }
            }
            Poll::Ready(Some(Err(e))) => {
                tracing::warn!(error = %e, "upstream response body failed");
                this.done(false);
            }
            Poll::Ready(None) => this.done(true),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        match &self.source {
            Source::Backend(b) => b.is_end_stream(),
            Source::Upgrade(b) => b.is_end_stream(),
            Source::Full(b) => b.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.source {
            Source::Backend(b) => b.size_hint(),
            Source::Upgrade(b) => b.size_hint(),
            Source::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
        }
    }
}

impl Drop for ProxyBody {
    fn drop(&mut self) {
        let complete = self.is_end_stream();
        self.done(complete);
    }
}
