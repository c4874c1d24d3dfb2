//! An app's cron jobs on its page (app.json's `cron`, run on the daemon's clock) and their
//! newest runs: when, how they ended, and each run's output behind a disclosure, as `wharf
//! cron APP` and `wharf cron APP --log ID` show them.

use super::layout::{Tone, badge, when};
use maud::{Markup, html};
use wharf_api::CronJobs;

/// How many runs the page shows.
const RUNS_SHOWN: usize = 10;

/// The section of the app page.
pub(super) fn section(cron: &CronJobs, now: i64) -> Markup {
    html! {
        @if cron.jobs.is_empty() {
            p.empty { "No cron jobs: app.json's " code { "cron" } " list gives an app some." }
        } @else {
            ul.names #cron-jobs {
                @for job in &cron.jobs {
                    li { code { (job.schedule) } " " span.muted { "(UTC)" } " " code.wrap { (job.command) } }
                }
            }
        }
        @if !cron.runs.is_empty() {
            table.cards #cron-runs {
                thead { tr { th scope="col" { "Run" } th scope="col" { "Ended" } th scope="col" { "Started" } th scope="col" { "Command" } } }
                tbody {
                    @for run in cron.runs.iter().take(RUNS_SHOWN) {
                        tr {
                            th scope="row" data-label="Run" { (run.id) }
                            td data-label="Ended" {
                                @match run.exit_code {
                                    Some(0) => { (badge("exit 0", Tone::Ok)) }
                                    Some(code) => { (badge(&format!("exit {code}"), Tone::Bad)) }
                                    None => { (badge("running", Tone::Busy)) }
                                }
                            }
                            td data-label="Started" { (when(run.started_at, now)) }
                            td data-label="Command" {
                                code.wrap { (run.command) }
                                @if !run.log.is_empty() {
                                    details {
                                        summary { "Output" }
                                        pre.output { (run.log) }
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
