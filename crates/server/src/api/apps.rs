//! Listing, inspecting and destroying apps.

use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use wharf_store::ReleaseRecord;

#[derive(Serialize)]
pub struct AppView {
    name: String,
    domains: Vec<String>,
    urls: Vec<String>,
    release: Option<u32>,
    instances: usize,
    healthy: usize,
}

/// The server's version and the limits a client should know before uploading.
pub async fn status(State(state): State<ApiState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "max_upload_bytes": state.max_upload_bytes,
    }))
}

pub async fn list(State(state): State<ApiState>) -> Result<Json<Vec<AppView>>, ApiError> {
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
        views.push(AppView {
            urls: app
                .domains
                .iter()
                .map(|d| wharf_domain::url_of(d, "http"))
                .collect(),
            name: app.name,
            domains: app.domains,
            release,
            instances,
            healthy,
        });
    }
    Ok(Json(views))
}

pub async fn releases(
    State(state): State<ApiState>,
    Path(app): Path<String>,
) -> Result<Json<Vec<ReleaseRecord>>, ApiError> {
    let store = state.deployer.store();
    if store.app(&app)?.is_none() {
        return Err(wharf_deploy::DeployError::NoSuchApp(app).into());
    }
    let releases = store
        .releases(&app)?
        .into_iter()
        .map(|mut release| {
            release.config = masked_snapshot(&release.config);
            release
        })
        .collect();
    Ok(Json(releases))
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
) -> Result<Json<serde_json::Value>, ApiError> {
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
    Ok(Json(serde_json::json!({ "destroyed": app })))
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
) -> Result<Json<serde_json::Value>, ApiError> {
    let store = state.deployer.store();
    if store.app(&app)?.is_none() {
        return Err(wharf_deploy::DeployError::NoSuchApp(app).into());
    }
    let jobs = match store.active_release(&app)? {
        Some(release) => wharf_deploy::ReleaseSpec::from_json(&release.config)
            .map(|spec| spec.cron)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let runs = store.cron_runs(&app, 20)?;
    Ok(Json(serde_json::json!({ "jobs": jobs, "runs": runs })))
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
