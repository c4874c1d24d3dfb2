//! `wharf storage list/mount/unmount`: an app's persistent storage. A change to a running app
//! deploys a new release, and its progress is shown like a deploy's.

use super::deploy::follow;
use super::listing;
use crate::args::StorageCommand;
use crate::client::Client;
use crate::output::{Table, outln};
use std::process::ExitCode;
use wharf_api::{MountRequest, StorageMounts, UnmountRequest, paths};
use wharf_domain::{AppName, MountSelector, MountSpec};

pub async fn run(
    client: &Client,
    command: &StorageCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        StorageCommand::List { app } => list(client, app, json).await,
        StorageCommand::Mount { app, mount } => self::mount(client, app, mount).await,
        StorageCommand::Unmount { app, mount } => unmount(client, app, mount).await,
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
    if let Some(node) = &answer.pinned_to {
        outln!(
            "In this cluster, {app}'s tasks run on node {node} (this server), where its storage is."
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Mount storage into the app (`SOURCE:/path[:ro]`, parsed as it was typed); the server checks
/// that it may be mounted there.
pub async fn mount(client: &Client, app: &AppName, mount: &MountSpec) -> anyhow::Result<ExitCode> {
    let request = MountRequest {
        mount: mount.clone(),
    };
    let path = paths::fill(paths::STORAGE_MOUNT, &[app.as_str()]);
    follow(client.post_json(&path, &request).await?).await
}

/// Remove the mount `selector` names from the app.
pub async fn unmount(
    client: &Client,
    app: &AppName,
    selector: &MountSelector,
) -> anyhow::Result<ExitCode> {
    let request = UnmountRequest {
        mount: selector.clone(),
    };
    let path = paths::fill(paths::STORAGE_UNMOUNT, &[app.as_str()]);
    follow(client.post_json(&path, &request).await?).await
}
