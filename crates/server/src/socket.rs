//! The local API socket: only root and members of the `wharf` group may connect. The kernel
//! enforces that through the socket file's owner, group and mode (0660).

use anyhow::Context;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use tokio::net::UnixListener;

/// Group whose members may use the local socket besides root.
const SOCKET_GROUP: &str = "wharf";

/// Bind the socket at `path`, replacing a stale one (or, `taking_over` from an older Wharf,
/// its live one: new clients come here, its own finish there), and restrict who may connect.
pub fn bind(path: &Path, taking_over: bool) -> anyhow::Result<UnixListener> {
    if path.exists() && !taking_over {
        // A socket left by a server that was killed. If another server is alive on it, its
        // clients would be cut off, so refuse instead.
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            anyhow::bail!(
                "another wharf server is already listening on {}; stop it first",
                path.display()
            );
        }
        std::fs::remove_file(path).with_context(|| format!("removing stale {}", path.display()))?;
    } else if path.exists() {
        std::fs::remove_file(path).with_context(|| format!("removing {}", path.display()))?;
    }
    let listener =
        UnixListener::bind(path).with_context(|| format!("binding {}", path.display()))?;
    let group = nix::unistd::Group::from_name(SOCKET_GROUP).ok().flatten();
    if let Some(group) = &group {
        nix::unistd::chown(path, None, Some(group.gid))
            .with_context(|| format!("giving {} to group {SOCKET_GROUP}", path.display()))?;
    }
    let mode = if group.is_some() { 0o660 } else { 0o600 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting permissions of {}", path.display()))?;
    Ok(listener)
}

/// Which file is at `path` (device and inode), to tell later whether it is still ours.
pub fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

/// Remove the socket at `path` if it is still the one bound (a Wharf that took over has
/// bound its own there).
pub fn remove_if_ours(path: &Path, bound: Option<(u64, u64)>) {
    if bound.is_some() && identity(path) == bound {
        let _ = std::fs::remove_file(path);
    }
}
