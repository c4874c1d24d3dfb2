//! `wharf keys add/list/remove`: the SSH keys that may push. Run on the server, like `tokens`:
//! keys are recorded in the store, then the `wharf` user's authorized_keys is rewritten from
//! it, each key confined to `wharf ssh-command NAME`.

use crate::args::{Cli, KeysArgs, KeysCommand};
use crate::output::{Clock, Table, outln, print_json};
use anyhow::Context;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use wharf_git::{ManagedKey, PublicKey, RunAs, check_key_name};
use wharf_store::KeyRecord;

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
            let record = store.add_key(name, key.fingerprint(), &key.as_line())?;
            if let Err(err) = write_authorized_keys(cli, args, &store.keys()?) {
                // Keep the store and the file in agreement.
                let _ = store.remove_key(name);
                return Err(err);
            }
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
            let keys = store.keys()?;
            if !keys.iter().any(|k| &k.name == name) {
                return Err(wharf_store::StoreError::NoSuchKey(name.clone()).into());
            }
            let kept: Vec<KeyRecord> = keys.into_iter().filter(|k| &k.name != name).collect();
            write_authorized_keys(cli, args, &kept)?;
            store.remove_key(name)?;
            outln!("Removed key `{name}`: it can no longer push or connect.")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Rewrite authorized_keys with exactly `keys` as Wharf's entries.
fn write_authorized_keys(cli: &Cli, args: &KeysArgs, keys: &[KeyRecord]) -> anyhow::Result<()> {
    let path = authorized_keys_path(args)?;
    let binary = std::env::current_exe().context("finding the wharf binary")?;
    let data_dir = std::path::absolute(&cli.data_dir).context("resolving --data-dir")?;
    let parsed: Vec<(String, PublicKey)> = keys
        .iter()
        .map(|k| {
            PublicKey::parse(&k.public_key)
                .map(|p| (k.name.clone(), p))
                .with_context(|| format!("the stored key `{}` is corrupt", k.name))
        })
        .collect::<anyhow::Result<_>>()?;
    let managed: Vec<ManagedKey<'_>> = parsed
        .iter()
        .map(|(name, key)| ManagedKey { name, key })
        .collect();
    wharf_git::rewrite(
        &path,
        &binary,
        &data_dir,
        &managed,
        RunAs::wharf_user().as_ref(),
    )?;
    Ok(())
}

fn authorized_keys_path(args: &KeysArgs) -> anyhow::Result<PathBuf> {
    match &args.authorized_keys {
        Some(path) => Ok(path.clone()),
        None => wharf_git::default_authorized_keys().context(
            "there is no `wharf` user to hold the keys: run `wharf init` (it creates one), or pass --authorized-keys PATH",
        ),
    }
}
