//! Listing, inspecting and destroying apps.

use super::params::AppPath;
use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::State;
use wharf_api::{AppDestroyed, AppSummary, CronJob, CronJobs, CronRun, Release, ServerStatus};
use wharf_domain::{CertDomain, DomainName, ReleaseSpec};
use wharf_store::{ReleaseRecord, ReleaseStatus};

/// How old the engine's version and data directory may be when shown: they change only with
/// an upgrade of the engine, and asking for them costs a round trip in which the engine
/// counts everything it holds, on every refresh of every open overview.
const ENGINE_FACTS_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// The server's version and the limits a client should know before uploading.
pub async fn status(State(state): State<ApiState>) -> Json<ServerStatus> {
    let engine = state
        .deployer
        .docker()
        .recent_facts(ENGINE_FACTS_AGE)
        .await
        .inspect_err(|err| tracing::debug!(error = %err, "the engine's version is unknown"))
        .ok();
    let docker_dir = engine.as_ref().and_then(|e| e.root_dir.clone());
    Json(ServerStatus {
        version: env!("CARGO_PKG_VERSION").to_string(),
        max_upload_bytes: state.max_upload_bytes,
        docker_version: engine.and_then(|e| e.version),
        host: Some(crate::host::facts(
            &state.git.data_dir,
            docker_dir.as_deref(),
        )),
    })
}

pub async fn list(State(state): State<ApiState>) -> Result<Json<Vec<AppSummary>>, ApiError> {
    // One read of the store for every app (its releases and stopped processes included).
    let listing = state.deployer.store().app_listing()?;
    let instances = state.deployer.instances();
    let views = listing
        .into_iter()
        .map(|listed| {
            let app = listed.app;
            let (instances, healthy) = instances
                .get(&app.name)
                .map(|(_, list)| {
                    let healthy = list.iter().filter(|i| i.target.is_healthy()).count();
                    (list.len(), healthy)
                })
                .unwrap_or((0, 0));
            AppSummary {
                urls: app.domains.iter().map(|d| d.url("http")).collect(),
                name: app.name,
                domains: app.domains,
                release: listed.active.map(|(version, _)| version.get()),
                released_at: listed.active.map(|(_, at)| at),
                newest: listed.newest.map(release_status),
                stopped: listed.stopped,
                instances: count(instances),
                healthy: count(healthy),
            }
        })
        .collect();
    Ok(Json(views))
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub async fn releases(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
) -> Result<Json<Vec<Release>>, ApiError> {
    let store = state.deployer.store();
    if store.app(&app)?.is_none() {
        return Err(wharf_deploy::DeployError::NoSuchApp(app.to_string()).into());
    }
    let records = store.releases(&app)?;
    // What each release changed in the vars, against the release numbered before it.
    let mut by_version: Vec<&ReleaseRecord> = records.iter().collect();
    by_version.sort_by_key(|r| r.version);
    let empty = wharf_domain::EnvVars::new();
    let changes: std::collections::HashMap<u32, (Vec<String>, Vec<String>)> = by_version
        .iter()
        .enumerate()
        .map(|(i, release)| {
            let earlier = i
                .checked_sub(1)
                .map_or(&empty, |j| &by_version[j].spec.vars);
            (
                release.version.get(),
                release.spec.vars.changed_since(earlier),
            )
        })
        .collect();
    let releases = records
        .into_iter()
        .map(|release| {
            let (set, unset) = changes
                .get(&release.version.get())
                .cloned()
                .unwrap_or_default();
            Release {
                vars_set: set,
                vars_unset: unset,
                ..release_view(release)
            }
        })
        .collect();
    Ok(Json(releases))
}

/// A stored release as the API shows it: its snapshot's values masked, its revision read out.
fn release_view(release: ReleaseRecord) -> Release {
    Release {
        id: release.id,
        app: release.app.to_string(),
        version: release.version.get(),
        image: release.image,
        config: masked_snapshot(&release.spec),
        revision: release.spec.revision.clone(),
        builder: release.spec.builder.map(|b| b.to_string()),
        source_image: release.spec.image.as_ref().map(|i| i.to_string()),
        status: release_status(release.status),
        error: release.error,
        created_at: release.created_at,
        vars_set: Vec::new(),
        vars_unset: Vec::new(),
    }
}

/// A release's config snapshot as JSON with its config vars' values masked: they are secrets,
/// shown only by `config show --reveal`, which read-only tokens may not ask for.
fn masked_snapshot(spec: &ReleaseSpec) -> String {
    let masked = ReleaseSpec {
        vars: spec.vars.map_values(super::config::mask),
        ..spec.clone()
    };
    masked.to_json().unwrap_or_default()
}

pub async fn destroy(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
) -> Result<Json<AppDestroyed>, ApiError> {
    let deployer = state.deployer.clone();
    let name = app.clone();
    // Only the domains no other app is served on (under another path) lose their certificate.
    let domains = state.deployer.store().domains_only_of(&app)?;
    // Run inside the tracker so a shutdown waits for the destroy to finish.
    state
        .tasks
        .spawn(async move { deployer.destroy(&name).await })
        .await
        .map_err(ApiError::internal)??;
    forget_certificates(&state, &domains);
    // Its pushed code goes too, so a new app of the same name starts from an empty repository.
    let repo = wharf_git::repo_path(&state.git.data_dir, &app);
    if let Err(err) = tokio::fs::remove_dir_all(&repo).await
        && err.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(app = %app, error = %err, "removing the app's repository");
    }
    Ok(Json(AppDestroyed {
        destroyed: app.to_string(),
    }))
}

/// Domains no app routes any more (a destroyed app's, or one removed by `wharf domains
/// remove`) are no longer served over HTTPS: their certificates (issued or uploaded for exactly
/// that name; a wildcard may cover other apps and stays) stop being served and are deleted, and
/// their ACME state goes, so nothing renews them. Failures are logged: the change is done either
/// way.
pub(super) fn forget_certificates(state: &ApiState, domains: &[DomainName]) {
    for domain in domains {
        if let Err(err) = state.certs.remove(&CertDomain::from(domain.clone())) {
            tracing::warn!(%domain, error = %err, "removing the certificate of a domain no app routes");
        }
        if let Err(err) = state.deployer.store().remove_acme_state(domain) {
            tracing::warn!(%domain, error = %err, "removing the ACME state of a domain no app routes");
        }
    }
}

/// `GET /v1/apps/{app}/cron`: the active release's cron jobs and the newest runs.
pub async fn cron(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
) -> Result<Json<CronJobs>, ApiError> {
    let store = state.deployer.store();
    if store.app(&app)?.is_none() {
        return Err(wharf_deploy::DeployError::NoSuchApp(app.to_string()).into());
    }
    let jobs = match store.active_release(&app)? {
        Some(release) => release
            .spec
            .cron
            .into_iter()
            .map(|job| CronJob {
                command: job.command,
                schedule: job.schedule,
            })
            .collect(),
        None => Vec::new(),
    };
    let runs = store
        .cron_runs(&app, 20)?
        .into_iter()
        .map(|run| CronRun {
            id: run.id,
            app: run.app.to_string(),
            command: run.command,
            started_at: run.started_at,
            finished_at: run.finished_at,
            exit_code: run.exit_code,
            log: run.log,
        })
        .collect();
    Ok(Json(CronJobs { jobs, runs }))
}

/// A release's status as the API writes it.
fn release_status(status: ReleaseStatus) -> wharf_api::ReleaseStatus {
    match status {
        ReleaseStatus::Deploying => wharf_api::ReleaseStatus::Deploying,
        ReleaseStatus::Active => wharf_api::ReleaseStatus::Active,
        ReleaseStatus::Superseded => wharf_api::ReleaseStatus::Superseded,
        ReleaseStatus::Failed => wharf_api::ReleaseStatus::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_snapshots_leave_out_config_values() {
        let mut spec = ReleaseSpec::new(
            wharf_domain::AppConfig::default(),
            None,
            None,
            wharf_domain::EnvVars::from_pairs([("SECRET", "hunter2"), ("EMPTY", "")]).unwrap(),
        );
        spec.revision = Some("abc123".to_string());
        let shown: serde_json::Value = serde_json::from_str(&masked_snapshot(&spec)).unwrap();
        assert_eq!(shown["vars"][1], serde_json::json!(["SECRET", "********"]));
        assert_eq!(shown["vars"][0], serde_json::json!(["EMPTY", ""]));
        assert_eq!(shown["revision"], "abc123");
    }
}
