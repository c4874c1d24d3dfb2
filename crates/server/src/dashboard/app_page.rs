//! An app's page: its releases (status, and why a failed one failed), its processes and
//! containers, its domains and the names of its config vars (never their values); for admins,
//! a restart. Read and changed through the API's handlers.

use super::State;
use super::error::PageError;
use super::layout::{Tone, badge, csrf_field, page as whole_page, when};
use super::session::Signed;
use crate::api;
use crate::api::params::AppPath;
use axum::Extension;
use axum::extract::{Path, Query, State as Reach};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use http_body_util::BodyExt;
use maud::{Markup, html};
use serde::Deserialize;
use wharf_api::{
    AppDomains, ConfigQuery, LifecycleRequest, ProcessStatus, ProgressEvent, Release, ReleaseStatus,
};

#[derive(Debug, Default, Deserialize)]
pub(super) struct PageQuery {
    /// Set after a change that went through: which one (a fixed word, never shown as given).
    #[serde(default)]
    done: Option<String>,
}

/// `GET /apps/{app}`.
pub(super) async fn page(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Markup, PageError> {
    let name = known_name(&app)?;
    let path = || AppPath(name.0.clone());
    let api = &state.api;
    let axum::Json(releases) = api::apps::releases(Reach(api.clone()), path()).await?;
    let axum::Json(domains) = api::domains::list(Reach(api.clone()), path()).await?;
    let axum::Json(vars) = api::config::show(
        Reach(api.clone()),
        path(),
        Query(ConfigQuery { reveal: false }),
    )
    .await?;
    let processes = api::processes::ps(Reach(api.clone()), path())
        .await
        .map(|axum::Json(list)| list)
        .map_err(|err| err.message);
    let now = wharf_store::unix_now();
    let notice = match query.done.as_deref() {
        Some("restart") => Some("Restarted: every process runs again."),
        _ => None,
    };
    Ok(whole_page(
        &app,
        Some(&signed),
        html! {
            nav.crumbs aria-label="Breadcrumb" { a href="/" { "Overview" } " / " span aria-current="page" { (app) } }
            h1 { (app) }
            @if let Some(notice) = notice { p.notice role="status" { (notice) } }
            @if signed.is_admin() {
                section.actions aria-label="Actions" {
                    form method="post" action={"/apps/" (app) "/restart"} {
                        (csrf_field(&signed))
                        button type="submit" { "Restart all processes" }
                    }
                }
            }
            section aria-labelledby="releases-heading" {
                h2 #releases-heading { "Releases" }
                (releases_table(&releases, now))
            }
            section aria-labelledby="processes-heading" {
                h2 #processes-heading { "Processes" }
                (processes_table(&processes))
            }
            section aria-labelledby="domains-heading" {
                h2 #domains-heading { "Domains" }
                (domains_list(&domains))
            }
            section aria-labelledby="config-heading" {
                h2 #config-heading { "Config vars" }
                @if vars.vars.is_empty() {
                    p.empty { "None set. " code { "wharf config set " (app) " NAME=VALUE" } " sets one." }
                } @else {
                    p.muted { "Names only: values stay on the server." }
                    ul.names #config-names { @for (name, _) in &vars.vars { li { code { (name) } } } }
                }
            }
        },
    ))
}

fn releases_table(releases: &[Release], now: i64) -> Markup {
    html! {
        @if releases.is_empty() {
            p.empty { "No release yet." }
        } @else {
            table.cards #releases {
                thead { tr { th scope="col" { "Release" } th scope="col" { "Status" } th scope="col" { "Made" } th scope="col" { "Source" } th scope="col" { "Image" } } }
                tbody {
                    @for release in releases {
                        tr {
                            th scope="row" data-label="Release" { "v" (release.version) }
                            td data-label="Status" {
                                (release_badge(release.status))
                                @if let Some(error) = &release.error {
                                    p.reason { (error) }
                                }
                            }
                            td data-label="Made" { (when(release.created_at, now)) }
                            td data-label="Source" {
                                @match &release.revision {
                                    Some(revision) => { code { (revision.get(..12).unwrap_or(revision)) } }
                                    None => { span.muted { "upload" } }
                                }
                            }
                            td data-label="Image" { code.wrap { (release.image) } }
                        }
                    }
                }
            }
        }
    }
}

fn release_badge(status: ReleaseStatus) -> Markup {
    match status {
        ReleaseStatus::Active => badge("active", Tone::Ok),
        ReleaseStatus::Deploying => badge("deploying", Tone::Busy),
        ReleaseStatus::Failed => badge("failed", Tone::Bad),
        ReleaseStatus::Superseded => badge("superseded", Tone::Idle),
    }
}

fn processes_table(processes: &Result<Vec<ProcessStatus>, String>) -> Markup {
    html! {
        @match processes {
            Err(message) => { p.error role="alert" { "The containers cannot be listed: " (message) } }
            Ok(list) if list.is_empty() => { p.empty { "No containers run." } }
            Ok(list) => {
                table.cards #processes {
                    thead { tr { th scope="col" { "Container" } th scope="col" { "Process" } th scope="col" { "Release" } th scope="col" { "State" } th scope="col" { "Health" } } }
                    tbody {
                        @for process in list {
                            tr {
                                th scope="row" data-label="Container" { code.wrap { (process.container) } }
                                td data-label="Process" {
                                    (process.process)
                                    @if !process.replica.is_empty() { "." (process.replica) }
                                    @if process.task { " " span.muted { "(task)" } }
                                }
                                td data-label="Release" { "v" (process.release) }
                                td data-label="State" {
                                    (badge(&process.state, if process.state == "running" { Tone::Ok } else { Tone::Idle }))
                                }
                                td data-label="Health" {
                                    @match process.healthy {
                                        Some(true) => { (badge("healthy", Tone::Ok)) }
                                        Some(false) => { (badge("unhealthy", Tone::Bad)) }
                                        None => { span.muted { "not checked" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn domains_list(domains: &AppDomains) -> Markup {
    html! {
        @if domains.dockerfile.is_empty() && domains.added.is_empty() {
            p.empty { "No domain." }
        } @else {
            ul.domains #domains {
                @for domain in &domains.dockerfile {
                    li { a href={"http://" (domain)} rel="noopener" { (domain) } " " span.muted { "from the Dockerfile" } }
                }
                @for domain in &domains.added {
                    li { a href={"http://" (domain)} rel="noopener" { (domain) } " " span.muted { "added by command" } }
                }
            }
        }
    }
}

/// `POST /apps/{app}/restart` (admins, with the CSRF token): the API's restart of every
/// process, waited for; then back to the app's page.
pub(super) async fn restart(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
) -> Result<Response, PageError> {
    let name = known_name(&app)?;
    tracing::info!(user = %signed.user.name, %app, "dashboard: restart");
    let answer = api::processes::restart(
        Reach(state.api.clone()),
        name,
        axum::Json(LifecycleRequest { process: None }),
    )
    .await?;
    let body = answer
        .into_body()
        .collect()
        .await
        .map_err(PageError::internal)?
        .to_bytes();
    let last = String::from_utf8_lossy(&body)
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str::<ProgressEvent>(line).ok());
    match last {
        Some(ProgressEvent::Done(_)) => {
            Ok(Redirect::to(&format!("/apps/{app}?done=restart")).into_response())
        }
        Some(ProgressEvent::Error(message)) => Err(PageError::new(
            StatusCode::BAD_REQUEST,
            format!("The restart of {app} failed: {message}"),
        )),
        _ => Err(PageError::internal("the restart ended without an outcome")),
    }
}

/// An app name in a path is checked before anything is looked up or linked with it.
fn known_name(app: &str) -> Result<AppPath, PageError> {
    wharf_domain::AppName::parse(app)
        .map(AppPath)
        .map_err(|err| PageError::new(StatusCode::NOT_FOUND, format!("No such app: {err}")))
}
