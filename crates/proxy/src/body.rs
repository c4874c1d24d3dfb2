//! The response body of the proxy: `ProxyBody` streams the response to the client and, when
//! finished or dropped, releases the target's in-flight slot, writes the access log line and
//! counts the request in its app's traffic.
//! (The client's request body is in [`crate::request_body`].)

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;

use crate::access::AccessLog;
use crate::idle::ActiveRequest;
use crate::meter::Meter;
use crate::target::InFlight;
use crate::upstream::UpstreamBody;

/// The error of a response body: the backend's connection failed mid-body.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

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
    meter: Option<Meter>,
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
                meter: None,
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

    /// Count the request in its app's traffic when the body ends.
    pub(crate) fn set_meter(&mut self, meter: Meter) {
        if let Some(f) = self.finish.as_mut() {
            f.meter = Some(meter);
        }
    }

    fn done(&mut self, complete: bool) {
        let Some(mut f) = self.finish.take() else {
            return;
        };
        if let Some(log) = &f.log {
            log.emit(self.bytes, complete);
        }
        if let Some(meter) = f.meter.take() {
            meter.finish(self.bytes);
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
