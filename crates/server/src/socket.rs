//! The local API socket: only root and members of the `wharf` group may connect. The kernel
//! enforces that through the socket file's owner, group and mode (0660).

use anyhow::Context;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use tokio::net::UnixListener;

/// Group whose members may use the local socket besides root.
const SOCKET_GROUP: &str = "wharf";

/// Bind the socket at `path`, replacing a stale one, and restrict who may connect.
pub fn bind(path: &Path) -> anyhow::Result<UnixListener> {
    if path.exists() {
        // A socket left by a server that was killed. If another server is alive on it, its
        // clients would be cut off, so refuse instead.
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            anyhow::bail!(
                "another wharf server is already listening on {}; stop it first",
                path.display()
            );
        }
        std::fs::remove_file(path).with_context(|| format!("removing stale {}", path.display()))?;
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
