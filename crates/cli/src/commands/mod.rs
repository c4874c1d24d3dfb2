//! One function per command; `run` is the single dispatch.

mod apps;
mod certs;
mod config;
mod deploy;
mod domains;
mod hook;
mod init;
mod keys;
mod logs;
mod processes;
pub(crate) mod run;
mod server;
mod services;
mod ssh;
mod storage;
mod tokens;

use crate::args::{Cli, Command};
use crate::client::{Client, Endpoint};
use std::process::ExitCode;

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
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
        Command::Apps(args) => apps::run(&Client::new(endpoint(&cli)?), args).await,
        Command::Releases { app } => apps::releases(&Client::new(endpoint(&cli)?), app).await,
        Command::Config { command } => config::run(&Client::new(endpoint(&cli)?), command).await,
        Command::Rollback { app, version } => {
            config::rollback(&Client::new(endpoint(&cli)?), app, version.as_deref()).await
        }
        Command::Cron { app, log } => apps::cron(&Client::new(endpoint(&cli)?), app, *log).await,
        Command::Ps { app } => processes::ps(&Client::new(endpoint(&cli)?), app).await,
        Command::Scale { app, formation } => {
            processes::scale(&Client::new(endpoint(&cli)?), app, formation).await
        }
        Command::Stop { app, process } => {
            let client = Client::new(endpoint(&cli)?);
            processes::lifecycle(&client, "stop", app, process.as_deref()).await
        }
        Command::Start { app, process } => {
            let client = Client::new(endpoint(&cli)?);
            processes::lifecycle(&client, "start", app, process.as_deref()).await
        }
        Command::Restart { app, process } => {
            let client = Client::new(endpoint(&cli)?);
            processes::lifecycle(&client, "restart", app, process.as_deref()).await
        }
        Command::Limits { command } => {
            processes::limits(&Client::new(endpoint(&cli)?), command).await
        }
        Command::Tokens { command } => tokens::run(&cli, command),
        Command::Keys(args) => keys::run(&cli, args),
        Command::Init(args) => init::run(&cli, args),
        Command::SshForced { key } => ssh::run(&cli, key).await,
        Command::GitHook { app } => hook::run(&cli, app).await,
        Command::Run(args) => run::run(&Client::new(endpoint(&cli)?), args).await,
        Command::Logs(args) => logs::run(&Client::new(endpoint(&cli)?), args).await,
        Command::Certs(args) => certs::run(&Client::new(endpoint(&cli)?), args).await,
        Command::Domains { command } => domains::run(&Client::new(endpoint(&cli)?), command).await,
        Command::Storage { command } => storage::run(&Client::new(endpoint(&cli)?), command).await,
        Command::Services(args) => services::run(&Client::new(endpoint(&cli)?), args).await,
    }
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
