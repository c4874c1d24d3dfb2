//! `wharf run APP -- CMD ARGS...`: a one-off command in a new container of the app. The
//! command's stdin, stdout and stderr are this process's; with a terminal on both stdin and
//! stdout it gets a TTY (the terminal is put in raw mode and restored afterwards, and window size
//! changes are passed on). `wharf` exits with the command's exit code.

use crate::args::RunArgs;
use crate::client::{Client, server_error};
use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use nix::sys::termios::{SetArg, Termios, cfmakeraw, tcgetattr, tcsetattr};
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use tokio::sync::mpsc;
use wharf_api::{RunRequest, RunStarted, Terminal, paths};
use wharf_domain::AppName;
use wharf_server::run_protocol::{Frame, UPGRADE_PROTOCOL, read_frame, write_frame};

/// Exit code when the command cannot be found or started (as `docker run` and shells do).
const NOT_FOUND: u8 = 127;
const CANNOT_RUN: u8 = 126;

pub async fn run(client: &Client, args: &RunArgs) -> anyhow::Result<ExitCode> {
    run_command(client, &args.app, &args.command, args.detach, !args.no_tty).await
}

/// Run `command` in a new container of `app`, attached to this process's stdin, stdout and
/// stderr (a TTY if `allow_tty` and both are terminals), and return its exit code; or, with
/// `detach`, start it, print its container's name and return.
pub async fn run_command(
    client: &Client,
    app: &AppName,
    command: &[String],
    detach: bool,
    allow_tty: bool,
) -> anyhow::Result<ExitCode> {
    let path = paths::fill(paths::RUN, &[app.as_str()]);
    if detach {
        let request = RunRequest {
            cmd: command.to_vec(),
            detach: true,
            stdin: false,
            terminal: Terminal::default(),
        };
        let response = client.post_json(&path, &request).await?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            return refused(server_error(status, &bytes));
        }
        let started: RunStarted = serde_json::from_slice(&bytes)
            .context("decoding the server's answer to a detached run")?;
        println!("{}", started.name);
        return Ok(ExitCode::SUCCESS);
    }

    let stdin = stdin_is_input();
    let request = |terminal| RunRequest {
        cmd: command.to_vec(),
        detach: false,
        stdin,
        terminal,
    };
    attach(client, &path, request, allow_tty).await
}

/// POST the request that `request` makes with this terminal's settings to `path`, switch the
/// connection to the run protocol and relay this process's stdin, stdout and stderr until the
/// remote command ends; returns its exit code.
pub(crate) async fn attach<R: serde::Serialize>(
    client: &Client,
    path: &str,
    request: impl FnOnce(Terminal) -> R,
    allow_tty: bool,
) -> anyhow::Result<ExitCode> {
    let tty = allow_tty && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let size = if tty { window_size() } else { None };
    let request = request(Terminal {
        tty,
        rows: size.map(|s| s.0),
        cols: size.map(|s| s.1),
    });
    let upgraded = match client.upgrade(path, UPGRADE_PROTOCOL, &request).await? {
        Ok(upgraded) => upgraded,
        Err(response) => {
            let status = response.status();
            let bytes = response.into_body().collect().await?.to_bytes();
            return refused(server_error(status, &bytes));
        }
    };
    let raw = if tty { Some(RawMode::enable()?) } else { None };
    let code = relay(TokioIo::new(upgraded), tty).await;
    drop(raw);
    let code = code?;
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

/// A command that could not start exits 127 (not found) or 126, like a shell would; other
/// refusals are ordinary errors.
fn refused(err: anyhow::Error) -> anyhow::Result<ExitCode> {
    let message = format!("{err:#}");
    if !message.contains("could not be started") {
        return Err(err);
    }
    eprintln!("error: {message}");
    if message.contains("not found") || message.contains("no such file") {
        Ok(ExitCode::from(NOT_FOUND))
    } else {
        Ok(ExitCode::from(CANNOT_RUN))
    }
}

/// Pass stdin (and window size changes) to the server and its output to stdout and stderr,
/// until the server sends the exit code.
async fn relay<S>(connection: S, tty: bool) -> anyhow::Result<i32>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin,
{
    let (mut from_server, mut to_server) = tokio::io::split(connection);
    let output = async {
        loop {
            let frame = read_frame(&mut from_server)
                .await
                .context("reading the command's output from the wharf server")?;
            match frame {
                Some(Frame::Stdout(data)) => crate::output::write_stdout_bytes(&data)?,
                Some(Frame::Stderr(data)) => write_out(&mut std::io::stderr().lock(), &data)?,
                Some(Frame::Exit(code)) => return Ok(code),
                Some(Frame::Error(message)) => bail!("{message}"),
                Some(other) => bail!("unexpected message from the wharf server: {other:?}"),
                None => bail!("the wharf server closed the connection before the command ended"),
            }
        }
    };
    let input = async {
        let mut stdin = read_stdin();
        let mut resized = if tty {
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change()).ok()
        } else {
            None
        };
        let mut stdin_open = true;
        loop {
            let frame = tokio::select! {
                chunk = stdin.recv(), if stdin_open => match chunk {
                    Some(data) => Frame::Stdin(data),
                    None => {
                        stdin_open = false;
                        Frame::StdinEof
                    }
                },
                Some(()) = async {
                    match resized.as_mut() {
                        Some(signal) => signal.recv().await,
                        None => std::future::pending().await,
                    }
                } => match window_size() {
                    Some((rows, cols)) => Frame::Resize { rows, cols },
                    None => continue,
                },
                else => return std::future::pending::<()>().await,
            };
            if write_frame(&mut to_server, &frame).await.is_err() {
                // The server is done with us; its last frames tell why.
                return std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        code = output => code,
        () = input => unreachable!("the input relay never ends by itself"),
    }
}

fn write_out(out: &mut impl Write, data: &Bytes) -> anyhow::Result<()> {
    out.write_all(data)?;
    out.flush()?;
    Ok(())
}

/// Stdin, read on a thread of its own (a blocking read must not hold up the async runtime or
/// its shutdown); the channel closes at end of input.
fn read_stdin() -> mpsc::Receiver<Bytes> {
    let (tx, rx) = mpsc::channel(8);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin();
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            match stdin.read(&mut buffer) {
                Ok(0) => return,
                Ok(n) => {
                    if tx
                        .blocking_send(Bytes::copy_from_slice(&buffer[..n]))
                        .is_err()
                    {
                        return;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    });
    rx
}

/// The terminal's size as (rows, columns).
fn window_size() -> Option<(u16, u16)> {
    let size = rustix::termios::tcgetwinsize(std::io::stdin()).ok()?;
    (size.ws_row > 0 && size.ws_col > 0).then_some((size.ws_row, size.ws_col))
}

/// The terminal in raw mode (keys go to the remote TTY as typed); restored when dropped, also
/// on errors and panics.
struct RawMode {
    original: Termios,
}

impl RawMode {
    fn enable() -> anyhow::Result<RawMode> {
        let stdin = std::io::stdin();
        let original = tcgetattr(&stdin).context("reading the terminal's settings")?;
        let mut raw = original.clone();
        cfmakeraw(&mut raw);
        tcsetattr(&stdin, SetArg::TCSANOW, &raw).context("putting the terminal in raw mode")?;
        Ok(RawMode { original })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = tcsetattr(std::io::stdin(), SetArg::TCSADRAIN, &self.original);
    }
}

/// Whether this process's stdin carries input for the command: a pipe or a file (`wharf run
/// APP -- psql < dump.sql`), not a terminal (which asks for a TTY) nor `/dev/null`.
fn stdin_is_input() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else {
        return false;
    };
    std::fs::File::from(fd)
        .metadata()
        .is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_file())
}
