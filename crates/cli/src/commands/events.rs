//! `wharf events [APP]`: the activity log, newest first: every change made to the server (or
//! to one app), who made it (a user of the dashboard, a token, an SSH key, a command on the
//! server), what it was and how it ended; and what Wharf noticed itself (a crash, an
//! out-of-memory kill, a certificate that cannot renew), with its severity and how many times.

use super::listing;
use crate::client::{Client, with_query};
use crate::output::{Cell, Clock, Colour, Table, outln};
use std::process::ExitCode;
use wharf_api::{EventResult, Events, EventsQuery, paths};
use wharf_domain::{AppName, Severity};

pub async fn run(
    client: &Client,
    app: Option<&AppName>,
    limit: Option<u32>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let path = match app {
        Some(app) => paths::fill(paths::APP_EVENTS, &[app.as_str()]),
        None => paths::EVENTS.to_string(),
    };
    let path = with_query(&path, &EventsQuery { limit })?;
    let Some(Events { events }) = listing::<Events>(client, &path, json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    if events.is_empty() {
        match app {
            Some(app) => outln!("Nothing has changed {app} yet.")?,
            None => outln!("Nothing has been changed yet.")?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let clock = Clock::now();
    let mut table = Table::new(["WHEN", "WHO", "APP", "WHAT", "RESULT", "MESSAGE"]);
    for event in events {
        let colour = match (event.severity, event.result) {
            (Some(Severity::Info), _) | (None, EventResult::Ok) => Colour::Green,
            (Some(Severity::Warning), _) | (None, EventResult::Running) => Colour::Yellow,
            (Some(Severity::Critical), _)
            | (None, EventResult::Failed | EventResult::Interrupted) => Colour::Red,
        };
        let result = match event.severity {
            Some(severity) => severity.as_str(),
            None => event.result.as_str(),
        };
        let message = match event.repeats {
            1 => event.message,
            n => format!("{} ({n} times)", event.message),
        };
        let what = match &event.subject {
            Some(subject) => format!("{} {subject}", event.action),
            None => event.action,
        };
        table.row([
            clock.date_and_age(event.at).into(),
            event.actor.into(),
            event.app.unwrap_or_else(|| "-".to_string()).into(),
            what.into(),
            Cell::coloured(result, Some(colour)),
            message.into(),
        ]);
    }
    table.print()?;
    Ok(ExitCode::SUCCESS)
}
