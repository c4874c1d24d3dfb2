//! Deploying a prebuilt image from the browser (`POST /deploy-image`, admins): the overview's
//! form makes a new app of it, the app page's a new release. The form's app name, image
//! reference and settings (one `KEY=VALUE` a line) are parsed by the same functions as
//! `wharf deploy --image`'s, then sent to the API's `POST /v1/apps/{app}/image`, and the
//! deploy is followed live on the app's page.

use super::State;
use super::change::follow;
use super::error::PageError;
use super::layout::csrf_field;
use super::session::Signed;
use super::through_api::{self, Sent};
use super::upload::DeployTarget;
use axum::extract::State as Reach;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;
use wharf_api::{ImageDeployRequest, paths};
use wharf_domain::{ImageRef, ImageSettings};

/// Where the image forms post.
pub(super) const PATH: &str = "/deploy-image";

/// The form's fields, as typed.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ImageForm {
    #[serde(default)]
    app: String,
    #[serde(default)]
    image: String,
    /// One `KEY=VALUE` a line; blank lines are skipped.
    #[serde(default)]
    settings: String,
}

/// `POST /deploy-image` (admins, with the CSRF token).
pub(super) async fn deploy(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Form(form): Form<ImageForm>,
) -> Result<Response, PageError> {
    // The form's fields enter here.
    let DeployTarget {
        app,
        page: back,
        back_to,
    } = DeployTarget::named(&state, &form.app)?;
    let back_to = back_to.as_str();
    let refuse = |err: wharf_domain::ImageError| {
        PageError::new(StatusCode::BAD_REQUEST, format!("{err}.")).back_to(back_to)
    };
    let image = ImageRef::parse(form.image.trim()).map_err(refuse)?;
    let lines: Vec<&str> = form
        .settings
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let settings = ImageSettings::parse(&lines).map_err(refuse)?;
    tracing::info!(user = %signed.user.name, %app, %image, "dashboard: deploy of an image");
    let request = ImageDeployRequest { image, settings };
    let answer = through_api::send(
        &state,
        &signed,
        Method::POST,
        &paths::fill(paths::IMAGE, &[app.as_str()]),
        Sent::json(&request)?,
        back_to,
    )
    .await?;
    follow(&state, &app, answer, format!("The deploy of {app}"), back).await
}

/// The image form: a new release of `app`, or with `None` a new app named in the form.
pub(super) fn form(app: Option<&str>, signed: &Signed) -> Markup {
    let id = |field: &str| format!("image-{field}-{}", app.unwrap_or("new"));
    html! {
        form.fields.image-deploy method="post" action=(PATH) {
            (csrf_field(signed))
            @match app {
                Some(app) => { input type="hidden" name="app" value=(app); }
                None => {
                    div {
                        label for=(id("app")) { "App name" }
                        input id=(id("app")) type="text" name="app" required autocomplete="off"
                            pattern="[a-z][a-z0-9\\-]*" placeholder="blog";
                    }
                }
            }
            div {
                label for=(id("ref")) { "Image" }
                input id=(id("ref")) type="text" name="image" required autocomplete="off"
                    spellcheck="false" placeholder="ghcr.io/team/app:1.2";
            }
            div {
                label for=(id("settings")) { "Settings, one KEY=VALUE a line (optional)" }
                textarea id=(id("settings")) name="settings" rows="3" spellcheck="false"
                    placeholder="port=8080\ndomain=example.com" {}
            }
            button type="submit" { "Deploy image" }
            p.muted {
                "Pulled with the server's registry logins (" code { "wharf registries login" } ") unless it is on the server."
            }
        }
    }
}
