//! A database's backups on its page: each attempt (when, how, its file and size, verified or
//! why it failed) and the schedule; for admins "Back up now", "Verify" (restore the newest
//! into a scratch container and read it back), the schedule form (five-field cron, UTC, and
//! how many to keep) and a "Restore…" link by each good backup (`database_confirm`). The
//! changes are the API's `POST /v1/services/{name}/backups`, `.../backups/verify` and
//! `.../backup-schedule`, made through its routes.

use super::State;
use super::databases::{backup_state, known_name, page_link};
use super::error::PageError;
use super::layout::{bytes, csrf_field, when};
use super::session::Signed;
use super::through_api::{self, Sent};
use crate::api;
use crate::api::params::ServicePath;
use axum::extract::{Path, State as Reach};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;
use wharf_api::{Backup, BackupScheduleRequest, Service, VerifyReport, paths};
use wharf_domain::CronSchedule;

/// The backups of `service`, newest first, through the API's handler.
pub(super) async fn read(state: &State, service: ServicePath) -> Result<Vec<Backup>, PageError> {
    let axum::Json(list) = api::services::backups(Reach(state.api.clone()), service).await?;
    Ok(list)
}

/// The section of the database's page.
pub(super) fn section(info: &Service, backups: &[Backup], signed: &Signed, now: i64) -> Markup {
    let admin = signed.is_admin();
    let action = |verb: &str| format!("{}/{verb}", page_link(&info.name));
    html! {
        @if admin {
            div.actions.button-row {
                form method="post" action=(action("backup")) {
                    (csrf_field(signed))
                    button #database-backup type="submit" { "Back up now" }
                }
                @if backups.iter().any(|b| b.error.is_none() && b.file.is_some()) {
                    form method="post" action=(action("verify")) {
                        (csrf_field(signed))
                        button #database-verify type="submit" { "Verify the newest" }
                    }
                }
            }
        }
        @if backups.is_empty() {
            p.empty { "No backups yet." }
        } @else {
            table.cards #database-backups {
                thead { tr {
                    th scope="col" { "Made" } th scope="col" { "File" } th scope="col" { "Size" }
                    th scope="col" { "Verified" }
                    @if admin { th scope="col" { span.visually-hidden { "Actions" } } }
                } }
                tbody {
                    @for backup in backups {
                        tr {
                            th scope="row" data-label="Made" {
                                (when(backup.started_at, now)) " "
                                span.muted { @if backup.scheduled { "scheduled" } @else { "by hand" } }
                            }
                            td data-label="File" {
                                @match &backup.file { Some(file) => { code.wrap { (file) } } None => { span.muted { "none" } } }
                            }
                            td data-label="Size" {
                                @match backup.size { Some(size) => { (bytes(size.max(0) as u64)) } None => { span.muted { "-" } } }
                            }
                            td data-label="Verified" {
                                (backup_state(backup))
                                @if let Some(at) = backup.verified_at { " " span.muted { (when(at, now)) } }
                                @if let Some(error) = &backup.error { p.reason { (error) } }
                            }
                            @if admin {
                                td.row-actions {
                                    @if let (Some(file), None) = (&backup.file, &backup.error) {
                                        a.button href=(super::database_confirm::restore_link(&info.name, file)) { "Restore…" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h3 { "Schedule" }
        p #database-schedule {
            @match &info.backup_schedule {
                Some(schedule) => { "Backed up at " code { (schedule) } " (UTC), keeping the newest " (info.backup_keep) "; each scheduled backup is verified by a restore." }
                None => { span.muted { "No scheduled backups." } }
            }
        }
        @if admin {
            form.fields #database-schedule-form method="post" action=(action("schedule")) {
                (csrf_field(signed))
                div {
                    label for="schedule-cron" { "When " span.muted { "(five-field cron, UTC)" } }
                    input #schedule-cron type="text" name="schedule" autocomplete="off" spellcheck="false"
                        placeholder="0 3 * * *" value=(info.backup_schedule.as_deref().unwrap_or(""));
                }
                div.narrow {
                    label for="schedule-keep" { "Keep" }
                    input #schedule-keep type="number" name="keep" min="1" required value=(info.backup_keep);
                }
                button type="submit" { "Save schedule" }
            }
            p.hint { "Leave \"When\" empty to turn scheduled backups off." }
        }
    }
}

/// `POST /databases/{name}/backup` (admins, with the CSRF token): a backup now.
pub(super) async fn backup(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    let ServicePath(service) = known_name(&name)?;
    let back = page_link(service.as_str());
    tracing::info!(user = %signed.user.name, %service, "dashboard: database backup");
    through_api::send(
        &state,
        &signed,
        Method::POST,
        &paths::fill(paths::SERVICE_BACKUPS, &[service.as_str()]),
        Sent::Nothing,
        &back,
    )
    .await?;
    Ok(Redirect::to(&format!("{back}?done=backed-up")).into_response())
}

/// `POST /databases/{name}/verify` (admins, with the CSRF token): the newest backup restored
/// into a scratch container and read back.
pub(super) async fn verify(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    let ServicePath(service) = known_name(&name)?;
    let back = page_link(service.as_str());
    tracing::info!(user = %signed.user.name, %service, "dashboard: database verify");
    let answer = through_api::send(
        &state,
        &signed,
        Method::POST,
        &paths::fill(paths::SERVICE_VERIFY, &[service.as_str()]),
        Sent::Nothing,
        &back,
    )
    .await?;
    let report: VerifyReport = through_api::json(answer).await?;
    Ok(Redirect::to(&format!(
        "{back}?done=verified&objects={}",
        report.restored_objects
    ))
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ScheduleForm {
    #[serde(default)]
    schedule: String,
    #[serde(default)]
    keep: String,
}

impl ScheduleForm {
    /// The request the form asks for, parsed here where it enters: an empty schedule turns
    /// scheduled backups off.
    fn request(&self) -> Result<BackupScheduleRequest, String> {
        let schedule = self
            .schedule
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let schedule = match schedule.as_str() {
            "" => None,
            given => {
                CronSchedule::parse(given).map_err(|err| {
                    format!("`{given}` is not a backup schedule: {err}. Write five fields, such as `0 3 * * *` (03:00 UTC every day).")
                })?;
                Some(schedule)
            }
        };
        let keep = self.keep.trim();
        let keep = keep.parse::<u32>().ok().filter(|k| *k > 0).ok_or_else(|| {
            format!("`{keep}` is not how many backups to keep: give a whole number, 1 or more.")
        })?;
        Ok(BackupScheduleRequest {
            schedule,
            keep: Some(keep),
        })
    }
}

/// `POST /databases/{name}/schedule` (admins, with the CSRF token).
pub(super) async fn schedule(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(name): Path<String>,
    Form(form): Form<ScheduleForm>,
) -> Result<Response, PageError> {
    let ServicePath(service) = known_name(&name)?;
    let back = page_link(service.as_str());
    let request = form
        .request()
        .map_err(|message| PageError::new(StatusCode::BAD_REQUEST, message).back_to(&back))?;
    tracing::info!(user = %signed.user.name, %service, schedule = ?request.schedule, "dashboard: database backup schedule");
    let done = if request.schedule.is_some() {
        "schedule-set"
    } else {
        "schedule-off"
    };
    through_api::send(
        &state,
        &signed,
        Method::POST,
        &paths::fill(paths::SERVICE_BACKUP_SCHEDULE, &[service.as_str()]),
        Sent::json(&request)?,
        &back,
    )
    .await?;
    Ok(Redirect::to(&format!("{back}?done={done}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(schedule: &str, keep: &str) -> ScheduleForm {
        ScheduleForm {
            schedule: schedule.into(),
            keep: keep.into(),
        }
    }

    #[test]
    fn the_schedule_form_is_parsed_where_it_enters() {
        let set = form(" 0  3 * * * ", "7").request().unwrap();
        assert_eq!(set.schedule.as_deref(), Some("0 3 * * *"));
        assert_eq!(set.keep, Some(7));
        assert_eq!(form("", "3").request().unwrap().schedule, None);
        let bad = form("every night", "7").request().unwrap_err();
        assert!(bad.contains("is not a backup schedule"), "{bad}");
        for keep in ["0", "", "-1", "many"] {
            let err = form("0 3 * * *", keep).request().unwrap_err();
            assert!(err.contains("how many backups to keep"), "{keep}: {err}");
        }
    }
}
