//! `wharf ps`, `wharf scale` and `wharf limits set`.

use super::apps::encode;
use super::deploy::follow;
use crate::args::LimitsCommand;
use crate::client::{Client, json_body};
use anyhow::{Context, bail};
use http::Method;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::process::ExitCode;

#[derive(Deserialize)]
struct ProcessView {
    container: String,
    process: String,
    release: String,
    state: String,
    started_at: Option<String>,
    healthy: Option<bool>,
}

pub async fn ps(client: &Client, app: &str) -> anyhow::Result<ExitCode> {
    let views: Vec<ProcessView> = client
        .json(Method::GET, &format!("/v1/apps/{}/ps", encode(app)))
        .await?;
    if views.is_empty() {
        println!("{app} has no containers.");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<36} {:<10} {:<8} {:<10} {:<10} STARTED",
        "CONTAINER", "PROCESS", "RELEASE", "STATE", "HEALTH"
    );
    for v in views {
        let health = match v.healthy {
            Some(true) => "healthy",
            Some(false) => "unhealthy",
            None => "-",
        };
        let started = v
            .started_at
            .as_deref()
            .map(|s| s.split('.').next().unwrap_or(s).replace('T', " "))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<36} {:<10} v{:<7} {:<10} {:<10} {}",
            v.container, v.process, v.release, v.state, health, started
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Scale the app's processes: deploy now, or (`deploy: false`) store it for the next deploy.
pub async fn scale(
    client: &Client,
    app: &str,
    pairs: &[String],
    deploy: bool,
) -> anyhow::Result<ExitCode> {
    let mut formation = BTreeMap::new();
    for pair in pairs {
        let (process, count) = pair
            .split_once('=')
            .with_context(|| format!("`{pair}` is not PROCESS=COUNT, e.g. web=2"))?;
        let count: u32 = count
            .parse()
            .with_context(|| format!("`{pair}`: the count must be a whole number"))?;
        if formation.insert(process.to_string(), count).is_some() {
            bail!("`{process}` is given twice");
        }
    }
    let response = client
        .send(
            Method::POST,
            &format!(
                "/v1/apps/{}/scale{}",
                encode(app),
                if deploy { "" } else { "?deploy=false" }
            ),
            Some("application/json"),
            json_body(&serde_json::to_value(&formation)?),
        )
        .await?;
    follow(response).await
}

pub async fn limits(client: &Client, command: &LimitsCommand) -> anyhow::Result<ExitCode> {
    let LimitsCommand::Set {
        app,
        process,
        memory,
        cpus,
    } = command;
    let body = serde_json::json!({ "process": process, "memory": memory, "cpus": cpus });
    let response = client
        .send(
            Method::POST,
            &format!("/v1/apps/{}/limits", encode(app)),
            Some("application/json"),
            json_body(&body),
        )
        .await?;
    follow(response).await
}

/// `wharf stop|start|restart APP [PROCESS]`.
pub async fn lifecycle(
    client: &Client,
    action: &str,
    app: &str,
    process: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let response = client
        .send(
            Method::POST,
            &format!("/v1/apps/{}/{action}", encode(app)),
            Some("application/json"),
            json_body(&serde_json::json!({ "process": process })),
        )
        .await?;
    follow(response).await
}
