//! `wharf apps`, `wharf apps destroy`, `wharf releases`.

use super::listing;
use crate::args::{AppsArgs, AppsCommand};
use crate::client::Client;
use crate::output::{Cell, Clock, Colour, Table, outln};
use anyhow::bail;
use http::Method;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use wharf_api::{AppDestroyed, AppSummary, CronJobs, Release, ReleaseStatus, paths};
use wharf_domain::AppName;

pub async fn run(client: &Client, args: &AppsArgs, json: bool) -> anyhow::Result<ExitCode> {
    match &args.command {
        None | Some(AppsCommand::List) => list(client, json).await,
        Some(AppsCommand::Destroy { app, confirm }) => {
            destroy(client, app, confirm.as_deref()).await
        }
    }
}

async fn list(client: &Client, json: bool) -> anyhow::Result<ExitCode> {
    let Some(apps) = listing::<Vec<AppSummary>>(client, paths::APPS, json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    if apps.is_empty() {
        outln!("No apps yet. Deploy one with `wharf deploy DIR` or `wharf push SERVER DIR`.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(["APP", "RELEASE", "HEALTHY", "DOMAINS"]);
    for app in apps {
        let release = app
            .release
            .map(|v| format!("v{v}"))
            .unwrap_or_else(|| "-".into());
        let colour = match (app.healthy, app.instances) {
            (_, 0) => None,
            (h, n) if h == n => Some(Colour::Green),
            (0, _) => Some(Colour::Red),
            _ => Some(Colour::Yellow),
        };
        table.row([
            String::from(app.name).into(),
            release.into(),
            Cell::coloured(format!("{}/{}", app.healthy, app.instances), colour),
            app.domains
                .iter()
                .map(wharf_domain::WebAddress::shown)
                .collect::<Vec<_>>()
                .join(" ")
                .into(),
        ]);
    }
    table.print()?;
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn destroy(
    client: &Client,
    app: &AppName,
    confirm: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let confirmed = match confirm {
        Some(given) => given == app.as_str(),
        None => {
            if !std::io::stdin().is_terminal() {
                bail!("destroying `{app}` needs confirmation: pass --confirm {app}");
            }
            print!(
                "This removes {app}'s containers, images and releases. Type the app name to confirm: "
            );
            std::io::stdout().flush()?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim() == app.as_str()
        }
    };
    if !confirmed {
        bail!("the confirmation does not match `{app}`; nothing was destroyed");
    }
    let _: AppDestroyed = client
        .json(Method::DELETE, &paths::fill(paths::APP, &[app.as_str()]))
        .await?;
    outln!("Destroyed {app}. Its named volumes, if any, were kept.")?;
    Ok(ExitCode::SUCCESS)
}

pub async fn releases(client: &Client, app: &AppName, json: bool) -> anyhow::Result<ExitCode> {
    let path = paths::fill(paths::RELEASES, &[app.as_str()]);
    let Some(releases) = listing::<Vec<Release>>(client, &path, json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    let clock = Clock::now();
    let mut table = Table::new(["RELEASE", "STATUS", "CREATED", "SOURCE", "IMAGE", "ERROR"]);
    for r in releases {
        let error = r.error.as_deref().unwrap_or_default();
        let error = error.lines().next().unwrap_or("");
        let source = source_of(&r);
        let colour = match r.status {
            ReleaseStatus::Active => Some(Colour::Green),
            ReleaseStatus::Failed => Some(Colour::Red),
            ReleaseStatus::Deploying => Some(Colour::Yellow),
            ReleaseStatus::Superseded => None,
        };
        table.row([
            format!("v{}", r.version).into(),
            Cell::coloured(r.status.as_str(), colour),
            clock.date_and_age(r.created_at).into(),
            source.into(),
            r.image.into(),
            error.into(),
        ]);
    }
    table.print()?;
    Ok(ExitCode::SUCCESS)
}

/// What a release's image was made from, in one word: the prebuilt image it was deployed
/// from, else its builder and the commit it was built from (`python@3f2a9c1d0e`), or `-`.
fn source_of(release: &Release) -> String {
    if let Some(image) = &release.source_image {
        return image.clone();
    }
    let revision: Option<String> = release
        .revision
        .as_ref()
        .map(|r| r.chars().take(10).collect());
    match (&release.builder, revision) {
        (Some(builder), Some(revision)) => format!("{builder}@{revision}"),
        (Some(builder), None) => builder.clone(),
        (None, Some(revision)) => revision,
        (None, None) => "-".to_string(),
    }
}

/// `wharf cron APP --json`: the API's answer, jobs and runs.
async fn cron_json(client: &Client, app: &AppName) -> anyhow::Result<ExitCode> {
    listing::<CronJobs>(client, &paths::fill(paths::CRON, &[app.as_str()]), true).await?;
    Ok(ExitCode::SUCCESS)
}

/// `wharf cron APP [--log ID]`: the app's cron jobs and their recent runs, or one run's output.
pub async fn cron(
    client: &Client,
    app: &AppName,
    log: Option<i64>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    if json && log.is_none() {
        return cron_json(client, app).await;
    }
    let view: CronJobs = client
        .json(Method::GET, &paths::fill(paths::CRON, &[app.as_str()]))
        .await?;
    if let Some(id) = log {
        let Some(run) = view.runs.iter().find(|r| r.id == id) else {
            bail!("`{app}` has no recent cron run {id}; `wharf cron {app}` lists them");
        };
        outln!("{}", run.log)?;
        return Ok(ExitCode::SUCCESS);
    }
    if view.jobs.is_empty() {
        outln!("{app} has no cron jobs (add them to app.json's `cron`).")?;
    } else {
        let mut jobs = Table::new(["SCHEDULE (UTC)", "COMMAND"]);
        for job in view.jobs {
            jobs.row([job.schedule.into(), job.command.into()]);
        }
        jobs.print()?;
    }
    if !view.runs.is_empty() {
        let clock = Clock::now();
        let mut runs = Table::new(["RUN", "EXIT", "STARTED", "COMMAND"]);
        for run in view.runs {
            let exit = match run.exit_code {
                Some(0) => Cell::coloured("0", Some(Colour::Green)),
                Some(code) => Cell::coloured(code.to_string(), Some(Colour::Red)),
                None => Cell::coloured("running", Some(Colour::Yellow)),
            };
            runs.row([
                run.id.to_string().into(),
                exit,
                clock.date_and_age(run.started_at).into(),
                run.command.into(),
            ]);
        }
        outln!()?;
        runs.print()?;
    }
    Ok(ExitCode::SUCCESS)
}
