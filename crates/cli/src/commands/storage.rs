//! `wharf storage list/mount/unmount`: an app's persistent storage. A change to a running app
//! deploys a new release, and its progress is shown like a deploy's.

use super::apps::encode;
use super::deploy::follow;
use crate::args::StorageCommand;
use crate::client::{Client, json_body};
use http::Method;
use serde::Deserialize;
use std::process::ExitCode;

#[derive(Deserialize)]
struct Mounts {
    mounts: Vec<MountView>,
}

#[derive(Deserialize)]
struct MountView {
    source: String,
    target: String,
    read_only: bool,
    kind: String,
}

pub async fn run(client: &Client, command: &StorageCommand) -> anyhow::Result<ExitCode> {
    match command {
        StorageCommand::List { app } => list(client, app).await,
        StorageCommand::Mount { app, mount } => change(client, app, "mount", mount).await,
        StorageCommand::Unmount { app, mount } => change(client, app, "unmount", mount).await,
    }
}

pub async fn list(client: &Client, app: &str) -> anyhow::Result<ExitCode> {
    let answer: Mounts = client
        .json(Method::GET, &format!("/v1/apps/{}/storage", encode(app)))
        .await?;
    if answer.mounts.is_empty() {
        println!(
            "{app} has no storage mounts. Add one with `wharf storage mount {app} SOURCE:/path`."
        );
        return Ok(ExitCode::SUCCESS);
    }
    let width = answer
        .mounts
        .iter()
        .map(|m| m.source.len())
        .max()
        .unwrap_or(0)
        .max("SOURCE".len());
    println!("{:<width$}  {:<24}  {:<10}  MODE", "SOURCE", "PATH", "KIND");
    for m in &answer.mounts {
        let mode = if m.read_only { "ro" } else { "rw" };
        println!(
            "{:<width$}  {:<24}  {:<10}  {mode}",
            m.source, m.target, m.kind
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn change(
    client: &Client,
    app: &str,
    action: &str,
    mount: &str,
) -> anyhow::Result<ExitCode> {
    let response = client
        .send(
            Method::POST,
            &format!("/v1/apps/{}/storage/{action}", encode(app)),
            Some("application/json"),
            json_body(&serde_json::json!({ "mount": mount })),
        )
        .await?;
    follow(response).await
}
