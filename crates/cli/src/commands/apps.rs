//! `wharf apps`, `wharf apps destroy`, `wharf releases`.

use crate::args::{AppsArgs, AppsCommand};
use crate::client::Client;
use anyhow::bail;
use http::Method;
use serde::Deserialize;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

#[derive(Deserialize)]
struct AppView {
    name: String,
    domains: Vec<String>,
    release: Option<u32>,
    instances: usize,
    healthy: usize,
}

#[derive(Deserialize)]
struct ReleaseView {
    version: u32,
    image: String,
    config: String,
    status: String,
    error: Option<String>,
    created_at: i64,
}

pub async fn run(client: &Client, args: &AppsArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        None | Some(AppsCommand::List) => list(client).await,
        Some(AppsCommand::Destroy { app, confirm }) => {
            destroy(client, app, confirm.as_deref()).await
        }
    }
}

async fn list(client: &Client) -> anyhow::Result<ExitCode> {
    let apps: Vec<AppView> = client.json(Method::GET, "/v1/apps").await?;
    if apps.is_empty() {
        println!("No apps yet. Deploy one with `wharf deploy DIR` or `wharf push SERVER DIR`.");
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<24} {:<8} {:<10} DOMAINS", "APP", "RELEASE", "HEALTHY");
    for app in apps {
        let release = app
            .release
            .map(|v| format!("v{v}"))
            .unwrap_or_else(|| "-".into());
        let healthy = format!("{}/{}", app.healthy, app.instances);
        println!(
            "{:<24} {:<8} {:<10} {}",
            app.name,
            release,
            healthy,
            app.domains.join(" ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn destroy(
    client: &Client,
    app: &str,
    confirm: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let confirmed = match confirm {
        Some(given) => given == app,
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
            line.trim() == app
        }
    };
    if !confirmed {
        bail!("the confirmation does not match `{app}`; nothing was destroyed");
    }
    let _: serde_json::Value = client
        .json(Method::DELETE, &format!("/v1/apps/{}", encode(app)))
        .await?;
    println!("Destroyed {app}. Its named volumes, if any, were kept.");
    Ok(ExitCode::SUCCESS)
}

pub async fn releases(client: &Client, app: &str) -> anyhow::Result<ExitCode> {
    let releases: Vec<ReleaseView> = client
        .json(Method::GET, &format!("/v1/apps/{}/releases", encode(app)))
        .await?;
    println!(
        "{:<8} {:<11} {:<12} {:<28} ERROR",
        "RELEASE", "STATUS", "CREATED", "IMAGE"
    );
    for r in releases {
        let error = r.error.unwrap_or_default();
        let error = error.lines().next().unwrap_or("");
        let revision = serde_json::from_str::<serde_json::Value>(&r.config)
            .ok()
            .and_then(|c| {
                c.get("revision")?
                    .as_str()
                    .map(|s| s.chars().take(10).collect())
            })
            .unwrap_or_else(|| "-".to_string());
        println!(
            "v{:<7} {:<11} {:<12} {:<28} {:<10} {}",
            r.version, r.status, r.created_at, r.image, revision, error
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Percent-encode a path segment (app names are validated server-side; this keeps the URL
/// well-formed whatever the user typed).
pub(super) fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Deserialize)]
struct CronView {
    jobs: Vec<CronJobView>,
    runs: Vec<CronRunView>,
}

#[derive(Deserialize)]
struct CronJobView {
    command: String,
    schedule: String,
}

#[derive(Deserialize)]
struct CronRunView {
    id: i64,
    command: String,
    started_at: i64,
    exit_code: Option<i64>,
    log: String,
}

/// `wharf cron APP [--log ID]`: the app's cron jobs and their recent runs, or one run's output.
pub async fn cron(client: &Client, app: &str, log: Option<i64>) -> anyhow::Result<ExitCode> {
    let view: CronView = client
        .json(Method::GET, &format!("/v1/apps/{}/cron", encode(app)))
        .await?;
    if let Some(id) = log {
        let Some(run) = view.runs.iter().find(|r| r.id == id) else {
            bail!("`{app}` has no recent cron run {id}; `wharf cron {app}` lists them");
        };
        println!("{}", run.log);
        return Ok(ExitCode::SUCCESS);
    }
    if view.jobs.is_empty() {
        println!("{app} has no cron jobs (add them to app.json's `cron`).");
    } else {
        println!("{:<20} COMMAND", "SCHEDULE (UTC)");
        for job in &view.jobs {
            println!("{:<20} {}", job.schedule, job.command);
        }
    }
    if !view.runs.is_empty() {
        println!("\n{:<6} {:<12} {:<8} COMMAND", "RUN", "STARTED", "EXIT");
        for run in &view.runs {
            let exit = run
                .exit_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "running".into());
            println!(
                "{:<6} {:<12} {:<8} {}",
                run.id, run.started_at, exit, run.command
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
