//! One function per command; `run` is the single dispatch.

mod apps;
mod build_plan;
mod certs;
pub(crate) mod cluster;
mod config;
mod deploy;
mod domains;
mod events;
mod hook;
mod init;
mod keys;
mod logs;
pub(crate) mod notify;
mod processes;
mod reference;
mod registries;
pub(crate) mod run;
mod server;
mod services;
mod ssh;
mod stats;
mod storage;
mod tokens;
mod units;
pub(crate) mod users;

use crate::args::{Cli, Command};
use crate::client::{Client, Endpoint};
use std::process::ExitCode;

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if cli.json && !is_listing(&cli.command) {
        anyhow::bail!(
            "--json is for listings (apps, releases, ps, stats, config show, domains list, storage list, services, services backups, tokens list, users list, keys list, certs, certs status, cron, cluster status, nodes); this command prints no listing"
        );
    }
    match &cli.command {
        Command::Server(args) => server::run(&cli, args).await,
        Command::Deploy(args) => {
            let client = Client::new(endpoint(&cli)?);
            deploy::run(&client, args).await
        }
        Command::Push(args) => {
            let client = Client::new(Endpoint::remote(
                &args.server,
                cli.token.clone(),
                cli.ca_cert.clone(),
                cli.insecure,
            )?);
            deploy::run(&client, &args.deploy).await
        }
        Command::BuildPlan(args) => build_plan::run(args),
        Command::Apps(args) => apps::run(&Client::new(endpoint(&cli)?), args, cli.json).await,
        Command::Releases { app } => {
            apps::releases(&Client::new(endpoint(&cli)?), app, cli.json).await
        }
        Command::Config { command } => {
            config::run(&Client::new(endpoint(&cli)?), command, cli.json).await
        }
        Command::Rollback { app, version } => {
            config::rollback(&Client::new(endpoint(&cli)?), app, *version).await
        }
        Command::Redeploy { app } => config::redeploy(&Client::new(endpoint(&cli)?), app).await,
        Command::Cron { app, log } => {
            apps::cron(&Client::new(endpoint(&cli)?), app, *log, cli.json).await
        }
        Command::Events { app, limit } => {
            events::run(
                &Client::new(endpoint(&cli)?),
                app.as_ref(),
                *limit,
                cli.json,
            )
            .await
        }
        Command::Stats { app } => {
            stats::run(&Client::new(endpoint(&cli)?), app.as_ref(), cli.json).await
        }
        Command::Ps { app } => processes::ps(&Client::new(endpoint(&cli)?), app, cli.json).await,
        Command::Scale {
            app,
            formation,
            skip_deploy,
        } => processes::scale(&Client::new(endpoint(&cli)?), app, formation, !skip_deploy).await,
        Command::Stop { app, process } => {
            let client = Client::new(endpoint(&cli)?);
            processes::lifecycle(
                &client,
                wharf_api::LifecycleAction::Stop,
                app,
                process.as_ref(),
            )
            .await
        }
        Command::Start { app, process } => {
            let client = Client::new(endpoint(&cli)?);
            processes::lifecycle(
                &client,
                wharf_api::LifecycleAction::Start,
                app,
                process.as_ref(),
            )
            .await
        }
        Command::Restart { app, process } => {
            let client = Client::new(endpoint(&cli)?);
            processes::lifecycle(
                &client,
                wharf_api::LifecycleAction::Restart,
                app,
                process.as_ref(),
            )
            .await
        }
        Command::Limits { command } => {
            processes::limits(&Client::new(endpoint(&cli)?), command).await
        }
        Command::Tokens { command } => tokens::run(&cli, command),
        Command::Users { command } => users::run(&cli, command),
        Command::Keys(args) => keys::run(&cli, args),
        Command::Registries { command } => registries::run(&cli, command),
        Command::Init(args) => init::run(&cli, args),
        Command::Completions { shell } => reference::completions(*shell),
        Command::Man { dir } => reference::man_pages(dir),
        Command::Units { dir, binary } => units::run(&cli.data_dir, dir, binary),
        Command::SystemUser => init::make_user_and_group().map(|()| ExitCode::SUCCESS),
        Command::SshForced { key } => ssh::run(&cli, key).await,
        Command::GitHook { app } => hook::run(&cli, app).await,
        Command::Run(args) => run::run(&Client::new(endpoint(&cli)?), args).await,
        Command::Logs(args) => logs::run(&Client::new(endpoint(&cli)?), args).await,
        Command::Certs(args) => certs::run(&Client::new(endpoint(&cli)?), args, cli.json).await,
        Command::Notify { command } => {
            notify::run(&Client::new(endpoint(&cli)?), command, cli.json).await
        }
        Command::Cluster { command } => {
            cluster::cluster(&Client::new(endpoint(&cli)?), command, cli.json).await
        }
        Command::Nodes { command } => {
            cluster::nodes(&Client::new(endpoint(&cli)?), command, cli.json).await
        }
        Command::Domains { command } => {
            domains::run(&Client::new(endpoint(&cli)?), command, cli.json).await
        }
        Command::Storage { command } => {
            storage::run(&Client::new(endpoint(&cli)?), command, cli.json).await
        }
        Command::Services(args) => {
            services::run(&Client::new(endpoint(&cli)?), args, cli.json).await
        }
    }
}

/// Who runs this command on the server, as the activity log names them (for the changes made
/// in the store directly: tokens, keys, users).
pub(crate) fn local_actor() -> wharf_domain::Actor {
    wharf_domain::Actor::Local {
        uid: Some(nix::unistd::getuid().as_raw()),
    }
}

/// Whether `command` prints a listing, which `--json` can print as JSON instead.
fn is_listing(command: &Command) -> bool {
    use crate::args::{
        AppsCommand, BackupsArgs, CertsCommand, ConfigCommand, DomainsCommand, KeysCommand,
        RegistriesCommand, ServicesCommand, StorageCommand, TokensCommand,
    };
    match command {
        Command::Releases { .. }
        | Command::Ps { .. }
        | Command::Events { .. }
        | Command::Stats { .. } => true,
        Command::Notify { command } => {
            matches!(command, None | Some(notify::NotifyCommand::List))
        }
        Command::Cron { log, .. } => log.is_none(),
        Command::Cluster { command } => {
            matches!(command, None | Some(cluster::ClusterCommand::Status))
        }
        Command::Nodes { command } => {
            matches!(command, None | Some(cluster::NodesCommand::List))
        }
        Command::Apps(args) => matches!(args.command, None | Some(AppsCommand::List)),
        Command::Config { command } => matches!(command, ConfigCommand::Show { .. }),
        Command::Domains { command } => matches!(command, DomainsCommand::List { .. }),
        Command::Storage { command } => matches!(command, StorageCommand::List { .. }),
        Command::Tokens { command } => matches!(command, TokensCommand::List),
        Command::Users { command } => matches!(command, users::UsersCommand::List),
        Command::Keys(args) => matches!(args.command, KeysCommand::List),
        Command::Registries { command } => matches!(command, RegistriesCommand::List),
        Command::Certs(args) => matches!(
            args.command,
            None | Some(CertsCommand::List) | Some(CertsCommand::Status)
        ),
        Command::Services(args) => matches!(
            args.command,
            None | Some(ServicesCommand::List)
                | Some(ServicesCommand::Backups(BackupsArgs { command: None, .. }))
        ),
        _ => false,
    }
}

/// GET a listing, one of the API's answers. With `--json`, print it (its field names are the
/// contract, `wharf_api`) and return `None`; else return it, for a table.
pub(crate) async fn listing<T: serde::de::DeserializeOwned + serde::Serialize>(
    client: &Client,
    path: &str,
    json: bool,
) -> anyhow::Result<Option<T>> {
    let answer: T = client.json(http::Method::GET, path).await?;
    if json {
        crate::output::print_json(&answer)?;
        return Ok(None);
    }
    Ok(Some(answer))
}

/// The local socket, unless `--server` names a remote one.
fn endpoint(cli: &Cli) -> anyhow::Result<Endpoint> {
    match &cli.server {
        Some(server) => {
            Endpoint::remote(server, cli.token.clone(), cli.ca_cert.clone(), cli.insecure)
        }
        None => Ok(Endpoint::Unix(wharf_server::socket_path(&cli.data_dir))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn listing(args: &[&str]) -> bool {
        let cli =
            Cli::try_parse_from(std::iter::once("wharf").chain(args.iter().copied())).unwrap();
        is_listing(&cli.command)
    }

    #[test]
    fn json_is_for_listings_only() {
        for args in [
            &["apps"][..],
            &["apps", "list"],
            &["releases", "blog"],
            &["ps", "blog"],
            &["config", "show", "blog"],
            &["domains", "list", "blog"],
            &["storage", "list", "blog"],
            &["services"],
            &["services", "backups", "db"],
            &["tokens", "list"],
            &["users", "list"],
            &["keys", "list"],
            &["certs"],
            &["certs", "status"],
            &["cron", "blog"],
            &["stats"],
            &["stats", "blog"],
        ] {
            assert!(listing(args), "{args:?}");
        }
        for args in [
            &["deploy"][..],
            &["apps", "destroy", "blog"],
            &["config", "set", "blog", "A=1"],
            &["services", "backups", "verify", "db"],
            &["cron", "blog", "--log", "3"],
            &["tokens", "create", "ci"],
            &["users", "add", "ada"],
        ] {
            assert!(!listing(args), "{args:?}");
        }
    }
}
