//! Wharf's command line. `main` parses the arguments, sets up logging and runs one command;
//! the commands talk to the daemon through [`client::Client`], over the local socket or, for
//! remote machines, over HTTP with a token.

mod args;
mod client;
mod commands;
mod context;
mod logging;
mod output;
mod process_setup;
mod rotating_file;
mod ssh_command;

pub use ssh_command::{
    DomainChange, SshCommand, SshCommandError, allowed as ssh_allowed, split_words,
};

use clap::Parser;
use std::process::ExitCode;

/// `wharf run APP -- CMD...` against the local server whose data directory is `data_dir`, for
/// callers inside this process (e.g. an SSH forced command): the command's stdin, stdout and
/// stderr are this process's (a TTY when both stdin and stdout are terminals); returns its exit
/// code. With `detach`, prints the container's name and returns at once.
pub async fn run_in_app(
    data_dir: &std::path::Path,
    app: &wharf_domain::AppName,
    command: &[String],
    detach: bool,
) -> anyhow::Result<ExitCode> {
    let endpoint = client::Endpoint::Unix(wharf_server::socket_path(data_dir));
    commands::run::run_command(&client::Client::new(endpoint), app, command, detach, true).await
}

pub fn main() -> ExitCode {
    let args = args::Cli::parse();
    // Log lines are written by background threads, so a busy proxy never waits on a disk;
    // the guards flush what is left when main returns.
    let _log_guards = match logging::init(&args) {
        Ok(guards) => guards,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(process_setup::runtime_threads())
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(args)) {
        Ok(code) => code,
        // The reader went away (`wharf releases APP | head -1`): it has what it wanted.
        Err(err) if output::is_stdout_closed(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{} {err:#}", output::error_prefix());
            ExitCode::FAILURE
        }
    }
}
