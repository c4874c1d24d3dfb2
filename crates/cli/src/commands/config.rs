//! `wharf config show/get/keys/set/unset` and `wharf rollback`: changes to a running app deploy a new
//! release, and their progress is shown like a deploy's.

use super::deploy::follow;
use crate::args::ConfigCommand;
use crate::client::{Client, empty, with_query};
use crate::output::{Table, outln, print_json};
use http::Method;
use std::process::ExitCode;
use wharf_api::{ConfigChangeRequest, ConfigQuery, ConfigVars, RollbackRequest, paths};
use wharf_domain::{AppName, ReleaseVersion};

pub async fn run(client: &Client, command: &ConfigCommand, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        ConfigCommand::Show { app, reveal } => show(client, app, *reveal, json).await,
        ConfigCommand::Get { app, key, quoted } => get(client, app, key, *quoted).await,
        ConfigCommand::Keys { app } => keys(client, app).await,
        ConfigCommand::Set {
            app,
            assignments,
            no_restart,
        } => {
            let request = ConfigChangeRequest {
                set: assignments.clone(),
                no_restart: *no_restart,
                ..ConfigChangeRequest::default()
            };
            change(client, app, &request).await
        }
        ConfigCommand::Unset {
            app,
            keys,
            no_restart,
        } => {
            let request = ConfigChangeRequest {
                unset: keys.clone(),
                no_restart: *no_restart,
                ..ConfigChangeRequest::default()
            };
            change(client, app, &request).await
        }
    }
}

/// The app's config vars, as the server has them; values come masked unless `reveal`.
async fn vars(client: &Client, app: &AppName, reveal: bool) -> anyhow::Result<ConfigVars> {
    let path = with_query(
        &paths::fill(paths::CONFIG, &[app.as_str()]),
        &ConfigQuery { reveal },
    )?;
    client.json(Method::GET, &path).await
}

/// `wharf config get [--quoted] APP KEY` (Dokku's `config:get`): the value alone (quoted for a shell with `quoted`);
/// a var that is not set prints nothing and fails.
pub async fn get(
    client: &Client,
    app: &AppName,
    key: &str,
    quoted: bool,
) -> anyhow::Result<ExitCode> {
    let vars = vars(client, app, true).await?.vars;
    let Some(value) = vars.get(key) else {
        return Ok(ExitCode::FAILURE);
    };
    if quoted {
        outln!("'{}'", value.replace('\'', r"'\''"))?;
    } else {
        outln!("{value}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `wharf config keys APP` (Dokku's `config:keys`): the names of the app's vars, one a line.
pub async fn keys(client: &Client, app: &AppName) -> anyhow::Result<ExitCode> {
    for key in vars(client, app, false).await?.vars.keys() {
        outln!("{key}")?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(
    client: &Client,
    app: &AppName,
    reveal: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let vars = vars(client, app, reveal).await?;
    if !reveal && !vars.vars.is_empty() {
        eprintln!("(values hidden; pass --reveal to show them)");
    }
    if json {
        print_json(&vars)?;
        return Ok(ExitCode::SUCCESS);
    }
    if vars.vars.is_empty() {
        outln!("{app} has no config vars. Set some with `wharf config set {app} KEY=VALUE`.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(["KEY", "VALUE"]);
    for (key, value) in vars.vars {
        table.row([key.into(), value.into()]);
    }
    table.print()?;
    Ok(ExitCode::SUCCESS)
}

async fn change(
    client: &Client,
    app: &AppName,
    request: &ConfigChangeRequest,
) -> anyhow::Result<ExitCode> {
    let response = client
        .post_json(&paths::fill(paths::CONFIG, &[app.as_str()]), request)
        .await?;
    follow(response).await
}

pub async fn redeploy(client: &Client, app: &AppName) -> anyhow::Result<ExitCode> {
    let path = paths::fill(paths::REDEPLOY, &[app.as_str()]);
    let response = client.send(Method::POST, &path, None, empty()).await?;
    follow(response).await
}

pub async fn rollback(
    client: &Client,
    app: &AppName,
    version: Option<ReleaseVersion>,
) -> anyhow::Result<ExitCode> {
    let version = version.map(ReleaseVersion::get);
    let response = client
        .post_json(
            &paths::fill(paths::ROLLBACK, &[app.as_str()]),
            &RollbackRequest { version },
        )
        .await?;
    follow(response).await
}
