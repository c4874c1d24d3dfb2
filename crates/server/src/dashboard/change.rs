//! A change the dashboard makes through an API handler that streams its progress (a deploy's
//! lines, then one outcome): the dashboard waits for it and reads the outcome, the last event,
//! or follows it live on the app's page (`follow`).

use super::State;
use super::error::PageError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use wharf_api::{Outcome, ProgressEvent};
use wharf_domain::AppName;

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

/// How long a change that deploys may take to record its release before the page gives up
/// waiting for it (another deploy of the app may hold it back that long).
const RELEASE_WAIT: Duration = Duration::from_secs(60);

/// A change that deploys (`answer` is its streamed progress), followed live: once the deploy
/// has recorded its release, the app's page is shown with its output following; a change that
/// fails before that is shown as the error it is, sending the user back to `back`. The deploy
/// carries on whether or not anyone watches.
pub(super) async fn follow(
    state: &State,
    app: &AppName,
    answer: Response,
    what: String,
    back: String,
) -> Result<Response, PageError> {
    let live = &state.api.deployer;
    let before = live.live().latest(app);
    let (done_tx, mut done_rx) = oneshot::channel();
    let (what_moved, back_moved) = (what.clone(), back.clone());
    state.api.tasks.spawn(async move {
        let _ = done_tx.send(outcome(answer, &what_moved, &back_moved).await);
    });
    let deadline = tokio::time::Instant::now() + RELEASE_WAIT;
    loop {
        let latest = live.live().latest(app);
        let new = |deploy: &Arc<_>| !before.as_ref().is_some_and(|b| Arc::ptr_eq(b, deploy));
        if let Some(deploy) = latest.filter(new) {
            return Ok(Redirect::to(&format!(
                "{back}?done=deploying&release={}#deploy",
                deploy.version().get()
            ))
            .into_response());
        }
        match done_rx.try_recv() {
            Ok(Err(err)) => return Err(err),
            Ok(Ok(_)) | Err(oneshot::error::TryRecvError::Closed) => {
                return Ok(Redirect::to(&back).into_response());
            }
            Err(oneshot::error::TryRecvError::Empty) => {}
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(PageError::new(
                StatusCode::GATEWAY_TIMEOUT,
                format!("{what} has not started after a minute (another deploy of the app may still run); it goes on, and its page shows it once it starts."),
            )
            .back_to(&back));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
