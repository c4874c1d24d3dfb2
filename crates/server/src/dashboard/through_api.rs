//! The dashboard's changes go through the API's own routes, in process: the same handlers,
//! checks and activity log (`api::events`) as the CLI, SSH and git pushes, with the signed-in
//! user as the change's actor. An answer that is not a success becomes a page naming the
//! API's error, with a way back to the form.

use super::State;
use super::error::PageError;
use super::session::Signed;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, header};
use axum::response::Response;
use serde::Serialize;
use tower::ServiceExt;
use wharf_api::ErrorBody;
use wharf_domain::Actor;

/// What a change sends.
pub(super) enum Sent {
    /// No body.
    Nothing,
    /// A JSON body.
    Json(Vec<u8>),
    /// A tar build context of `length` bytes.
    Tar { body: Body, length: u64 },
}

impl Sent {
    pub fn json(value: &impl Serialize) -> Result<Sent, PageError> {
        serde_json::to_vec(value)
            .map(Sent::Json)
            .map_err(PageError::internal)
    }
}

/// `method` on the API's `path` (a filled-in `wharf_api::paths` path, with its query) for
/// `signed`'s user: the API's answer when it is a success; else its error as a page that goes
/// back to `back`.
pub(super) async fn send(
    state: &State,
    signed: &Signed,
    method: Method,
    path: &str,
    sent: Sent,
    back: &str,
) -> Result<Response, PageError> {
    let builder = Request::builder().method(method).uri(path);
    let request = match sent {
        Sent::Nothing => builder.body(Body::empty()),
        Sent::Json(bytes) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(bytes)),
        Sent::Tar { body, length } => builder
            .header(header::CONTENT_TYPE, "application/x-tar")
            .header(header::CONTENT_LENGTH, HeaderValue::from(length))
            .body(body),
    };
    let mut request = request.map_err(PageError::internal)?;
    request
        .extensions_mut()
        .insert(Actor::User(signed.user.name.to_string()));
    let answer = state
        .api_routes
        .clone()
        .oneshot(request)
        .await
        .map_err(PageError::internal)?;
    if answer.status().is_success() {
        return Ok(answer);
    }
    let status = answer.status();
    let bytes = axum::body::to_bytes(answer.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<ErrorBody>(&bytes)
        .map(|body| body.error)
        .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned());
    if status.is_server_error() {
        tracing::warn!(error = %message, path, "dashboard: an API change failed");
    }
    Err(PageError::new(status, message).back_to(back))
}

/// A successful answer's JSON body, as the API's type `T`.
pub(super) async fn json<T: serde::de::DeserializeOwned>(answer: Response) -> Result<T, PageError> {
    let bytes = axum::body::to_bytes(answer.into_body(), 16 << 20)
        .await
        .map_err(PageError::internal)?;
    serde_json::from_slice(&bytes).map_err(PageError::internal)
}
