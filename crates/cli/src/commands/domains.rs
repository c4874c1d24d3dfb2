//! `wharf domains list/add/remove`: the domains an app is served on, from its Dockerfile and
//! added by command. A change takes effect at once, without a new release.

use super::listing;
use crate::args::DomainsCommand;
use crate::client::Client;
use crate::output::{Table, outln};
use http::Method;
use std::process::ExitCode;
use wharf_api::{AddDomainRequest, AppDomains, paths};
use wharf_domain::{AppName, DomainName};

pub async fn run(
    client: &Client,
    command: &DomainsCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        DomainsCommand::List { app } => list(client, app, json).await,
        DomainsCommand::Add { app, domains } => {
            for domain in domains {
                add(client, app, domain).await?;
            }
            Ok(ExitCode::SUCCESS)
        }
        DomainsCommand::Remove { app, domains } => {
            for domain in domains {
                remove(client, app, domain).await?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub async fn list(client: &Client, app: &AppName, json: bool) -> anyhow::Result<ExitCode> {
    let path = paths::fill(paths::DOMAINS, &[app.as_str()]);
    if let Some(domains) = listing::<AppDomains>(client, &path, json).await? {
        print(app, &domains)?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn add(client: &Client, app: &AppName, domain: &DomainName) -> anyhow::Result<()> {
    let domains: AppDomains = client
        .json_with(
            Method::POST,
            &paths::fill(paths::DOMAINS, &[app.as_str()]),
            &AddDomainRequest {
                domain: domain.clone(),
            },
        )
        .await?;
    outln!("{app} is served on {domain} too.")?;
    print(app, &domains)
}

async fn remove(client: &Client, app: &AppName, domain: &DomainName) -> anyhow::Result<()> {
    let path = paths::fill(paths::DOMAIN, &[app.as_str(), domain.as_str()]);
    let domains: AppDomains = client.json(Method::DELETE, &path).await?;
    outln!("{app} is no longer served on {domain}.")?;
    print(app, &domains)
}

fn print(app: &AppName, domains: &AppDomains) -> anyhow::Result<()> {
    if domains.dockerfile.is_empty() && domains.added.is_empty() {
        return outln!(
            "{app} has no domain. Add one with `wharf domains add {app} DOMAIN` or `# wharf.domain = DOMAIN` in its Dockerfile."
        );
    }
    let mut table = Table::new(["DOMAIN", "FROM"]);
    // An address with a path shows as its URL, `https://example.com/blog`.
    for d in &domains.dockerfile {
        table.row([d.shown().into(), "Dockerfile".into()]);
    }
    for d in &domains.added {
        table.row([d.to_string().into(), "wharf domains add".into()]);
    }
    table.print()
}
