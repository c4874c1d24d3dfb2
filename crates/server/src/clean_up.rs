//! The clean-up after a start, once serving: what a crash left behind is removed here rather
//! than before the ports open, because stopping a container can take the whole stop grace.
//! Taking over from an older Wharf (SIGUSR2), it first waits until that one is gone, and
//! restores the routes again to pick up the deploys it finished.

use std::sync::Arc;
use wharf_deploy::Deployer;
use wharf_services::Services;

use crate::takeover;

/// Start the database services (Docker restarts them after a reboot; this covers the rest),
/// then remove the containers no release needs, and follow the jobs still running.
pub async fn after_start(
    deployer: Arc<Deployer>,
    services: Arc<Services>,
    predecessor: Option<nix::unistd::Pid>,
) {
    if let Some(old) = predecessor {
        takeover::ask_to_stop(old);
        takeover::until_gone(old).await;
        tracing::info!(pid = old.as_raw(), "took over from the predecessor");
        if let Err(err) = deployer.restore_apps().await {
            tracing::error!(error = %err, "could not restore the apps");
        }
    }
    if let Err(err) = services.reconcile().await {
        tracing::error!(error = %format!("{err:#}"), "could not start the database services");
    }
    match deployer.remove_leftovers().await {
        Ok(removed) => tracing::info!(removed, "clean-up after start done"),
        Err(err) => tracing::error!(error = %err, "could not remove leftover containers"),
    }
    // In a cluster: jobs of detached runs that ran while this server was stopped go once they
    // end, as if it had not stopped.
    match deployer.running_jobs().await {
        Ok(jobs) => {
            for job in jobs {
                let deployer = deployer.clone();
                tokio::spawn(async move { deployer.remove_job_when_done(&job).await });
            }
        }
        Err(err) => tracing::error!(error = %err, "could not list the running jobs"),
    }
}
