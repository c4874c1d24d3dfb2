//! `wharf certs`: list the HTTPS certificates, add your own (read from PEM files here and
//! checked by the server before it serves them), remove one; `wharf certs status` shows
//! automatic HTTPS per domain (from `GET /v1/acme`). Keys are sent once, never shown.

use super::listing;
use crate::args::{CertsArgs, CertsCommand};
use crate::client::Client;
use crate::output::{Cell, Clock, Colour, Table, outln};
use anyhow::Context;
use http::Method;
use std::process::ExitCode;
use wharf_api::{AcmeStatus, CertList, CertRemoved, CertUploadRequest, Certificate, paths};

pub async fn run(client: &Client, args: &CertsArgs, json: bool) -> anyhow::Result<ExitCode> {
    match &args.command {
        None | Some(CertsCommand::List) => list(client, json).await,
        Some(CertsCommand::Add { domain, cert, key }) => {
            let chain = std::fs::read_to_string(cert)
                .with_context(|| format!("reading the certificate {}", cert.display()))?;
            let key = std::fs::read_to_string(key)
                .with_context(|| format!("reading the key {}", key.display()))?;
            let request = CertUploadRequest {
                domain: domain.clone(),
                cert: chain,
                key,
            };
            let added: Certificate = client
                .json_with(Method::POST, paths::CERTS, &request)
                .await?;
            outln!(
                "Certificate for {} installed (serial {}, issued by {}, expires {}).",
                added.domain,
                added.serial,
                added.issuer,
                Clock::now().date_and_age(added.not_after)
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Some(CertsCommand::Status) => status(client, json).await,
        Some(CertsCommand::Remove { domain }) => {
            let path = paths::fill(paths::CERT, &[domain.as_str()]);
            let _: CertRemoved = client.json(Method::DELETE, &path).await?;
            outln!("Certificate for {domain} removed.")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn list(client: &Client, json: bool) -> anyhow::Result<ExitCode> {
    let Some(answer) = listing::<CertList>(client, paths::CERTS, json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    if answer.certs.is_empty() {
        outln!(
            "No certificates. Add your own with `wharf certs add DOMAIN --cert FILE --key FILE`."
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let clock = Clock::now();
    let mut table = Table::new(["DOMAIN", "SOURCE", "EXPIRES", "ISSUER"]);
    for cert in answer.certs {
        table.row([
            cert.domain.to_string().into(),
            cert.source.as_str().into(),
            Cell::coloured(
                clock.date_and_age(cert.not_after),
                expiry_colour(cert.not_after - clock.unix_seconds()),
            ),
            cert.issuer.into(),
        ]);
    }
    table.print()?;
    Ok(ExitCode::SUCCESS)
}

/// Red when a certificate has expired or will within a week, yellow within a month.
fn expiry_colour(left: i64) -> Option<Colour> {
    const DAY: i64 = 86_400;
    if left <= 7 * DAY {
        Some(Colour::Red)
    } else if left <= 30 * DAY {
        Some(Colour::Yellow)
    } else {
        None
    }
}

async fn status(client: &Client, json: bool) -> anyhow::Result<ExitCode> {
    let Some(view) = listing::<AcmeStatus>(client, paths::ACME, json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    let Some(directory) = view.directory else {
        outln!("Automatic HTTPS is off (--acme-directory off).")?;
        return Ok(ExitCode::SUCCESS);
    };
    outln!("ACME directory: {directory}")?;
    if view.domains.is_empty() {
        outln!("No public domain has been looked at yet.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let clock = Clock::now();
    let when = |t: i64| clock.date_and_age(t);
    let mut summary = Table::new(["DOMAIN", "CERTIFICATE EXPIRES", "LAST ATTEMPT", "STATE"]);
    for d in &view.domains {
        let expires = match d.not_after {
            Some(t) => Cell::coloured(when(t), expiry_colour(t - clock.unix_seconds())),
            None => Cell::from("none"),
        };
        let state = if d.last_error.is_some() && d.failures > 0 {
            Cell::coloured(
                format!("failing ({} in a row)", d.failures),
                Some(Colour::Red),
            )
        } else if d.not_after.is_some() {
            Cell::coloured("ok", Some(Colour::Green))
        } else {
            Cell::coloured("pending", Some(Colour::Yellow))
        };
        summary.row([
            d.domain.as_str().into(),
            expires,
            d.last_attempt.map_or_else(|| "never".into(), when).into(),
            state,
        ]);
    }
    summary.print()?;
    for d in &view.domains {
        outln!()?;
        outln!("{}", d.domain)?;
        match (&d.issuer, d.not_after) {
            (Some(issuer), Some(not_after)) => outln!(
                "  certificate:   issued by {issuer}, expires {}{}",
                when(not_after),
                d.challenge
                    .as_deref()
                    .map(|c| format!(", validated by {c}"))
                    .unwrap_or_default()
            )?,
            _ => outln!("  certificate:   none (served over plain HTTP)")?,
        }
        if let (Some(t), Some(by)) = (d.renew_at, d.renew_by.as_deref()) {
            let why = match by {
                "ari" => "suggested by the CA's renewal information",
                "configured" => "--acme-renew-before",
                _ => "two thirds of its lifetime",
            };
            outln!("  renewal:       {}; {why}", when(t))?;
        }
        if let Some(t) = d.served_checked {
            outln!(
                "  served:        checked {}: the HTTPS listener serves this certificate",
                when(t)
            )?;
        }
        match d.last_attempt {
            Some(t) => outln!("  last attempt:  {}", when(t))?,
            None => outln!("  last attempt:  never")?,
        }
        if let Some(error) = &d.last_error {
            match d.failures {
                0 => outln!("  last error:    {error}")?,
                n => outln!("  last error:    {error} ({n} failures in a row)")?,
            }
        }
        if let Some(t) = d.next_attempt {
            outln!("  next retry:    {}", when(t))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
