//! `wharf tokens`: API tokens, managed on the server directly in its store (this works whether
//! or not the daemon is running, and needs the same rights as the data directory).

use crate::args::{Cli, TokensCommand};
use crate::output::{Clock, Table, outln, print_json};
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
            outln!("{}", token.secret)?;
        }
        TokensCommand::List => {
            let tokens = store.tokens()?;
            if cli.json {
                print_json(&tokens)?;
                return Ok(ExitCode::SUCCESS);
            }
            let clock = Clock::now();
            let mut table = Table::new(["NAME", "CREATED", "LAST USED"]);
            for token in tokens {
                let used = token
                    .last_used_at
                    .map_or_else(|| "never".into(), |t| clock.date_and_age(t));
                table.row([
                    token.name.into(),
                    clock.date_and_age(token.created_at).into(),
                    used.into(),
                ]);
            }
            table.print()?;
        }
        TokensCommand::Revoke { name } => {
            store.revoke_token(name)?;
            outln!("Revoked token `{name}`.")?;
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
