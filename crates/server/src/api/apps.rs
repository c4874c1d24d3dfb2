//! Listing, inspecting and destroying apps.

use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::{Path, State};
use wharf_api::{AppDestroyed, AppSummary, CronJob, CronJobs, CronRun, Release, ServerStatus};
use wharf_store::{ReleaseRecord, ReleaseStatus};

/// The server's version and the limits a client should know before uploading.
pub async fn status(State(state): State<ApiState>) -> Json<ServerStatus> {
    Json(ServerStatus {
        version: env!("CARGO_PKG_VERSION").to_string(),
        max_upload_bytes: state.max_upload_bytes,
    })
}

pub async fn list(State(state): State<ApiState>) -> Result<Json<Vec<AppSummary>>, ApiError> {
    let store = state.deployer.store();
    let mut views = Vec::new();
    for app in store.apps()? {
        let release = store.active_release(&app.name)?.map(|r| r.version);
        let (instances, healthy) = state
            .deployer
            .instances()
            .get(&app.name)
            .map(|(_, list)| {
                let healthy = list.iter().filter(|i| i.target.is_healthy()).count();
                (list.len(), healthy)
            })
            .unwrap_or((0, 0));
        views.push(AppSummary {
            urls: app
                .domains
                .iter()
                .map(|d| wharf_domain::url_of(d, "http"))
                .collect(),
            name: app.name,
            domains: app.domains,
            release,
            instances: count(instances),
            healthy: count(healthy),
        });
    }
    Ok(Json(views))
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub async fn releases(
    State(state): State<ApiState>,
    Path(app): Path<String>,
) -> Result<Json<Vec<Release>>, ApiError> {
    let store = state.deployer.store();
    if store.app(&app)?.is_none() {
        return Err(wharf_deploy::DeployError::NoSuchApp(app).into());
    }
    let releases = store
        .releases(&app)?
        .into_iter()
        .map(release_view)
        .collect();
    Ok(Json(releases))
}

/// A stored release as the API shows it: its snapshot's values masked, its revision read out.
fn release_view(release: ReleaseRecord) -> Release {
    let revision = match wharf_deploy::ReleaseSpec::from_json(&release.config) {
        Ok(spec) => spec.revision,
        Err(err) => {
            tracing::warn!(app = %release.app, version = release.version, error = %err, "a release's snapshot does not decode");
            None
        }
    };
    Release {
        id: release.id,
        app: release.app,
        version: release.version,
        image: release.image,
        config: masked_snapshot(&release.config),
        revision,
        status: match release.status {
            ReleaseStatus::Deploying => wharf_api::ReleaseStatus::Deploying,
            ReleaseStatus::Active => wharf_api::ReleaseStatus::Active,
            ReleaseStatus::Superseded => wharf_api::ReleaseStatus::Superseded,
            ReleaseStatus::Failed => wharf_api::ReleaseStatus::Failed,
        },
        error: release.error,
        created_at: release.created_at,
    }
}

/// A release's config snapshot with its config vars' values masked: they are secrets, shown
/// only by `config show --reveal`, which read-only tokens may not ask for.
fn masked_snapshot(config: &str) -> String {
    let Ok(mut snapshot) = serde_json::from_str::<serde_json::Value>(config) else {
        return String::new();
    };
    if let Some(vars) = snapshot.get_mut("vars").and_then(|v| v.as_array_mut()) {
        for pair in vars.iter_mut() {
            if let Some(value) = pair.get_mut(1)
                && let Some(text) = value.as_str()
            {
                *value = serde_json::Value::String(super::config::mask(text));
            }
        }
    }
    snapshot.to_string()
}

pub async fn destroy(
    State(state): State<ApiState>,
    Path(app): Path<String>,
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
    if let Ok(name) = wharf_domain::AppName::parse(&app) {
        let repo = wharf_git::repo_path(&state.git.data_dir, &name);
        if let Err(err) = tokio::fs::remove_dir_all(&repo).await
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(app = %app, error = %err, "removing the app's repository");
        }
    }
    Ok(Json(AppDestroyed { destroyed: app }))
}

/// A destroyed app's domains that no other app uses are no longer served over HTTPS: their
/// certificates (issued or uploaded for exactly that name; a wildcard may cover other apps and
/// stays) stop being served and are deleted, and their ACME state goes, so nothing renews them.
/// Failures are logged: the app is gone either way.
fn forget_certificates(state: &ApiState, domains: &[String]) {
    for domain in domains {
        if let Err(err) = state.certs.remove(domain) {
            tracing::warn!(%domain, error = %err, "removing the certificate of a destroyed app");
        }
        if let Err(err) = state.deployer.store().remove_acme_state(domain) {
            tracing::warn!(%domain, error = %err, "removing the ACME state of a destroyed app");
        }
    }
}

/// `GET /v1/apps/{app}/cron`: the active release's cron jobs and the newest runs.
pub async fn cron(
    State(state): State<ApiState>,
    Path(app): Path<String>,
) -> Result<Json<CronJobs>, ApiError> {
    let store = state.deployer.store();
    if store.app(&app)?.is_none() {
        return Err(wharf_deploy::DeployError::NoSuchApp(app).into());
    }
    let jobs = match store.active_release(&app)? {
        Some(release) => wharf_deploy::ReleaseSpec::from_json(&release.config)
            .map(|spec| spec.cron)
            .unwrap_or_default()
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
            app: run.app,
            command: run.command,
            started_at: run.started_at,
            finished_at: run.finished_at,
            exit_code: run.exit_code,
            log: run.log,
        })
        .collect();
    Ok(Json(CronJobs { jobs, runs }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_snapshots_leave_out_config_values() {
        let stored = r#"{"vars":[["SECRET","hunter2"],["EMPTY",""]],"revision":"abc123"}"#;
        let shown: serde_json::Value = serde_json::from_str(&masked_snapshot(stored)).unwrap();
        assert_eq!(shown["vars"][0], serde_json::json!(["SECRET", "********"]));
        assert_eq!(shown["vars"][1], serde_json::json!(["EMPTY", ""]));
        assert_eq!(shown["revision"], "abc123");
        assert_eq!(masked_snapshot("not json"), "");
    }
}
