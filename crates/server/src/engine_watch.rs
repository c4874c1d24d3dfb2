//! Surviving a restart of the Docker engine (an upgrade of Docker restarts it, and the engine
//! stops every container when it stops). The watch follows the engine's event stream; when
//! the stream ends, the engine is gone: the proxy keeps serving whatever still answers and
//! API calls that need the engine fail with "the Docker engine is not reachable". Once the
//! engine answers again, every database service and app is brought back as at start-up, with
//! routes rebuilt from fresh inspects (containers' addresses may have changed).

use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use wharf_deploy::Deployer;
use wharf_runtime::Docker;
use wharf_services::Services;

/// How often an engine that went away is asked whether it is back.
const RECHECK: Duration = Duration::from_secs(1);

/// An event stream that ends sooner than this after it opened, while the engine still
/// answers, is taken for a glitch rather than a restart.
const SHORT_LIVED: Duration = Duration::from_secs(2);

/// Pause after such a glitch before following the events again.
const GLITCH_BACKOFF: Duration = Duration::from_secs(5);

/// Watch the engine until `shutdown`, bringing everything back each time it returns.
pub async fn watch(
    docker: Docker,
    deployer: Arc<Deployer>,
    services: Arc<Services>,
    shutdown: CancellationToken,
) {
    loop {
        let opened = Instant::now();
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = docker.wait_until_gone() => {}
        }
        let mut was_down = false;
        while let Err(err) = docker.ping().await {
            if !was_down {
                tracing::warn!(error = %err, "the Docker engine went away; serving what still answers until it is back");
                was_down = true;
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(RECHECK) => {}
            }
        }
        if !was_down && opened.elapsed() < SHORT_LIVED {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(GLITCH_BACKOFF) => {}
            }
            continue;
        }
        tracing::info!("the Docker engine is back; bringing the database services and apps back");
        bring_back(&deployer, &services).await;
    }
}

/// Start the database services first (apps connect to them), then restore every app.
async fn bring_back(deployer: &Deployer, services: &Services) {
    if let Err(err) = services.reconcile().await {
        tracing::error!(error = %err, "could not bring the database services back");
    }
    match deployer.restore_apps().await {
        Ok(report) => tracing::info!(
            apps = report.apps_routed,
            failed = report.apps_failed,
            started = report.containers_started,
            "apps restored after the engine's return"
        ),
        Err(err) => tracing::error!(error = %err, "could not restore the apps"),
    }
}
