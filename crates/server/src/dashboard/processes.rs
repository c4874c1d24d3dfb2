//! An app's processes on its page: each process of the running release with its scale, and for
//! admins a form per process that scales it, one that sets its memory and CPU limits, and
//! buttons that stop, start or restart it (or every process at once). Each change is the API's
//! own request (`through_api`: `POST /v1/apps/{app}/scale`, `/limits`, `/stop`, `/start`,
//! `/restart`), waited for; the page then says what happened. A process name or count from a
//! form is parsed here, where it enters, and refused with the parser's words.

use super::State;
use super::change::outcome;
use super::error::PageError;
use super::layout::csrf_field;
use super::session::Signed;
use super::through_api::{self, Sent};
use crate::api::params::AppPath;
use axum::extract::{Path, State as Reach};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;
use wharf_api::{
    LifecycleAction, LifecycleRequest, LimitsRequest, Outcome, ProcessFormation, ScaleRequest,
    paths,
};
use wharf_domain::{MAX_SCALE, ProcessName};

/// The section of the app page.
pub(super) fn section(app: &str, formation: &[ProcessFormation], signed: &Signed) -> Markup {
    let admin = signed.is_admin();
    html! {
        @if formation.is_empty() {
            p.empty { "No process yet: the app has no release." }
        } @else {
            table.cards #formation {
                thead { tr {
                    th scope="col" { "Process" }
                    th scope="col" { "Containers" }
                    @if admin { th scope="col" { "Scale" } th scope="col" { span.visually-hidden { "Actions" } } }
                } }
                tbody {
                    @for process in formation {
                        tr {
                            th scope="row" data-label="Process" { code { (process.process) } }
                            td data-label="Containers" {
                                @if process.started { (process.scale) } @else { span.muted { "none (scale 0)" } }
                            }
                            @if admin {
                                td data-label="Scale" {
                                    form.inline method="post" action={"/apps/" (app) "/scale"} {
                                        (csrf_field(signed))
                                        input type="hidden" name="process" value=(process.process);
                                        label.visually-hidden for={"scale-" (process.process)} { "Containers of " (process.process) }
                                        input.count id={"scale-" (process.process)} type="number" name="count"
                                            min="0" max=(MAX_SCALE) value=(process.scale) required;
                                        button.small type="submit" { "Scale" }
                                    }
                                }
                                td.row-actions {
                                    @for (action, label) in [(LifecycleAction::Restart, "Restart"), (LifecycleAction::Stop, "Stop"), (LifecycleAction::Start, "Start")] {
                                        form.inline method="post" action={"/apps/" (app) "/" (verb(action))} {
                                            (csrf_field(signed))
                                            input type="hidden" name="process" value=(process.process);
                                            button.small type="submit" aria-label={(label) " " (process.process)} { (label) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if admin {
                details.limits {
                    summary { "Memory and CPU limits" }
                    form.fields #limits method="post" action={"/apps/" (app) "/limits"} {
                        (csrf_field(signed))
                        div {
                            label for="limits-process" { "Process" }
                            select #limits-process name="process" {
                                @for process in formation { option value=(process.process) { (process.process) } }
                            }
                        }
                        div {
                            label for="limits-memory" { "Memory " span.muted { "(512m, 1g)" } }
                            input #limits-memory type="text" name="memory" autocomplete="off" spellcheck="false";
                        }
                        div {
                            label for="limits-cpus" { "CPUs " span.muted { "(0.5, 2)" } }
                            input #limits-cpus type="text" name="cpus" autocomplete="off" inputmode="decimal";
                        }
                        button type="submit" { "Set limits and deploy" }
                    }
                    p.hint { "Leave a field empty to keep it as it is. New limits deploy the process again." }
                }
                section.actions aria-label="Every process" {
                    @for (action, label) in [(LifecycleAction::Restart, "Restart all processes"), (LifecycleAction::Stop, "Stop all"), (LifecycleAction::Start, "Start all")] {
                        form method="post" action={"/apps/" (app) "/" (verb(action))} {
                            (csrf_field(signed))
                            button type="submit" { (label) }
                        }
                    }
                }
            }
        }
    }
}

/// The dashboard's path word for an action, as the API's.
fn verb(action: LifecycleAction) -> &'static str {
    match action {
        LifecycleAction::Stop => "stop",
        LifecycleAction::Start => "start",
        LifecycleAction::Restart => "restart",
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ScaleForm {
    #[serde(default)]
    process: String,
    #[serde(default)]
    count: String,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct LimitsForm {
    #[serde(default)]
    process: String,
    #[serde(default)]
    memory: String,
    #[serde(default)]
    cpus: String,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ProcessForm {
    /// One process; every process when absent.
    #[serde(default)]
    process: Option<String>,
}

/// `POST /apps/{app}/scale` (admins, with the CSRF token).
pub(super) async fn scale(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Form(form): Form<ScaleForm>,
) -> Result<Response, PageError> {
    let AppPath(name) = super::app_page::known_name(&app)?;
    let back = format!("/apps/{app}");
    let process = process_name(&form.process, &back)?;
    let count = form
        .count
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|count| *count <= MAX_SCALE)
        .ok_or_else(|| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                format!("A scale is a number of containers from 0 to {MAX_SCALE}."),
            )
            .back_to(&back)
        })?;
    tracing::info!(user = %signed.user.name, %app, %process, count, "dashboard: scale");
    let request = ScaleRequest([(process, count)].into_iter().collect());
    let path = paths::fill(paths::SCALE, &[name.as_str()]);
    let done = change(&state, &signed, &path, Sent::json(&request)?, &app, "scale").await?;
    Ok(Redirect::to(&after(&back, "scaled", &done)).into_response())
}

/// `POST /apps/{app}/limits` (admins, with the CSRF token).
pub(super) async fn limits(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Form(form): Form<LimitsForm>,
) -> Result<Response, PageError> {
    let AppPath(name) = super::app_page::known_name(&app)?;
    let back = format!("/apps/{app}");
    let process = process_name(&form.process, &back)?;
    let given = |value: &str| Some(value.trim().to_string()).filter(|v| !v.is_empty());
    let request = LimitsRequest {
        process: process.clone(),
        memory: given(&form.memory),
        cpus: given(&form.cpus),
    };
    if request.memory.is_none() && request.cpus.is_none() {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            "Give a memory limit (512m), a number of CPUs (0.5), or both.",
        )
        .back_to(&back));
    }
    tracing::info!(user = %signed.user.name, %app, %process, "dashboard: limits");
    let path = paths::fill(paths::LIMITS, &[name.as_str()]);
    let done = change(
        &state,
        &signed,
        &path,
        Sent::json(&request)?,
        &app,
        "limits",
    )
    .await?;
    Ok(Redirect::to(&after(&back, "limits", &done)).into_response())
}

/// `POST /apps/{app}/stop` (admins, with the CSRF token).
pub(super) async fn stop(
    state: Reach<State>,
    signed: Extension<Signed>,
    app: Path<String>,
    form: Form<ProcessForm>,
) -> Result<Response, PageError> {
    lifecycle(LifecycleAction::Stop, state, signed, app, form).await
}

/// `POST /apps/{app}/start` (admins, with the CSRF token).
pub(super) async fn start(
    state: Reach<State>,
    signed: Extension<Signed>,
    app: Path<String>,
    form: Form<ProcessForm>,
) -> Result<Response, PageError> {
    lifecycle(LifecycleAction::Start, state, signed, app, form).await
}

/// `POST /apps/{app}/restart` (admins, with the CSRF token).
pub(super) async fn restart(
    state: Reach<State>,
    signed: Extension<Signed>,
    app: Path<String>,
    form: Form<ProcessForm>,
) -> Result<Response, PageError> {
    lifecycle(LifecycleAction::Restart, state, signed, app, form).await
}

async fn lifecycle(
    action: LifecycleAction,
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    Form(form): Form<ProcessForm>,
) -> Result<Response, PageError> {
    let AppPath(name) = super::app_page::known_name(&app)?;
    let back = format!("/apps/{app}");
    let process = match form.process.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(given) => Some(process_name(given, &back)?),
    };
    let word = verb(action);
    tracing::info!(user = %signed.user.name, %app, process = ?process, action = word, "dashboard: processes");
    let request = LifecycleRequest {
        process: process.clone(),
    };
    let path = paths::fill(action.path(), &[name.as_str()]);
    change(&state, &signed, &path, Sent::json(&request)?, &app, word).await?;
    let done = match (action, process.is_some()) {
        (LifecycleAction::Restart, false) => "restart",
        (LifecycleAction::Restart, true) => "restarted",
        (LifecycleAction::Stop, _) => "stopped",
        (LifecycleAction::Start, _) => "started",
    };
    Ok(Redirect::to(&format!("{back}?done={done}")).into_response())
}

/// The API's change at `path`, waited for: its outcome, or its error as a page back to the
/// app.
async fn change(
    state: &State,
    signed: &Signed,
    path: &str,
    sent: Sent,
    app: &str,
    what: &str,
) -> Result<Outcome, PageError> {
    let back = format!("/apps/{app}");
    let answer = through_api::send(state, signed, Method::POST, path, sent, &back).await?;
    outcome(answer, &format!("The {what} of {app}"), &back).await
}

/// The app's page after a change `done`, naming the release it deployed, if any.
fn after(back: &str, done: &str, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Deployed(deployed) => format!("{back}?done={done}&release={}", deployed.version),
        Outcome::Message(_) => format!("{back}?done={done}"),
    }
}

/// A process name from a form, parsed where it enters.
fn process_name(given: &str, back: &str) -> Result<ProcessName, PageError> {
    ProcessName::parse(given.trim())
        .map_err(|err| PageError::new(StatusCode::BAD_REQUEST, err.to_string()).back_to(back))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_process_name_is_refused_with_the_parser_s_words() {
        let err = process_name("Web!", "/apps/blog").unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            err.message,
            ProcessName::parse("Web!").unwrap_err().to_string()
        );
        assert_eq!(err.back.as_deref(), Some("/apps/blog"));
        assert_eq!(process_name(" worker ", "/").unwrap().as_str(), "worker");
    }
}
