//! `wharf ps`, `wharf scale` and `wharf limits set`.

use super::deploy::follow;
use super::listing;
use crate::args::LimitsCommand;
use crate::client::{Client, with_query};
use crate::output::{Cell, Clock, Colour, Table, outln};
use anyhow::bail;
use http::Method;
use std::collections::BTreeMap;
use std::process::ExitCode;
use wharf_api::{
    LifecycleAction, LifecycleRequest, LimitsRequest, ProcessFormation, ProcessStatus, ScaleQuery,
    ScaleRequest, paths,
};
use wharf_domain::{AppName, ProcessName, ProcessScale, not_started_note};

pub async fn ps(client: &Client, app: &AppName, json: bool) -> anyhow::Result<ExitCode> {
    let path = paths::fill(paths::PS, &[app.as_str()]);
    let Some(views) = listing::<Vec<ProcessStatus>>(client, &path, json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    if views.is_empty() {
        outln!("{app} has no containers.")?;
    } else {
        containers_table(views)?;
    }
    // Processes left at scale 0 have no container: name them, and how to start them. A server
    // older than this client has no formation to give; its containers are all there is to show.
    let formation: Vec<ProcessFormation> = client
        .json(Method::GET, &paths::fill(paths::FORMATION, &[app.as_str()]))
        .await
        .unwrap_or_default();
    for process in formation.iter().filter(|p| !p.started) {
        outln!("{}", not_started_note(app.as_str(), &process.process))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn containers_table(views: Vec<ProcessStatus>) -> anyhow::Result<()> {
    let clock = Clock::now();
    let mut table = Table::new([
        "CONTAINER",
        "PROCESS",
        "RELEASE",
        "STATE",
        "HEALTH",
        "STARTED",
    ]);
    for v in views {
        let health = match v.healthy {
            Some(true) => Cell::coloured("healthy", Some(Colour::Green)),
            Some(false) => Cell::coloured("unhealthy", Some(Colour::Red)),
            None => Cell::from("-"),
        };
        let state_colour = match v.state.as_str() {
            "running" => None,
            "exited" | "dead" => Some(Colour::Red),
            _ => Some(Colour::Yellow),
        };
        let started = v
            .started_at
            .as_deref()
            .map(|s| clock.rfc3339_and_age(s))
            .unwrap_or_else(|| "-".into());
        table.row([
            v.container.into(),
            v.process.into(),
            format!("v{}", v.release).into(),
            Cell::coloured(v.state, state_colour),
            health,
            started.into(),
        ]);
    }
    table.print()?;
    Ok(())
}

/// Scale the app's processes: deploy now, or (`deploy: false`) store it for the next deploy.
pub async fn scale(
    client: &Client,
    app: &AppName,
    pairs: &[ProcessScale],
    deploy: bool,
) -> anyhow::Result<ExitCode> {
    let mut formation = BTreeMap::new();
    for pair in pairs {
        let process = pair.process();
        if formation.insert(process.clone(), pair.count()).is_some() {
            bail!("`{process}` is given twice");
        }
    }
    let path = paths::fill(paths::SCALE, &[app.as_str()]);
    let path = if deploy {
        path
    } else {
        with_query(&path, &ScaleQuery { deploy })?
    };
    let response = client.post_json(&path, &ScaleRequest(formation)).await?;
    follow(response).await
}

pub async fn limits(client: &Client, command: &LimitsCommand) -> anyhow::Result<ExitCode> {
    let LimitsCommand::Set {
        app,
        process,
        memory,
        cpus,
    } = command;
    let request = LimitsRequest {
        process: process.clone(),
        memory: memory.clone(),
        cpus: cpus.clone(),
    };
    let response = client
        .post_json(&paths::fill(paths::LIMITS, &[app.as_str()]), &request)
        .await?;
    follow(response).await
}

/// `wharf stop|start|restart APP [PROCESS]`.
pub async fn lifecycle(
    client: &Client,
    action: LifecycleAction,
    app: &AppName,
    process: Option<&ProcessName>,
) -> anyhow::Result<ExitCode> {
    let path = action.path();
    let request = LifecycleRequest {
        process: process.cloned(),
    };
    let response = client
        .post_json(&paths::fill(path, &[app.as_str()]), &request)
        .await?;
    follow(response).await
}
