//! `wharf certs status`: automatic HTTPS per domain, from `GET /v1/acme`.

use crate::args::CertsCommand;
use crate::client::Client;
use http::Method;
use serde::Deserialize;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Deserialize)]
struct AcmeView {
    directory: Option<String>,
    domains: Vec<DomainState>,
}

#[derive(Deserialize)]
struct DomainState {
    domain: String,
    last_attempt: Option<i64>,
    last_error: Option<String>,
    failures: i64,
    next_attempt: Option<i64>,
    challenge: Option<String>,
    issuer: Option<String>,
    not_after: Option<i64>,
}

pub async fn run(client: &Client, command: &CertsCommand) -> anyhow::Result<ExitCode> {
    match command {
        CertsCommand::Status => status(client).await,
    }
}

async fn status(client: &Client) -> anyhow::Result<ExitCode> {
    let view: AcmeView = client.json(Method::GET, "/v1/acme").await?;
    let Some(directory) = view.directory else {
        println!("Automatic HTTPS is off (--acme-directory off).");
        return Ok(ExitCode::SUCCESS);
    };
    println!("ACME directory: {directory}");
    if view.domains.is_empty() {
        println!("No public domain has been looked at yet.");
        return Ok(ExitCode::SUCCESS);
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    for d in &view.domains {
        println!("{}", d.domain);
        match (&d.issuer, d.not_after) {
            (Some(issuer), Some(not_after)) => println!(
                "  certificate:   issued by {issuer}, expires {} ({}){}",
                not_after,
                relative(not_after - now),
                d.challenge
                    .as_deref()
                    .map(|c| format!(", validated by {c}"))
                    .unwrap_or_default()
            ),
            _ => println!("  certificate:   none (served over plain HTTP)"),
        }
        match d.last_attempt {
            Some(t) => println!("  last attempt:  {t} ({})", relative(t - now)),
            None => println!("  last attempt:  never"),
        }
        if let Some(error) = &d.last_error {
            println!(
                "  last error:    {error} ({} failures in a row)",
                d.failures
            );
        }
        if let Some(t) = d.next_attempt {
            println!("  next retry:    {t} ({})", relative(t - now));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `in 5m` / `3h ago`.
fn relative(delta: i64) -> String {
    let abs = delta.unsigned_abs();
    let text = match abs {
        0..60 => format!("{abs}s"),
        60..7200 => format!("{}m", abs / 60),
        7200..172_800 => format!("{}h", abs / 3600),
        _ => format!("{}d", abs / 86400),
    };
    if delta >= 0 {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}
