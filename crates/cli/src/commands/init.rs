//! `wharf init`: set Wharf up on a real server. Writes a systemd unit that runs `wharf server`
//! and a socket unit that holds its HTTP and HTTPS ports (so a restart or an upgrade of Wharf
//! refuses no connection: they wait in the socket's queue meanwhile), creates the `wharf` group
//! and user (`git push` over SSH connects as it), the first API token and the first dashboard
//! user (`admin`), and (unless
//! --no-start) enables and starts the service. With --no-systemd it writes no unit and starts
//! nothing, for machines where the server is started by hand (as scripts/install.sh does). It
//! opens no port and changes no firewall.

use super::units::{SOCKET_UNIT, Unit};
use crate::args::{Cli, InitArgs};
use anyhow::{Context, bail};
use std::process::{Command, ExitCode};

pub fn run(cli: &Cli, args: &InitArgs) -> anyhow::Result<ExitCode> {
    let binary = std::env::current_exe().context("finding the wharf binary")?;
    let data_dir = &cli.data_dir;
    if !data_dir.is_absolute() {
        bail!(
            "--data-dir must be an absolute path for a service, got {}",
            data_dir.display()
        );
    }
    if let Some(email) = &args.email
        && (!email.contains('@') || email.contains(char::is_whitespace))
    {
        bail!("--email `{email}` is not an email address");
    }
    let https_listen = match args.https_listen.as_str() {
        "none" | "" => None,
        addr => Some(addr.parse::<std::net::SocketAddr>().with_context(|| {
            format!("--https-listen `{addr}` is not an address like 0.0.0.0:443 (or `none`)")
        })?),
    };
    let api_domain = args.api_domain.clone();
    if api_domain.is_some() && https_listen.is_none() {
        bail!("--api-domain needs the HTTPS listener (--https-listen is `none`)");
    }
    if !args.no_systemd {
        let unit = Unit {
            binary: binary.display().to_string(),
            data_dir: data_dir.display().to_string(),
            http_listen: args.http_listen,
            https_listen,
            api_domain: api_domain.clone(),
        };
        unit.write(&args.unit_path)?;
    }
    if let Some(email) = &args.email {
        let path = data_dir.join("acme-email");
        std::fs::create_dir_all(data_dir)?;
        std::fs::write(&path, format!("{email}\n"))?;
    }

    make_user_and_group()?;

    let store = super::tokens::open(cli)?;
    match store.create_token(&args.token_name, &wharf_domain::TokenScope::admin(), None) {
        Ok(token) => {
            println!(
                "Created API token `{}` for remote clients (shown only once):",
                args.token_name
            );
            println!("  {}", token.secret);
            match &api_domain {
                Some(name) => {
                    println!("Use it with: WHARF_TOKEN=<token> wharf push https://{name} DIR")
                }
                // The plain API listens on loopback only: reach it through SSH.
                None => println!(
                    "Use it over SSH: ssh -N -L 7070:127.0.0.1:7070 root@THIS-SERVER, then WHARF_TOKEN=<token> wharf push http://127.0.0.1:7070 DIR\n(or give this server a name with `wharf init --api-domain NAME` for HTTPS; git push over SSH needs no token: see docs/git-push.md)"
                ),
            }
        }
        Err(wharf_store::StoreError::TokenExists(_)) => {
            println!(
                "A token named `{}` exists already; kept it.",
                args.token_name
            );
        }
        Err(err) => return Err(err.into()),
    }

    if let Some(password) = super::users::first_admin(&store)? {
        println!("Created the dashboard user `admin` (shown only once):\n  {password}");
    }

    if args.no_systemd {
        println!(
            "No systemd unit written. Start Wharf with `{} --data-dir {} server` (in the background, e.g. with nohup); stop it with SIGTERM, which lets requests and deploys in flight finish.",
            binary.display(),
            data_dir.display()
        );
    } else if args.no_start {
        println!("Start Wharf with: systemctl enable --now {SOCKET_UNIT} wharf");
    } else if std::path::Path::new("/run/systemd/system").exists() {
        run_checked(Command::new("systemctl").arg("daemon-reload"))?;
        let socket_active = Command::new("systemctl")
            .args(["is-active", "--quiet", SOCKET_UNIT])
            .status()
            .is_ok_and(|s| s.success());
        if !socket_active {
            // A Wharf started without the socket unit holds the ports itself: it stops once,
            // so that systemd can take them; from then on restarts refuse no connection.
            run_checked(Command::new("systemctl").args(["stop", "wharf"]))?;
        }
        run_checked(Command::new("systemctl").args(["enable", "--now", SOCKET_UNIT, "wharf"]))?;
        println!("Wharf is running: `systemctl status wharf`, logs with `journalctl -u wharf`.");
    } else {
        println!(
            "This machine has no systemd; start Wharf with: wharf server --data-dir {}",
            data_dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Create the `wharf` group and user where they are missing (also run by the Debian package's
/// postinst, through the hidden `wharf system-user`, so both make the same user).
pub fn make_user_and_group() -> anyhow::Result<()> {
    if nix::unistd::Group::from_name("wharf")
        .ok()
        .flatten()
        .is_none()
        && which("groupadd")
    {
        let status = Command::new("groupadd")
            .arg("--system")
            .arg("wharf")
            .status()?;
        if status.success() {
            println!("Created the group `wharf`: its members may use wharf without root.");
        }
    }

    if nix::unistd::User::from_name(wharf_git::WHARF_USER)
        .ok()
        .flatten()
        .is_none()
        && which("useradd")
    {
        // The user `git push` connects as (wharf@HOST:APP). Its shell runs only the command
        // each key is confined to; `-p '*'` leaves it without a password but not locked, which
        // sshd requires for key logins.
        let status = Command::new("useradd")
            .args(["--system", "--gid", "wharf", "--create-home", "--home-dir"])
            .arg("/home/wharf")
            .args(["--shell", "/bin/sh", "--password", "*", "wharf"])
            .status()?;
        if status.success() {
            println!(
                "Created the user `wharf`: add push keys with `wharf keys add NAME < key.pub`."
            );
        }
    }
    Ok(())
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|p| p.join(program).is_file()))
        .unwrap_or(false)
}

fn run_checked(command: &mut Command) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("running {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}
