//! The activity log in the browser: every change made from anywhere (the dashboard, the CLI,
//! SSH, a git push, the API), who made it, when and how it ended. The whole server's on
//! `/activity`, each app's newest on its page. Read through the API's own handlers.

use super::State;
use super::error::PageError;
use super::layout::{Tone, badge, page, when};
use super::session::Signed;
use crate::api;
use crate::api::params::AppPath;
use axum::Extension;
use axum::extract::{Query, State as Reach};
use maud::{Markup, html};
use wharf_api::{Event, EventResult, Events, EventsQuery};
use wharf_domain::AppName;

/// Where the page is.
pub(super) const PATH: &str = "/activity";

/// How many events the activity page lists.
const ON_THE_PAGE: u32 = 200;

/// How many an app's page lists.
const ON_AN_APP_PAGE: u32 = 10;

/// `GET /activity`.
pub(super) async fn page_of_all(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
) -> Result<Markup, PageError> {
    let query = EventsQuery {
        limit: Some(ON_THE_PAGE),
    };
    let axum::Json(Events { events }) =
        api::events::list(Reach(state.api.clone()), Query(query)).await?;
    let now = wharf_store::unix_now();
    Ok(page(
        "Activity",
        Some(&signed),
        html! {
            h1 { "Activity" }
            p.muted { "Every change, from the dashboard, the command line, SSH, git pushes and the API: who made it and how it ended. Newest first." }
            div #activity-all data-refresh="10" { (table(&events, now, true)) }
        },
    ))
}

/// The newest changes of `app`, for its page.
pub(super) async fn of_app(state: &State, app: &AppName) -> Result<Vec<Event>, PageError> {
    let query = EventsQuery {
        limit: Some(ON_AN_APP_PAGE),
    };
    let axum::Json(Events { events }) =
        api::events::of_app(Reach(state.api.clone()), AppPath(app.clone()), Query(query)).await?;
    Ok(events)
}

/// The section of an app's page.
pub(super) fn section(events: &[Event], now: i64) -> Markup {
    html! {
        (table(events, now, false))
        p { a href=(PATH) { "All activity" } }
    }
}

/// Events as a table (the app column only when they are of several apps).
fn table(events: &[Event], now: i64, with_app: bool) -> Markup {
    html! {
        @if events.is_empty() {
            p.empty { "Nothing has been changed yet." }
        } @else {
            table.cards #activity {
                thead { tr {
                    th scope="col" { "What" }
                    @if with_app { th scope="col" { "App" } }
                    th scope="col" { "Who" }
                    th scope="col" { "When" }
                    th scope="col" { "Result" }
                } }
                tbody {
                    @for event in events {
                        tr {
                            th scope="row" data-label="What" {
                                (event.action)
                                @if let Some(subject) = &event.subject { " " code { (subject) } }
                            }
                            @if with_app {
                                td data-label="App" {
                                    @match &event.app {
                                        Some(app) => { a href={"/apps/" (app)} { (app) } }
                                        None => { span.muted { "server" } }
                                    }
                                }
                            }
                            td data-label="Who" { (event.actor) }
                            td data-label="When" { (when(event.at, now)) }
                            td data-label="Result" {
                                (result_badge(event.result))
                                @if !event.message.is_empty() {
                                    @if event.result == EventResult::Ok {
                                        p.muted { (event.message) }
                                    } @else {
                                        p.reason { (event.message) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn result_badge(result: EventResult) -> Markup {
    let tone = match result {
        EventResult::Ok => Tone::Ok,
        EventResult::Running => Tone::Busy,
        EventResult::Failed | EventResult::Interrupted => Tone::Bad,
    };
    badge(result.as_str(), tone)
}
