//! `wharf keys add/list/remove`: the SSH keys that may push. Run on the server, like `tokens`:
//! keys are recorded in the store, then the `wharf` user's authorized_keys is rewritten from
//! it, each key confined to `wharf ssh-command NAME` (`wharf_server::PushKeys`, which the
//! dashboard's SSH keys page uses too).

use crate::args::{Cli, KeysArgs, KeysCommand};
use crate::output::{Clock, Table, outln, print_json};
use anyhow::Context;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use wharf_git::{PublicKey, RunAs, check_key_name};
use wharf_server::PushKeys;
use wharf_store::NewEvent;

/// A public key is one line; anything much longer is not one.
const MAX_KEY_BYTES: u64 = 16 * 1024;

pub fn run(cli: &Cli, args: &KeysArgs) -> anyhow::Result<ExitCode> {
    let store = super::tokens::open(cli)?;
    match &args.command {
        KeysCommand::Add { name } => {
            check_key_name(name)?;
            let mut text = String::new();
            std::io::stdin()
                .take(MAX_KEY_BYTES)
                .read_to_string(&mut text)
                .context("reading the public key from stdin")?;
            let key = PublicKey::parse(&text)?;
            let push = push_keys(cli, args)?;
            let event = NewEvent::server_wide(super::local_actor(), "keys add", name);
            let record = store.recorded(event, || push.add(&store, name, &key))?;
            outln!("Added key `{name}` ({}).", record.fingerprint)?;
            outln!("It may push: git push wharf@THIS-SERVER:APP main")?;
        }
        KeysCommand::List => {
            let keys = store.keys()?;
            if cli.json {
                print_json(&keys)?;
            } else if keys.is_empty() {
                outln!("No keys yet. Add one with `wharf keys add NAME < key.pub`.")?;
            } else {
                let clock = Clock::now();
                let mut table = Table::new(["NAME", "FINGERPRINT", "CREATED"]);
                for key in keys {
                    table.row([
                        key.name.into(),
                        key.fingerprint.into(),
                        clock.date_and_age(key.created_at).into(),
                    ]);
                }
                table.print()?;
            }
        }
        KeysCommand::Remove { name } => {
            let push = push_keys(cli, args)?;
            let event = NewEvent::server_wide(super::local_actor(), "keys remove", name);
            store.recorded(event, || push.remove(&store, name))?;
            outln!("Removed key `{name}`: it can no longer push or connect.")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Where this command writes keys: the given or the `wharf` user's authorized_keys, entries
/// that run this binary with this data directory.
fn push_keys(cli: &Cli, args: &KeysArgs) -> anyhow::Result<PushKeys> {
    Ok(PushKeys {
        authorized_keys: authorized_keys_path(args)?,
        binary: std::env::current_exe().context("finding the wharf binary")?,
        data_dir: std::path::absolute(&cli.data_dir).context("resolving --data-dir")?,
        owner: RunAs::wharf_user(),
    })
}

fn authorized_keys_path(args: &KeysArgs) -> anyhow::Result<PathBuf> {
    match &args.authorized_keys {
        Some(path) => Ok(path.clone()),
        None => wharf_git::default_authorized_keys().context(
            "there is no `wharf` user to hold the keys: run `wharf init` (it creates one), or pass --authorized-keys PATH",
        ),
    }
}
