//! A database's links to apps: on its page, each linked app with the config var that carries
//! the URL, for admins an unlink button by each and a form linking another app; on an app's
//! page, the databases linked to it (`app_section`). Linking and unlinking are the API's
//! `POST` and `DELETE /v1/services/{name}/links/{app}`, made through its routes: each sets or
//! unsets the app's var, which deploys a release, waited for here (`change::outcome`).

use super::State;
use super::change::outcome;
use super::databases::{known_name, page_link};
use super::error::PageError;
use super::layout::csrf_field;
use super::session::Signed;
use super::through_api::{self, Sent};
use crate::api::params::ServicePath;
use axum::extract::{Path, State as Reach};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;
use wharf_api::{Outcome, Service, paths};
use wharf_domain::AppName;

/// The section of the database's page; `apps` are every app's name (for admins: the form's
/// choices).
pub(super) fn section(info: &Service, apps: &[String], signed: &Signed) -> Markup {
    let admin = signed.is_admin();
    let unlinked: Vec<&String> = apps
        .iter()
        .filter(|app| !info.links.contains_key(*app))
        .collect();
    let action = |verb: &str| format!("{}/{verb}", page_link(&info.name));
    html! {
        @if info.links.is_empty() {
            p.empty { "No app is linked." }
        } @else {
            table.cards #database-links {
                thead { tr { th scope="col" { "App" } th scope="col" { "Config var" } @if admin { th scope="col" { span.visually-hidden { "Actions" } } } } }
                tbody {
                    @for (app, var) in &info.links {
                        tr {
                            th scope="row" data-label="App" { a href={"/apps/" (app)} { (app) } }
                            td data-label="Config var" { code { (var) } }
                            @if admin {
                                td.row-actions {
                                    form method="post" action=(action("unlink")) {
                                        (csrf_field(signed))
                                        input type="hidden" name="app" value=(app);
                                        button.small type="submit" aria-label={"Unlink " (app)} { "Unlink" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if admin {
            @if unlinked.is_empty() {
                p.hint { "Every app is linked." }
            } @else {
                form.fields #database-link method="post" action=(action("link")) {
                    (csrf_field(signed))
                    div {
                        label for="link-app" { "App" }
                        select #link-app name="app" {
                            @for app in &unlinked { option value=(app) { (app) } }
                        }
                    }
                    button type="submit" { "Link and deploy" }
                }
                p.hint { "The app gets the URL in a config var (" code { "DATABASE_URL" } ", " code { "REDIS_URL" } "...) and a new release with it." }
            }
        }
    }
}

/// The databases linked to `app`, for its page: each name (to its page) and the var it gives.
pub(super) fn app_section(app: &str, services: &Result<Vec<Service>, String>) -> Markup {
    let services = match services {
        Ok(services) => services,
        Err(message) => {
            return html! { p.error role="alert" { "The databases cannot be listed: " (message) } };
        }
    };
    let linked: Vec<(&str, &str)> = services
        .iter()
        .filter_map(|s| s.links.get(app).map(|var| (s.name.as_str(), var.as_str())))
        .collect();
    html! {
        @if linked.is_empty() {
            p.empty { "No database is linked. " a href=(super::databases::PATH) { "Databases" } " links one." }
        } @else {
            ul.names #app-databases {
                @for (name, var) in linked {
                    li { a href=(page_link(name)) { (name) } " " span.muted { "gives " } code { (var) } }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct LinkForm {
    #[serde(default)]
    app: String,
}

/// `POST /databases/{name}/link` (admins, with the CSRF token).
pub(super) async fn link(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(name): Path<String>,
    Form(form): Form<LinkForm>,
) -> Result<Response, PageError> {
    change(&state, &signed, &name, &form, Method::POST, "link").await
}

/// `POST /databases/{name}/unlink` (admins, with the CSRF token).
pub(super) async fn unlink(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(name): Path<String>,
    Form(form): Form<LinkForm>,
) -> Result<Response, PageError> {
    change(&state, &signed, &name, &form, Method::DELETE, "unlink").await
}

/// The API's link (`POST`) or unlink (`DELETE`), named `verb`, waited for; then back to the
/// database's page, saying what happened.
async fn change(
    state: &State,
    signed: &Signed,
    name: &str,
    form: &LinkForm,
    method: Method,
    verb: &str,
) -> Result<Response, PageError> {
    let ServicePath(service) = known_name(name)?;
    let back = page_link(service.as_str());
    let app = AppName::parse(form.app.trim()).map_err(|err| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            format!("{err}: pick an app from the list."),
        )
        .back_to(&back)
    })?;
    tracing::info!(user = %signed.user.name, %service, %app, verb, "dashboard: database link change");
    let answer = through_api::send(
        state,
        signed,
        method,
        &paths::fill(paths::SERVICE_LINK, &[service.as_str(), app.as_str()]),
        Sent::Nothing,
        &back,
    )
    .await?;
    let what = format!("The {verb} of {app}");
    let to = match outcome(answer, &what, &back).await? {
        Outcome::Deployed(deployed) => format!("{back}?done={verb}ed&release={}", deployed.version),
        Outcome::Message(_) => format!("{back}?done={verb}ed"),
    };
    Ok(Redirect::to(&to).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_apps_page_lists_only_the_databases_linked_to_it() {
        let service = |name: &str, links: &[(&str, &str)]| Service {
            name: name.into(),
            kind: "redis".into(),
            version: "8".into(),
            image: "redis:8".into(),
            state: "running".into(),
            volume_bytes: None,
            volume: String::new(),
            network: String::new(),
            node: None,
            overlay: None,
            linked_apps: links.iter().map(|(a, _)| a.to_string()).collect(),
            links: links
                .iter()
                .map(|(a, v)| (a.to_string(), v.to_string()))
                .collect(),
            exposed_port: None,
            backup_schedule: None,
            backup_keep: 7,
            last_backup: None,
            url: String::new(),
            tls: String::new(),
        };
        let services = Ok(vec![
            service("cache", &[("blog", "REDIS_URL")]),
            service("other", &[("shop", "DATABASE_URL")]),
        ]);
        let html = app_section("blog", &services).into_string();
        assert!(html.contains("href=\"/databases/cache\""), "{html}");
        assert!(html.contains("REDIS_URL"), "{html}");
        assert!(!html.contains("other"), "{html}");
        assert!(
            app_section("none", &services)
                .into_string()
                .contains("No database is linked")
        );
        let failed = app_section("blog", &Err("the store is locked".into())).into_string();
        assert!(
            failed.contains("cannot be listed: the store is locked"),
            "{failed}"
        );
    }
}
