//! [`Ctx`]: what one request carries through forwarding, whichever way it goes (plain,
//! upgrade, or one of the proxy's own pages): its request id, its access-log line and the
//! client connection's note that a request is active. Each way ends by turning it into the
//! response for the client, with the request id added; dropped without a response (the client
//! went away), it still logs.

use std::net::SocketAddr;

use bytes::Bytes;
use http::header::{HeaderMap, HeaderValue};
use http::{Response, StatusCode};
use hyper::body::Incoming;

use crate::access::AccessLog;
use crate::body::ProxyBody;
use crate::headers::{self, X_REQUEST_ID};
use crate::idle::ActiveRequest;
use crate::target::InFlight;
use crate::upstream::UpstreamBody;

/// Status logged for a request whose client went away before the response started.
const CLIENT_CLOSED: u16 = 499;

/// The per-request state shared by the forwarding steps. If it is dropped
/// without producing a response (the client disconnected), it still logs.
pub(crate) struct Ctx {
    request_id: HeaderValue,
    /// `None` when the access log is disabled, so that nothing is collected for it.
    log: Option<AccessLog>,
    active: Option<ActiveRequest>,
}

impl Ctx {
    pub(crate) fn new(
        request_id: HeaderValue,
        log: Option<AccessLog>,
        active: Option<ActiveRequest>,
    ) -> Self {
        Ctx {
            request_id,
            log,
            active,
        }
    }

    /// The request id, as sent to the backend and returned to the client.
    pub(crate) fn request_id(&self) -> HeaderValue {
        self.request_id.clone()
    }

    /// Record which target is being tried.
    pub(crate) fn set_upstream(&mut self, addr: SocketAddr) {
        if let Some(l) = self.log.as_mut() {
            l.upstream = Some(addr);
        }
    }

    fn finish(
        mut self,
        headers: &mut HeaderMap,
        status: StatusCode,
    ) -> (Option<AccessLog>, Option<ActiveRequest>) {
        let mut log = self.log.take();
        headers.insert(&X_REQUEST_ID, self.request_id.clone());
        if let Some(l) = log.as_mut() {
            l.status = status.as_u16();
        }
        (log, self.active.take())
    }

    /// Finish with one of the proxy's own pages.
    pub(crate) fn page(self, resp: Response<Bytes>) -> Response<ProxyBody> {
        let (mut parts, body) = resp.into_parts();
        let (log, active) = self.finish(&mut parts.headers, parts.status);
        Response::from_parts(parts, ProxyBody::full(body, log, active))
    }

    /// Finish with a backend's response, streaming its body.
    pub(crate) fn backend(self, resp: Response<UpstreamBody>) -> Response<ProxyBody> {
        let (mut parts, body) = resp.into_parts();
        headers::strip_hop_by_hop(&mut parts.headers, false);
        let (log, active) = self.finish(&mut parts.headers, parts.status);
        Response::from_parts(parts, ProxyBody::backend(body, log, active))
    }

    /// Finish with a backend's answer to an upgrade request (a 101 keeps `Upgrade`).
    pub(crate) fn upgraded(
        self,
        resp: Response<Incoming>,
        in_flight: Option<InFlight>,
    ) -> Response<ProxyBody> {
        let (mut parts, body) = resp.into_parts();
        let switched = parts.status == StatusCode::SWITCHING_PROTOCOLS;
        headers::strip_hop_by_hop(&mut parts.headers, switched);
        let (log, active) = self.finish(&mut parts.headers, parts.status);
        Response::from_parts(parts, ProxyBody::upgrade(body, log, in_flight, active))
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        if let Some(mut log) = self.log.take() {
            log.status = CLIENT_CLOSED;
            log.emit(0, false);
        }
    }
}
