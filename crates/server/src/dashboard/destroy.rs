//! Destroying an app from the browser: a page that says what goes (its containers, releases,
//! images, config, domains and their certificates, its pushed code; not its databases or named
//! volumes) and asks for the app's name typed out, as `wharf apps destroy APP --confirm APP`
//! does. Only a name typed exactly goes on, to the API's `DELETE /v1/apps/{app}` (through its
//! routes, so it is checked and recorded like any other destroy); then back to the overview.

use super::State;
use super::error::PageError;
use super::layout::{csrf_field, page};
use super::session::Signed;
use super::through_api::{self, Sent};
use crate::api::params::AppPath;
use axum::extract::{Path, State as Reach};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;
use wharf_api::paths;

/// `GET /apps/{app}/destroy` (admins): what goes, and the form asking for the name.
pub(super) async fn confirm(
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
) -> Result<Markup, PageError> {
    let AppPath(name) = super::app_page::known_name(&app)?;
    let back = format!("/apps/{name}");
    Ok(page(
        &format!("Destroy {name}"),
        Some(&signed),
        html! {
            nav.crumbs aria-label="Breadcrumb" {
                a href="/" { "Overview" } " / " a href=(back) { (name) } " / " span aria-current="page" { "Destroy" }
            }
            h1 { "Destroy " (name) }
            section.confirm aria-label="Confirm the destroy" {
                p {
                    "This stops and removes every container of " strong { (name) } ", its releases and images, "
                    "its config vars, its domains (and the certificates no other app uses) and its pushed code. "
                    "It cannot be undone. Linked databases and named volumes stay."
                }
                form.fields #destroy method="post" action={"/apps/" (name) "/destroy"} {
                    (csrf_field(&signed))
                    div {
                        label for="destroy-confirm" { "Type " code { (name) } " to confirm" }
                        input #destroy-confirm type="text" name="confirm" required autocomplete="off"
                            autocapitalize="none" spellcheck="false";
                    }
                    button.danger type="submit" { "Destroy " (name) }
                    " "
                    a href=(back) { "Cancel" }
                }
            }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ConfirmForm {
    #[serde(default)]
    confirm: String,
}

/// `POST /apps/{app}/destroy` (admins, with the CSRF token).
pub(super) async fn submit(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    let AppPath(name) = super::app_page::known_name(&app)?;
    let back = format!("/apps/{name}/destroy");
    typed_exactly(&form.confirm, name.as_str(), &back)?;
    tracing::info!(user = %signed.user.name, %app, "dashboard: destroy");
    through_api::send(
        &state,
        &signed,
        Method::DELETE,
        &paths::fill(paths::APP, &[name.as_str()]),
        Sent::Nothing,
        &back,
    )
    .await?;
    Ok(Redirect::to("/?done=destroyed").into_response())
}

/// The typed name must be the app's, exactly.
fn typed_exactly(typed: &str, app: &str, back: &str) -> Result<(), PageError> {
    if typed.trim() == app {
        return Ok(());
    }
    Err(PageError::new(
        StatusCode::BAD_REQUEST,
        format!("Nothing was destroyed: the name typed is not `{app}`. Type the app's name exactly to destroy it."),
    )
    .back_to(back))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_name_goes_on() {
        assert!(typed_exactly("blog", "blog", "/").is_ok());
        assert!(typed_exactly(" blog ", "blog", "/").is_ok());
        for typed in ["", "Blog", "blo", "blog2", "shop"] {
            let err = typed_exactly(typed, "blog", "/apps/blog/destroy").unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST);
            assert!(
                err.message.contains("Nothing was destroyed"),
                "{}",
                err.message
            );
        }
    }
}
