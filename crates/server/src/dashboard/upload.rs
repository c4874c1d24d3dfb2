//! Deploying from the browser: an admin uploads a `.zip`, `.tar` or `.tar.gz` of an app's
//! directory (`POST /deploy`, a new app from the overview or a new version from its page).
//! The form's first field is the session's CSRF token, checked before the file is read; the
//! file is saved up to the server's upload limit, made into a build context (`archive`) and
//! sent to the API's deploy route (`through_api`), so it passes the same checks and limits as `wharf push`;
//! then the deploy is followed live on the app's page.

use super::State;
use super::archive;
use super::change::follow;
use super::error::PageError;
use super::session::{CsrfDue, Signed, same_secret};
use super::through_api::{self, Sent};
use axum::Extension;
use axum::body::Body;
use axum::extract::State as Reach;
use axum::extract::multipart::{Field, Multipart, MultipartError};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use tokio::io::AsyncWriteExt;
use wharf_api::paths;
use wharf_domain::AppName;

/// Where the upload forms post.
pub(super) const PATH: &str = "/deploy";

/// Longest text field of the form, in bytes.
const MAX_TEXT_FIELD: usize = 1024;

/// `POST /deploy` (admins): the fields `csrf` (first), `app` and `archive`.
pub(super) async fn deploy(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Extension(due): Extension<CsrfDue>,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let first = form.next_field().await.map_err(unreadable)?;
    let token = match first {
        Some(field) if field.name() == Some("csrf") => Some(text(field).await?),
        _ => None,
    };
    if !token.is_some_and(|token| same_secret(&token, &due.0)) {
        tracing::info!(user = %signed.user.name, "refused: an upload without this session's CSRF token");
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "This form did not come from your dashboard session (its CSRF token is missing or stale); reload the page and try again.",
        ));
    }
    let limit = state.api.max_upload_bytes;
    let mut app = None;
    let mut saved = None;
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("app") => app = Some(text(field).await?),
            Some("archive") => saved = Some(save(&state, field, limit).await?),
            _ => {}
        }
    }
    let DeployTarget {
        app,
        page: back,
        back_to,
    } = DeployTarget::named(&state, app.as_deref().unwrap_or_default())?;
    let back_to = back_to.as_str();
    let upload = match saved {
        Some((file, size)) if size > 0 => file,
        _ => {
            return Err(PageError::new(
                StatusCode::BAD_REQUEST,
                "No file was chosen: choose a .zip, .tar or .tar.gz of the app's directory.",
            )
            .back_to(back_to));
        }
    };
    tracing::info!(user = %signed.user.name, %app, "dashboard: deploy of an upload");
    let context =
        tempfile::NamedTempFile::new_in(&state.api.upload_dir).map_err(PageError::internal)?;
    let (from, to) = (upload.path().to_path_buf(), context.path().to_path_buf());
    tokio::task::spawn_blocking(move || archive::to_context(&from, &to, limit))
        .await
        .map_err(PageError::internal)?
        .map_err(|err| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                format!("The upload cannot be deployed: {err}."),
            )
            .back_to(back_to)
        })?;
    drop(upload);
    let file = tokio::fs::File::open(context.path())
        .await
        .map_err(PageError::internal)?;
    let length = file.metadata().await.map_err(PageError::internal)?.len();
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    // An app name needs no encoding in a query: lowercase letters, digits and `-`.
    let path = format!("{}?app={app}", paths::DEPLOY);
    let answer = through_api::send(
        &state,
        &signed,
        Method::POST,
        &path,
        Sent::Tar { body, length },
        back_to,
    )
    .await?;
    drop(context);
    follow(&state, &app, answer, format!("The deploy of {app}"), back).await
}

/// The app a deploy form names (its `app` field, parsed where it enters), its page, and where
/// a refusal leads back to: that page if the app exists, else the overview.
pub(super) struct DeployTarget {
    pub app: AppName,
    pub page: String,
    pub back_to: String,
}

impl DeployTarget {
    pub fn named(state: &State, name: &str) -> Result<DeployTarget, PageError> {
        let app = AppName::parse(name.trim()).map_err(|err| {
            PageError::new(StatusCode::BAD_REQUEST, format!("The app's name: {err}")).back_to("/")
        })?;
        let page = format!("/apps/{app}");
        let back_to = if state.api.deployer.store().app(&app)?.is_some() {
            page.clone()
        } else {
            "/".to_string()
        };
        Ok(DeployTarget { app, page, back_to })
    }
}

/// A short text field.
async fn text(mut field: Field<'_>) -> Result<String, PageError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_TEXT_FIELD {
            return Err(PageError::new(
                StatusCode::BAD_REQUEST,
                "A field of the form is too long.",
            ));
        }
    }
    String::from_utf8(bytes)
        .map_err(|_| PageError::new(StatusCode::BAD_REQUEST, "A field of the form is not text."))
}

/// The file field, saved in the upload directory up to `limit` bytes: the file and its size.
async fn save(
    state: &State,
    mut field: Field<'_>,
    limit: u64,
) -> Result<(tempfile::NamedTempFile, u64), PageError> {
    let saved =
        tempfile::NamedTempFile::new_in(&state.api.upload_dir).map_err(PageError::internal)?;
    let mut file = tokio::fs::File::from_std(saved.reopen().map_err(PageError::internal)?);
    let mut size: u64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        size += chunk.len() as u64;
        if size > limit {
            return Err(PageError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "The file is larger than the server's upload limit ({limit} bytes): leave out large files, or raise --max-upload on the server."
                ),
            ));
        }
        file.write_all(&chunk).await.map_err(PageError::internal)?;
    }
    file.flush().await.map_err(PageError::internal)?;
    Ok((saved, size))
}

fn unreadable(err: MultipartError) -> PageError {
    PageError::new(
        StatusCode::BAD_REQUEST,
        format!("The upload could not be read: {err}; try again."),
    )
}

/// The upload form: a new version of `app`, or with `None` a new app named in the form.
pub(super) fn form(app: Option<&str>, signed: &Signed) -> maud::Markup {
    maud::html! {
        form.fields.upload method="post" action=(PATH) enctype="multipart/form-data" {
            // First: the upload's reader checks it before it reads the file.
            (super::layout::csrf_field(signed))
            @match app {
                Some(app) => { input type="hidden" name="app" value=(app); }
                None => {
                    div {
                        label for="upload-app" { "App name" }
                        input #upload-app type="text" name="app" required autocomplete="off"
                            pattern="[a-z][a-z0-9\\-]*" placeholder="blog";
                    }
                }
            }
            div {
                label for="upload-archive" { "App directory (.zip, .tar or .tar.gz, with its Dockerfile)" }
                input #upload-archive type="file" name="archive" required
                    accept=".zip,.tar,.tgz,.tar.gz,application/zip,application/x-tar,application/gzip";
            }
            button type="submit" { "Deploy" }
        }
    }
}
