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
use crate::pool::Pooled;
use crate::target::InFlight;

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
    Upstream(Incoming),
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
    /// The backend connection, reusable once the body has been read to its end.
    pooled: Option<Pooled>,
    _in_flight: Option<InFlight>,
    _active: Option<ActiveRequest>,
}

impl ProxyBody {
    pub(crate) fn upstream(
        body: Incoming,
        log: Option<AccessLog>,
        pooled: Option<Pooled>,
        in_flight: Option<InFlight>,
        active: Option<ActiveRequest>,
    ) -> Self {
        ProxyBody {
            source: Source::Upstream(body),
            bytes: 0,
            finish: Some(Finish {
                log,
                pooled,
                _in_flight: in_flight,
                _active: active,
            }),
        }
    }

    pub(crate) fn full(body: Bytes, log: Option<AccessLog>, active: Option<ActiveRequest>) -> Self {
        ProxyBody {
            source: Source::Full((!body.is_empty()).then_some(body)),
            bytes: 0,
            finish: Some(Finish {
                log,
                pooled: None,
                _in_flight: None,
                _active: active,
            }),
        }
    }

    fn done(&mut self, complete: bool) {
        let Some(mut f) = self.finish.take() else {
            return;
        };
        // A connection whose response was cut short is dropped (closed), never reused.
        if let Some(pooled) = f.pooled.take()
            && complete
        {
            pooled.release();
        }
        if let Some(log) = &f.log {
            log.emit(self.bytes, complete);
        }
    }
}

impl Body for ProxyBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let polled = match &mut this.source {
            Source::Upstream(b) => Pin::new(b).poll_frame(cx),
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
            Source::Upstream(b) => b.is_end_stream(),
            Source::Full(b) => b.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.source {
            Source::Upstream(b) => b.size_hint(),
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
