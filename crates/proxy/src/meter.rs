//! [`Meter`]: one request's line in its app's traffic counters (see [`crate::traffic`]),
//! carried by the answer's body and written when that body ends or is dropped, so the
//! latency covers the whole answer and the bytes are those sent.

use std::sync::Arc;
use std::time::Instant;

use http::StatusCode;

use crate::host_routes::RouteEntry;
use crate::request_body::BodySlot;

/// A routed request being answered.
#[derive(Debug)]
pub(crate) struct Meter {
    /// The address's entry the request was routed by: its counters (the request's one
    /// reference, taken by the lookup).
    entry: Arc<RouteEntry>,
    start: Instant,
    status: StatusCode,
    /// The client's body, for the bytes read from it.
    body: BodySlot,
}

impl Meter {
    pub(crate) fn new(
        entry: Arc<RouteEntry>,
        start: Instant,
        status: StatusCode,
        body: BodySlot,
    ) -> Meter {
        Meter {
            entry,
            start,
            status,
            body,
        }
    }

    /// Count the request, whose answer sent `bytes_out` bytes of body.
    pub(crate) fn finish(self, bytes_out: u64) {
        self.entry.traffic.record(
            self.status,
            self.start.elapsed(),
            (self.body.bytes_read(), bytes_out),
        );
    }
}
