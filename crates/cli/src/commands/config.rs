//! `wharf config show/set/unset` and `wharf rollback`: changes to a running app deploy a new
//! release, and their progress is shown like a deploy's.

use super::deploy::follow;
use crate::args::ConfigCommand;
use crate::client::{Client, json_body};
use anyhow::Context;
use http::Method;
use std::process::ExitCode;

pub async fn run(client: &Client, command: &ConfigCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConfigCommand::Show { app, reveal } => show(client, app, *reveal).await,
        ConfigCommand::Set { app, assignments } => {
            change(client, app, serde_json::json!({ "set": assignments })).await
        }
        ConfigCommand::Unset { app, keys } => {
            change(client, app, serde_json::json!({ "unset": keys })).await
        }
    }
}

async fn show(client: &Client, app: &str, reveal: bool) -> anyhow::Result<ExitCode> {
    let answer: serde_json::Value = client
        .json(
            Method::GET,
            &format!(
                "/v1/apps/{}/config{}",
                super::apps::encode(app),
                // The server sends values masked unless asked.
                if reveal { "?reveal=true" } else { "" }
            ),
        )
        .await?;
    let vars = answer
        .get("vars")
        .and_then(|v| v.as_object())
        .context("the server's answer has no config vars")?;
    if vars.is_empty() {
        println!("{app} has no config vars. Set some with `wharf config set {app} KEY=VALUE`.");
    }
    for (key, value) in vars {
        let value = value.as_str().unwrap_or_default();
        if reveal {
            println!("{key}={value}");
        } else {
            println!("{key}={}", mask(value));
        }
    }
    if !reveal && !vars.is_empty() {
        eprintln!("(values hidden; pass --reveal to show them)");
    }
    Ok(ExitCode::SUCCESS)
}

/// Hide a value but keep a hint of its length.
fn mask(value: &str) -> String {
    if value.is_empty() {
        String::new()
    } else {
        "*".repeat(value.chars().count().clamp(3, 8))
    }
}

async fn change(client: &Client, app: &str, body: serde_json::Value) -> anyhow::Result<ExitCode> {
    let response = client
        .send(
            Method::POST,
            &format!("/v1/apps/{}/config", super::apps::encode(app)),
            Some("application/json"),
            json_body(&body),
        )
        .await?;
    follow(response).await
}

pub async fn rollback(
    client: &Client,
    app: &str,
    version: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let version = match version {
        Some(v) => Some(
            v.trim_start_matches(['v', 'V'])
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .with_context(|| {
                    format!("`{v}` is not a release; give one like v3 (see `wharf releases {app}`)")
                })?,
        ),
        None => None,
    };
    let response = client
        .send(
            Method::POST,
            &format!("/v1/apps/{}/rollback", super::apps::encode(app)),
            Some("application/json"),
            json_body(&serde_json::json!({ "version": version })),
        )
        .await?;
    follow(response).await
}
