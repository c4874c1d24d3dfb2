//! An app's domains: `GET /v1/apps/{app}/domains` lists them by where they come from (its
//! Dockerfile, or added by command); `POST` with `{"domain": "NAME"}` adds one and
//! `DELETE /v1/apps/{app}/domains/{domain}` removes one, both at once, without a new release.

use super::params::{AppDomainPath, AppPath, JsonBody};
use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::State;
use wharf_api::{AddDomainRequest, AppDomains};
use wharf_domain::DomainName;

pub async fn list(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
) -> Result<Json<AppDomains>, ApiError> {
    Ok(view(state.deployer.domains(&app)?))
}

pub async fn add(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    JsonBody(request): JsonBody<AddDomainRequest>,
) -> Result<Json<AppDomains>, ApiError> {
    Ok(view(
        state.deployer.add_domain(&app, &request.domain).await?,
    ))
}

pub async fn remove(
    State(state): State<ApiState>,
    AppDomainPath(app, domain): AppDomainPath,
) -> Result<Json<AppDomains>, ApiError> {
    // Its certificate goes too once nothing is served on the domain, under any path.
    let unshared = state.deployer.store().domains_only_of(&app)?;
    let domains = state.deployer.remove_domain(&app, &domain).await?;
    let still = state.deployer.store().domains_only_of(&app)?;
    let unused: Vec<DomainName> = unshared
        .into_iter()
        .filter(|d| !still.contains(d))
        .collect();
    super::apps::forget_certificates(&state, &unused);
    Ok(view(domains))
}

fn view(domains: wharf_deploy::AppDomains) -> Json<AppDomains> {
    Json(AppDomains {
        dockerfile: domains.dockerfile,
        added: domains.added,
    })
}
