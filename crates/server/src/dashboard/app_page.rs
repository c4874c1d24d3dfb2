//! An app's page: its releases (status, and why a failed one failed), its processes
//! (`processes`: scale, limits, stop/start/restart) and containers, its cron jobs and their runs
//! (`cron_jobs`), storage mounts (`storage`), domains (`domains`), config var names
//! (`config_vars`: values only revealed one at a time) and its newest changes (`activity`);
//! for admins, a rollback button on each release that can be rolled back to, a deploy by upload,
//! a link to its console (`console`) and a way to destroy the app (`destroy`). Read through the
//! API's handlers, changed through its routes (`through_api`).
use super::State;
use super::error::PageError;
use super::layout::{Tone, badge, page as whole_page, when};
use super::notice::{self, Done};
use super::session::Signed;
use crate::api;
use crate::api::params::AppPath;
use axum::Extension;
use axum::extract::{Path, Query, State as Reach};
use axum::http::StatusCode;
use maud::{Markup, html};
use wharf_api::{ConfigQuery, ProcessStatus, Release, ReleaseStatus};

/// `GET /apps/{app}`.
pub(super) async fn page(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Query(query): Query<Done>,
) -> Result<Markup, PageError> {
    let name = known_name(&app)?;
    let path = || AppPath(name.0.clone());
    let api = &state.api;
    let live = api.deployer.live().latest(&name.0);
    let releases = match api::apps::releases(Reach(api.clone()), path()).await {
        Ok(axum::Json(releases)) => releases,
        // A first deploy that failed left no app, but its output is worth reading.
        Err(err) if err.status == StatusCode::NOT_FOUND && live.is_some() => {
            return Ok(whole_page(
                &app,
                Some(&signed),
                html! {
                    nav.crumbs aria-label="Breadcrumb" { a href="/" { "Overview" } " / " span aria-current="page" { (app) } }
                    h1 { (app) }
                    p.muted { "The app has no release: its first deploy did not go live, so nothing of it is kept but this output." }
                    (super::live::deploy_section(&app, live.as_deref()))
                },
            ));
        }
        Err(err) => return Err(err.into()),
    };
    let axum::Json(domains) = api::domains::list(Reach(api.clone()), path()).await?;
    let axum::Json(vars) = api::config::show(
        Reach(api.clone()),
        path(),
        Query(ConfigQuery { reveal: false }),
    )
    .await?;
    let axum::Json(formation) = api::processes::formation(Reach(api.clone()), path()).await?;
    let processes = api::processes::ps(Reach(api.clone()), path())
        .await
        .map(|axum::Json(list)| list)
        .map_err(|err| err.message);
    let axum::Json(cron) = api::apps::cron(Reach(api.clone()), path()).await?;
    let axum::Json(storage) = api::storage::list(Reach(api.clone()), path()).await?;
    let services = api::services::list_unmeasured(Reach(api.clone()))
        .await
        .map(|axum::Json(list)| list)
        .map_err(|err| err.message);
    let activity = super::activity::of_app(&state, &name.0).await?;
    let now = wharf_store::unix_now();
    let notice = notice(&query);
    let admin = signed.is_admin();
    Ok(whole_page(
        &app,
        Some(&signed),
        html! {
            nav.crumbs aria-label="Breadcrumb" { a href="/" { "Overview" } " / " span aria-current="page" { (app) } }
            h1 { (app) }
            (notice::shown(notice.as_deref()))
            nav.app-links aria-label="This app" {
                a href={"/apps/" (app) "/logs"} { "Logs" }
                @if admin { a href=(super::console::link(&app)) { "Console" } }
            }
            (super::live::deploy_section(&app, live.as_deref()))
            @if admin {
                section.actions aria-label="Actions" {
                    @if let Some(active) = releases.iter().find(|r| r.status == ReleaseStatus::Active) {
                        (super::rollback::redeploy_form(&app, active.version, &signed))
                    }
                    details.deploy-new {
                        summary { "Deploy a new version from a file" }
                        (super::upload::form(Some(&app), &signed))
                    }
                    details.deploy-new.deploy-image {
                        summary { "Deploy a prebuilt image" }
                        (super::image_deploy::form(Some(&app), &signed))
                    }
                    p { a.danger-link href={"/apps/" (app) "/destroy"} { "Destroy this app…" } }
                }
            }
            section #releases-section aria-labelledby="releases-heading" data-refresh="10" {
                h2 #releases-heading { "Releases" }
                (releases_table(&app, &releases, now, admin))
            }
            section #processes-section aria-labelledby="processes-heading" data-refresh="10" {
                h2 #processes-heading { "Processes" }
                (super::processes::section(&app, &formation, &signed))
                h3 { "Containers" }
                (processes_table(&processes))
            }
            section aria-labelledby="domains-heading" {
                h2 #domains-heading { "Domains" }
                (super::domains::section(&app, &domains, &signed))
            }
            section aria-labelledby="config-heading" {
                h2 #config-heading { "Config vars" }
                (super::config_vars::section(&app, &vars, &signed))
            }
            section #cron-section aria-labelledby="cron-heading" data-refresh="10" {
                h2 #cron-heading { "Cron jobs" }
                (super::cron_jobs::section(&cron, now))
            }
            section aria-labelledby="storage-heading" {
                h2 #storage-heading { "Storage" }
                (super::storage::section(&app, &storage, &signed))
            }
            section aria-labelledby="databases-heading" {
                h2 #databases-heading { "Databases" }
                (super::database_links::app_section(&app, &services))
            }
            section #activity-section aria-labelledby="activity-heading" data-refresh="10" {
                h2 #activity-heading { "Activity" }
                (super::activity::section(&activity, now))
            }
        },
    ))
}

/// What the change that led here did, said from fixed words (the query is never shown).
fn notice(query: &Done) -> Option<String> {
    let serves = |what: &str| match query.release() {
        Some(version) => format!("{what}: release v{version} is active and serves."),
        None => format!("{what}."),
    };
    Some(match query.word()? {
        "restart" => "Restarted: every process runs again.".to_string(),
        "restarted" => "Restarted: the process runs again.".to_string(),
        "stopped" => "Stopped: its containers are stopped until started again.".to_string(),
        "started" => "Started: its containers run again.".to_string(),
        "scaled" => serves("Scaled"),
        "limits" => serves("Limits set"),
        "deploying" => match query.release() {
            Some(version) => format!("Deploying release v{version}: its output follows below."),
            None => "Deploying: its output follows below.".to_string(),
        },
        "config-set" => serves("Config var set"),
        "config-unset" => serves("Config var unset"),
        "config-saved" => {
            "Config saved: nothing was deployed (unchanged, or the app has no release yet)."
                .to_string()
        }
        "mounted" => "Storage mounted: the app was deployed again with it.".to_string(),
        "unmounted" => "Storage unmounted: the app was deployed again without it.".to_string(),
        "domain-added" => "Domain added: it is routed to the app now.".to_string(),
        "domain-removed" => "Domain removed: it is no longer routed to the app.".to_string(),
        _ => return None,
    })
}

fn releases_table(app: &str, releases: &[Release], now: i64, admin: bool) -> Markup {
    html! {
        @if releases.is_empty() {
            p.empty { "No release yet." }
        } @else {
            table.cards #releases {
                thead { tr { th scope="col" { "Release" } th scope="col" { "Status" } th scope="col" { "Made" } th scope="col" { "Source" } th scope="col" { "Image" } @if admin { th scope="col" { span.visually-hidden { "Actions" } } } } }
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
                            td data-label="Source" { (source_of(release)) }
                            td data-label="Image" {
                                code.wrap { (release.image) }
                                @if !release.vars_set.is_empty() || !release.vars_unset.is_empty() {
                                    p.changes {
                                        @if !release.vars_set.is_empty() { "set " @for (i, name) in release.vars_set.iter().enumerate() { @if i > 0 { ", " } code { (name) } } }
                                        @if !release.vars_set.is_empty() && !release.vars_unset.is_empty() { "; " }
                                        @if !release.vars_unset.is_empty() { "unset " @for (i, name) in release.vars_unset.iter().enumerate() { @if i > 0 { ", " } code { (name) } } }
                                    }
                                }
                            }
                            @if admin {
                                td.row-actions {
                                    @if super::rollback::can_roll_back_to(release) {
                                        a.button href=(super::rollback::confirm_link(app, release.version)) { "Roll back to v" (release.version) }
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

/// What a release's image was made from: the prebuilt image it was deployed from, else the
/// commit it was built from (or an upload), with the builder that wrote its Dockerfile.
pub(super) fn source_of(release: &Release) -> Markup {
    html! {
        @if let Some(image) = &release.source_image {
            span.muted { "image " } code.wrap { (image) }
        } @else {
            @match &release.revision {
                Some(revision) => { code { (revision.get(..12).unwrap_or(revision)) } }
                None => { span.muted { "upload" } }
            }
            @if let Some(builder) = release.builder.as_deref().filter(|b| *b != "dockerfile") {
                span.muted { " (" (builder) " builder)" }
            }
        }
    }
}

/// An app name in a path is checked before anything is looked up or linked with it.
pub(super) fn known_name(app: &str) -> Result<AppPath, PageError> {
    wharf_domain::AppName::parse(app)
        .map(AppPath)
        .map_err(|err| PageError::new(StatusCode::NOT_FOUND, format!("No such app: {err}")))
}
