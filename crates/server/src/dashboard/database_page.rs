//! A database's page (`/databases/{name}`): what it is and how to reach it (the URL apps get,
//! its password masked), its linked apps (`database_links`), its backups and their schedule
//! (`database_backups`); for admins the forms that change them, restore and destroy
//! (`database_confirm`) and a "Reveal" button: `POST .../reveal` answers this page with the
//! password shown once, read through the API's route (`GET /v1/services/{name}?reveal=true`),
//! so the reveal is recorded in the activity log like `wharf services info --reveal`.

use super::State;
use super::databases::{self, PATH, known_name, state_badge};
use super::error::PageError;
use super::layout::{bytes, csrf_field, page as whole_page};
use super::notice::{self, Done};
use super::session::Signed;
use super::through_api::{self, Sent};
use crate::api;
use crate::api::params::ServicePath;
use axum::Extension;
use axum::extract::{Path, Query, State as Reach};
use axum::http::Method;
use maud::{Markup, html};
use wharf_api::{Service, ServiceQuery, paths};

/// `GET /databases/{name}`.
pub(super) async fn page(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(name): Path<String>,
    Query(query): Query<Done>,
) -> Result<Markup, PageError> {
    let ServicePath(service) = known_name(&name)?;
    let axum::Json(info) = api::services::info(
        Reach(state.api.clone()),
        ServicePath(service),
        Query(ServiceQuery { reveal: false }),
    )
    .await?;
    render(&state, &signed, info, notice(&query), None).await
}

/// `POST /databases/{name}/reveal` (admins, with the CSRF token): the same page, with the URL
/// and its password shown this once.
pub(super) async fn reveal(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(name): Path<String>,
) -> Result<Markup, PageError> {
    let ServicePath(service) = known_name(&name)?;
    let back = databases::page_link(service.as_str());
    tracing::info!(user = %signed.user.name, %service, "dashboard: database reveal");
    let answer = through_api::send(
        &state,
        &signed,
        Method::GET,
        &format!(
            "{}?reveal=true",
            paths::fill(paths::SERVICE, &[service.as_str()])
        ),
        Sent::Nothing,
        &back,
    )
    .await?;
    let revealed: Service = through_api::json(answer).await?;
    let url = revealed.url.clone();
    render(&state, &signed, revealed, None, Some(url)).await
}

/// The page of `info`; `revealed` is the URL with its password, when an admin asked for it.
async fn render(
    state: &State,
    signed: &Signed,
    info: Service,
    notice: Option<String>,
    revealed: Option<String>,
) -> Result<Markup, PageError> {
    let service = known_name(&info.name)?;
    let backups = super::database_backups::read(state, service).await?;
    let apps = if signed.is_admin() {
        let axum::Json(apps) = api::apps::list(Reach(state.api.clone())).await?;
        apps.into_iter().map(|app| app.name.to_string()).collect()
    } else {
        Vec::new()
    };
    let name = info.name.clone();
    let now = wharf_store::unix_now();
    Ok(whole_page(
        &name,
        Some(signed),
        html! {
            nav.crumbs aria-label="Breadcrumb" {
                a href=(PATH) { "Databases" } " / " span aria-current="page" { (name) }
            }
            h1 { (name) }
            (notice::shown(notice.as_deref()))
            section aria-labelledby="connection-heading" {
                h2 #connection-heading { "Connection" }
                (connection(&info, revealed.as_deref(), signed))
            }
            section aria-labelledby="links-heading" {
                h2 #links-heading { "Linked apps" }
                (super::database_links::section(&info, &apps, signed))
            }
            section aria-labelledby="backups-heading" {
                h2 #backups-heading { "Backups" }
                (super::database_backups::section(&info, &backups, signed, now))
            }
            @if signed.is_admin() {
                section aria-labelledby="destroy-heading" {
                    h2 #destroy-heading { "Destroy" }
                    p {
                        a.button href={(databases::page_link(&name)) "/destroy"} { "Destroy " (name) "…" }
                    }
                }
            }
        },
    ))
}

fn connection(info: &Service, revealed: Option<&str>, signed: &Signed) -> Markup {
    html! {
        dl.facts #connection {
            dt { "Kind" } dd { (info.kind) " " (info.version) " " span.muted { "(" code { (info.image) } ")" } }
            dt { "State" } dd { (state_badge(&info.state)) }
            dt { "Size" } dd {
                @match info.volume_bytes { Some(size) => { (bytes(size)) } None => { span.muted { "unknown" } } }
            }
            dt { "Volume" } dd { code.wrap { (info.volume) } }
            dt { "Network" } dd { code.wrap { (info.network) } }
            dt { "Published on" } dd {
                @match info.exposed_port {
                    Some(port) => { "host port " (port) }
                    None => { span.muted { "no host port (reached from linked apps only)" } }
                }
            }
            dt { "URL" } dd {
                @match revealed {
                    Some(url) => { code.wrap #database-url data-revealed { (url) } }
                    None => { code.wrap #database-url { (info.url) } }
                }
            }
            @if !info.tls.is_empty() { dt { "TLS" } dd { (info.tls) } }
        }
        @if revealed.is_some() {
            p.hint { "The password is shown this once: reloading the page hides it again." }
        } @else if signed.is_admin() {
            form.reveal #database-reveal method="post" action={(databases::page_link(&info.name)) "/reveal"} {
                (csrf_field(signed))
                button.small type="submit" { "Reveal the password" }
            }
        }
    }
}

/// What the change that led here did, said from fixed words (the query is never shown).
fn notice(query: &Done) -> Option<String> {
    let deployed = |what: &str| match query.release() {
        Some(version) => format!("{what}: release v{version} of the app is active and serves."),
        None => format!("{what}: the app gets the change at its next deploy."),
    };
    Some(match query.word()? {
        "created" => "Database created and running: link it to an app below.".to_string(),
        "linked" => deployed("Linked: the app has the database's URL in its config var"),
        "unlinked" => deployed("Unlinked: the app's config var is gone"),
        "backed-up" => "Backed up: the new backup is listed below.".to_string(),
        "verified" => match query.objects() {
            Some(objects) => format!(
                "Verified: the newest backup was restored into a scratch copy, which holds {objects} tables or keys."
            ),
            None => "Verified: the newest backup restores.".to_string(),
        },
        "schedule-set" => "Backup schedule saved.".to_string(),
        "schedule-off" => "Scheduled backups are off.".to_string(),
        "restored" => "Restored: the database holds what the backup held.".to_string(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_fixed_words_and_unknown_ones_are_not_shown() {
        let query = |done: &str, release: Option<u32>| Done::new(done, release, None);
        assert_eq!(
            notice(&query("linked", Some(4))).unwrap(),
            "Linked: the app has the database's URL in its config var: release v4 of the app is active and serves."
        );
        assert!(
            notice(&query("unlinked", None))
                .unwrap()
                .ends_with("at its next deploy.")
        );
        assert_eq!(notice(&query("<script>", None)), None);
        assert_eq!(notice(&Done::default()), None);
    }
}
