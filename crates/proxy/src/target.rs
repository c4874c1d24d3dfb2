//! One backend instance (`Target`): its address, health/draining state and the
//! count of requests (and upgraded connections) currently in flight to it.

use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::conn_pool::IdleConns;
use crate::per_worker::PerWorker;

const HEALTHY: u8 = 0;
const UNHEALTHY: u8 = 1;
const DRAINING: u8 = 2;

/// Failed health probes in a row after which a target leaves the balancer. One probe that
/// times out on a busy server must not take an app's only instance out of its route; a
/// refused connection from real traffic still does at once (see [`crate::retry`]).
pub const PROBE_FAILURES_TO_UNHEALTHY: u8 = 3;

/// The lifecycle state of a target as seen by the balancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    /// Eligible for new requests.
    Healthy,
    /// Failed a health probe or a connect; skipped until a probe succeeds.
    Unhealthy,
    /// Being removed: never picked again, whatever probes say.
    Draining,
}

/// A backend address plus the bookkeeping the balancer and drainer need.
#[derive(Debug)]
pub struct Target {
    addr: SocketAddr,
    state: AtomicU8,
    /// Health probes failed in a row (up to [`PROBE_FAILURES_TO_UNHEALTHY`]).
    failed_probes: AtomicU8,
    /// Requests in flight, counted by the worker that started them.
    in_flight: PerWorker<AtomicUsize>,
    /// Woken every time a worker's `in_flight` count drops to zero.
    idle: Notify,
    /// Cancelled when a drain times out: upgraded connections close on it.
    cut: CancellationToken,
    /// Idle keep-alive connections to this backend, per proxy worker (the backend
    /// client's, kept here so that they live and die with the target).
    idle_conns: IdleConns,
}

impl Target {
    /// A new target, healthy from the start (the deploy pipeline checks before adding).
    pub fn new(addr: SocketAddr) -> Arc<Target> {
        Arc::new(Target {
            addr,
            state: AtomicU8::new(HEALTHY),
            failed_probes: AtomicU8::new(0),
            in_flight: PerWorker::new(),
            idle: Notify::new(),
            cut: CancellationToken::new(),
            idle_conns: IdleConns::new(),
        })
    }

    /// The backend's socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests (and upgraded connections) currently using this target.
    pub fn in_flight(&self) -> usize {
        self.in_flight
            .iter()
            // SeqCst, paired with `enter_unless_draining`: see there.
            .map(|n| n.load(Ordering::SeqCst))
            .sum()
    }

    /// The balancer's view of this target.
    pub fn state(&self) -> TargetState {
        match self.state.load(Ordering::Acquire) {
            HEALTHY => TargetState::Healthy,
            UNHEALTHY => TargetState::Unhealthy,
            _ => TargetState::Draining,
        }
    }

    /// True when the target may receive new requests (healthy and not draining).
    pub fn is_healthy(&self) -> bool {
        self.state.load(Ordering::Acquire) == HEALTHY
    }

    /// True once `drain` has been called.
    pub fn is_draining(&self) -> bool {
        self.state.load(Ordering::Acquire) == DRAINING
    }

    /// Record a health observation. Has no effect on a draining target.
    pub fn set_healthy(&self, healthy: bool) {
        let new = if healthy { HEALTHY } else { UNHEALTHY };
        // Only move between healthy and unhealthy; draining is terminal.
        let _ = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
                (cur != DRAINING).then_some(new)
            });
    }

    /// Record a health probe's outcome: one success makes the target healthy, and it becomes
    /// unhealthy after [`PROBE_FAILURES_TO_UNHEALTHY`] failures in a row. Returns true when
    /// the probe changed whether the target is healthy (never for a draining target).
    pub fn record_probe(&self, ok: bool) -> bool {
        let failures = if ok {
            self.failed_probes.store(0, Ordering::Release);
            0
        } else {
            let before = self
                .failed_probes
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                    Some(n.saturating_add(1).min(PROBE_FAILURES_TO_UNHEALTHY))
                })
                .unwrap_or(PROBE_FAILURES_TO_UNHEALTHY);
            before.saturating_add(1)
        };
        if !ok && failures < PROBE_FAILURES_TO_UNHEALTHY {
            return false;
        }
        let was = self.state.load(Ordering::Acquire);
        self.set_healthy(ok);
        was != DRAINING && (was == HEALTHY) != ok
    }

    /// Mark draining (the balancer never picks it again) and wait until in-flight
    /// requests reach 0 or `timeout` passes. Returns true if it drained fully.
    /// Upgraded connections count as in flight until closed; on timeout they are cut.
    pub async fn drain(&self, timeout: Duration) -> bool {
        self.state.store(DRAINING, Ordering::SeqCst);
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let mut notified = pin!(self.idle.notified());
            // Register interest before checking, so a drop to zero in between is not missed.
            notified.as_mut().enable();
            if self.in_flight() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let drained = self.in_flight() == 0;
                if !drained {
                    tracing::warn!(target = %self.addr, in_flight = self.in_flight(), "drain timed out; cutting upgraded connections");
                    self.cut.cancel();
                }
                return drained;
            }
        }
    }

    /// Cancelled when a drain gave up waiting; long-lived connections should close.
    pub(crate) fn cut_token(&self) -> &CancellationToken {
        &self.cut
    }

    /// Idle keep-alive connections to this backend, for the backend client.
    pub(crate) fn idle_conns(&self) -> &IdleConns {
        &self.idle_conns
    }

    /// Count one more request in flight; the guard un-counts it when dropped.
    pub(crate) fn begin(self: &Arc<Self>) -> InFlight {
        Arc::clone(self).enter()
    }

    /// Like [`Target::begin`], keeping this reference in the guard instead of another one
    /// (every reference taken or dropped writes a count that all workers share).
    pub(crate) fn enter(self: Arc<Self>) -> InFlight {
        let slot = self.in_flight.local_index();
        self.in_flight.get(slot).fetch_add(1, Ordering::SeqCst);
        InFlight { target: self, slot }
    }

    /// Like [`Target::enter`], unless the target began draining since it was picked (a route
    /// swap between the pick and now): then the request is not counted and the target comes
    /// back. Counting first and checking after, against `drain`'s marking first and counting
    /// after (both sequentially consistent), means that either the drain sees this request or
    /// this request sees the drain: none reaches a target whose drain already found it idle
    /// (and whose container may be gone).
    pub(crate) fn enter_unless_draining(self: Arc<Self>) -> Result<InFlight, Arc<Target>> {
        let guard = self.enter();
        if guard.target.state.load(Ordering::SeqCst) == DRAINING {
            Err(guard.finish())
        } else {
            Ok(guard)
        }
    }
}

/// RAII marker for one request or upgraded connection in flight to a target.
#[derive(Debug)]
pub(crate) struct InFlight {
    target: Arc<Target>,
    /// The counter it was counted in (dropped on another thread, it still finds it).
    slot: usize,
}

impl InFlight {
    pub(crate) fn target(&self) -> &Arc<Target> {
        &self.target
    }

    /// Un-count the request now, keeping the target (to try another one, say).
    pub(crate) fn finish(self) -> Arc<Target> {
        Arc::clone(&self.target)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        // The total can only reach zero when some counter does; the drain then re-sums.
        if self
            .target
            .in_flight
            .get(self.slot)
            .fetch_sub(1, Ordering::AcqRel)
            == 1
        {
            self.target.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 1))
    }

    #[test]
    fn starts_healthy_and_toggles() {
        let t = Target::new(addr());
        assert!(t.is_healthy());
        t.set_healthy(false);
        assert_eq!(t.state(), TargetState::Unhealthy);
        t.set_healthy(true);
        assert!(t.is_healthy());
    }

    #[test]
    fn only_failed_probes_in_a_row_make_a_target_unhealthy() {
        let t = Target::new(addr());
        for _ in 1..PROBE_FAILURES_TO_UNHEALTHY {
            assert!(!t.record_probe(false));
            assert!(
                t.is_healthy(),
                "a failure or two in a row keep it in the route"
            );
        }
        assert!(
            !t.record_probe(true),
            "a success while healthy changes nothing"
        );
        for _ in 1..PROBE_FAILURES_TO_UNHEALTHY {
            assert!(!t.record_probe(false));
        }
        assert!(
            t.record_probe(false),
            "the count started again after the success"
        );
        assert_eq!(t.state(), TargetState::Unhealthy);
        assert!(!t.record_probe(false));
        assert!(t.record_probe(true), "one success brings it back");
        assert!(t.is_healthy());
        // Refused by real traffic: out at once, back with the next good probe.
        t.set_healthy(false);
        assert!(t.record_probe(true));
    }

    #[tokio::test]
    async fn probes_do_not_change_a_draining_target() {
        let t = Target::new(addr());
        assert!(t.drain(Duration::ZERO).await);
        for ok in [false, false, false, true] {
            assert!(!t.record_probe(ok));
            assert!(t.is_draining());
        }
    }

    #[tokio::test]
    async fn drain_is_terminal_and_waits_for_in_flight() {
        let t = Target::new(addr());
        let guard = t.begin();
        assert_eq!(t.in_flight(), 1);
        let t2 = Arc::clone(&t);
        let drained = tokio::spawn(async move { t2.drain(Duration::from_secs(5)).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(t.is_draining());
        t.set_healthy(true);
        assert!(
            !t.is_healthy(),
            "probes must not resurrect a draining target"
        );
        drop(guard);
        assert!(drained.await.unwrap());
        assert_eq!(t.in_flight(), 0);
    }

    #[tokio::test]
    async fn drain_times_out_and_cuts() {
        let t = Target::new(addr());
        let _guard = t.begin();
        assert!(!t.drain(Duration::from_millis(50)).await);
        assert!(t.cut_token().is_cancelled());
    }

    #[tokio::test]
    async fn drain_of_idle_target_is_immediate() {
        let t = Target::new(addr());
        assert!(t.drain(Duration::from_millis(0)).await);
    }

    #[tokio::test]
    async fn a_request_picked_before_a_drain_is_not_counted_in_after_it() {
        let t = Target::new(addr());
        // Picked while healthy, then the route swap drains it before the request is counted.
        let picked = Arc::clone(&t);
        assert!(t.drain(Duration::from_millis(0)).await);
        let back = picked.enter_unless_draining().unwrap_err();
        assert!(Arc::ptr_eq(&back, &t));
        assert_eq!(t.in_flight(), 0, "a refused request leaves no count behind");
        // Counted before the drain: it is let through and the drain waits for it.
        let u = Target::new(addr());
        let guard = Arc::clone(&u).enter_unless_draining().unwrap();
        assert!(!u.drain(Duration::from_millis(20)).await);
        drop(guard);
    }
}
