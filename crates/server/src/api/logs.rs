//! `GET /v1/apps/{app}/logs?tail=N&follow=true&process=web`: the logs of an app's containers,
//! merged, as newline-delimited JSON `{"source": "web.1", "stream": "stdout", "time": ...,
//! "line": ...}`; a failure part-way ends the stream with `{"error": "..."}`.
//! Without `follow`, lines are ordered by time; with it, they come as they are written.
//!
//! `GET /v1/apps/{app}/releases/{version}/log`: a release's build and deploy output.

use super::deploy::json_line;
use super::params::{AppPath, ReleasePath};
use super::{ApiError, ApiState};
use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use futures_util::stream::{self, BoxStream};
use futures_util::{StreamExt, TryStreamExt};
use wharf_api::{ErrorBody, LogEntry, LogEvent, LogStream, LogsQuery, ReleaseLog};
use wharf_runtime::{LogLine, RuntimeError};

pub async fn logs(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    Query(query): Query<LogsQuery>,
) -> Result<Response, ApiError> {
    let tail = match query.tail.as_deref() {
        None | Some("all") => None,
        Some(n) => Some(n.parse::<usize>().map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("tail `{n}` is not a number of lines (or `all`)"),
            )
        })?),
    };
    let since = query.since.as_deref().map(LogTime::parse).transpose()?;
    let sources = state
        .deployer
        .log_sources(&app, query.process.as_deref())
        .await?;
    let docker = state.deployer.docker().clone();
    let streams: Vec<BoxStream<'static, Result<(String, LogLine), RuntimeError>>> = sources
        .into_iter()
        .map(|source| {
            let label = source.label;
            let since = since.clone();
            docker
                .log_lines(
                    &source.id,
                    tail,
                    query.follow,
                    since.as_ref().map(|s| s.unix),
                )
                // A container removed since it was listed (a run that ended) has no more lines.
                .filter(|item| std::future::ready(!matches!(item, Err(RuntimeError::NotFound(_)))))
                .filter(move |item| {
                    let after = match (item, &since) {
                        (Ok(line), Some(since)) => line.time > since.fixed,
                        _ => true,
                    };
                    std::future::ready(after)
                })
                .map_ok(move |line| (label.clone(), line))
                .boxed()
        })
        .collect();
    let events: BoxStream<'static, String> = if query.follow {
        stream::select_all(streams)
            .map(|item| match item {
                Ok((source, line)) => event(&source, &line),
                Err(err) => json_line(&LogEvent::Error(ErrorBody {
                    error: err.to_string(),
                })),
            })
            .boxed()
    } else {
        let mut lines = Vec::new();
        for s in streams {
            lines.extend(
                s.try_collect::<Vec<_>>()
                    .await
                    .map_err(|e| ApiError::from(wharf_deploy::DeployError::from(e)))?,
            );
        }
        lines.sort_by(|(_, a), (_, b)| a.time.cmp(&b.time));
        stream::iter(
            lines
                .into_iter()
                .map(|(source, line)| event(&source, &line)),
        )
        .boxed()
    };
    Response::builder()
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .body(Body::from_stream(
            events.map(Ok::<_, std::convert::Infallible>),
        ))
        .map_err(ApiError::internal)
}

pub async fn release_log(
    State(state): State<ApiState>,
    ReleasePath(app, version): ReleasePath,
) -> Result<Json<ReleaseLog>, ApiError> {
    let log = state.deployer.release_log(&app, version)?;
    Ok(Json(ReleaseLog {
        version: version.get(),
        log,
    }))
}

fn event(source: &str, line: &LogLine) -> String {
    json_line(&LogEvent::Line(LogEntry {
        source: source.to_string(),
        stream: match line.stream {
            wharf_runtime::LogStream::Stdout => LogStream::Stdout,
            wharf_runtime::LogStream::Stderr => LogStream::Stderr,
        },
        time: line.time.clone(),
        line: line.text.clone(),
    }))
}

/// The `since` of a logs query: whole seconds for the engine, and the same time in the
/// engine's fixed-width form, which line times are compared with as text.
#[derive(Clone)]
struct LogTime {
    unix: i64,
    fixed: String,
}

impl LogTime {
    fn parse(text: &str) -> Result<LogTime, ApiError> {
        let time = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map_err(|err| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("since `{text}` is not an RFC 3339 time such as 2026-01-02T15:04:05.123456789Z: {err}"),
                )
            })?
            .to_offset(time::UtcOffset::UTC);
        Ok(LogTime {
            unix: time.unix_timestamp(),
            fixed: fixed_time(time),
        })
    }
}

/// A UTC time in the engine's fixed-width form of log times (`2026-01-02T15:04:05.000000000Z`).
pub(crate) fn fixed_time(time: time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second(),
        time.nanosecond()
    )
}

#[cfg(test)]
mod tests {
    use super::LogTime;

    #[test]
    fn since_is_read_as_rfc_3339_and_compared_in_the_engines_fixed_form() {
        let since = LogTime::parse("2026-01-02T16:04:05.5+01:00").unwrap();
        assert_eq!(since.fixed, "2026-01-02T15:04:05.500000000Z");
        assert_eq!(since.unix, 1767366245);
        assert!("2026-01-02T15:04:05.500000001Z" > since.fixed.as_str());
        let err = LogTime::parse("yesterday").err().unwrap();
        assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
        assert!(err.message.contains("since `yesterday`"), "{}", err.message);
    }
}
