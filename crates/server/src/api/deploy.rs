//! `POST /v1/deploy`: receive a build context as a tar stream, check it, then deploy it while
//! streaming progress back as newline-delimited JSON: `{"line": ...}` events, then one final
//! `{"done": {...}}` or `{"error": "..."}`. `POST /v1/apps/{app}/image` deploys a prebuilt
//! image the same way.

use super::params::{AppPath, JsonBody};
use super::{ApiError, ApiState};
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;
use std::future::Future;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::UnboundedReceiverStream;
use wharf_api::{DeployQuery, Deployed, ImageDeployRequest, Outcome, ProgressEvent};
use wharf_deploy::{BuildContext, ContextLimits, DeployOutcome, Progress, image_context};
use wharf_domain::AppName;

/// `POST /v1/deploy?app=NAME` with a tar body.
pub async fn deploy(
    State(state): State<ApiState>,
    Query(query): Query<DeployQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    // The app named by `?app=` enters here; the Dockerfile's `app` setting, once read.
    let app = query
        .app
        .as_deref()
        .map(AppName::parse)
        .transpose()
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    if let Some(revision) = &query.revision
        && (revision.len() < 4
            || revision.len() > 64
            || !revision.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("`{revision}` is not a git revision (4 to 64 hex digits)"),
        ));
    }
    let limit = state.max_upload_bytes;
    let (upload, received) = receive_upload(
        &state,
        &headers,
        body,
        "the build context is larger than the server's upload limit; add large files to .dockerignore or raise --max-upload on the server",
    )
    .await?;
    tracing::info!(bytes = received, app = ?query.app, "build context received");

    let path = upload.path().to_path_buf();
    let context = tokio::task::spawn_blocking(move || {
        BuildContext::check(&path, ContextLimits { max_bytes: limit })
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    // An app Wharf cannot build (no Dockerfile, and not one its builders recognise) is
    // refused before the deploy starts; the deploy makes the same plan again to print it.
    context
        .plan()
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;

    let mut context = context;
    context.revision = query.revision;
    let deployer = state.deployer.clone();
    stream(&state, move |progress| async move {
        let outcome = deployer.deploy(context, app.as_ref(), &progress).await;
        drop(upload);
        outcome.map(deployed)
    })
}

/// `POST /v1/apps/{app}/image`: a prebuilt image as the app's new release. Its build context
/// (one Dockerfile, `FROM` the image) is written to the upload directory and goes through the
/// same deploy as an upload's.
pub async fn image(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    JsonBody(request): JsonBody<ImageDeployRequest>,
) -> Result<Response, ApiError> {
    let upload = tempfile::NamedTempFile::new_in(&state.upload_dir).map_err(ApiError::internal)?;
    let path = upload.path().to_path_buf();
    let ImageDeployRequest { image, settings } = request;
    let context = {
        let image = image.clone();
        tokio::task::spawn_blocking(move || image_context(&path, &image, &settings))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?
    };
    let deployer = state.deployer.clone();
    stream(&state, move |progress| async move {
        let outcome = deployer
            .deploy_image(context, &app, &image, &progress)
            .await;
        drop(upload);
        outcome.map(deployed)
    })
}

/// Save a request body into a new file of the upload directory, refusing it (by its declared
/// length, else while it streams) once it passes the server's upload limit. Returns the file
/// (deleted when dropped) and its size.
pub(super) async fn receive_upload(
    state: &ApiState,
    headers: &HeaderMap,
    body: Body,
    too_large_message: &str,
) -> Result<(tempfile::NamedTempFile, u64), ApiError> {
    let limit = state.max_upload_bytes;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("{too_large_message} (the limit is {limit} bytes)"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let upload = tempfile::NamedTempFile::new_in(&state.upload_dir).map_err(ApiError::internal)?;
    let mut file = tokio::fs::File::from_std(upload.reopen().map_err(ApiError::internal)?);
    let mut upload_stream = body.into_data_stream();
    let mut received: u64 = 0;
    while let Some(chunk) = upload_stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("the upload was interrupted: {e}"),
            )
        })?;
        received += chunk.len() as u64;
        if received > limit {
            return Err(too_large());
        }
        file.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    file.flush().await.map_err(ApiError::internal)?;
    Ok((upload, received))
}

/// A release that now serves, as the API tells it.
pub(super) fn deployed(outcome: DeployOutcome) -> Outcome {
    Outcome::Deployed(Deployed {
        app: outcome.app,
        version: outcome.version.get(),
        urls: outcome.urls,
    })
}

/// Run `work` as a tracked task and answer with its progress lines as they come, then one
/// final event: `{"done": OUTCOME}` or `{"error": MESSAGE}`.
pub(super) fn stream<F, Fut, E>(state: &ApiState, work: F) -> Result<Response, ApiError>
where
    F: FnOnce(Arc<Progress>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Outcome, E>> + Send + 'static,
    E: std::fmt::Display + wharf_domain::Documented + Send + 'static,
{
    let (line_tx, line_rx) = mpsc::unbounded_channel::<String>();
    let (done_tx, done_rx) = oneshot::channel();
    state.tasks.spawn(async move {
        let result = work(Arc::new(Progress::new(line_tx))).await;
        let _ = done_tx.send(result);
    });
    let lines =
        UnboundedReceiverStream::new(line_rx).map(|line| json_line(&ProgressEvent::Line(line)));
    let done = futures_util::stream::once(async move {
        let event = match done_rx.await {
            Ok(Ok(outcome)) => ProgressEvent::Done(outcome),
            Ok(Err(err)) => ProgressEvent::Error(wharf_domain::explained(&err)),
            Err(_) => ProgressEvent::Error("the task ended unexpectedly".to_string()),
        };
        json_line(&event)
    });
    let events = lines.chain(done).map(Ok::<_, std::convert::Infallible>);
    Response::builder()
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .body(Body::from_stream(events))
        .map_err(ApiError::internal)
}

/// One line of a newline-delimited JSON stream.
pub(super) fn json_line(event: &impl serde::Serialize) -> String {
    // The API's types always serialize (string keys, no failing impls); an empty line is
    // what a client would skip if one ever did not.
    let mut line = serde_json::to_string(event).unwrap_or_default();
    line.push('\n');
    line
}
