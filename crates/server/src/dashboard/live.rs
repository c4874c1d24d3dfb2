//! Output that pages follow as it is written, as Server-Sent Events: the app's latest deploy
//! (`GET /apps/{app}/deploy/live?from=N`, whoever started it) and its containers' logs
//! (`GET /apps/{app}/logs/live?process=P`). Each stream sends `line` events, one line of
//! text each, then one `end` event saying how it ended.
//!
//! Pages render what there is so far as plain HTML in a `<pre data-follow=URL>`, and the
//! embedded `live.js` appends what comes after; with JavaScript off the page is still whole
//! as of its loading, with a link to load it again.

use super::State;
use super::app_page::known_name;
use super::error::PageError;
use super::layout::{Tone, badge};
use crate::api;
use axum::extract::{Path, Query, State as Reach};
use axum::response::sse::{Event, KeepAlive, KeepAliveStream, Sse};
use futures_util::stream::{self, BoxStream, StreamExt};
use maud::{Markup, html};
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use wharf_api::{LogEvent, LogsQuery};
use wharf_deploy::{Ended, LiveDeploy};

/// How often an idle stream sends a comment, so proxies and browsers keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The stream of events a page follows.
type Events = Sse<KeepAliveStream<BoxStream<'static, Result<Event, Infallible>>>>;

fn sse(events: BoxStream<'static, Event>) -> Events {
    Sse::new(events.map(Ok).boxed()).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

fn line(text: &str) -> Event {
    Event::default().event("line").data(text)
}

fn end(text: &str) -> Event {
    Event::default().event("end").data(text)
}

/// How a deploy's end reads on its page.
fn ended_text(ended: &Ended) -> String {
    match ended {
        Ended::Live => "The release is live.".to_owned(),
        Ended::Failed(reason) => {
            format!("The deploy failed; the previous release keeps serving. {reason}")
        }
    }
}

/// The app's latest deploy since the daemon started, as a section of its page: the output
/// so far, followed live while it runs.
pub(super) fn deploy_section(app: &str, deploy: Option<&LiveDeploy>) -> Markup {
    let Some(deploy) = deploy else {
        return html! {};
    };
    let (lines, count) = deploy.lines_from(0);
    let ended = deploy.ended();
    html! {
        section #deploy aria-labelledby="deploy-heading" {
            h2 #deploy-heading {
                "Deploy of " (deploy.version()) " "
                @match &ended {
                    None => { (badge("deploying", Tone::Busy)) }
                    Some(Ended::Live) => { (badge("live", Tone::Ok)) }
                    Some(Ended::Failed(_)) => { (badge("failed", Tone::Bad)) }
                }
            }
            details open[ended.is_none()] {
                summary { "Output (" (count) " lines)" }
                pre.output #deploy-output aria-live="polite"
                    data-follow=[ended.is_none().then(|| format!("/apps/{app}/deploy/live?from={count}"))]
                    data-reload={"/apps/" (app)} {
                    @for line in &lines { (line) "\n" }
                }
            }
            @match &ended {
                None => { p.live-note { "Following as it runs. " a href={"/apps/" (app) "#deploy"} { "Load the page again" } " to see the latest without JavaScript." } }
                Some(ended) => { p.live-end role="status" { (ended_text(ended)) } }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct From {
    /// Lines the page already shows.
    #[serde(default)]
    from: usize,
}

/// `GET /apps/{app}/deploy/live?from=N`: the latest deploy's lines from the `N`th on, as
/// they are printed, then its end.
pub(super) async fn deploy(
    Reach(state): Reach<State>,
    Path(app): Path<String>,
    Query(From { from }): Query<From>,
) -> Result<Events, PageError> {
    let name = known_name(&app)?.0;
    let Some(deploy) = state.api.deployer.live().latest(&name) else {
        let none = end("No deploy of this app since the server started.");
        return Ok(sse(stream::iter([none]).boxed()));
    };
    Ok(sse(follow_deploy(deploy, from)))
}

/// The lines of `deploy` from `from` on, then its end.
fn follow_deploy(deploy: Arc<LiveDeploy>, from: usize) -> BoxStream<'static, Event> {
    stream::unfold(Some((deploy, from)), |next| async move {
        let (deploy, seen) = next?;
        deploy.changed(seen).await;
        // The end is read first: no line is added after it, so none is missed.
        let ended = deploy.ended();
        let (lines, count) = deploy.lines_from(seen);
        let mut events: Vec<Event> = lines.iter().map(|text| line(text)).collect();
        let next = match ended {
            Some(ended) => {
                events.push(end(&ended_text(&ended)));
                None
            }
            None => Some((deploy, count)),
        };
        Some((stream::iter(events), next))
    })
    .flatten()
    .boxed()
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Process {
    #[serde(default)]
    pub(super) process: Option<String>,
    /// Lines after this time only (the last one the page shows).
    #[serde(default)]
    pub(super) since: Option<String>,
}

/// `GET /apps/{app}/logs/live?process=P`: the app's log lines as its containers write them
/// (of one process if given), from the API's own log stream.
pub(super) async fn logs(
    Reach(state): Reach<State>,
    Path(app): Path<String>,
    Query(Process { process, since }): Query<Process>,
) -> Result<Events, PageError> {
    let name = known_name(&app)?;
    // From the last line the page has on, so none is missed between the two; without it,
    // only new lines.
    let query = LogsQuery {
        tail: since.is_none().then(|| "0".to_owned()),
        follow: true,
        process: process.filter(|p| !p.is_empty()),
        since,
        ..LogsQuery::default()
    };
    let answer = api::logs::logs(Reach(state.api.clone()), name, Query(query)).await?;
    Ok(sse(log_events(answer.into_body())))
}

/// The API's newline-delimited log events as page events: `source | line`, and an `end`
/// when the stream ends or fails.
pub(super) fn log_events(body: axum::body::Body) -> BoxStream<'static, Event> {
    let mut pending = Vec::new();
    let chunks = body.into_data_stream().map(move |chunk| {
        let Ok(chunk) = chunk else {
            return vec![end("The log stream was interrupted.")];
        };
        pending.extend_from_slice(&chunk);
        let mut events = Vec::new();
        while let Some(at) = pending.iter().position(|b| *b == b'\n') {
            let raw: Vec<u8> = pending.drain(..=at).collect();
            match serde_json::from_slice::<LogEvent>(&raw) {
                Ok(LogEvent::Line(entry)) => events.push(line(&log_line(&entry))),
                Ok(LogEvent::Error(error)) => events.push(end(&error.error)),
                Err(_) => {}
            }
        }
        events
    });
    let ended = stream::once(async { vec![end("The log stream ended.")] });
    chunks.chain(ended).flat_map(stream::iter).boxed()
}

/// A log line as the page shows it.
pub(super) fn log_line(entry: &wharf_api::LogEntry) -> String {
    format!("{} | {}", entry.source, entry.line)
}
