//! `wharf certs`: list the HTTPS certificates, add your own (read from PEM files here and
//! checked by the server before it serves them), remove one; `wharf certs status` shows
//! automatic HTTPS per domain (from `GET /v1/acme`). Keys are sent once, never shown.

use crate::args::{CertsArgs, CertsCommand};
use crate::client::{Client, json_body, server_error};
use anyhow::Context;
use http::Method;
use http_body_util::BodyExt;
use serde::Deserialize;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Deserialize)]
struct CertView {
    domain: String,
    source: String,
    issuer: String,
    serial: String,
    not_after: i64,
}

#[derive(Deserialize)]
struct CertList {
    certs: Vec<CertView>,
}

pub async fn run(client: &Client, args: &CertsArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        None | Some(CertsCommand::List) => list(client).await,
        Some(CertsCommand::Add { domain, cert, key }) => {
            let chain = std::fs::read_to_string(cert)
                .with_context(|| format!("reading the certificate {}", cert.display()))?;
            let key = std::fs::read_to_string(key)
                .with_context(|| format!("reading the key {}", key.display()))?;
            let body = serde_json::json!({ "domain": domain, "cert": chain, "key": key });
            let added: CertView = exchange(client, Method::POST, "/v1/certs", Some(&body)).await?;
            println!(
                "Certificate for {} installed (serial {}, issued by {}, expires {}).",
                added.domain,
                added.serial,
                added.issuer,
                date(added.not_after)
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(CertsCommand::Status) => status(client).await,
        Some(CertsCommand::Remove { domain }) => {
            let path = format!("/v1/certs/{}", super::apps::encode(domain));
            let _: serde_json::Value = exchange(client, Method::DELETE, &path, None).await?;
            println!("Certificate for {domain} removed.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn list(client: &Client) -> anyhow::Result<ExitCode> {
    let answer: CertList = client.json(Method::GET, "/v1/certs").await?;
    if answer.certs.is_empty() {
        println!(
            "No certificates. Add your own with `wharf certs add DOMAIN --cert FILE --key FILE`."
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<32} {:<9} {:<17} ISSUER", "DOMAIN", "SOURCE", "EXPIRES");
    for cert in answer.certs {
        println!(
            "{:<32} {:<9} {:<17} {}",
            cert.domain,
            cert.source,
            date(cert.not_after),
            cert.issuer
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn exchange<T: serde::de::DeserializeOwned>(
    client: &Client,
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> anyhow::Result<T> {
    let response = client
        .send(
            method,
            path,
            body.map(|_| "application/json"),
            body.map_or_else(crate::client::empty, json_body),
        )
        .await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        return Err(server_error(status, &bytes));
    }
    serde_json::from_slice(&bytes).with_context(|| format!("decoding the answer to {path}"))
}

/// A Unix time as the server's UTC date and time.
fn date(secs: i64) -> String {
    wharf_domain::UtcDateTime::from_unix_seconds(secs)
        .map(|t| t.to_string())
        .unwrap_or_else(|| secs.to_string())
}

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
    #[serde(default)]
    served_checked: Option<i64>,
    #[serde(default)]
    renew_at: Option<i64>,
    #[serde(default)]
    renew_by: Option<String>,
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
        if let (Some(t), Some(by)) = (d.renew_at, d.renew_by.as_deref()) {
            let why = match by {
                "ari" => "suggested by the CA's renewal information",
                "configured" => "--acme-renew-before",
                _ => "two thirds of its lifetime",
            };
            println!("  renewal:       {t} ({}; {why})", relative(t - now));
        }
        if let Some(t) = d.served_checked {
            println!(
                "  served:        checked {t} ({}): the HTTPS listener serves this certificate",
                relative(t - now)
            );
        }
        match d.last_attempt {
            Some(t) => println!("  last attempt:  {t} ({})", relative(t - now)),
            None => println!("  last attempt:  never"),
        }
        if let Some(error) = &d.last_error {
            match d.failures {
                0 => println!("  last error:    {error}"),
                n => println!("  last error:    {error} ({n} failures in a row)"),
            }
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
