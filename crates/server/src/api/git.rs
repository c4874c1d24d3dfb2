//! git's smart HTTP protocol, for pushes only: `GET /git/APP.git/info/refs?service=git-receive-pack`
//! and `POST /git/APP.git/git-receive-pack`, each served by `git receive-pack --stateless-rpc`
//! run as a child with fixed arguments (as the `wharf` user when there is one). The request
//! body streams into it and its output streams back; nothing is buffered whole. The
//! repository's pre-receive hook deploys, exactly as for a push over SSH.

use super::{ApiError, ApiState};
use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;
use serde::Deserialize;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use wharf_domain::{Actor, AppName};

#[derive(Deserialize)]
pub struct RefsQuery {
    service: Option<String>,
}

/// The app a `{repo}` path segment names: `APP.git` or `APP`.
fn app_of(repo: &str) -> Result<AppName, ApiError> {
    let name = repo.strip_suffix(".git").unwrap_or(repo);
    AppName::parse(name).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))
}

/// `git ARGS REPO` as the git user.
fn git(state: &ApiState, args: &[&str], repo: &std::path::Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new("git");
    command.args(args).arg(repo);
    if let Some(user) = &state.git.run_as {
        command
            .uid(user.uid.as_raw())
            .gid(user.gid.as_raw())
            .env("HOME", &user.home);
    }
    command
}

/// The refs advertisement, after creating the repository on a first push.
pub async fn info_refs(
    State(state): State<ApiState>,
    Path(repo): Path<String>,
    Query(query): Query<RefsQuery>,
) -> Result<Response, ApiError> {
    let app = app_of(&repo)?;
    match query.service.as_deref() {
        Some("git-receive-pack") => {}
        _ => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "Wharf serves git over HTTP for pushes only; clone or fetch over SSH (git clone wharf@HOST:APP)",
            ));
        }
    }
    let settings = state.git.clone();
    let ensure_app = app.clone();
    let path = tokio::task::spawn_blocking(move || {
        wharf_git::ensure_repo(
            &settings.data_dir,
            &ensure_app,
            &settings.binary,
            settings.run_as.as_ref(),
        )
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let output = git(
        &state,
        &["receive-pack", "--stateless-rpc", "--advertise-refs"],
        &path,
    )
    .stdin(Stdio::null())
    .output()
    .await
    .map_err(ApiError::internal)?;
    if !output.status.success() {
        return Err(ApiError::internal(format!(
            "git receive-pack --advertise-refs failed for {app}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let mut body = pkt_line("# service=git-receive-pack\n").into_bytes();
    body.extend_from_slice(b"0000");
    body.extend_from_slice(&output.stdout);
    Response::builder()
        .header(
            header::CONTENT_TYPE,
            "application/x-git-receive-pack-advertisement",
        )
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from(body))
        .map_err(ApiError::internal)
}

/// The push itself: the request body into `git receive-pack`, its output (with the hook's
/// deploy output in git's side band) back to the client as it comes.
pub async fn receive_pack(
    State(state): State<ApiState>,
    actor: Option<Extension<Actor>>,
    Path(repo): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let app = app_of(&repo)?;
    if headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes() != b"identity")
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "compressed push requests are not supported",
        ));
    }
    let path = wharf_git::repo_path(&state.git.data_dir, &app);
    if !path.join("HEAD").is_file() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("`{app}` has no repository yet; push again (git asks for info/refs first)"),
        ));
    }
    let mut receive = git(&state, &["receive-pack", "--stateless-rpc"], &path);
    if let Some(Extension(actor)) = actor {
        // The hook deploys for the pusher (the token), as the activity log records.
        receive.env(wharf_api::ACTOR_ENV, actor.to_written());
    }
    let mut child = receive
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(ApiError::internal)?;
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(ApiError::internal("git receive-pack has no pipes"));
    };
    tracing::info!(app = %app, "push over HTTP");
    let mut upload = body.into_data_stream();
    tokio::spawn(async move {
        while let Some(chunk) = upload.next().await {
            let Ok(chunk) = chunk else { break };
            if stdin.write_all(&chunk).await.is_err() {
                break;
            }
        }
        // Dropping stdin ends git's input.
    });
    let log_app = app.clone();
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            tracing::warn!(app = %log_app, "git receive-pack: {line}");
        }
        match child.wait().await {
            Ok(status) if status.success() => {}
            Ok(status) => tracing::info!(app = %log_app, %status, "push refused"),
            Err(err) => tracing::warn!(app = %log_app, error = %err, "waiting for git"),
        }
    });
    Response::builder()
        .header(
            header::CONTENT_TYPE,
            "application/x-git-receive-pack-result",
        )
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(tokio_util::io::ReaderStream::new(stdout)))
        .map_err(ApiError::internal)
}

/// One pkt-line: four hex digits of length (themselves included), then the data.
fn pkt_line(data: &str) -> String {
    format!("{:04x}{data}", data.len() + 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkt_lines_and_repo_names() {
        assert_eq!(
            pkt_line("# service=git-receive-pack\n"),
            "001f# service=git-receive-pack\n"
        );
        assert_eq!(app_of("blog.git").unwrap().as_str(), "blog");
        assert_eq!(app_of("blog").unwrap().as_str(), "blog");
        assert!(app_of("Bad_Name.git").is_err());
        assert!(app_of("..").is_err());
    }
}
