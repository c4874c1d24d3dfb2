//! The authorized_keys entries of the `wharf` user. Each key Wharf manages gets a line that
//! forces one command, `wharf ssh-command KEYNAME`, with every other SSH feature off
//! (`restrict`): the key can push and run Wharf's SSH commands, nothing else. Lines Wharf does
//! not manage are kept as they are. The file is rewritten whole (temp file + rename, 0600).

use crate::RunAs;
use crate::public_key::{PublicKey, check_key_name};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The comment that marks a line as Wharf's: `wharf:KEYNAME`.
const MARK: &str = "wharf:";

/// A key to write, with its name.
pub struct ManagedKey<'a> {
    pub name: &'a str,
    pub key: &'a PublicKey,
}

/// Errors writing authorized_keys.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizedKeysError {
    #[error("{what} `{path}` cannot go into a forced command (it contains a quote or a newline)")]
    UnsafePath { what: &'static str, path: String },
    #[error(transparent)]
    Name(#[from] crate::KeyError),
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The forced command for key `name`: `'BINARY' --data-dir 'DATA' ssh-command NAME`, every
/// path single-quoted for the shell sshd runs it with.
pub fn forced_command(
    binary: &Path,
    data_dir: &Path,
    name: &str,
) -> Result<String, AuthorizedKeysError> {
    check_key_name(name)?;
    Ok(format!(
        "{} --data-dir {} ssh-command {name}",
        quote_path("the wharf binary", binary)?,
        quote_path("the data directory", data_dir)?
    ))
}

/// A path single-quoted for `sh`. Paths with `"` or newlines are refused: they cannot be put
/// inside authorized_keys' `command="..."` safely.
pub fn quote_path(what: &'static str, path: &Path) -> Result<String, AuthorizedKeysError> {
    let text = path.to_str().unwrap_or("\"");
    if text.contains(['"', '\n', '\r', '\\']) {
        return Err(AuthorizedKeysError::UnsafePath {
            what,
            path: path.display().to_string(),
        });
    }
    Ok(format!("'{}'", text.replace('\'', r"'\''")))
}

/// One authorized_keys line.
pub fn entry(command: &str, key: &PublicKey, name: &str) -> String {
    format!(
        "command=\"{command}\",restrict,pty {} {MARK}{name}",
        key.as_line()
    )
}

/// Whether `line` is one Wharf wrote (and so may replace).
fn is_managed(line: &str) -> bool {
    line.starts_with("command=\"")
        && line
            .split_ascii_whitespace()
            .last()
            .is_some_and(|c| c.starts_with(MARK))
}

/// Rewrite `path`: the lines Wharf does not manage, then one line per key in `keys`.
pub fn rewrite(
    path: &Path,
    binary: &Path,
    data_dir: &Path,
    keys: &[ManagedKey<'_>],
    owner: Option<&RunAs>,
) -> Result<(), AuthorizedKeysError> {
    let io = |source| AuthorizedKeysError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut text = String::new();
    match std::fs::read_to_string(path) {
        Ok(existing) => {
            for line in existing.lines().filter(|l| !is_managed(l)) {
                text.push_str(line);
                text.push('\n');
            }
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(io(err)),
    }
    for managed in keys {
        let command = forced_command(binary, data_dir, managed.name)?;
        text.push_str(&entry(&command, managed.key, managed.name));
        text.push('\n');
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(io)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
        if let Some(owner) = owner {
            owner.chown(dir).map_err(io)?;
        }
    }
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    temp.write_all(text.as_bytes()).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    if let Some(owner) = owner {
        owner.chown(temp.path()).map_err(io)?;
    }
    temp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG43CYLTbltdlwlI4qb3nrFR5ms6j2ebb172RSLBE4NS me";

    #[test]
    fn paths_are_quoted_and_unsafe_ones_refused() {
        assert_eq!(
            forced_command(
                Path::new("/usr/bin/wharf"),
                Path::new("/var/lib/it's"),
                "ci"
            )
            .unwrap(),
            r"'/usr/bin/wharf' --data-dir '/var/lib/it'\''s' ssh-command ci"
        );
        assert!(forced_command(Path::new("/a\"b"), Path::new("/d"), "ci").is_err());
        assert!(forced_command(Path::new("/a"), Path::new("/d"), "bad name").is_err());
    }

    #[test]
    fn rewrite_keeps_foreign_lines_and_replaces_managed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".ssh/authorized_keys");
        let key = PublicKey::parse(KEY).unwrap();
        let (bin, data) = (Path::new("/bin/wharf"), Path::new("/data"));
        let alice = ManagedKey {
            name: "alice",
            key: &key,
        };
        rewrite(&path, bin, data, &[alice], None).unwrap();
        let mut text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            format!(
                "command=\"'/bin/wharf' --data-dir '/data' ssh-command alice\",restrict,pty {} wharf:alice\n",
                key.as_line()
            )
        );
        text.insert_str(0, "ssh-rsa AAAAforeign admin@box\n");
        std::fs::write(&path, text).unwrap();
        rewrite(&path, bin, data, &[], None).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "ssh-rsa AAAAforeign admin@box\n"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
