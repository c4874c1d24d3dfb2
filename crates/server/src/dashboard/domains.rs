//! An app's domains on its page: each with where it comes from (the Dockerfile's
//! `wharf.domain`, or added by command), and for admins a form adding one and a button
//! removing each added one. A Dockerfile's domain has no button: the API refuses to remove
//! it (the Dockerfile is where it changes). The changes are the API's `POST
//! /v1/apps/{app}/domains` and `DELETE /v1/apps/{app}/domains/{domain}`, made through the API's routes
//! (`through_api`): routed at once, without a new release.

use super::State;
use super::error::PageError;
use super::layout::csrf_field;
use super::session::Signed;
use super::through_api::{self, Sent};
use crate::api::params::AppPath;
use axum::extract::{Path, State as Reach};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;
use wharf_api::{AddDomainRequest, AppDomains, paths};
use wharf_domain::DomainName;

/// The section of the app page.
pub(super) fn section(app: &str, domains: &AppDomains, signed: &Signed) -> Markup {
    let admin = signed.is_admin();
    html! {
        @if domains.dockerfile.is_empty() && domains.added.is_empty() {
            p.empty { "No domain." }
        } @else {
            ul.domains #domains {
                @for domain in &domains.dockerfile {
                    li { a href={"http://" (domain)} rel="noopener" { (domain) } " " span.muted { "from the Dockerfile" } }
                }
                @for domain in &domains.added {
                    li {
                        a href={"http://" (domain)} rel="noopener" { (domain) } " " span.muted { "added by command" }
                        @if admin {
                            form.inline method="post" action={"/apps/" (app) "/domains/remove"} {
                                (csrf_field(signed))
                                input type="hidden" name="domain" value=(domain);
                                button.small type="submit" aria-label={"Remove " (domain)} { "Remove" }
                            }
                        }
                    }
                }
            }
        }
        @if admin {
            form.fields #domain-add method="post" action={"/apps/" (app) "/domains/add"} {
                (csrf_field(signed))
                div {
                    label for="domain-name" { "Domain" }
                    input #domain-name type="text" name="domain" required autocomplete="off"
                        autocapitalize="none" spellcheck="false" placeholder="www.example.com";
                }
                button type="submit" { "Add domain" }
            }
            p.hint { "Point the domain's DNS at this server; a domain from the Dockerfile changes there." }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct DomainForm {
    #[serde(default)]
    domain: String,
}

/// `POST /apps/{app}/domains/add` (admins, with the CSRF token).
pub(super) async fn add(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Form(form): Form<DomainForm>,
) -> Result<Response, PageError> {
    let AppPath(name) = super::app_page::known_name(&app)?;
    let back = format!("/apps/{app}");
    let domain = given(&form, &back)?;
    tracing::info!(user = %signed.user.name, %app, %domain, "dashboard: domain add");
    through_api::send(
        &state,
        &signed,
        Method::POST,
        &paths::fill(paths::DOMAINS, &[name.as_str()]),
        Sent::json(&AddDomainRequest { domain })?,
        &back,
    )
    .await?;
    Ok(Redirect::to(&format!("{back}?done=domain-added")).into_response())
}

/// `POST /apps/{app}/domains/remove` (admins, with the CSRF token).
pub(super) async fn remove(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Form(form): Form<DomainForm>,
) -> Result<Response, PageError> {
    let AppPath(name) = super::app_page::known_name(&app)?;
    let back = format!("/apps/{app}");
    let domain = given(&form, &back)?;
    tracing::info!(user = %signed.user.name, %app, %domain, "dashboard: domain remove");
    through_api::send(
        &state,
        &signed,
        Method::DELETE,
        &paths::fill(paths::DOMAIN, &[name.as_str(), domain.as_str()]),
        Sent::Nothing,
        &back,
    )
    .await?;
    Ok(Redirect::to(&format!("{back}?done=domain-removed")).into_response())
}

/// The form's domain, trimmed and parsed here, where it enters: a bad one is named with the
/// domain parser's words.
fn given(form: &DomainForm, back: &str) -> Result<DomainName, PageError> {
    let domain = form.domain.trim();
    if domain.is_empty() {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            "No domain given: type one such as www.example.com.",
        )
        .back_to(back));
    }
    DomainName::parse(domain)
        .map_err(|e| PageError::new(StatusCode::BAD_REQUEST, e.to_string()).back_to(back))
}
