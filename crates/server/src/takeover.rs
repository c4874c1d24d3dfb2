//! Upgrading Wharf without systemd, refusing no connection: on SIGUSR2 the daemon starts the
//! binary at its path (the new version, once installed there) with its own arguments, hands it
//! its listening sockets (`LISTEN_FDS`) and names itself as the one taken over from
//! (`WHARF_TAKEOVER_FROM`). The successor restores the routes and serves on the same sockets,
//! then asks its predecessor to stop (SIGTERM): that one stops accepting, finishes its requests
//! in flight and its deploys, and exits. Both accept on the same sockets meanwhile, so no
//! connection finds the ports closed. Once the predecessor is gone the successor restores the
//! routes again (picking up what the predecessor finished) and cleans up as after any start.
//! Under systemd, `systemctl restart` with the `wharf.socket` unit does the same job.

use anyhow::Context;
use command_fds::{CommandFdExt, FdMapping};
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::time::Duration;

/// Names the process a daemon takes over from.
const TAKEOVER_VAR: &str = "WHARF_TAKEOVER_FROM";

/// How often the successor checks whether its predecessor is gone.
const GONE_CHECK: Duration = Duration::from_millis(200);

/// What a successor needs: the binary to start and handles of the listening sockets.
pub struct Handover {
    binary: PathBuf,
    sockets: Vec<OwnedFd>,
}

impl Handover {
    /// `binary` is the path Wharf was started from (read at start-up, before an upgrade
    /// replaces the file).
    pub fn new(binary: PathBuf, sockets: Vec<OwnedFd>) -> Handover {
        Handover { binary, sockets }
    }

    /// Start the successor; returns its process id. It reports to the same output.
    pub fn start_successor(&self) -> anyhow::Result<u32> {
        let mappings = self
            .sockets
            .iter()
            .enumerate()
            .map(|(i, socket)| {
                Ok(FdMapping {
                    parent_fd: socket.try_clone()?,
                    child_fd: 3 + i32::try_from(i)?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut command = std::process::Command::new(&self.binary);
        command
            .args(std::env::args_os().skip(1))
            .env("LISTEN_FDS", self.sockets.len().to_string())
            // The successor's pid is not known before it starts: without LISTEN_PID the
            // sockets are for whichever process reads LISTEN_FDS first, the successor.
            .env_remove("LISTEN_PID")
            .env_remove("LISTEN_FDNAMES")
            .env(TAKEOVER_VAR, std::process::id().to_string())
            .fd_mappings(mappings)
            .context("handing the sockets over")?;
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", self.binary.display()))?;
        let pid = child.id();
        // Reap it should it fail to start; once it took over, this process is gone anyway.
        std::thread::spawn(move || {
            if let Ok(status) = child.wait() {
                tracing::warn!(pid, %status, "the successor exited");
            }
        });
        Ok(pid)
    }
}

/// The process this daemon takes over from, if it was started by one (its parent).
pub fn predecessor() -> Option<nix::unistd::Pid> {
    let pid: i32 = std::env::var(TAKEOVER_VAR).ok()?.parse().ok()?;
    let parent = nix::unistd::getppid();
    // A variable inherited from further up names someone else: only the parent hands over.
    (parent.as_raw() == pid).then_some(parent)
}

/// Ask the predecessor to stop: it stops accepting and finishes what is in flight.
pub fn ask_to_stop(predecessor: nix::unistd::Pid) {
    if let Err(err) = nix::sys::signal::kill(predecessor, nix::sys::signal::Signal::SIGTERM) {
        tracing::warn!(pid = predecessor.as_raw(), error = %err, "could not ask the predecessor to stop");
    }
}

/// Wait until the predecessor (this process's parent) has exited.
pub async fn until_gone(predecessor: nix::unistd::Pid) {
    while nix::unistd::getppid() == predecessor {
        tokio::time::sleep(GONE_CHECK).await;
    }
}
