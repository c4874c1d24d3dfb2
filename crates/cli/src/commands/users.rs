//! `wharf users`: the dashboard's users, managed on the server directly in its store (like
//! tokens: it works whether or not the daemon runs, and needs the data directory's rights). A
//! password is generated and printed once, or read from stdin with `--password-stdin`.
//! Removing a user or changing a password ends their dashboard sessions at once. `totp` turns
//! on a second factor, whose secret and recovery codes are printed once.

use crate::args::Cli;
use crate::output::{Clock, Table, outln, print_json};
use clap::Subcommand;
use std::io::BufRead;
use std::process::ExitCode;
use wharf_store::{NewEvent, Role, Store, UserName};

#[derive(Subcommand, Debug)]
pub enum UsersCommand {
    /// Add a user who signs in to the dashboard; an admin unless --viewer. Prints a new
    /// password once, unless --password-stdin.
    Add {
        /// The user's name, which they sign in with.
        name: String,
        /// Read-only: sees everything but secret values, changes nothing.
        #[arg(long)]
        viewer: bool,
        /// Read the password from the first line of stdin instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users and their roles.
    List,
    /// Remove a user: their sessions end at once.
    Remove {
        /// The user's name.
        name: String,
    },
    /// Give a user a new password (printed once, unless --password-stdin): their sessions end.
    Passwd {
        /// The user's name.
        name: String,
        /// Read the password from the first line of stdin instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Turn on a second factor (TOTP) for a user: prints, once, the otpauth:// URL and secret
    /// for an authenticator app and 10 single-use recovery codes. Again: a new secret and
    /// new codes replace the old ones.
    Totp {
        /// The user's name.
        name: String,
        /// Turn the second factor off instead (the secret and recovery codes are forgotten).
        #[arg(long)]
        disable: bool,
    },
}

pub fn run(cli: &Cli, command: &UsersCommand) -> anyhow::Result<ExitCode> {
    if let Some(server) = &cli.server {
        anyhow::bail!(
            "users are managed on the server itself, not through --server {server}: run `wharf users` there"
        );
    }
    let store = super::tokens::open(cli)?;
    match command {
        UsersCommand::Add {
            name,
            viewer,
            password_stdin,
        } => {
            let name = UserName::parse(name)?;
            let role = if *viewer { Role::Viewer } else { Role::Admin };
            let password = password(*password_stdin)?;
            let event = NewEvent::server_wide(super::local_actor(), "users add", name.as_str());
            store.recorded(event, || store.create_user(&name, password.text(), role))?;
            announce(&format!("Added {role} `{name}`."), &password)?;
        }
        UsersCommand::List => {
            let users = store.users()?;
            if cli.json {
                print_json(&users)?;
                return Ok(ExitCode::SUCCESS);
            }
            let clock = Clock::now();
            let mut table = Table::new(["NAME", "ROLE", "2FA", "CREATED", "PASSWORD CHANGED"]);
            for user in users {
                let second_factor = if user.totp_enabled_at.is_some() {
                    "totp"
                } else {
                    "-"
                };
                table.row([
                    user.name.into(),
                    user.role.to_string().into(),
                    second_factor.into(),
                    clock.date_and_age(user.created_at).into(),
                    clock.date_and_age(user.password_changed_at).into(),
                ]);
            }
            table.print()?;
        }
        UsersCommand::Remove { name } => {
            let event = NewEvent::server_wide(super::local_actor(), "users remove", name);
            store.recorded(event, || store.remove_user(name))?;
            outln!("Removed user `{name}`; their dashboard sessions have ended.")?;
        }
        UsersCommand::Passwd {
            name,
            password_stdin,
        } => {
            if store.user(name)?.is_none() {
                return Err(wharf_store::StoreError::NoSuchUser(name.clone()).into());
            }
            let password = password(*password_stdin)?;
            let event = NewEvent::server_wide(super::local_actor(), "users passwd", name);
            store.recorded(event, || store.set_user_password(name, password.text()))?;
            announce(
                &format!("Changed the password of `{name}`; their dashboard sessions have ended."),
                &password,
            )?;
        }
        UsersCommand::Totp { name, disable } => {
            let name = UserName::parse(name)?;
            if *disable {
                let event =
                    NewEvent::server_wide(super::local_actor(), "users totp off", name.as_str());
                if store.recorded(event, || store.disable_totp(name.as_str()))? {
                    outln!(
                        "Turned off the second factor of `{name}`; they sign in with their password alone."
                    )?;
                } else {
                    outln!("`{name}` had no second factor; nothing changed.")?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            let event = NewEvent::server_wide(super::local_actor(), "users totp on", name.as_str());
            let enrollment = store.recorded(event, || store.enable_totp(name.as_str()))?;
            eprintln!(
                "Turned on a second factor for `{name}`: after their password, the dashboard asks for a code from an authenticator app. Add the URL (or type the secret) in the app; this is shown only this once:"
            );
            outln!("URL:    {}", enrollment.url)?;
            outln!("Secret: {}", enrollment.secret)?;
            outln!(
                "Recovery codes (each signs in once in place of a code; keep them apart from the phone):"
            )?;
            for code in &enrollment.recovery_codes {
                outln!("  {code}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `wharf init`: the first admin, `admin`, when the server has no user yet. Returns the new
/// password (to print once), or `None` when there are users already.
pub fn first_admin(store: &Store) -> anyhow::Result<Option<String>> {
    if !store.users()?.is_empty() {
        return Ok(None);
    }
    let password = wharf_store::generate_password();
    store.create_user(&UserName::parse("admin")?, &password, Role::Admin)?;
    Ok(Some(password))
}

enum Password {
    Generated(String),
    Given(String),
}

impl Password {
    fn text(&self) -> &str {
        match self {
            Password::Generated(text) | Password::Given(text) => text,
        }
    }
}

fn password(from_stdin: bool) -> anyhow::Result<Password> {
    if !from_stdin {
        return Ok(Password::Generated(wharf_store::generate_password()));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let text = line.trim_end_matches(['\n', '\r']).to_string();
    wharf_store::check_password(&text)?;
    Ok(Password::Given(text))
}

/// Say what was done; a generated password goes to stdout, alone, and only this once.
fn announce(done: &str, password: &Password) -> anyhow::Result<()> {
    match password {
        Password::Generated(text) => {
            eprintln!("{done} The password is shown only this once:");
            outln!("{text}")?;
        }
        Password::Given(_) => outln!("{done}")?,
    }
    Ok(())
}
