//! `wharf storage list/mount/unmount`: an app's persistent storage. A change to a running app
//! deploys a new release, and its progress is shown like a deploy's.

use super::apps::encode;
use super::deploy::follow;
use super::listing;
use crate::args::StorageCommand;
use crate::client::{Client, json_body};
use crate::output::{Table, outln};
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

pub async fn run(
    client: &Client,
    command: &StorageCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        StorageCommand::List { app } => list(client, app, json).await,
        StorageCommand::Mount { app, mount } => change(client, app, "mount", mount).await,
        StorageCommand::Unmount { app, mount } => change(client, app, "unmount", mount).await,
    }
}

pub async fn list(client: &Client, app: &str, json: bool) -> anyhow::Result<ExitCode> {
    let path = format!("/v1/apps/{}/storage", encode(app));
    let Some(answer) = listing::<Mounts>(client, &path, json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    if answer.mounts.is_empty() {
        outln!(
            "{app} has no storage mounts. Add one with `wharf storage mount {app} SOURCE:/path`."
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(["SOURCE", "PATH", "KIND", "MODE"]);
    for m in answer.mounts {
        let mode = if m.read_only { "ro" } else { "rw" };
        table.row([m.source.into(), m.target.into(), m.kind.into(), mode.into()]);
    }
    table.print()?;
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
