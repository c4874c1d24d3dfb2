//! An app's storage mounts on its page (server directories and named volumes mounted into
//! every container of the app, as `wharf storage list` shows them), and for admins a form
//! mounting one and a button unmounting each. Each change is the API's own request
//! (`through_api`), so a server directory passes the same guard as from the CLI, SSH, the
//! Dockerfile or app.json; it deploys the app again, waited for.

use super::State;
use super::change::outcome;
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
use wharf_api::{MountRequest, StorageMounts, UnmountRequest, paths};
use wharf_domain::{MountSelector, MountSpec};

/// The section of the app page.
pub(super) fn section(app: &str, storage: &StorageMounts, signed: &Signed) -> Markup {
    let admin = signed.is_admin();
    html! {
        @if storage.mounts.is_empty() {
            p.empty { "No storage mounted: files the app writes go with its container." }
        } @else {
            ul.names #storage-mounts {
                @for mount in &storage.mounts {
                    li {
                        code.wrap { (mount.mount) } " " span.muted { "(" (mount.kind.as_str()) ")" }
                        @if admin {
                            form.inline method="post" action={"/apps/" (app) "/storage/unmount"} {
                                (csrf_field(signed))
                                input type="hidden" name="mount" value=(mount.mount);
                                button.small type="submit" aria-label={"Unmount " (mount.target)} { "Unmount" }
                            }
                        }
                    }
                }
            }
            @if let Some(node) = &storage.pinned_to {
                p.hint #storage-pinned { "In this cluster, the app's tasks run on node " code { (node) } " (this server), where its storage is." }
            }
        }
        @if admin {
            form.fields #storage-mount method="post" action={"/apps/" (app) "/storage/mount"} {
                (csrf_field(signed))
                div {
                    label for="storage-spec" { "Mount " span.muted { "(SOURCE:/path[:ro])" } }
                    input #storage-spec type="text" name="mount" required autocomplete="off"
                        spellcheck="false" placeholder="blog-media:/app/media";
                }
                button type="submit" { "Mount and deploy" }
            }
            p.hint { "A volume name or a server directory (absolute), then where it appears in the app's containers. The app is deployed again with it." }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct MountForm {
    #[serde(default)]
    mount: String,
}

/// `POST /apps/{app}/storage/mount` (admins, with the CSRF token).
pub(super) async fn mount(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Form(form): Form<MountForm>,
) -> Result<Response, PageError> {
    let AppPath(name) = super::app_page::known_name(&app)?;
    let back = format!("/apps/{app}");
    let spec = MountSpec::parse(form.mount.trim())
        .map_err(|e| PageError::new(StatusCode::BAD_REQUEST, e.to_string()).back_to(&back))?;
    tracing::info!(user = %signed.user.name, %app, mount = %spec, "dashboard: storage mount");
    let path = paths::fill(paths::STORAGE_MOUNT, &[name.as_str()]);
    let sent = Sent::json(&MountRequest { mount: spec })?;
    let what = format!("The mount of storage into {app}");
    change(&state, &signed, &path, sent, &what, &back, "mounted").await
}

/// `POST /apps/{app}/storage/unmount` (admins, with the CSRF token).
pub(super) async fn unmount(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Form(form): Form<MountForm>,
) -> Result<Response, PageError> {
    let AppPath(name) = super::app_page::known_name(&app)?;
    let back = format!("/apps/{app}");
    let selector = MountSelector::parse(form.mount.trim())
        .map_err(|e| PageError::new(StatusCode::BAD_REQUEST, e.to_string()).back_to(&back))?;
    tracing::info!(user = %signed.user.name, %app, mount = %selector, "dashboard: storage unmount");
    let path = paths::fill(paths::STORAGE_UNMOUNT, &[name.as_str()]);
    let sent = Sent::json(&UnmountRequest { mount: selector })?;
    let what = format!("The unmount of storage from {app}");
    change(&state, &signed, &path, sent, &what, &back, "unmounted").await
}

/// The API's storage change at `path`, waited for; then back to the app's page saying it is
/// `done`.
async fn change(
    state: &State,
    signed: &Signed,
    path: &str,
    sent: Sent,
    what: &str,
    back: &str,
    done: &str,
) -> Result<Response, PageError> {
    let answer = through_api::send(state, signed, Method::POST, path, sent, back).await?;
    outcome(answer, what, back).await?;
    Ok(Redirect::to(&format!("{back}?done={done}")).into_response())
}
