//! The health monitor: periodically probes every target of every route and
//! marks it healthy (status < 500) or, after a few failed probes in a row, unhealthy.

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
            if t.record_probe(healthy) {
                tracing::info!(target_addr = %t.addr(), healthy, "target health changed (TCP check)");
            }
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
        let changed = t.record_probe(healthy);
        match &result {
            Ok(s) if changed => tracing::info!(target_addr = %t.addr(), status = s.as_u16(), healthy, "target health changed"),
            Err(e) if changed => tracing::info!(target_addr = %t.addr(), error = %e, healthy, "target health changed"),
            Ok(s) if !healthy => tracing::debug!(target_addr = %t.addr(), status = s.as_u16(), "health probe failed"),
            Err(e) => tracing::debug!(target_addr = %t.addr(), error = %e, "health probe failed"),
            Ok(_) => {}
        }
    }))
    .await;
}
