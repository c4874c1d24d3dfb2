//! `wharf services`: databases as managed services. Creating, listing, linking (which
//! redeploys the app, shown like a deploy), exposing, connecting with the database's own
//! client, backups, the backup schedule, restores and destroying.

use super::deploy::follow;
use super::listing;
use crate::args::{BackupsArgs, BackupsCommand, ServicesArgs, ServicesCommand};
use crate::client::{Client, decode, empty, with_query};
use crate::output::{Cell, Clock, Colour, Table, outln};
use anyhow::{Context, bail};
use http::Method;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use wharf_api::{
    Backup, BackupScheduleRequest, ConnectRequest, CreateServiceRequest, DestroyServiceQuery,
    ExposeRequest, RestoreQuery, Restored, Service, ServiceDestroyed, ServiceQuery, VerifyReport,
    paths,
};
use wharf_domain::ServiceName;

pub async fn run(client: &Client, args: &ServicesArgs, json: bool) -> anyhow::Result<ExitCode> {
    let command = args.command.as_ref().unwrap_or(&ServicesCommand::List);
    match command {
        ServicesCommand::List => list(client, json).await,
        ServicesCommand::Create {
            kind,
            name,
            version,
            image,
            node,
        } => {
            let request = CreateServiceRequest {
                kind: kind.to_string(),
                name: name.to_string(),
                version: version.clone(),
                image: image.clone(),
                node: node.clone(),
            };
            let on = node
                .as_ref()
                .map(|node| format!(" on node {node}"))
                .unwrap_or_default();
            eprintln!(
                "-----> Creating {kind} service {name}{on} (the first start initialises the database)"
            );
            let service: Service = client
                .json_with(Method::POST, paths::SERVICES, &request)
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
            let path = paths::fill(paths::SERVICE_LINK, &[name.as_str(), app.as_str()]);
            follow(client.send(Method::POST, &path, None, empty()).await?).await
        }
        ServicesCommand::Unlink { name, app } => {
            let path = paths::fill(paths::SERVICE_LINK, &[name.as_str(), app.as_str()]);
            follow(client.send(Method::DELETE, &path, None, empty()).await?).await
        }
        ServicesCommand::Expose { name, port } => expose(client, name, Some(*port)).await,
        ServicesCommand::Unexpose { name } => expose(client, name, None).await,
        ServicesCommand::Connect { name } => {
            let path = paths::fill(paths::SERVICE_CONNECT, &[name.as_str()]);
            let request = |terminal| ConnectRequest { terminal };
            super::run::attach(client, &path, request, true).await
        }
        ServicesCommand::Backup { name } => {
            eprintln!("-----> Backing up {name}");
            let path = paths::fill(paths::SERVICE_BACKUPS, &[name.as_str()]);
            let backup: Backup = client.json(Method::POST, &path).await?;
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
            let path = paths::fill(paths::SERVICE_BACKUP_SCHEDULE, &[name.as_str()]);
            let request = BackupScheduleRequest {
                schedule: schedule.clone(),
                keep: *keep,
            };
            let service: Service = client.json_with(Method::POST, &path, &request).await?;
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
    let Some(services) = listing::<Vec<Service>>(client, paths::SERVICES, json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    if services.is_empty() {
        outln!("No services yet. Create one with `wharf services create postgres NAME`.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let clock = Clock::now();
    let header = [
        "NAME",
        "KIND",
        "VERSION",
        "STATE",
        "DATA",
        "LINKED APPS",
        "LAST BACKUP",
    ];
    // In a cluster, a last column says which node each service is pinned to; on one server
    // the table stays as it was (a row's extra cell is dropped).
    let mut table = if services.iter().any(|s| s.node.is_some()) {
        let [a, b, c, d, e, f, g] = header;
        Table::new([a, b, c, d, e, f, g, "NODE"])
    } else {
        Table::new(header)
    }
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
            s.node.unwrap_or_default().into(),
        ]);
    }
    table.print()?;
    Ok(ExitCode::SUCCESS)
}

async fn info(client: &Client, name: &ServiceName, reveal: bool) -> anyhow::Result<ExitCode> {
    let path = with_query(
        &paths::fill(paths::SERVICE, &[name.as_str()]),
        &ServiceQuery { reveal },
    )?;
    let s: Service = client.json(Method::GET, &path).await?;
    outln!("name:      {}", s.name)?;
    outln!("kind:      {} {} ({})", s.kind, s.version, s.image)?;
    outln!("state:     {}", s.state)?;
    outln!("url:       {}", s.url)?;
    outln!("tls:       {}", s.tls)?;
    outln!("data:      {} in volume {}", size(s.volume_bytes), s.volume)?;
    outln!("network:   {}", s.network)?;
    if let Some(node) = &s.node {
        outln!("node:      {node} (pinned: its container and volume are there)")?;
    }
    if let Some(overlay) = &s.overlay {
        outln!("overlay:   {overlay} (encrypted; linked apps' tasks reach it on any node)")?;
    }
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

async fn expose(
    client: &Client,
    name: &ServiceName,
    port: Option<u16>,
) -> anyhow::Result<ExitCode> {
    let path = paths::fill(paths::SERVICE_EXPOSE, &[name.as_str()]);
    let s: Service = client
        .json_with(Method::POST, &path, &ExposeRequest { port })
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
        let path = paths::fill(paths::SERVICE_VERIFY, &[name.as_str()]);
        let report: VerifyReport = client.json(Method::POST, &path).await?;
        outln!(
            "=====> {} restores: {} object(s) back, in {:.1}s (sha256 {})",
            report.file,
            report.restored_objects,
            report.seconds,
            report.sha256,
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(name) = &args.name else {
        bail!("name the service: `wharf services backups NAME`");
    };
    let path = paths::fill(paths::SERVICE_BACKUPS, &[name.as_str()]);
    let Some(list) = listing::<Vec<Backup>>(client, &path, json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    if list.is_empty() {
        outln!("{name} has no backups yet. Make one with `wharf services backup {name}`.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let clock = Clock::now();
    let mut table = Table::new(["BACKUP", "SIZE", "STARTED", "HOW", "VERIFIED", "ERROR"]).right(1);
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
            b.verified_at
                .map(|at| clock.date_and_age(at))
                .unwrap_or_else(|| "-".to_string())
                .into(),
            b.error.unwrap_or_default().into(),
        ]);
    }
    table.print()?;
    Ok(ExitCode::SUCCESS)
}

async fn restore(client: &Client, name: &ServiceName, file: &str) -> anyhow::Result<ExitCode> {
    let base = paths::fill(paths::SERVICE_RESTORE, &[name.as_str()]);
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
        let query = RestoreQuery {
            backup: Some(file.to_string()),
        };
        client
            .send(Method::POST, &with_query(&base, &query)?, None, empty())
            .await?
    };
    let _: Restored = decode(response, &base).await?;
    outln!("=====> Restored {file} into {name}")?;
    Ok(ExitCode::SUCCESS)
}

async fn destroy(
    client: &Client,
    name: &ServiceName,
    confirm: Option<&str>,
    purge: bool,
) -> anyhow::Result<ExitCode> {
    let confirmed = match confirm {
        Some(given) => given == name.as_str(),
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
            line.trim() == name.as_str()
        }
    };
    if !confirmed {
        bail!("the confirmation does not match `{name}`; nothing was destroyed");
    }
    let path = with_query(
        &paths::fill(paths::SERVICE, &[name.as_str()]),
        &DestroyServiceQuery { purge },
    )?;
    let destroyed: ServiceDestroyed = client.json(Method::DELETE, &path).await?;
    let volume = name.resource_name();
    match (purge, destroyed.node) {
        (true, None) => outln!("Destroyed {name} and deleted its data. Its backups are kept.")?,
        (true, Some(node)) => outln!(
            "Destroyed {name} and deleted its data on node {node}. Its backups are kept. The empty volume {volume} stays on {node} (`docker volume rm {volume}` there removes it)."
        )?,
        (false, None) => outln!(
            "Destroyed {name}; its data volume is kept (`wharf services create` with the same kind and name brings it back)."
        )?,
        (false, Some(node)) => outln!(
            "Destroyed {name}; its data volume {volume} is kept on node {node} (`wharf services create` with the same kind and name and `--node {node}` brings it back)."
        )?,
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
