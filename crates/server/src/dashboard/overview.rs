//! The overview: every app with its state, the release that serves and since when, healthy
//! instances of those wanted and its domains; every database service; the server itself.
//! Its sections refresh themselves every ten seconds (`live.js`, `data-refresh`).
//! Read through the API's handlers, in `wharf_api`'s types.

use super::State;
use super::error::PageError;
use super::layout::{Tone, badge, bytes, page as whole_page, when};
use super::notice::{self, Done};
use super::session::Signed;
use crate::api;
use axum::Extension;
use axum::extract::State as Reach;
use maud::{Markup, html};
use wharf_api::{AppSummary, DiskSpace, ReleaseStatus, ServerStatus, Service};

/// An app's state on the overview, from its releases, instances and stopped processes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AppState {
    pub label: &'static str,
    pub tone: Tone,
}

/// `releases` newest first, as the API lists them.
pub(super) fn app_state(summary: &AppSummary) -> AppState {
    let state = |label, tone| AppState { label, tone };
    let newest = summary.newest;
    if newest == Some(ReleaseStatus::Deploying) {
        return state("deploying", Tone::Busy);
    }
    if summary.release.is_none() {
        return match newest {
            Some(ReleaseStatus::Failed) => state("failed", Tone::Bad),
            _ => state("not deployed", Tone::Idle),
        };
    }
    if summary.stopped {
        return state("stopped", Tone::Idle);
    }
    if summary.instances > 0 && summary.healthy < summary.instances {
        return state("crashed", Tone::Bad);
    }
    if newest == Some(ReleaseStatus::Failed) {
        return state("last deploy failed", Tone::Bad);
    }
    state("running", Tone::Ok)
}

struct AppRow {
    summary: AppSummary,
    state: AppState,
}

/// `GET /`.
pub(super) async fn page_handler(
    state: &State,
    signed: &Signed,
    notice: Option<&str>,
) -> Result<Markup, PageError> {
    let api = &state.api;
    let now = wharf_store::unix_now();
    let axum::Json(apps) = api::apps::list(Reach(api.clone())).await?;
    // The list says each app's state: no read per app here.
    let rows: Vec<AppRow> = apps
        .into_iter()
        .map(|summary| AppRow {
            state: app_state(&summary),
            summary,
        })
        .collect();
    let services = api::services::list_unmeasured(Reach(api.clone()))
        .await
        .map(|axum::Json(list)| list)
        .map_err(|err| err.message);
    let axum::Json(status) = api::apps::status(Reach(api.clone())).await;
    let axum::Json(certs) = api::certs::list(Reach(api.clone())).await;
    let acme = api::acme::status(Reach(api.clone()))
        .await
        .map(|axum::Json(status)| status.domains)
        .unwrap_or_default();
    let https = Https {
        certs: certs.certs,
        acme,
    };
    Ok(whole_page(
        "Overview",
        Some(signed),
        html! {
            h1 { "Overview" }
            (notice::shown(notice))
            section #apps-section aria-labelledby="apps-heading" data-refresh="10" {
                h2 #apps-heading { "Apps" }
                (apps_table(&rows, &https, now))
                @if signed.is_admin() {
                    details.deploy-new {
                        summary { "Deploy an app from a file" }
                        (super::upload::form(None, signed))
                    }
                    details.deploy-new.deploy-image {
                        summary { "Deploy an app from a prebuilt image" }
                        (super::image_deploy::form(None, signed))
                    }
                }
            }
            section #services-section aria-labelledby="services-heading" data-refresh="10" {
                h2 #services-heading { "Databases" }
                (services_table(&services, now))
            }
            section #server-section aria-labelledby="server-heading" data-refresh="10" {
                h2 #server-heading { "Server" }
                (server_facts(&status))
            }
        },
    ))
}

pub(super) async fn page(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    axum::extract::Query(query): axum::extract::Query<Done>,
) -> Result<Markup, PageError> {
    let notice = query.said(&[(
        "destroyed",
        "App destroyed: its containers, releases and domains are gone.",
    )]);
    page_handler(&state, &signed, notice).await
}

/// Wharf, Docker and the machine.
fn server_facts(status: &ServerStatus) -> Markup {
    let host = status.host.clone().unwrap_or_default();
    let disk = |space: &Option<DiskSpace>| match space {
        Some(space) => {
            html! { (bytes(space.free)) " free of " (bytes(space.total)) " " span.muted { "(" code { (space.path) } ")" } }
        }
        None => html! { "unknown" },
    };
    html! {
        dl.facts #server {
            dt { "Wharf" } dd { (status.version) }
            dt { "Docker" } dd {
                @match &status.docker_version { Some(version) => { (version) } None => { span.warn { "not answering" } } }
            }
            dt { "CPUs" } dd {
                (host.cpus)
                @if let Some(load) = &host.load_average { ", load " (load) }
            }
            dt { "Memory" } dd {
                @match (host.memory_available, host.memory_total) {
                    (Some(free), Some(total)) => { (bytes(free)) " available of " (bytes(total)) }
                    _ => { "unknown" }
                }
            }
            dt { "Wharf's data" } dd { (disk(&host.data_disk)) }
            dt { "Docker's data" } dd { (disk(&host.docker_disk)) }
        }
    }
}

/// What the overview knows of HTTPS: the certificates served, and ACME's state by domain.
pub(super) struct Https {
    certs: Vec<wharf_api::Certificate>,
    acme: Vec<wharf_api::AcmeDomain>,
}

/// Under this many days left, a certificate's expiry is shown as a warning.
const EXPIRY_WARNING_DAYS: i64 = 14;

/// A domain's HTTPS state as a badge: the certificate that serves it (exact, else a wildcard
/// of its parent) and its days left, or none; and ACME's last error for it, if any.
fn https_state(domain: &str, https: &Https, now: i64) -> Markup {
    let wildcard = domain
        .split_once('.')
        .map(|(_, parent)| format!("*.{parent}"));
    let cert = https
        .certs
        .iter()
        .find(|c| c.domain.as_str() == domain)
        .or_else(|| {
            wildcard
                .as_deref()
                .and_then(|w| https.certs.iter().find(|c| c.domain.as_str() == w))
        });
    let error = https
        .acme
        .iter()
        .find(|a| a.domain.as_str() == domain)
        .and_then(|a| a.last_error.as_deref());
    let days = cert.map(|c| (c.not_after - now).div_euclid(86_400));
    html! {
        @match days {
            Some(days) if days < 0 => { (badge("certificate expired", Tone::Bad)) }
            Some(days) if days < EXPIRY_WARNING_DAYS => { (badge(&format!("HTTPS · {days} days left"), Tone::Bad)) }
            Some(days) => { (badge(&format!("HTTPS · {days} days"), Tone::Ok)) }
            None => { (badge("no certificate", Tone::Idle)) }
        }
        @if let Some(error) = error {
            " " span.badge.bad title=(error) { "ACME error" }
            p.reason { (error) }
        }
    }
}

fn apps_table(rows: &[AppRow], https: &Https, now: i64) -> Markup {
    html! {
        @if rows.is_empty() {
            p.empty { "No apps yet. Deploy one with " code { "wharf deploy DIR" } " or " code { "git push" } "." }
        } @else {
            table.cards #apps {
                thead { tr { th scope="col" { "App" } th scope="col" { "State" } th scope="col" { "Release" } th scope="col" { "Instances" } th scope="col" { "Domains" } } }
                tbody {
                    @for row in rows {
                        tr {
                            th scope="row" data-label="App" { a href={"/apps/" (row.summary.name)} { (row.summary.name) } }
                            td data-label="State" { (badge(row.state.label, row.state.tone)) }
                            td data-label="Release" {
                                @match (row.summary.release, row.summary.released_at) {
                                    (Some(version), Some(at)) => { "v" (version) " · " (when(at, now)) }
                                    (Some(version), None) => { "v" (version) }
                                    (None, _) => { "none" }
                                }
                            }
                            td data-label="Instances" {
                                span title="healthy of wanted" { (row.summary.healthy) "/" (row.summary.instances) " healthy" }
                            }
                            td data-label="Domains" {
                                @if row.summary.urls.is_empty() { span.muted { "none" } }
                                ul.inline {
                                    @for (domain, url) in row.summary.domains.iter().zip(&row.summary.urls) {
                                        li {
                                            a href=(url) rel="noopener" { (domain) }
                                            " " (https_state(domain.domain().as_str(), https, now))
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
}

fn services_table(services: &Result<Vec<Service>, String>, now: i64) -> Markup {
    html! {
        @match services {
            Err(message) => { p.error role="alert" { "The databases cannot be listed: " (message) } }
            Ok(list) if list.is_empty() => {
                p.empty { "No databases. Create one with " code { "wharf services create postgres NAME" } "." }
            }
            Ok(list) => {
                table.cards #services {
                    thead { tr { th scope="col" { "Database" } th scope="col" { "Kind" } th scope="col" { "State" } th scope="col" { "Linked apps" } th scope="col" { "Last backup" } } }
                    tbody {
                        @for service in list {
                            tr {
                                th scope="row" data-label="Database" { a href=(super::databases::page_link(&service.name)) { (service.name) } }
                                td data-label="Kind" { (service.kind) " " (service.version) }
                                td data-label="State" {
                                    (badge(&service.state, if service.state == "running" { Tone::Ok } else { Tone::Bad }))
                                }
                                td data-label="Linked apps" {
                                    @if service.linked_apps.is_empty() { span.muted { "none" } }
                                    ul.inline { @for app in &service.linked_apps { li { a href={"/apps/" (app)} { (app) } } } }
                                }
                                td data-label="Last backup" {
                                    @match &service.last_backup {
                                        Some(backup) => {
                                            (when(backup.started_at, now))
                                            @if let Some(error) = &backup.error { " " (badge("failed", Tone::Bad)) " " span.muted { (error) } }
                                        }
                                        None => { span.muted { "never" } }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(
        release: Option<u32>,
        newest: Option<ReleaseStatus>,
        stopped: bool,
        (instances, healthy): (u32, u32),
    ) -> AppSummary {
        AppSummary {
            name: "blog".parse().unwrap(),
            domains: vec![],
            urls: vec![],
            release,
            released_at: release.map(|_| 0),
            newest,
            stopped,
            instances,
            healthy,
        }
    }

    #[test]
    fn an_apps_state_comes_from_its_releases_and_instances() {
        use ReleaseStatus::*;
        let label = |release, newest, stopped, instances| {
            app_state(&summary(release, newest, stopped, instances)).label
        };
        assert_eq!(label(Some(1), Some(Active), false, (1, 1)), "running");
        assert_eq!(label(Some(1), Some(Active), false, (2, 1)), "crashed");
        assert_eq!(label(Some(1), Some(Active), true, (0, 0)), "stopped");
        assert_eq!(label(Some(1), Some(Deploying), false, (1, 1)), "deploying");
        assert_eq!(
            label(Some(1), Some(Failed), false, (1, 1)),
            "last deploy failed"
        );
        assert_eq!(label(None, Some(Failed), false, (0, 0)), "failed");
        assert_eq!(label(None, None, false, (0, 0)), "not deployed");
    }
}
