//! `wharf logs APP [-f] [--process web] [--tail N] [--since 2h] [--until 30m] [--grep TEXT]
//! [--release v3]`: the app's kept container output (it outlives redeploys and restarts), each
//! line prefixed with its process and replica (`web.1 | ...`); `wharf logs APP --release v3
//! --build`: that release's build and deploy output.

use crate::args::{LogsArgs, Tail};
use crate::client::{Client, empty, server_error, with_query};
use crate::output::{outln, write_stdout_bytes};
use anyhow::Context;
use futures_util::StreamExt;
use http::Method;
use http_body_util::BodyExt;
use std::process::ExitCode;
use wharf_api::{LogEvent, LogsQuery, ReleaseLog, paths};

pub async fn run(client: &Client, args: &LogsArgs) -> anyhow::Result<ExitCode> {
    if let Some(release) = args.release.as_ref().filter(|_| args.build) {
        let answer: ReleaseLog = client
            .json(
                Method::GET,
                &paths::fill(
                    paths::RELEASE_LOG,
                    &[args.app.as_str(), &release.to_string()],
                ),
            )
            .await?;
        write_stdout_bytes(answer.log.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let query = LogsQuery {
        tail: Some(match args.tail {
            Tail::All => "all".to_string(),
            Tail::Lines(n) => n.to_string(),
        }),
        follow: args.follow,
        process: args.process.as_ref().map(ToString::to_string),
        since: args.since.as_ref().map(ToString::to_string),
        until: args.until.as_ref().map(ToString::to_string),
        grep: args.grep.clone(),
        release: args.release.map(|r| r.to_string()),
    };
    let path = with_query(&paths::fill(paths::LOGS, &[args.app.as_str()]), &query)?;
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
    let event: LogEvent =
        serde_json::from_slice(raw).context("decoding a log line from the wharf server")?;
    match event {
        LogEvent::Error(error) => {
            eprintln!("{} {}", crate::output::error_prefix(), error.error);
            Ok(true)
        }
        LogEvent::Line(entry) => {
            outln!("{} | {}", entry.source, entry.line)?;
            Ok(false)
        }
    }
}
