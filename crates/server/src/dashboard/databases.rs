//! The databases page (`/databases`): every database service with its kind and version, state,
//! size, linked apps, newest backup (when, and whether it was verified) and backup schedule;
//! for admins a form creating one (the API's `POST /v1/services`, through its routes). Each
//! database's own page is `database_page`. Also what the database pages share: the service
//! name in a path, parsed where it enters, and the state badge.

use super::State;
use super::error::PageError;
use super::layout::{Tone, badge, bytes, csrf_field, page as whole_page, when};
use super::notice::{self, Done};
use super::session::Signed;
use super::through_api::{self, Sent};
use crate::api;
use crate::api::params::ServicePath;
use axum::extract::{Query, State as Reach};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;
use wharf_api::{Backup, CreateServiceRequest, Service, paths};
use wharf_domain::{ServiceKind, ServiceName};

/// The list, and where the create form posts.
pub(super) const PATH: &str = "/databases";

/// The page of the database `name`.
pub(super) fn page_link(name: &str) -> String {
    format!("{PATH}/{name}")
}

/// A service name in a path is checked before anything is looked up with it.
pub(super) fn known_name(name: &str) -> Result<ServicePath, PageError> {
    ServiceName::parse(name)
        .map(ServicePath)
        .map_err(|err| PageError::new(StatusCode::NOT_FOUND, format!("No such database: {err}")))
}

/// A service's state as a badge: `running` is good, a restart passing, a service destroyed
/// with its volume kept neither, anything else (exited, missing) bad.
pub(super) fn state_badge(state: &str) -> Markup {
    let tone = match state {
        "running" => Tone::Ok,
        "restarting" => Tone::Busy,
        "destroyed" => Tone::Idle,
        _ => Tone::Bad,
    };
    badge(state, tone)
}

/// Whether a backup was verified, or failed.
pub(super) fn backup_state(backup: &Backup) -> Markup {
    html! {
        @match (&backup.error, backup.verified_at) {
            (Some(_), _) => { (badge("failed", Tone::Bad)) }
            (None, Some(_)) => { (badge("verified", Tone::Ok)) }
            (None, None) if backup.file.is_none() => { (badge("writing", Tone::Busy)) }
            (None, None) => { (badge("not verified", Tone::Idle)) }
        }
    }
}

/// `GET /databases`.
pub(super) async fn page_of(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Query(query): Query<Done>,
) -> Result<Markup, PageError> {
    let axum::Json(services) = api::services::list(Reach(state.api.clone())).await?;
    let now = wharf_store::unix_now();
    let notice = query.said(&[("destroyed", "Database destroyed; its backups are kept.")]);
    Ok(whole_page(
        "Databases",
        Some(&signed),
        html! {
            h1 { "Databases" }
            (notice::shown(notice))
            (table(&services, now))
            @if signed.is_admin() {
                section aria-labelledby="create-heading" {
                    h2 #create-heading { "Create a database" }
                    (create_form(&signed))
                }
            }
        },
    ))
}

fn table(services: &[Service], now: i64) -> Markup {
    html! {
        @if services.is_empty() {
            p.empty { "No databases yet." }
        } @else {
            table.cards #databases {
                thead { tr {
                    th scope="col" { "Database" } th scope="col" { "Kind" } th scope="col" { "State" }
                    th scope="col" { "Size" } th scope="col" { "Linked apps" } th scope="col" { "Last backup" }
                    th scope="col" { "Schedule" }
                } }
                tbody {
                    @for service in services {
                        tr {
                            th scope="row" data-label="Database" { a href=(page_link(&service.name)) { (service.name) } }
                            td data-label="Kind" { (service.kind) " " (service.version) }
                            td data-label="State" { (state_badge(&service.state)) }
                            td data-label="Size" {
                                @match service.volume_bytes {
                                    Some(size) => { (bytes(size)) }
                                    None => { span.muted { "unknown" } }
                                }
                            }
                            td data-label="Linked apps" {
                                @if service.linked_apps.is_empty() { span.muted { "none" } }
                                ul.inline { @for app in &service.linked_apps { li { a href={"/apps/" (app)} { (app) } } } }
                            }
                            td data-label="Last backup" {
                                @match &service.last_backup {
                                    Some(backup) => { (when(backup.started_at, now)) " " (backup_state(backup)) }
                                    None => { span.muted { "never" } }
                                }
                            }
                            td data-label="Schedule" {
                                @match &service.backup_schedule {
                                    Some(schedule) => { code { (schedule) } " " span.muted { "keeps " (service.backup_keep) } }
                                    None => { span.muted { "none" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn create_form(signed: &Signed) -> Markup {
    html! {
        form.fields #database-create method="post" action=(PATH) {
            (csrf_field(signed))
            div {
                label for="database-kind" { "Kind" }
                select #database-kind name="kind" {
                    @for kind in ServiceKind::ALL {
                        option value=(kind.as_str()) { (kind.as_str()) " " (kind.default_version()) }
                    }
                }
            }
            div {
                label for="database-name" { "Name" }
                input #database-name type="text" name="name" required autocomplete="off"
                    autocapitalize="none" spellcheck="false" pattern="[a-z0-9]([a-z0-9\\-]*[a-z0-9])?"
                    placeholder="blog-db";
            }
            button type="submit" { "Create" }
        }
        p.hint { "Lowercase letters, digits and -; the name is also the database's host name on its network." }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct CreateForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

/// `POST /databases` (admins, with the CSRF token): the API's create; then the new
/// database's page.
pub(super) async fn create(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    let refused = |message: String| PageError::new(StatusCode::BAD_REQUEST, message).back_to(PATH);
    let kind = ServiceKind::parse(form.kind.trim()).map_err(refused)?;
    let name = ServiceName::parse(form.name.trim()).map_err(|e| refused(e.to_string()))?;
    tracing::info!(user = %signed.user.name, %kind, %name, "dashboard: database create");
    through_api::send(
        &state,
        &signed,
        Method::POST,
        paths::SERVICES,
        Sent::json(&CreateServiceRequest {
            kind: kind.to_string(),
            name: name.to_string(),
            ..CreateServiceRequest::default()
        })?,
        PATH,
    )
    .await?;
    Ok(Redirect::to(&format!("{}?done=created", page_link(name.as_str()))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backup(error: Option<&str>, file: Option<&str>, verified_at: Option<i64>) -> Backup {
        Backup {
            id: 1,
            service: "db".into(),
            file: file.map(str::to_string),
            size: Some(10),
            sha256: None,
            scheduled: false,
            started_at: 0,
            error: error.map(str::to_string),
            verified_at,
        }
    }

    #[test]
    fn a_backup_says_whether_it_was_verified_or_failed() {
        let state = |b: Backup| backup_state(&b).into_string();
        assert!(state(backup(None, Some("f"), Some(40))).contains(">verified<"));
        assert!(state(backup(None, Some("f"), None)).contains(">not verified<"));
        assert!(state(backup(Some("dump failed"), None, None)).contains(">failed<"));
        assert!(state(backup(None, None, None)).contains(">writing<"));
    }

    #[test]
    fn a_bad_name_in_a_path_is_no_such_database() {
        let Err(err) = known_name("Blog") else {
            panic!("`Blog` is not a service name")
        };
        assert_eq!(err.status, StatusCode::NOT_FOUND);
        assert!(
            err.message.starts_with("No such database"),
            "{}",
            err.message
        );
        assert!(known_name("blog-db").is_ok());
    }
}
