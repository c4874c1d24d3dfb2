//! An app's logs: the last lines kept of its containers (the app log store, so lines of
//! replaced containers too), of every process or of one, then the new ones as they are stored
//! (`live::logs`). Read through the API's log handler, as `wharf logs` reads them.

use super::State;
use super::app_page::known_name;
use super::error::PageError;
use super::layout::page;
use super::live::{Process, log_line};
use super::session::Signed;
use crate::api;
use axum::Extension;
use axum::extract::{Path, Query, State as Reach};
use http_body_util::BodyExt;
use maud::{Markup, html};
use wharf_api::{LogEvent, LogsQuery};

/// Lines per container shown when the page loads.
const TAIL: &str = "100";

/// `GET /apps/{app}/logs?process=P`.
pub(super) async fn page_of(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Query(Process { process, .. }): Query<Process>,
) -> Result<Markup, PageError> {
    let name = known_name(&app)?;
    let process = process.filter(|p| !p.is_empty());
    let axum::Json(formation) =
        api::processes::formation(Reach(state.api.clone()), name.clone()).await?;
    let query = LogsQuery {
        tail: Some(TAIL.to_owned()),
        follow: false,
        process: process.clone(),
        ..LogsQuery::default()
    };
    let loaded = wharf_domain::fixed_time(time::OffsetDateTime::now_utc());
    let answer = api::logs::logs(Reach(state.api.clone()), name, Query(query)).await?;
    let body = answer
        .into_body()
        .collect()
        .await
        .map_err(PageError::internal)?
        .to_bytes();
    let mut lines = Vec::new();
    let mut last_time = None;
    let mut failure = None;
    for raw in body.split(|b| *b == b'\n').filter(|raw| !raw.is_empty()) {
        match serde_json::from_slice::<LogEvent>(raw) {
            Ok(LogEvent::Line(entry)) => {
                lines.push(log_line(&entry));
                last_time = Some(entry.time);
            }
            Ok(LogEvent::Error(error)) => failure = Some(error.error),
            Err(err) => failure = Some(format!("a log line could not be read: {err}")),
        }
    }
    // The stream goes on from the last line shown (or from now, if there is none).
    let mut follow = form_urlencoded::Serializer::new(String::new());
    if let Some(process) = &process {
        follow.append_pair("process", process);
    }
    follow.append_pair("since", &last_time.unwrap_or(loaded));
    let follow = format!("/apps/{app}/logs/live?{}", follow.finish());
    let title = format!("Logs of {app}");
    Ok(page(
        &title,
        Some(&signed),
        html! {
            nav.crumbs aria-label="Breadcrumb" {
                a href="/" { "Overview" } " / " a href={"/apps/" (app)} { (app) } " / " span aria-current="page" { "Logs" }
            }
            h1 { (title) }
            form.filter method="get" action={"/apps/" (app) "/logs"} {
                label for="process" { "Process" }
                select #process name="process" {
                    option value="" selected[process.is_none()] { "All processes" }
                    @for entry in &formation {
                        option value=(entry.process) selected[process.as_deref() == Some(entry.process.as_str())] { (entry.process) }
                    }
                }
                button type="submit" { "Show" }
            }
            @if let Some(failure) = failure { p.error role="alert" { (failure) } }
            p.muted { "The last " (TAIL) " lines kept of its containers (old ones too), then new lines as they are written. " a href="" { "Load again" } }
            pre.output.log #log-output aria-live="polite" data-follow=(follow) {
                @for line in &lines { (line) "\n" }
            }
        },
    ))
}
