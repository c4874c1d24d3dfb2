//! [`Counters`]: the traffic of one app on one address, one slot per proxy worker, each
//! written by its own worker with relaxed atomics and summed when read.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use http::StatusCode;

use crate::per_worker::PerWorker;

use super::histogram;
use super::snapshot::{STATUS_CLASSES, TrafficTotals};

/// One worker's counts for one address.
#[derive(Debug, Default)]
struct Slot {
    /// Answered requests by status class, 1xx to 5xx.
    requests: [AtomicU64; STATUS_CLASSES.len()],
    /// Answered requests by latency bucket (see [`super::histogram`]), not cumulative.
    latency: [AtomicU64; histogram::BUCKETS],
    latency_micros: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    upstream_errors: AtomicU64,
    upstream_timeouts: AtomicU64,
    /// Raised and lowered by the same connection, maybe on different slots: summed signed.
    open_websockets: AtomicI64,
}

/// The counters of one address of one app, one slot per proxy worker.
#[derive(Debug)]
pub(crate) struct Counters {
    slots: PerWorker<Slot>,
}

impl Counters {
    pub(crate) fn new() -> Counters {
        Counters {
            slots: PerWorker::new(),
        }
    }

    /// Count an answered request: its status, its time from request to the end of the answer,
    /// and the bytes of its request and response bodies.
    pub(crate) fn record(&self, status: StatusCode, elapsed: Duration, bytes: (u64, u64)) {
        let slot = self.slots.local();
        let class = usize::from(status.as_u16() / 100).clamp(1, STATUS_CLASSES.len()) - 1;
        slot.requests[class].fetch_add(1, Ordering::Relaxed);
        let micros = histogram::micros(elapsed);
        slot.latency[histogram::bucket_of(micros)].fetch_add(1, Ordering::Relaxed);
        slot.latency_micros.fetch_add(micros, Ordering::Relaxed);
        let (bytes_in, bytes_out) = bytes;
        if bytes_in > 0 {
            slot.bytes_in.fetch_add(bytes_in, Ordering::Relaxed);
        }
        slot.bytes_out.fetch_add(bytes_out, Ordering::Relaxed);
    }

    /// A backend could not be reached or failed before its answer's head (a 502).
    pub(crate) fn upstream_error(&self) {
        self.slots
            .local()
            .upstream_errors
            .fetch_add(1, Ordering::Relaxed);
    }

    /// A backend did not answer within the response-header timeout (a 504).
    pub(crate) fn upstream_timeout(&self) {
        self.slots
            .local()
            .upstream_timeouts
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Count a websocket (any upgraded connection) open until the returned guard drops.
    pub(crate) fn websocket_opened(self: &Arc<Self>) -> OpenWebsocket {
        self.slots
            .local()
            .open_websockets
            .fetch_add(1, Ordering::Relaxed);
        OpenWebsocket(Arc::clone(self))
    }

    /// Every worker's counts summed.
    pub(crate) fn totals(&self) -> TrafficTotals {
        let mut totals = TrafficTotals::default();
        let mut micros = 0u64;
        let mut websockets = 0i64;
        for slot in self.slots.iter() {
            let read = |n: &AtomicU64| n.load(Ordering::Relaxed);
            for (total, n) in totals.requests.iter_mut().zip(&slot.requests) {
                *total += read(n);
            }
            for (total, n) in totals.latency.counts.iter_mut().zip(&slot.latency) {
                *total += read(n);
            }
            micros += read(&slot.latency_micros);
            totals.bytes_in += read(&slot.bytes_in);
            totals.bytes_out += read(&slot.bytes_out);
            totals.upstream_errors += read(&slot.upstream_errors);
            totals.upstream_timeouts += read(&slot.upstream_timeouts);
            websockets += slot.open_websockets.load(Ordering::Relaxed);
        }
        totals.latency.sum_seconds = micros as f64 / 1e6;
        totals.open_websockets = u64::try_from(websockets).unwrap_or(0);
        totals
    }
}

/// An open websocket, counted until this drops.
#[derive(Debug)]
pub(crate) struct OpenWebsocket(Arc<Counters>);

impl Drop for OpenWebsocket {
    fn drop(&mut self) {
        self.0
            .slots
            .local()
            .open_websockets
            .fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_status_class_with_their_latency_and_bytes() {
        let counters = Counters::new();
        let ms = Duration::from_millis;
        counters.record(StatusCode::OK, ms(0), (0, 100));
        counters.record(StatusCode::CREATED, ms(3), (10, 5));
        counters.record(StatusCode::NOT_FOUND, ms(20), (0, 7));
        counters.record(StatusCode::SERVICE_UNAVAILABLE, ms(20_000), (0, 0));
        counters.record(StatusCode::SWITCHING_PROTOCOLS, ms(1), (0, 0));
        let totals = counters.totals();
        assert_eq!(totals.requests, [1, 2, 0, 1, 1]);
        assert_eq!(totals.requests(), 5);
        assert_eq!((totals.bytes_in, totals.bytes_out), (10, 112));
        assert_eq!(totals.latency.count(), 5);
        assert_eq!(totals.latency.counts[0], 2, "0 ms and 1 ms");
        assert_eq!(totals.latency.counts[2], 1, "3 ms");
        assert_eq!(totals.latency.counts[4], 1, "20 ms");
        assert_eq!(totals.latency.counts[histogram::BUCKETS - 1], 1, "20 s");
        assert!((totals.latency.sum_seconds - 20.024).abs() < 1e-9);
    }

    #[test]
    fn every_worker_slot_is_summed() {
        let counters = Arc::new(Counters::new());
        let threads: Vec<_> = (0..4)
            .map(|worker| {
                let counters = Arc::clone(&counters);
                std::thread::spawn(move || {
                    crate::per_worker::set_current(worker);
                    for _ in 0..1000 {
                        counters.record(StatusCode::OK, Duration::from_micros(10), (1, 2));
                    }
                    counters.upstream_error();
                    counters.upstream_timeout();
                    // One stays open on each thread.
                    std::mem::forget(counters.websocket_opened());
                    drop(counters.websocket_opened());
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let totals = counters.totals();
        assert_eq!(totals.requests[1], 4000);
        assert_eq!((totals.bytes_in, totals.bytes_out), (4000, 8000));
        assert_eq!(totals.latency.counts[0], 4000);
        assert_eq!((totals.upstream_errors, totals.upstream_timeouts), (4, 4));
        assert_eq!(totals.open_websockets, 4);
    }
}
