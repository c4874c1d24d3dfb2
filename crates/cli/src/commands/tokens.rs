//! `wharf tokens`: API tokens, managed on the server directly in its store (this works whether
//! or not the daemon is running, and needs the same rights as the data directory).

use crate::args::{Cli, TokensCommand};
use anyhow::Context;
use std::process::ExitCode;
use wharf_store::Store;

pub fn run(cli: &Cli, command: &TokensCommand) -> anyhow::Result<ExitCode> {
    let store = open(cli)?;
    match command {
        TokensCommand::Create { name } => {
            check_name(name)?;
            let token = store.create_token(name)?;
            eprintln!("Created token `{name}`. It is shown only this once:");
            println!("{}", token.secret);
        }
        TokensCommand::List => {
            println!("{:<24} {:<12} LAST USED", "NAME", "CREATED");
            for token in store.tokens()? {
                let used = token
                    .last_used_at
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "never".into());
                println!("{:<24} {:<12} {}", token.name, token.created_at, used);
            }
        }
        TokensCommand::Revoke { name } => {
            store.revoke_token(name)?;
            println!("Revoked token `{name}`.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn open(cli: &Cli) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&cli.data_dir)
        .with_context(|| format!("creating the data directory {}", cli.data_dir.display()))?;
    let path = cli.data_dir.join("wharf.db");
    Store::open(&path).with_context(|| format!("opening {}", path.display()))
}

fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    anyhow::ensure!(
        ok,
        "token name `{name}` must be 1-64 letters, digits, '-', '_' or '.'"
    );
    Ok(())
}
