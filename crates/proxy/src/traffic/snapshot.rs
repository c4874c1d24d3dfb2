//! What [`crate::Router::traffic`] reads: the totals of every address each app is (or was)
//! routed on, and of every app, summed over its addresses. The one source of the daemon's
//! `/metrics` and of `wharf stats`.

use super::histogram::LatencyHistogram;

/// The process the proxy's traffic goes to: Wharf routes an app's `web` process only.
pub const ROUTED_PROCESS: &str = "web";

/// The status classes requests are counted by, in the order of [`TrafficTotals::requests`].
pub const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Counts since the daemon started (gauges: now).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrafficTotals {
    /// Answered requests by status class, as [`STATUS_CLASSES`] names them (an app's own
    /// answers, and the proxy's 502, 503 and 504 for it).
    pub requests: [u64; 5],
    /// Their latency: from the request to the end of its answer's body.
    pub latency: LatencyHistogram,
    /// Bytes of request bodies sent to the app.
    pub bytes_in: u64,
    /// Bytes of response bodies sent to clients.
    pub bytes_out: u64,
    /// Requests whose backend could not be reached or failed before answering (502).
    pub upstream_errors: u64,
    /// Requests whose backend did not answer in time (504).
    pub upstream_timeouts: u64,
    /// Websockets (upgraded connections) open now: a gauge.
    pub open_websockets: u64,
}

impl TrafficTotals {
    /// All answered requests.
    pub fn requests(&self) -> u64 {
        self.requests.iter().sum()
    }

    /// Answered requests of a status class (`"2xx"`), 0 for an unknown one.
    pub fn requests_of(&self, class: &str) -> u64 {
        STATUS_CLASSES
            .iter()
            .position(|c| *c == class)
            .map_or(0, |i| self.requests[i])
    }

    pub(crate) fn add(&mut self, other: &TrafficTotals) {
        for (mine, theirs) in self.requests.iter_mut().zip(other.requests) {
            *mine += theirs;
        }
        self.latency.add(&other.latency);
        self.bytes_in += other.bytes_in;
        self.bytes_out += other.bytes_out;
        self.upstream_errors += other.upstream_errors;
        self.upstream_timeouts += other.upstream_timeouts;
        self.open_websockets += other.open_websockets;
    }
}

/// The traffic of an app on one of its addresses.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressTraffic {
    pub app: String,
    /// `example.com` or `example.com/blog`, as routed (normalised).
    pub address: String,
    /// The app's process that served it (see [`ROUTED_PROCESS`]).
    pub process: &'static str,
    pub totals: TrafficTotals,
}

/// The traffic of an app on all its addresses.
#[derive(Debug, Clone, PartialEq)]
pub struct AppTraffic {
    pub app: String,
    pub process: &'static str,
    pub totals: TrafficTotals,
}

/// Everything the proxy counted, read at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrafficSnapshot {
    /// Client HTTP connections open now, on every listener: a connection is not an app's (one
    /// keep-alive connection may ask for several hosts); an upgraded one counts as its app's
    /// websocket instead.
    pub open_connections: u64,
    /// Per app and address, sorted; an address an app no longer has keeps its counts until
    /// the app is removed.
    pub addresses: Vec<AddressTraffic>,
    /// Per app (the sums of its addresses), sorted by name.
    pub apps: Vec<AppTraffic>,
}

impl TrafficSnapshot {
    /// The totals of `app`, if it has been routed on an address.
    pub fn app(&self, app: &str) -> Option<&TrafficTotals> {
        self.apps.iter().find(|a| a.app == app).map(|a| &a.totals)
    }

    /// The totals of `app` on `address`.
    pub fn address(&self, app: &str, address: &str) -> Option<&TrafficTotals> {
        self.addresses
            .iter()
            .find(|a| a.app == app && a.address == address)
            .map(|a| &a.totals)
    }
}
