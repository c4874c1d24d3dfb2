//! `wharf tokens`: API tokens, managed on the server directly in its store (this works whether
//! or not the daemon is running, and needs the same rights as the data directory). A token's
//! name (`TokenName`), scope (`--app`, `--read-only`) and lifetime (`--expires`) are parsed by
//! the argument parser, with the functions the dashboard's form uses.

use crate::args::{Cli, TokensCommand};
use crate::output::{Clock, Table, outln, print_json};
use anyhow::Context;
use std::process::ExitCode;
use wharf_domain::{TokenScope, UtcDateTime, token_expires_at};
use wharf_store::{NewEvent, Store};

pub fn run(cli: &Cli, command: &TokensCommand) -> anyhow::Result<ExitCode> {
    if let Some(server) = &cli.server {
        anyhow::bail!(
            "tokens are managed on the server itself, not through --server {server}: run `wharf tokens` there (no API token can make or see another)"
        );
    }
    let store = open(cli)?;
    match command {
        TokensCommand::Create {
            name,
            apps,
            read_only,
            expires,
        } => {
            let scope = TokenScope::new(apps.clone(), *read_only);
            let now = Clock::now().unix_seconds();
            let expires_at = expires.map(|lifetime| token_expires_at(now, lifetime));
            let event = NewEvent::server_wide(super::local_actor(), "tokens create", name.as_str());
            let token = store.recorded(event, || store.create_token(name, &scope, expires_at))?;
            let until = expires_at
                .map(|at| format!(", until {}", date(at)))
                .unwrap_or_default();
            eprintln!("Created token `{name}` ({scope}{until}). It is shown only this once:");
            outln!("{}", token.secret)?;
        }
        TokensCommand::List => {
            let tokens = store.tokens()?;
            if cli.json {
                print_json(&tokens)?;
                return Ok(ExitCode::SUCCESS);
            }
            let clock = Clock::now();
            let mut table = Table::new(["NAME", "CREATED", "SCOPE", "EXPIRES", "LAST USED"]);
            for token in tokens {
                let used = token
                    .last_used_at
                    .map_or_else(|| "never".into(), |t| clock.date_and_age(t));
                let expires = match token.expires_at {
                    None => "never".to_string(),
                    Some(at) if token.expired(clock.unix_seconds()) => {
                        format!("{} (expired)", date(at))
                    }
                    Some(at) => clock.date_and_age(at),
                };
                table.row([
                    token.name.into(),
                    clock.date_and_age(token.created_at).into(),
                    token.scope.to_string().into(),
                    expires.into(),
                    used.into(),
                ]);
            }
            table.print()?;
        }
        TokensCommand::Revoke { name } => {
            let event = NewEvent::server_wide(super::local_actor(), "tokens revoke", name);
            store.recorded(event, || store.revoke_token(name))?;
            outln!("Revoked token `{name}`.")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn date(unix: i64) -> String {
    UtcDateTime::from_unix_seconds(unix)
        .map(|t| t.to_string())
        .unwrap_or_else(|| unix.to_string())
}

pub fn open(cli: &Cli) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&cli.data_dir)
        .with_context(|| format!("creating the data directory {}", cli.data_dir.display()))?;
    let path = cli.data_dir.join("wharf.db");
    Store::open(&path).with_context(|| format!("opening {}", path.display()))
}
