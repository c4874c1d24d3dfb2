//! `GET /v1/apps/{app}/logs?tail=N&follow=true&process=web&since=2h&until=30m&grep=TEXT&release=v7`:
//! the app's kept log lines (the store outlives its containers: `wharf_deploy::AppLogs`), as
//! newline-delimited JSON `{"source": "web.1", "stream": "stdout", "time": ..., "line": ...}`;
//! a failure part-way ends the stream with `{"error": "..."}`. The lines picked come ordered by
//! time; with `follow`, the lines stored after them follow as they are stored.
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
use futures_util::StreamExt;
use futures_util::stream::{self, BoxStream};
use std::sync::Arc;
use std::time::Duration;
use wharf_api::{ErrorBody, LogEntry, LogEvent, LogStream, LogsQuery, ReleaseLog};
use wharf_deploy::{AppLogs, LogFilter, Position, StoredLine};
use wharf_domain::{AppName, LogTime, ReleaseVersion};

/// How often a follower looks for lines stored since it last looked.
const FOLLOW_EVERY: Duration = Duration::from_millis(500);

pub async fn logs(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    Query(query): Query<LogsQuery>,
) -> Result<Response, ApiError> {
    let filter = filter_of(&query, time::OffsetDateTime::now_utc())?;
    state
        .deployer
        .check_log_query(&app, filter.release, filter.process.as_deref())?;
    let store = state.deployer.app_logs().clone();
    let (lines, position) = {
        let (store, app, filter) = (store.clone(), app.clone(), filter.clone());
        tokio::task::spawn_blocking(move || store.read(&app, &filter))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?
    };
    let picked = stream::iter(lines.iter().map(event).collect::<Vec<_>>());
    let events: BoxStream<'static, String> = if query.follow {
        // Lines stored from now on: no tail, no end.
        let filter = LogFilter {
            tail: None,
            until: None,
            since: None,
            ..filter
        };
        picked.chain(follow(store, app, filter, position)).boxed()
    } else {
        picked.boxed()
    };
    Response::builder()
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .body(Body::from_stream(
            events.map(Ok::<_, std::convert::Infallible>),
        ))
        .map_err(ApiError::internal)
}

/// The lines `filter` picks as they are stored after `position`, until the client goes or the
/// store cannot be read (which ends the stream with the error).
fn follow(
    store: Arc<AppLogs>,
    app: AppName,
    filter: LogFilter,
    position: Position,
) -> BoxStream<'static, String> {
    stream::unfold(Some(position), move |position| {
        let (store, app, filter) = (store.clone(), app.clone(), filter.clone());
        async move {
            let position = position?;
            tokio::time::sleep(FOLLOW_EVERY).await;
            let read =
                tokio::task::spawn_blocking(move || store.read_after(&app, &filter, position))
                    .await;
            Some(match read {
                Ok(Ok((lines, next))) => (lines.iter().map(event).collect(), Some(next)),
                Ok(Err(err)) => (vec![failure(&err.to_string())], None),
                Err(err) => (vec![failure(&err.to_string())], None),
            })
        }
    })
    .flat_map(stream::iter)
    .boxed()
}

/// The query as a filter of the store, its times resolved against `now`; a bad value is
/// refused with what is wrong with it.
fn filter_of(query: &LogsQuery, now: time::OffsetDateTime) -> Result<LogFilter, ApiError> {
    let bad = |message: String| ApiError::new(StatusCode::BAD_REQUEST, message);
    let tail = match query.tail.as_deref() {
        None | Some("all") => None,
        Some(n) => Some(
            n.parse::<usize>()
                .map_err(|_| bad(format!("tail `{n}` is not a number of lines (or `all`)")))?,
        ),
    };
    let time = |name: &str, given: Option<&str>| {
        given
            .map(|text| {
                LogTime::parse(text)
                    .map(|t| t.resolve(now))
                    .map_err(|err| bad(format!("{name}: {err}")))
            })
            .transpose()
    };
    let release = query
        .release
        .as_deref()
        .map(|given| {
            ReleaseVersion::parse(given)
                .map_err(|_| bad(format!("release `{given}` is not a release such as v7")))
        })
        .transpose()?;
    Ok(LogFilter {
        since: time("since", query.since.as_deref())?,
        until: time("until", query.until.as_deref())?,
        grep: query.grep.clone().filter(|g| !g.is_empty()),
        release,
        process: query.process.clone().filter(|p| !p.is_empty()),
        tail,
    })
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

fn event(line: &StoredLine) -> String {
    json_line(&LogEvent::Line(LogEntry {
        source: line.source.clone(),
        stream: match line.stream {
            wharf_runtime::LogStream::Stdout => LogStream::Stdout,
            wharf_runtime::LogStream::Stderr => LogStream::Stderr,
        },
        time: line.time.clone(),
        line: line.text.clone(),
    }))
}

fn failure(error: &str) -> String {
    json_line(&LogEvent::Error(ErrorBody {
        error: error.to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_read_into_a_filter_with_times_resolved_against_now() {
        let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let query = LogsQuery {
            tail: Some("10".into()),
            since: Some("2h".into()),
            until: Some("2026-01-02T16:04:05.5+01:00".into()),
            grep: Some("GET".into()),
            release: Some("v7".into()),
            process: Some("web".into()),
            follow: false,
        };
        let filter = filter_of(&query, now).unwrap();
        assert_eq!(filter.tail, Some(10));
        assert_eq!(filter.since.unwrap().unix_timestamp(), 1_800_000_000 - 7200);
        assert_eq!(filter.until.unwrap().unix_timestamp(), 1_767_366_245);
        assert_eq!(filter.release, ReleaseVersion::new(7));
        assert_eq!(filter.grep.as_deref(), Some("GET"));
        let refused = |query: LogsQuery| filter_of(&query, now).err().unwrap();
        let err = refused(LogsQuery {
            since: Some("yesterday".into()),
            ..LogsQuery::default()
        });
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert!(
            err.message.contains("since: `yesterday`"),
            "{}",
            err.message
        );
        let err = refused(LogsQuery {
            release: Some("latest".into()),
            ..LogsQuery::default()
        });
        assert!(err.message.contains("release `latest`"), "{}", err.message);
        let err = refused(LogsQuery {
            tail: Some("many".into()),
            ..LogsQuery::default()
        });
        assert!(err.message.contains("tail `many`"), "{}", err.message);
    }
}
