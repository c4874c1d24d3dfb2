//! `wharf notify`: where the alerts Wharf raises are sent. `add webhook URL [--format]`,
//! `add email ADDRESS --smtp HOST:PORT [--smtp-user U] [--starttls]` (the password read from
//! stdin, so it is in neither the shell's history nor the process list), `list` (each channel's
//! last delivery and last error), `remove ID` and `test`.

use super::listing;
use crate::client::Client;
use crate::output::{Cell, Clock, Colour, Table, outln};
use anyhow::Context;
use clap::Subcommand;
use http::Method;
use std::io::Read;
use std::process::ExitCode;
use wharf_api::{
    AddEmailRequest, AddWebhookRequest, NotifyChannel, NotifyChannelRemoved, NotifyChannels,
    NotifyTestSent, paths,
};
use wharf_domain::{EmailAddress, SmtpServer, WebhookFormat, WebhookUrl};

/// A password is a line; anything much longer is not one.
const MAX_PASSWORD_BYTES: u64 = 4096;

#[derive(Subcommand, Debug)]
pub enum NotifyCommand {
    /// List the channels, with each one's last delivery and last error (the default).
    List,
    /// Send alerts to a webhook or an email address.
    Add {
        #[command(subcommand)]
        channel: AddChannel,
    },
    /// Stop sending to a channel: `wharf notify remove ID` (the ID `list` shows).
    Remove {
        /// The channel's ID, as `wharf notify list` shows it.
        id: i64,
    },
    /// Send a test message to every channel; `wharf notify list` then shows how it went.
    Test,
}

#[derive(Subcommand, Debug)]
pub enum AddChannel {
    /// POST every alert to URL as JSON (or as a Slack or Discord message).
    Webhook {
        /// The URL to POST to (https:// or http://).
        #[arg(value_parser = WebhookUrl::parse)]
        url: WebhookUrl,
        /// json (Wharf's own: kind, severity, app, message, count), slack or discord.
        #[arg(long, default_value = "json")]
        format: WebhookFormat,
    },
    /// Mail every alert to ADDRESS through an SMTP server; with --smtp-user, the password is
    /// read from stdin (`wharf notify add email ... --smtp-user U < password.txt`).
    Email {
        /// Who gets the email.
        #[arg(value_parser = EmailAddress::parse)]
        address: EmailAddress,
        /// The SMTP server, HOST:PORT.
        #[arg(long, value_name = "HOST:PORT", value_parser = SmtpServer::parse)]
        smtp: SmtpServer,
        /// The SMTP login's user name; its password is read from stdin.
        #[arg(long, value_name = "USER")]
        smtp_user: Option<String>,
        /// Upgrade the connection with STARTTLS (port 587) before logging in.
        #[arg(long)]
        starttls: bool,
    },
}

pub async fn run(
    client: &Client,
    command: &Option<NotifyCommand>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        None | Some(NotifyCommand::List) => list(client, json).await,
        Some(NotifyCommand::Add { channel }) => {
            let added: NotifyChannel = match channel {
                AddChannel::Webhook { url, format } => {
                    let request = AddWebhookRequest {
                        url: url.clone(),
                        format: *format,
                    };
                    client
                        .json_with(Method::POST, paths::NOTIFY_WEBHOOKS, &request)
                        .await?
                }
                AddChannel::Email {
                    address,
                    smtp,
                    smtp_user,
                    starttls,
                } => {
                    let smtp_password = match smtp_user {
                        Some(_) => Some(password_from_stdin()?),
                        None => None,
                    };
                    let request = AddEmailRequest {
                        to: address.clone(),
                        smtp: smtp.clone(),
                        smtp_user: smtp_user.clone(),
                        smtp_password,
                        starttls: *starttls,
                    };
                    client
                        .json_with(Method::POST, paths::NOTIFY_EMAILS, &request)
                        .await?
                }
            };
            outln!(
                "Channel {} added: {} {}. Try it with `wharf notify test`.",
                added.id,
                added.kind,
                added.target
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Some(NotifyCommand::Remove { id }) => {
            let path = paths::fill(paths::NOTIFY_CHANNEL, &[&id.to_string()]);
            let _: NotifyChannelRemoved = client.json(Method::DELETE, &path).await?;
            outln!("Channel {id} removed.")?;
            Ok(ExitCode::SUCCESS)
        }
        Some(NotifyCommand::Test) => {
            let sent: NotifyTestSent = client.json(Method::POST, paths::NOTIFY_TEST).await?;
            if sent.channels == 0 {
                outln!("No channels to test. Add one with `wharf notify add webhook URL`.")?;
            } else {
                outln!(
                    "A test message is on its way to {} channel(s); `wharf notify list` shows how it went.",
                    sent.channels
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn list(client: &Client, json: bool) -> anyhow::Result<ExitCode> {
    let Some(answer) = listing::<NotifyChannels>(client, paths::NOTIFY, json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    if answer.channels.is_empty() {
        outln!(
            "No notification channels. Add one with `wharf notify add webhook URL` or `wharf notify add email ADDRESS --smtp HOST:PORT`."
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let clock = Clock::now();
    let mut table = Table::new(["ID", "KIND", "TO", "LAST DELIVERY", "LAST ERROR"]);
    for channel in answer.channels {
        let delivered = channel
            .last_delivery
            .map_or_else(|| "never".to_string(), |at| clock.date_and_age(at));
        // An error since the last delivery is the channel's state; an older one is history.
        let failing = match (channel.last_error_at, channel.last_delivery) {
            (Some(failed), Some(delivered)) => failed > delivered,
            (Some(_), None) => true,
            _ => false,
        };
        let error = match (&channel.last_error, channel.last_error_at) {
            (Some(error), Some(at)) => Cell::coloured(
                format!("{} ({error})", clock.date_and_age(at)),
                failing.then_some(Colour::Red),
            ),
            _ => Cell::from("-"),
        };
        table.row([
            channel.id.to_string().into(),
            channel.kind.into(),
            channel.target.into(),
            delivered.into(),
            error,
        ]);
    }
    table.print()?;
    Ok(ExitCode::SUCCESS)
}

/// The SMTP password, one line on stdin.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .take(MAX_PASSWORD_BYTES)
        .read_to_string(&mut text)
        .context("reading the SMTP password from stdin")?;
    let password = text.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        anyhow::bail!(
            "no password on stdin; give it as `wharf notify add email ADDRESS --smtp HOST:PORT --smtp-user USER < password.txt`"
        );
    }
    Ok(password.to_string())
}
