//! One function per command; `run` is the single dispatch.

mod apps;
mod config;
mod deploy;
mod init;
mod logs;
pub(crate) mod run;
mod server;
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
            let client = Client::new(Endpoint::remote(&args.server, cli.token.clone())?);
            deploy::run(&client, &args.deploy).await
        }
        Command::Apps(args) => apps::run(&Client::new(endpoint(&cli)?), args).await,
        Command::Releases { app } => apps::releases(&Client::new(endpoint(&cli)?), app).await,
        Command::Config { command } => config::run(&Client::new(endpoint(&cli)?), command).await,
        Command::Rollback { app, version } => {
            config::rollback(&Client::new(endpoint(&cli)?), app, version.as_deref()).await
        }
        Command::Tokens { command } => tokens::run(&cli, command),
        Command::Init(args) => init::run(&cli, args),
        Command::Run(args) => run::run(&Client::new(endpoint(&cli)?), args).await,
        Command::Logs(args) => logs::run(&Client::new(endpoint(&cli)?), args).await,
    }
}

/// The local socket, unless `--server` names a remote one.
fn endpoint(cli: &Cli) -> anyhow::Result<Endpoint> {
    match &cli.server {
        Some(server) => Endpoint::remote(server, cli.token.clone()),
        None => Ok(Endpoint::Unix(wharf_server::socket_path(&cli.data_dir))),
    }
}
