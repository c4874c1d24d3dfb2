//! The health monitor: periodically probes every target of every route and
//! marks it healthy (status < 500) or unhealthy.

use std::collections::HashSet;
use std::sync::Arc;

use futures_util::future::join_all;
use tokio_util::sync::CancellationToken;

use crate::config::ProxyConfig;
use crate::probe::probe;
use crate::route::Route;
use crate::router::Router;
use crate::target::Target;

/// Lower bound on the probe period, so a zero interval cannot spin.
const MIN_INTERVAL: std::time::Duration = std::time::Duration::from_millis(10);

/// Every `config.health_interval`, probe all targets in `router` (each at its
/// route's health path) until `shutdown` is cancelled.
pub async fn monitor_health(router: Arc<Router>, config: ProxyConfig, shutdown: CancellationToken) {
    // `interval` rejects a zero period; treat it as "as often as sensible".
    let period = config.health_interval.max(MIN_INTERVAL);
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticker.tick() => {}
        }
        let round = check_all(&router, &config);
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = round => {}
        }
    }
}

/// Probe every non-draining target once, concurrently.
async fn check_all(router: &Router, config: &ProxyConfig) {
    let mut seen = HashSet::new();
    let mut jobs: Vec<(Arc<Target>, Arc<Route>)> = Vec::new();
    for route in router.routes() {
        for t in route.targets() {
            if !t.is_draining() && seen.insert(t.addr()) {
                jobs.push((Arc::clone(t), Arc::clone(&route)));
            }
        }
    }
    join_all(jobs.into_iter().map(|(t, route)| async move {
        if route.tcp_check() {
            let connected = tokio::time::timeout(
                config.health_timeout,
                tokio::net::TcpStream::connect(t.addr()),
            )
            .await;
            let healthy = matches!(connected, Ok(Ok(_)));
            if healthy != t.is_healthy() && !t.is_draining() {
                tracing::info!(target_addr = %t.addr(), healthy, "target health changed (TCP check)");
            }
            t.set_healthy(healthy);
            return;
        }
        let result = probe(
            t.addr(),
            route.health_path(),
            route.health_host(),
            config.health_timeout,
        )
        .await;
        let healthy = matches!(&result, Ok(s) if s.as_u16() < 500);
        if healthy != t.is_healthy() && !t.is_draining() {
            match &result {
                Ok(s) => tracing::info!(target_addr = %t.addr(), status = s.as_u16(), healthy, "target health changed"),
                Err(e) => tracing::info!(target_addr = %t.addr(), error = %e, healthy, "target health changed"),
            }
        }
        t.set_healthy(healthy);
    }))
    .await;
}
