//! `wharf domains list/add/remove`: the domains an app is served on, from its Dockerfile and
//! added by command. A change takes effect at once, without a new release.

use super::apps::encode;
use crate::args::DomainsCommand;
use crate::client::Client;
use http::Method;
use serde::Deserialize;
use std::process::ExitCode;

#[derive(Deserialize)]
struct AppDomains {
    dockerfile: Vec<String>,
    added: Vec<String>,
}

pub async fn run(client: &Client, command: &DomainsCommand) -> anyhow::Result<ExitCode> {
    match command {
        DomainsCommand::List { app } => list(client, app).await,
        DomainsCommand::Add { app, domain } => add(client, app, domain).await,
        DomainsCommand::Remove { app, domain } => remove(client, app, domain).await,
    }
}

pub async fn list(client: &Client, app: &str) -> anyhow::Result<ExitCode> {
    let domains: AppDomains = client
        .json(Method::GET, &format!("/v1/apps/{}/domains", encode(app)))
        .await?;
    print(app, &domains);
    Ok(ExitCode::SUCCESS)
}

pub async fn add(client: &Client, app: &str, domain: &str) -> anyhow::Result<ExitCode> {
    let domains: AppDomains = client
        .json_with(
            Method::POST,
            &format!("/v1/apps/{}/domains", encode(app)),
            Some(serde_json::json!({ "domain": domain })),
        )
        .await?;
    println!("{app} is served on {domain} too.");
    print(app, &domains);
    Ok(ExitCode::SUCCESS)
}

pub async fn remove(client: &Client, app: &str, domain: &str) -> anyhow::Result<ExitCode> {
    let domains: AppDomains = client
        .json(
            Method::DELETE,
            &format!("/v1/apps/{}/domains/{}", encode(app), encode(domain)),
        )
        .await?;
    println!("{app} is no longer served on {domain}.");
    print(app, &domains);
    Ok(ExitCode::SUCCESS)
}

fn print(app: &str, domains: &AppDomains) {
    if domains.dockerfile.is_empty() && domains.added.is_empty() {
        println!(
            "{app} has no domain. Add one with `wharf domains add {app} DOMAIN` or `# wharf.domain = DOMAIN` in its Dockerfile."
        );
        return;
    }
    let width = domains
        .dockerfile
        .iter()
        .chain(&domains.added)
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max("DOMAIN".len());
    println!("{:<width$}  FROM", "DOMAIN");
    for d in &domains.dockerfile {
        println!("{d:<width$}  Dockerfile");
    }
    for d in &domains.added {
        println!("{d:<width$}  wharf domains add");
    }
}
