//! `wharf git-hook APP`: the pre-receive hook of an app's repository. git gives it one
//! `OLD NEW REF` line per pushed ref; it deploys the last ref that is not a deletion (any
//! branch name), streaming `git archive NEW` to the daemon as the build context and printing
//! the build and deploy output, which git shows the pusher as `remote:` lines. A failed deploy
//! exits non-zero: git then rejects the push and updates no ref.

use super::deploy::follow;
use crate::args::Cli;
use crate::client::{Client, Endpoint};
use anyhow::{Context, bail};
use futures_util::StreamExt;
use http::Method;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use std::io::Read;
use std::process::{ExitCode, Stdio};
use wharf_domain::AppName;

pub async fn run(cli: &Cli, app: &AppName) -> anyhow::Result<ExitCode> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading the pushed refs")?;
    let Some((revision, refname)) = pushed(&input) else {
        return Ok(ExitCode::SUCCESS);
    };
    let short = revision.get(..10).unwrap_or(revision);
    // Set by `wharf ssh-command` for pushes over SSH.
    let by = std::env::var("WHARF_PUSH_KEY")
        .map(|key| format!(", pushed with key {key}"))
        .unwrap_or_default();
    println!("-----> Deploying {app} from {refname} ({short}{by})");
    let mut archive = tokio::process::Command::new("git")
        // The modes `wharf push` writes too (git's default, pinned against a server's own
        // tar.umask): the two kinds of push then share Docker's build cache.
        .args(["-c", "tar.umask=002", "archive", "--format=tar", revision])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("running git archive")?;
    let tar = archive.stdout.take().context("git archive has no output")?;
    let frames = tokio_util::io::ReaderStream::new(tar).map(|chunk| chunk.map(Frame::data));
    let body = BodyExt::boxed(StreamBody::new(frames));
    let socket = wharf_server::socket_path(&std::path::absolute(&cli.data_dir)?);
    // Whom the push is for: set by `wharf ssh-command` or by the daemon serving git over HTTP.
    let mut client = Client::new(Endpoint::Unix(socket));
    if let Some(actor) = std::env::var(wharf_api::ACTOR_ENV)
        .ok()
        .and_then(|written| written.parse::<wharf_domain::Actor>().ok())
    {
        client = client.acting_for(actor);
    }
    let response = client
        .send(
            Method::POST,
            &crate::client::with_query(
                wharf_api::paths::DEPLOY,
                &wharf_api::DeployQuery {
                    app: Some(app.to_string()),
                    revision: Some(revision.to_string()),
                },
            )?,
            Some("application/x-tar"),
            body,
        )
        .await?;
    let code = follow(response).await?;
    let status = archive.wait().await.context("waiting for git archive")?;
    if !status.success() {
        bail!("git archive {revision} failed ({status}); nothing was deployed");
    }
    Ok(code)
}

/// The revision and ref to deploy: the last pushed ref that is not deleted. Revisions are
/// object names (hex) only, so they can never be taken for an option.
fn pushed(input: &str) -> Option<(&str, &str)> {
    input
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_ascii_whitespace();
            let (_old, new, refname) = (fields.next()?, fields.next()?, fields.next()?);
            let hex = new.len() >= 40 && new.bytes().all(|b| b.is_ascii_hexdigit());
            let deleted = new.bytes().all(|b| b == b'0');
            (hex && !deleted).then_some((new, refname))
        })
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::pushed;

    #[test]
    fn the_last_non_deleted_ref_is_deployed() {
        let zero = "0".repeat(40);
        let (a, b) = ("a".repeat(40), "b".repeat(40));
        let input = format!(
            "{zero} {a} refs/heads/main\n{a} {b} refs/heads/feature\n{b} {zero} refs/heads/old\n"
        );
        assert_eq!(pushed(&input), Some((b.as_str(), "refs/heads/feature")));
        assert_eq!(pushed(&format!("{a} {zero} refs/heads/x\n")), None);
        assert_eq!(pushed("--output=/etc/x y refs/heads/z\n"), None);
    }
}
