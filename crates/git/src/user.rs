//! The `wharf` system user that owns the git repositories and whose authorized_keys hold the
//! push keys. When Wharf runs as root and that user exists, files and git processes are given
//! to it; otherwise (a developer's machine) everything runs as the current user.

use nix::unistd::{Gid, Group, Uid, User};
use std::path::{Path, PathBuf};

/// The user (and group) that own repositories and run git.
pub const WHARF_USER: &str = "wharf";

/// Who git processes run as and who owns the files Wharf writes for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    pub uid: Uid,
    pub gid: Gid,
    pub home: PathBuf,
}

impl RunAs {
    /// The `wharf` user, if we are root and it exists (its group: `wharf` if that exists, since
    /// the group opens the API socket).
    pub fn wharf_user() -> Option<RunAs> {
        if !Uid::effective().is_root() {
            return None;
        }
        let user = User::from_name(WHARF_USER).ok().flatten()?;
        let gid = Group::from_name(WHARF_USER)
            .ok()
            .flatten()
            .map(|g| g.gid)
            .unwrap_or(user.gid);
        Some(RunAs {
            uid: user.uid,
            gid,
            home: user.dir,
        })
    }

    /// Give `path` to this user.
    pub fn chown(&self, path: &Path) -> std::io::Result<()> {
        nix::unistd::chown(path, Some(self.uid), Some(self.gid)).map_err(std::io::Error::from)
    }

    /// Make `command` run as this user, with its home as HOME.
    pub fn apply(&self, command: &mut std::process::Command) {
        use std::os::unix::process::CommandExt;
        command
            .uid(self.uid.as_raw())
            .gid(self.gid.as_raw())
            .env("HOME", &self.home);
    }
}

/// The default authorized_keys file: the `wharf` user's `~/.ssh/authorized_keys`.
pub fn default_authorized_keys() -> Option<PathBuf> {
    let user = User::from_name(WHARF_USER).ok().flatten()?;
    Some(user.dir.join(".ssh").join("authorized_keys"))
}
