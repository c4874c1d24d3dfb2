//! An app's config vars on its page: their names (never their values on the page), and for
//! admins a form that sets one (a new name, or a new value for a name), and by each name a
//! button that reveals its value (on a page of its own, one var at a time) and one that unsets
//! it. Each change is the API's `POST /v1/apps/{app}/config`, which makes
//! one new release (or stores the vars for the first deploy of an app not deployed yet), made
//! through the API's routes (`through_api`).

use super::State;
use super::change::outcome;
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
use wharf_api::{ConfigChangeRequest, ConfigVars, Outcome, paths};

/// The section of the app page: names, and the admin's forms.
pub(super) fn section(app: &str, vars: &ConfigVars, signed: &Signed) -> Markup {
    let admin = signed.is_admin();
    html! {
        @if vars.vars.is_empty() {
            p.empty { "None set. " code { "wharf config set " (app) " NAME=VALUE" } " sets one." }
        } @else {
            p.muted { "Names only: values stay on the server." }
            ul.names #config-names {
                @for (name, _) in &vars.vars {
                    li {
                        code { (name) }
                        @if admin {
                            form.inline method="post" action={"/apps/" (app) "/config/reveal"} {
                                (csrf_field(signed))
                                input type="hidden" name="name" value=(name);
                                button.small type="submit" aria-label={"Reveal " (name)} { "Reveal" }
                            }
                            form.inline method="post" action={"/apps/" (app) "/config/unset"} {
                                (csrf_field(signed))
                                input type="hidden" name="name" value=(name);
                                button.small type="submit" aria-label={"Unset " (name)} { "Unset" }
                            }
                        }
                    }
                }
            }
        }
        @if admin {
            form.fields #config-set method="post" action={"/apps/" (app) "/config/set"} {
                (csrf_field(signed))
                div {
                    label for="config-name" { "Name" }
                    input #config-name type="text" name="name" required autocomplete="off"
                        autocapitalize="characters" spellcheck="false" pattern="[A-Za-z_][A-Za-z0-9_]*"
                        placeholder="DATABASE_URL";
                }
                div {
                    label for="config-value" { "Value " span.muted { "(hidden as you type)" } }
                    input #config-value type="password" name="value" autocomplete="off";
                }
                button type="submit" { "Set and deploy" }
            }
            p.hint { "Setting or unsetting a var deploys a new release with it; a name already set gets the new value." }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SetForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    value: String,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct UnsetForm {
    #[serde(default)]
    name: String,
}

/// `POST /apps/{app}/config/set` (admins, with the CSRF token).
pub(super) async fn set(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Form(form): Form<SetForm>,
) -> Result<Response, PageError> {
    let back = format!("/apps/{app}");
    let name = var_name(&form.name, &back)?;
    tracing::info!(user = %signed.user.name, %app, var = name, "dashboard: config set");
    let request = ConfigChangeRequest {
        // The name has no `=`, so the API splits this assignment where the value begins.
        set: vec![format!("{name}={}", form.value)],
        ..ConfigChangeRequest::default()
    };
    change(&state, &signed, &app, request, "set", &back).await
}

/// `POST /apps/{app}/config/unset` (admins, with the CSRF token).
pub(super) async fn unset(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Form(form): Form<UnsetForm>,
) -> Result<Response, PageError> {
    let back = format!("/apps/{app}");
    let name = var_name(&form.name, &back)?;
    tracing::info!(user = %signed.user.name, %app, var = name, "dashboard: config unset");
    let request = ConfigChangeRequest {
        unset: vec![name.to_string()],
        ..ConfigChangeRequest::default()
    };
    change(&state, &signed, &app, request, "unset", &back).await
}

/// `POST /apps/{app}/config/reveal` (admins, with the CSRF token): one var's value, on a page
/// of its own that is not cached. The API's reveal (`GET /v1/apps/{app}/config?reveal=true`)
/// is recorded in the activity log as the user's.
pub(super) async fn reveal(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Form(form): Form<UnsetForm>,
) -> Result<Markup, PageError> {
    let AppPath(app_name) = super::app_page::known_name(&app)?;
    let back = format!("/apps/{app}");
    let name = var_name(&form.name, &back)?;
    tracing::info!(user = %signed.user.name, %app, var = name, "dashboard: config reveal");
    let path = format!(
        "{}?reveal=true",
        paths::fill(paths::CONFIG, &[app_name.as_str()])
    );
    let answer =
        through_api::send(&state, &signed, Method::GET, &path, Sent::Nothing, &back).await?;
    let vars: ConfigVars = through_api::json(answer).await?;
    let Some(value) = vars.vars.get(name) else {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            format!("{app} has no config var `{name}` (any more)."),
        )
        .back_to(&back));
    };
    Ok(page(
        &format!("{name} of {app}"),
        Some(&signed),
        html! {
            nav.crumbs aria-label="Breadcrumb" {
                a href="/" { "Overview" } " / " a href=(back) { (app) } " / " span aria-current="page" { (name) }
            }
            h1 { code { (name) } }
            p.muted { "The value of " (app) "'s config var, shown to you once; this reveal is in the activity log." }
            pre.revealed #revealed { (value) }
            p { a href=(back) { "Hide it and go back" } }
        },
    ))
}

/// The API's config change, waited for; then back to the app's page, saying what happened.
async fn change(
    state: &State,
    signed: &Signed,
    app: &str,
    request: ConfigChangeRequest,
    verb: &str,
    back: &str,
) -> Result<Response, PageError> {
    let AppPath(name) = super::app_page::known_name(app)?;
    let answer = through_api::send(
        state,
        signed,
        Method::POST,
        &paths::fill(paths::CONFIG, &[name.as_str()]),
        Sent::json(&request)?,
        back,
    )
    .await?;
    let done = outcome(answer, &format!("The config change of {app}"), back).await?;
    let to = match done {
        Outcome::Deployed(deployed) => {
            format!("{back}?done=config-{verb}&release={}", deployed.version)
        }
        Outcome::Message(_) => format!("{back}?done=config-saved"),
    };
    Ok(Redirect::to(&to).into_response())
}

/// A var name from a form: what the API checks, and first that it has no `=` (which would
/// move the split between name and value).
fn var_name<'a>(given: &'a str, back: &str) -> Result<&'a str, PageError> {
    let name = given.trim();
    if !wharf_domain::is_valid_env_key(name) {
        let what = if name.is_empty() {
            "An empty name is not a config var name".to_string()
        } else {
            format!("`{name}` is not a config var name")
        };
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            format!("{what}: use letters, digits and _, not starting with a digit (DATABASE_URL)."),
        )
        .back_to(back));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_var_name_with_an_equals_sign_or_a_space_is_refused_by_name() {
        for bad in ["", "A=B", "MY VAR", "1ST", "ä"] {
            let err = var_name(bad, "/apps/blog").unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST, "{bad}");
            assert!(
                err.message.contains("is not a config var name"),
                "{}",
                err.message
            );
            assert_eq!(err.back.as_deref(), Some("/apps/blog"));
        }
        assert_eq!(var_name(" DATABASE_URL ", "/").unwrap(), "DATABASE_URL");
    }
}
