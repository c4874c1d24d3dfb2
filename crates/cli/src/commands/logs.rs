//! `wharf logs APP [-f] [--process web] [--tail N]`: the app's container logs, merged, each line
//! prefixed with its process and replica (`web.1 | ...`); `wharf logs APP --release v3`: that
//! release's build and deploy output.

use crate::args::{LogsArgs, Tail};
use crate::client::{Client, empty, server_error};
use crate::output::{outln, write_stdout_bytes};
use anyhow::Context;
use futures_util::StreamExt;
use http::Method;
use http_body_util::BodyExt;
use std::process::ExitCode;

pub async fn run(client: &Client, args: &LogsArgs) -> anyhow::Result<ExitCode> {
    let app = super::apps::encode(&args.app);
    if let Some(release) = &args.release {
        let answer: serde_json::Value = client
            .json(
                Method::GET,
                &format!(
                    "/v1/apps/{app}/releases/{}/log",
                    super::apps::encode(release)
                ),
            )
            .await?;
        write_stdout_bytes(answer["log"].as_str().unwrap_or_default().as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let tail = match args.tail {
        Tail::All => "all".to_string(),
        Tail::Lines(n) => n.to_string(),
    };
    let mut path = format!("/v1/apps/{app}/logs?tail={tail}&follow={}", args.follow);
    if let Some(process) = &args.process {
        path.push_str(&format!("&process={}", super::apps::encode(process)));
    }
    let response = client.send(Method::GET, &path, None, empty()).await?;
    let status = response.status();
    if !status.is_success() {
        let bytes = response.into_body().collect().await?.to_bytes();
        return Err(server_error(status, &bytes));
    }
    let mut body = response.into_body().into_data_stream();
    let mut pending: Vec<u8> = Vec::new();
    let mut failed = false;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.context("reading logs from the wharf server")?;
        pending.extend_from_slice(&chunk);
        while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=pos).collect();
            failed |= print_event(&line)?;
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Print one event; returns whether it was an error.
fn print_event(raw: &[u8]) -> anyhow::Result<bool> {
    let event: serde_json::Value =
        serde_json::from_slice(raw).context("decoding a log line from the wharf server")?;
    if let Some(error) = event.get("error").and_then(|e| e.as_str()) {
        eprintln!("{} {error}", crate::output::error_prefix());
        return Ok(true);
    }
    let source = event["source"].as_str().unwrap_or_default();
    let line = event["line"].as_str().unwrap_or_default();
    outln!("{source} | {line}")?;
    Ok(false)
}
