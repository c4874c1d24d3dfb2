//! Traffic counters: what the proxy served each app, per address it is routed on (a domain,
//! or a domain and a path prefix): requests by status class, bytes in and out, a latency
//! histogram, upstream errors and timeouts, open websockets; and the open client connections.
//!
//! Every request writes only its own worker's slot (`PerWorker`), with relaxed atomics:
//! no lock and no cache line shared with another worker on the request path. A read sums the
//! slots. The counters of an address live in the [`Registry`] the [`crate::Router`] keeps,
//! keyed by app and address, and are handed to each route entry as it is made, so a redeploy
//! (a new route) keeps counting into the same totals. [`crate::Router::traffic`] reads them
//! all, as a [`TrafficSnapshot`].

mod counters;
mod histogram;
mod registry;
mod snapshot;

pub(crate) use counters::{Counters, OpenWebsocket};
pub use histogram::{LATENCY_BOUNDS, LatencyHistogram};
pub(crate) use registry::{OpenConnection, Registry};
pub use snapshot::{
    AddressTraffic, AppTraffic, ROUTED_PROCESS, STATUS_CLASSES, TrafficSnapshot, TrafficTotals,
};
