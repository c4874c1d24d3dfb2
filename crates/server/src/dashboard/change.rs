//! A change the dashboard makes through an API handler that streams its progress (a deploy's
//! lines, then one outcome): the dashboard waits for it and reads the outcome, the last event.

use super::error::PageError;
use axum::http::StatusCode;
use axum::response::Response;
use http_body_util::BodyExt;
use wharf_api::{Outcome, ProgressEvent};

/// The outcome of the streamed `answer` of a change named `what` ("the rollback of blog"):
/// its `Done`, or its `Error` as a page sending the user back to `back`.
pub(super) async fn outcome(
    answer: Response,
    what: &str,
    back: &str,
) -> Result<Outcome, PageError> {
    let body = answer
        .into_body()
        .collect()
        .await
        .map_err(PageError::internal)?
        .to_bytes();
    let last = String::from_utf8_lossy(&body)
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str::<ProgressEvent>(line).ok());
    match last {
        Some(ProgressEvent::Done(outcome)) => Ok(outcome),
        Some(ProgressEvent::Error(message)) => Err(PageError::new(
            StatusCode::BAD_REQUEST,
            format!("{what} failed: {message}"),
        )
        .back_to(back)),
        _ => Err(PageError::internal(format!(
            "{what} ended without an outcome"
        ))),
    }
}
