//! `wharf registries login/list/logout`: the logins the engine is given to pull images
//! (`wharf deploy --image`, and private images a Dockerfile starts `FROM`). Run on the server,
//! like `tokens`: they are kept in the store, which only its owner can read. The password is
//! read from stdin, so it is in neither the shell's history nor the process list, and it is
//! never printed.

use crate::args::{Cli, RegistriesCommand};
use crate::output::{Clock, Table, outln, print_json};
use anyhow::{Context, bail};
use std::io::Read;
use std::process::ExitCode;
use wharf_store::NewEvent;

/// A password or access token is a line; anything much longer is not one.
const MAX_PASSWORD_BYTES: u64 = 16 * 1024;

/// One login as listed (`--json` too): never the password.
#[derive(serde::Serialize)]
struct Listed<'a> {
    registry: &'a str,
    username: &'a str,
    added_at: i64,
}

pub fn run(cli: &Cli, command: &RegistriesCommand) -> anyhow::Result<ExitCode> {
    let store = super::tokens::open(cli)?;
    match command {
        RegistriesCommand::Login { registry, username } => {
            if username.is_empty() || username.chars().any(char::is_control) {
                bail!(
                    "the username is empty or has a control character; give it as --username NAME"
                );
            }
            let mut text = String::new();
            std::io::stdin()
                .take(MAX_PASSWORD_BYTES)
                .read_to_string(&mut text)
                .context("reading the password from stdin")?;
            let password = text.trim_end_matches(['\r', '\n']);
            if password.is_empty() {
                bail!(
                    "no password on stdin; give it as `wharf registries login {registry} --username {username} < token.txt`"
                );
            }
            let event =
                NewEvent::server_wide(super::local_actor(), "registries login", registry.as_str());
            store.recorded(event, || {
                store.set_registry_login(registry, username, password)
            })?;
            outln!("Stored the login to {registry} as {username}.")?;
            outln!(
                "Images from it can be deployed: wharf deploy --app APP --image {registry}/PATH:TAG"
            )?;
        }
        RegistriesCommand::List => {
            let logins = store.registry_logins()?;
            let listed: Vec<Listed> = logins
                .iter()
                .map(|login| Listed {
                    registry: login.registry.as_str(),
                    username: &login.username,
                    added_at: login.added_at,
                })
                .collect();
            if cli.json {
                print_json(&listed)?;
            } else if listed.is_empty() {
                outln!(
                    "No registry logins. Add one with `wharf registries login REGISTRY --username NAME < password.txt`."
                )?;
            } else {
                let clock = Clock::now();
                let mut table = Table::new(["REGISTRY", "USERNAME", "ADDED"]);
                for login in listed {
                    table.row([
                        login.registry.into(),
                        login.username.into(),
                        clock.date_and_age(login.added_at).into(),
                    ]);
                }
                table.print()?;
            }
        }
        RegistriesCommand::Logout { registry } => {
            let event =
                NewEvent::server_wide(super::local_actor(), "registries logout", registry.as_str());
            let removed = store.recorded(event, || store.remove_registry_login(registry))?;
            if !removed {
                bail!("there is no login to {registry}; see `wharf registries list`");
            }
            outln!("Forgot the login to {registry}.")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
