//! Rolling an app back from its page: each superseded release has a button leading to a
//! confirmation (`GET /apps/{app}/rollback?version=N`, which names the release and what will
//! happen), whose form posts the rollback; it is the API's `POST /v1/apps/{app}/rollback`,
//! followed live on the app's page until the new release serves. A redeploy of the active
//! release (`POST /apps/{app}/redeploy`, the API's `POST /v1/apps/{app}/redeploy`) is followed
//! the same way.

use super::State;
use super::error::PageError;
use super::layout::{csrf_field, page, when};
use super::session::Signed;
use super::through_api::{self, Sent};
use crate::api;
use axum::extract::{Path, Query, State as Reach};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::{Extension, Form, Json};
use maud::{Markup, html};
use serde::Deserialize;
use wharf_api::{Release, ReleaseStatus, RollbackRequest, paths};

/// The release to roll back to, as a query (the confirmation) or a form field (the change).
#[derive(Debug, Default, Deserialize)]
pub(super) struct Target {
    #[serde(default)]
    version: String,
}

impl Target {
    /// The release number as given ("3" or "v3").
    fn version(&self, back: &str) -> Result<u32, PageError> {
        let text = self.version.trim();
        text.strip_prefix('v')
            .unwrap_or(text)
            .parse::<u32>()
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| {
                PageError::new(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "`{text}` is not a release number: pick a release on the app's page (a number such as 3)."
                    ),
                )
                .back_to(back)
            })
    }
}

/// The link of a release's rollback button: to its confirmation.
pub(super) fn confirm_link(app: &str, version: u32) -> String {
    format!("/apps/{app}/rollback?version={version}")
}

/// The redeploy button of the active release `version` (admins).
pub(super) fn redeploy_form(app: &str, version: u32, signed: &Signed) -> Markup {
    html! {
        form.redeploy method="post" action={"/apps/" (app) "/redeploy"} {
            (csrf_field(signed))
            button type="submit" { "Redeploy v" (version) }
            " "
            span.muted { "The same image again, with the config as it is now, as a new release." }
        }
    }
}

/// `POST /apps/{app}/redeploy` (admins, with the CSRF token): the active release deployed
/// again, followed live on the app's page.
pub(super) async fn redeploy(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
) -> Result<Response, PageError> {
    let name = super::app_page::known_name(&app)?;
    let back = format!("/apps/{app}");
    tracing::info!(user = %signed.user.name, %app, "dashboard: redeploy");
    let answer = through_api::send(
        &state,
        &signed,
        Method::POST,
        &paths::fill(paths::REDEPLOY, &[name.0.as_str()]),
        Sent::Nothing,
        &back,
    )
    .await?;
    super::change::follow(
        &state,
        &name.0,
        answer,
        format!("The redeploy of {app}"),
        back,
    )
    .await
}

/// Whether a release can be rolled back to: one that served and no longer does (an active
/// one serves now; a failed or deploying one never went live), as the API decides.
pub(super) fn can_roll_back_to(release: &Release) -> bool {
    release.status == ReleaseStatus::Superseded
}

/// `GET /apps/{app}/rollback?version=N` (admins): what the rollback will do, and its form.
pub(super) async fn confirm(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Query(target): Query<Target>,
) -> Result<Markup, PageError> {
    let name = super::app_page::known_name(&app)?;
    let back = format!("/apps/{app}");
    let version = target.version(&back)?;
    let Json(releases) = api::apps::releases(Reach(state.api.clone()), name).await?;
    let Some(release) = releases.iter().find(|r| r.version == version) else {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            format!("{app} has no release v{version}: pick one listed on its page."),
        )
        .back_to(&back));
    };
    if !can_roll_back_to(release) {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "v{version} of {app} cannot be rolled back to: {}.",
                match release.status {
                    ReleaseStatus::Active => "it is the release serving now",
                    _ => "it never went live",
                }
            ),
        )
        .back_to(&back));
    }
    let active = releases.iter().find(|r| r.status == ReleaseStatus::Active);
    let now = wharf_store::unix_now();
    let title = format!("Roll {app} back to v{version}?");
    Ok(page(
        &title,
        Some(&signed),
        html! {
            nav.crumbs aria-label="Breadcrumb" {
                a href="/" { "Overview" } " / " a href=(back) { (app) } " / " span aria-current="page" { "Roll back" }
            }
            h1 { (title) }
            section.confirm aria-label="Confirm the rollback" {
                dl.facts #rollback-target {
                    dt { "Release" } dd { "v" (version) }
                    dt { "Made" } dd { (when(release.created_at, now)) }
                    dt { "Source" } dd { (super::app_page::source_of(release)) }
                    dt { "Image" } dd { code.wrap { (release.image) } }
                    dt { "Serving now" } dd {
                        @match active { Some(active) => { "v" (active.version) } None => { "no release" } }
                    }
                }
                p {
                    "The rollback deploys v" (version) "'s image with its config vars as a new release; "
                    "the release serving now keeps serving until the new one is healthy."
                }
                form.confirm-form method="post" action={"/apps/" (app) "/rollback"} {
                    (csrf_field(&signed))
                    input type="hidden" name="version" value=(version);
                    button type="submit" { "Roll back to v" (version) }
                    " "
                    a href=(back) { "Cancel" }
                }
            }
        },
    ))
}

/// `POST /apps/{app}/rollback` (admins, with the CSRF token): the API's rollback, waited for;
/// then back to the app's page, which names the release now serving.
pub(super) async fn submit(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Form(target): Form<Target>,
) -> Result<Response, PageError> {
    let name = super::app_page::known_name(&app)?;
    let back = format!("/apps/{app}");
    let version = target.version(&back)?;
    tracing::info!(user = %signed.user.name, %app, version, "dashboard: rollback");
    let answer = through_api::send(
        &state,
        &signed,
        Method::POST,
        &paths::fill(paths::ROLLBACK, &[name.0.as_str()]),
        Sent::json(&RollbackRequest {
            version: Some(version),
        })?,
        &back,
    )
    .await?;
    let what = format!("The rollback of {app} to v{version}");
    super::change::follow(&state, &name.0, answer, what, back).await
}
