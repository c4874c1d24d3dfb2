//! `wharf certs`: list the HTTPS certificates, add your own (read from PEM files here and
//! checked by the server before it serves them), remove one. Keys are sent once, never shown.

use crate::args::{CertsArgs, CertsCommand};
use crate::client::{Client, json_body, server_error};
use anyhow::Context;
use http::Method;
use http_body_util::BodyExt;
use serde::Deserialize;
use std::process::ExitCode;

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
