//! The [`Registry`]: the counters of every app's addresses, kept across route swaps, and
//! the gauge of open client connections.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use super::counters::Counters;
use super::snapshot::{AddressTraffic, AppTraffic, ROUTED_PROCESS, TrafficSnapshot};
use crate::per_worker::PerWorker;

/// An app and one of its addresses (`host` or `host/prefix`).
type Key = (String, String);

/// The counters by app and address. Taken only when routes change and when read, never by a
/// request (which reaches its counters through its route entry).
#[derive(Debug)]
pub(crate) struct Registry {
    counters: Mutex<BTreeMap<Key, Arc<Counters>>>,
    connections: PerWorker<AtomicI64>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry {
            counters: Mutex::default(),
            connections: PerWorker::new(),
        }
    }
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Key, Arc<Counters>>> {
        // Poisoned only by a panic between two map operations: the map is still whole.
        self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The counters of `app` on `address`, made on first use.
    pub(crate) fn counters(&self, app: &str, address: &str) -> Arc<Counters> {
        let mut map = self.lock();
        let key = (app.to_owned(), address.to_owned());
        Arc::clone(map.entry(key).or_insert_with(|| Arc::new(Counters::new())))
    }

    /// Forget `app`'s counters (the app is gone).
    pub(crate) fn forget(&self, app: &str) {
        self.lock().retain(|(owner, _), _| owner != app);
    }

    /// Count a client connection open until the returned guard drops.
    pub(crate) fn connection_opened(&self) -> OpenConnection<'_> {
        let index = self.connections.local_index();
        self.connections.get(index).fetch_add(1, Ordering::Relaxed);
        OpenConnection {
            registry: self,
            index,
        }
    }

    /// Everything, summed over the workers.
    pub(crate) fn snapshot(&self) -> TrafficSnapshot {
        let counters: Vec<(Key, Arc<Counters>)> = self
            .lock()
            .iter()
            .map(|(key, counters)| (key.clone(), Arc::clone(counters)))
            .collect();
        let mut snapshot = TrafficSnapshot {
            open_connections: u64::try_from(
                self.connections
                    .iter()
                    .map(|n| n.load(Ordering::Relaxed))
                    .sum::<i64>(),
            )
            .unwrap_or(0),
            ..TrafficSnapshot::default()
        };
        for ((app, address), counters) in counters {
            let totals = counters.totals();
            // Sorted by app first: an app's addresses are next to each other.
            match snapshot.apps.last_mut() {
                Some(last) if last.app == app => last.totals.add(&totals),
                _ => snapshot.apps.push(AppTraffic {
                    app: app.clone(),
                    process: ROUTED_PROCESS,
                    totals: totals.clone(),
                }),
            }
            snapshot.addresses.push(AddressTraffic {
                app,
                address,
                process: ROUTED_PROCESS,
                totals,
            });
        }
        snapshot
    }
}

/// An open client connection, counted until this drops.
pub(crate) struct OpenConnection<'a> {
    registry: &'a Registry,
    index: usize,
}

impl Drop for OpenConnection<'_> {
    fn drop(&mut self) {
        self.registry
            .connections
            .get(self.index)
            .fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;
    use std::time::Duration;

    #[test]
    fn an_app_sums_its_addresses_and_keeps_them_until_forgotten() {
        let registry = Registry::default();
        let ok = |c: &Counters| c.record(StatusCode::OK, Duration::ZERO, (0, 1));
        ok(&registry.counters("blog", "blog.test"));
        ok(&registry.counters("blog", "example.test/blog"));
        // The same key gives the same counters: a new route keeps counting.
        ok(&registry.counters("blog", "blog.test"));
        ok(&registry.counters("site", "example.test"));
        let snapshot = registry.snapshot();
        assert_eq!(snapshot.app("blog").unwrap().requests(), 3);
        assert_eq!(snapshot.address("blog", "blog.test").unwrap().requests(), 2);
        assert_eq!(snapshot.app("site").unwrap().bytes_out, 1);
        assert_eq!(snapshot.apps.len(), 2);
        assert_eq!(snapshot.addresses.len(), 3);
        registry.forget("blog");
        let snapshot = registry.snapshot();
        assert!(snapshot.app("blog").is_none());
        assert_eq!(snapshot.addresses.len(), 1);
    }

    #[test]
    fn open_connections_are_a_gauge() {
        let registry = Registry::default();
        let first = registry.connection_opened();
        let second = registry.connection_opened();
        assert_eq!(registry.snapshot().open_connections, 2);
        drop(first);
        assert_eq!(registry.snapshot().open_connections, 1);
        drop(second);
        assert_eq!(registry.snapshot().open_connections, 0);
    }
}
