//! `wharf services`: databases as managed services. Creating, listing, linking (which
//! redeploys the app, shown like a deploy), exposing, connecting with the database's own
//! client, backups, the backup schedule, restores and destroying.

use super::apps::encode;
use super::deploy::follow;
use super::listing;
use crate::args::{BackupsArgs, BackupsCommand, ServicesArgs, ServicesCommand};
use crate::client::{Client, empty, server_error};
use crate::output::{Cell, Clock, Colour, Table, outln};
use anyhow::{Context, bail};
use http::Method;
use http_body_util::BodyExt;
use serde::Deserialize;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

#[derive(Deserialize)]
struct Service {
    name: String,
    kind: String,
    version: String,
    image: String,
    state: String,
    volume_bytes: Option<u64>,
    volume: String,
    network: String,
    linked_apps: Vec<String>,
    #[serde(default)]
    links: std::collections::BTreeMap<String, String>,
    exposed_port: Option<u16>,
    backup_schedule: Option<String>,
    backup_keep: u32,
    last_backup: Option<Backup>,
    url: String,
    #[serde(default)]
    tls: String,
}

#[derive(Deserialize)]
struct Backup {
    file: Option<String>,
    size: Option<i64>,
    scheduled: bool,
    started_at: i64,
    error: Option<String>,
}

pub async fn run(client: &Client, args: &ServicesArgs, json: bool) -> anyhow::Result<ExitCode> {
    let command = args.command.as_ref().unwrap_or(&ServicesCommand::List);
    match command {
        ServicesCommand::List => list(client, json).await,
        ServicesCommand::Create {
            kind,
            name,
            version,
            image,
        } => {
            let body = serde_json::json!({
                "kind": kind, "name": name, "version": version, "image": image,
            });
            eprintln!(
                "-----> Creating {kind} service {name} (the first start initialises the database)"
            );
            let service: Service = client
                .json_with(Method::POST, "/v1/services", Some(body))
                .await?;
            outln!("=====> {} is running: {}", service.name, service.url)?;
            outln!(
                "       Link it to an app with `wharf services link {} APP`.",
                service.name
            )?;
            Ok(ExitCode::SUCCESS)
        }
        ServicesCommand::Info { name, reveal } => info(client, name, *reveal).await,
        ServicesCommand::Link { name, app } => {
            let path = format!("/v1/services/{}/links/{}", encode(name), encode(app));
            follow(client.send(Method::POST, &path, None, empty()).await?).await
        }
        ServicesCommand::Unlink { name, app } => {
            let path = format!("/v1/services/{}/links/{}", encode(name), encode(app));
            follow(client.send(Method::DELETE, &path, None, empty()).await?).await
        }
        ServicesCommand::Expose { name, port } => expose(client, name, Some(*port)).await,
        ServicesCommand::Unexpose { name } => expose(client, name, None).await,
        ServicesCommand::Connect { name } => {
            let path = format!("/v1/services/{}/connect", encode(name));
            super::run::attach(client, &path, serde_json::json!({}), true).await
        }
        ServicesCommand::Backup { name } => {
            eprintln!("-----> Backing up {name}");
            let path = format!("/v1/services/{}/backups", encode(name));
            let backup: Backup = client.json_with(Method::POST, &path, None).await?;
            outln!(
                "=====> Backup {} ({}) written to the server's data directory (backups/{name}/)",
                backup.file.as_deref().unwrap_or("?"),
                size(backup.size.map(|s| s as u64))
            )?;
            Ok(ExitCode::SUCCESS)
        }
        ServicesCommand::Backups(args) => backups(client, args, json).await,
        ServicesCommand::BackupSchedule {
            name,
            schedule,
            keep,
            off,
        } => {
            if schedule.is_none() && !off {
                bail!(
                    "give a schedule such as \"0 3 * * *\" (five fields, UTC), or --off to stop scheduled backups"
                );
            }
            let path = format!("/v1/services/{}/backup-schedule", encode(name));
            let body = serde_json::json!({ "schedule": schedule, "keep": keep });
            let service: Service = client.json_with(Method::POST, &path, Some(body)).await?;
            match &service.backup_schedule {
                Some(s) => outln!(
                    "{name} is backed up at \"{s}\" (UTC), keeping the newest {}; each backup is verified by a restore",
                    service.backup_keep
                )?,
                None => outln!("{name} has no backup schedule now")?,
            }
            Ok(ExitCode::SUCCESS)
        }
        ServicesCommand::Restore { name, file } => restore(client, name, file).await,
        ServicesCommand::Destroy {
            name,
            confirm,
            purge,
        } => destroy(client, name, confirm.as_deref(), *purge).await,
    }
}

async fn list(client: &Client, json: bool) -> anyhow::Result<ExitCode> {
    let Some(services) = listing::<Vec<Service>>(client, "/v1/services", json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    if services.is_empty() {
        outln!("No services yet. Create one with `wharf services create postgres NAME`.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let clock = Clock::now();
    let mut table = Table::new([
        "NAME",
        "KIND",
        "VERSION",
        "STATE",
        "DATA",
        "LINKED APPS",
        "LAST BACKUP",
    ])
    .right(4);
    for s in services {
        let linked = if s.linked_apps.is_empty() {
            "-".to_string()
        } else {
            s.linked_apps.join(",")
        };
        let state = if s.state == "running" {
            None
        } else {
            Some(Colour::Red)
        };
        table.row([
            s.name.into(),
            s.kind.into(),
            s.version.into(),
            Cell::coloured(s.state, state),
            size(s.volume_bytes).into(),
            linked.into(),
            last_backup(&clock, s.last_backup.as_ref()),
        ]);
    }
    table.print()?;
    Ok(ExitCode::SUCCESS)
}

async fn info(client: &Client, name: &str, reveal: bool) -> anyhow::Result<ExitCode> {
    let path = format!(
        "/v1/services/{}{}",
        encode(name),
        if reveal { "?reveal=true" } else { "" }
    );
    let s: Service = client.json(Method::GET, &path).await?;
    outln!("name:      {}", s.name)?;
    outln!("kind:      {} {} ({})", s.kind, s.version, s.image)?;
    outln!("state:     {}", s.state)?;
    outln!("url:       {}", s.url)?;
    outln!("tls:       {}", s.tls)?;
    outln!("data:      {} in volume {}", size(s.volume_bytes), s.volume)?;
    outln!("network:   {}", s.network)?;
    match s.exposed_port {
        Some(port) => outln!("exposed:   host port {port}")?,
        None => outln!("exposed:   no (reachable only by linked apps)")?,
    }
    if s.links.is_empty() {
        outln!("links:     none")?;
    }
    for (app, var) in &s.links {
        outln!("links:     {app} ({var})")?;
    }
    match &s.backup_schedule {
        Some(schedule) => outln!("backups:   \"{schedule}\" UTC, keeping {}", s.backup_keep)?,
        None => outln!("backups:   not scheduled")?,
    }
    outln!(
        "last:      {}",
        last_backup(&Clock::now(), s.last_backup.as_ref()).text()
    )?;
    if !reveal {
        eprintln!("(password hidden; pass --reveal to show it)");
    }
    Ok(ExitCode::SUCCESS)
}

async fn expose(client: &Client, name: &str, port: Option<u16>) -> anyhow::Result<ExitCode> {
    let path = format!("/v1/services/{}/expose", encode(name));
    let s: Service = client
        .json_with(
            Method::POST,
            &path,
            Some(serde_json::json!({ "port": port })),
        )
        .await?;
    match s.exposed_port {
        Some(port) => outln!(
            "{name} is published on host port {port}; anyone who can reach it can try the password"
        )?,
        None => outln!("{name} is reachable only by its linked apps")?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn backups(client: &Client, args: &BackupsArgs, json: bool) -> anyhow::Result<ExitCode> {
    if let Some(BackupsCommand::Verify { name }) = &args.command {
        eprintln!(
            "-----> Verifying the newest backup of {name} (restoring it into a scratch container)"
        );
        let path = format!("/v1/services/{}/backups/verify", encode(name));
        let report: serde_json::Value = client.json_with(Method::POST, &path, None).await?;
        outln!(
            "=====> {} restores: {} object(s) back, in {:.1}s (sha256 {})",
            report["file"].as_str().unwrap_or("?"),
            report["restored_objects"],
            report["seconds"].as_f64().unwrap_or(0.0),
            report["sha256"].as_str().unwrap_or("?"),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(name) = &args.name else {
        bail!("name the service: `wharf services backups NAME`");
    };
    let path = format!("/v1/services/{}/backups", encode(name));
    let Some(list) = listing::<Vec<Backup>>(client, &path, json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    if list.is_empty() {
        outln!("{name} has no backups yet. Make one with `wharf services backup {name}`.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let clock = Clock::now();
    let mut table = Table::new(["BACKUP", "SIZE", "STARTED", "HOW", "ERROR"]).right(1);
    for b in list {
        let how = if b.scheduled { "scheduled" } else { "manual" };
        let file = match (&b.file, &b.error) {
            (Some(file), None) => Cell::from(file.as_str()),
            (_, Some(_)) => Cell::coloured("FAILED", Some(Colour::Red)),
            // Still being written.
            (None, None) => Cell::coloured("running", Some(Colour::Yellow)),
        };
        table.row([
            file,
            size(b.size.map(|s| s as u64)).into(),
            clock.date_and_age(b.started_at).into(),
            how.into(),
            b.error.unwrap_or_default().into(),
        ]);
    }
    table.print()?;
    Ok(ExitCode::SUCCESS)
}

async fn restore(client: &Client, name: &str, file: &str) -> anyhow::Result<ExitCode> {
    let base = format!("/v1/services/{}/restore", encode(name));
    let local = std::path::Path::new(file);
    let response = if local.is_file() {
        eprintln!("-----> Uploading {file} and restoring it into {name}");
        let data = tokio::fs::File::open(local)
            .await
            .with_context(|| format!("reading {file}"))?;
        client
            .send(
                Method::POST,
                &base,
                Some("application/octet-stream"),
                crate::client::file_body(data),
            )
            .await?
    } else {
        eprintln!("-----> Restoring the backup {file} into {name}");
        client
            .send(
                Method::POST,
                &format!("{base}?backup={}", encode(file)),
                None,
                empty(),
            )
            .await?
    };
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        return Err(server_error(status, &bytes));
    }
    outln!("=====> Restored {file} into {name}")?;
    Ok(ExitCode::SUCCESS)
}

async fn destroy(
    client: &Client,
    name: &str,
    confirm: Option<&str>,
    purge: bool,
) -> anyhow::Result<ExitCode> {
    let confirmed = match confirm {
        Some(given) => given == name,
        None => {
            if !std::io::stdin().is_terminal() {
                bail!("destroying `{name}` needs confirmation: pass --confirm {name}");
            }
            print!(
                "This removes the service {name}{}. Type its name to confirm: ",
                if purge {
                    " and deletes its data"
                } else {
                    " (its data volume is kept)"
                }
            );
            std::io::stdout().flush()?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim() == name
        }
    };
    if !confirmed {
        bail!("the confirmation does not match `{name}`; nothing was destroyed");
    }
    let path = format!(
        "/v1/services/{}{}",
        encode(name),
        if purge { "?purge=true" } else { "" }
    );
    let _: serde_json::Value = client.json_with(Method::DELETE, &path, None).await?;
    if purge {
        outln!("Destroyed {name} and deleted its data. Its backups are kept.")?;
    } else {
        outln!(
            "Destroyed {name}; its data volume is kept (`wharf services create` with the same kind and name brings it back)."
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn last_backup(clock: &Clock, backup: Option<&Backup>) -> Cell {
    match backup {
        None => Cell::from("never"),
        Some(b) => match &b.error {
            Some(error) => Cell::coloured(
                format!("FAILED {}: {error}", clock.date_and_age(b.started_at)),
                Some(Colour::Red),
            ),
            None => Cell::from(format!("ok {}", clock.date_and_age(b.started_at))),
        },
    }
}

fn size(bytes: Option<u64>) -> String {
    match bytes {
        None => "-".to_string(),
        Some(b) if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        Some(b) if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        Some(b) => format!("{:.0} KiB", (b as f64 / 1024.0).ceil()),
    }
}
