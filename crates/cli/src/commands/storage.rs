//! `wharf storage list/mount/unmount`: an app's persistent storage. A change to a running app
//! deploys a new release, and its progress is shown like a deploy's.

use super::deploy::follow;
use super::listing;
use crate::args::StorageCommand;
use crate::client::Client;
use crate::output::{Table, outln};
use std::process::ExitCode;
use wharf_api::{MountRequest, StorageMounts, paths};
use wharf_domain::AppName;

pub async fn run(
    client: &Client,
    command: &StorageCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        StorageCommand::List { app } => list(client, app, json).await,
        StorageCommand::Mount { app, mount } => change(client, app, Change::Mount, mount).await,
        StorageCommand::Unmount { app, mount } => change(client, app, Change::Unmount, mount).await,
    }
}

pub async fn list(client: &Client, app: &AppName, json: bool) -> anyhow::Result<ExitCode> {
    let path = paths::fill(paths::STORAGE, &[app.as_str()]);
    let Some(answer) = listing::<StorageMounts>(client, &path, json).await? else {
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
        table.row([
            m.source.into(),
            m.target.into(),
            m.kind.as_str().into(),
            mode.into(),
        ]);
    }
    table.print()?;
    Ok(ExitCode::SUCCESS)
}

/// What a storage change does with its mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Mount,
    Unmount,
}

pub async fn change(
    client: &Client,
    app: &AppName,
    change: Change,
    mount: &str,
) -> anyhow::Result<ExitCode> {
    let path = match change {
        Change::Mount => paths::STORAGE_MOUNT,
        Change::Unmount => paths::STORAGE_UNMOUNT,
    };
    let request = MountRequest {
        mount: mount.to_string(),
    };
    let response = client
        .post_json(&paths::fill(path, &[app.as_str()]), &request)
        .await?;
    follow(response).await
}
