//! `wharf ssh-command KEY`: what sshd runs for a push key instead of anything the client asked
//! for. The client's command (`SSH_ORIGINAL_COMMAND`) must be one Wharf allows: `git push`
//! (served by `git receive-pack` on the app's repository, created on the first push), a
//! read-only fetch, or a Dokku-style command, run against the local daemon's socket.

use super::{apps, config, domains, processes, services, storage};
use crate::args::{AppsArgs, Cli, ConfigCommand, DomainsCommand};
use crate::client::{Client, Endpoint};
use crate::ssh_command::{DomainChange, SshCommand, allowed, services_args};
use anyhow::{Context, bail};
use std::os::unix::process::CommandExt;
use std::process::ExitCode;
use wharf_api::ACTOR_ENV;
use wharf_domain::Actor;

pub async fn run(cli: &Cli, key: &str) -> anyhow::Result<ExitCode> {
    wharf_git::check_key_name(key)?;
    let original = std::env::var("SSH_ORIGINAL_COMMAND").ok();
    let command = SshCommand::parse(original.as_deref())?;
    let data_dir = std::path::absolute(&cli.data_dir).context("resolving --data-dir")?;
    let actor = Actor::SshKey(key.to_string());
    let client =
        Client::new(Endpoint::Unix(wharf_server::socket_path(&data_dir))).acting_for(actor.clone());
    match command {
        SshCommand::ReceivePack(app) => {
            let binary = std::env::current_exe().context("finding the wharf binary")?;
            let repo = wharf_git::ensure_repo(&data_dir, &app, &binary, None)
                .with_context(|| format!("preparing the repository of {app}"))?;
            let err = std::process::Command::new("git")
                .arg("receive-pack")
                .arg(&repo)
                .env("WHARF_PUSH_KEY", key)
                .env(ACTOR_ENV, actor.to_written())
                .exec();
            bail!("cannot run git receive-pack: {err}")
        }
        SshCommand::UploadPack(app) => {
            let repo = wharf_git::repo_path(&data_dir, &app);
            if !repo.join("HEAD").is_file() {
                bail!("`{app}` has no repository: push to it first");
            }
            let err = std::process::Command::new("git")
                .arg("upload-pack")
                .arg(&repo)
                .exec();
            bail!("cannot run git upload-pack: {err}")
        }
        SshCommand::Help => {
            println!(
                "Wharf: what this key may run (ssh wharf@HOST COMMAND):\n{}",
                allowed()
            );
            Ok(ExitCode::SUCCESS)
        }
        SshCommand::AppsList => apps::run(&client, &AppsArgs { command: None }, false).await,
        SshCommand::AppsDestroy(app) => apps::destroy(&client, &app, Some(app.as_str())).await,
        SshCommand::Releases(app) => apps::releases(&client, &app, false).await,
        SshCommand::Rollback { app, version } => config::rollback(&client, &app, version).await,
        SshCommand::ConfigShow { app, reveal } => {
            config::run(&client, &ConfigCommand::Show { app, reveal }, false).await
        }
        SshCommand::ConfigGet { app, key, quoted } => {
            config::get(&client, &app, &key, quoted).await
        }
        SshCommand::ConfigKeys(app) => config::keys(&client, &app).await,
        SshCommand::ConfigSet {
            app,
            assignments,
            restart,
        } => {
            let no_restart = !restart;
            let set = ConfigCommand::Set {
                app,
                assignments,
                no_restart,
            };
            config::run(&client, &set, false).await
        }
        SshCommand::ConfigUnset { app, keys, restart } => {
            let no_restart = !restart;
            config::run(
                &client,
                &ConfigCommand::Unset {
                    app,
                    keys,
                    no_restart,
                },
                false,
            )
            .await
        }
        SshCommand::Run {
            app,
            command,
            detach,
            tty,
        } => super::run::run_command(&client, &app, &command, detach, tty).await,
        SshCommand::Ps(app) => processes::ps(&client, &app, false).await,
        SshCommand::PsLifecycle {
            action,
            app,
            process,
        } => processes::lifecycle(&client, action, &app, process.as_ref()).await,
        SshCommand::PsScale {
            app,
            formation,
            deploy,
        } => processes::scale(&client, &app, &formation, deploy).await,
        SshCommand::Domains(app) => domains::list(&client, &app, false).await,
        SshCommand::DomainsChange {
            change,
            app,
            domains,
        } => {
            // Dokku takes several domains at once: one change each, stopping at a failure.
            let change = match change {
                DomainChange::Add => DomainsCommand::Add { app, domains },
                DomainChange::Remove => DomainsCommand::Remove { app, domains },
            };
            domains::run(&client, &change, false).await
        }
        SshCommand::StorageList(app) => storage::list(&client, &app, false).await,
        SshCommand::StorageMount { app, mount } => storage::mount(&client, &app, &mount).await,
        SshCommand::StorageUnmount { app, mount } => storage::unmount(&client, &app, &mount).await,
        SshCommand::Services(words) => {
            // Checked by `SshCommand::parse` with this same grammar.
            services::run(&client, &services_args(&words)?, false).await
        }
    }
}
