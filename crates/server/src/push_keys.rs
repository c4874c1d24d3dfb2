//! The SSH keys that may push, kept in two places that must agree: the store (the source of
//! truth, `wharf_store::keys`) and the `wharf` user's authorized_keys, where each key is
//! confined to `wharf ssh-command NAME` (`wharf_git::rewrite`). `wharf keys` and the
//! dashboard's SSH keys page both change them through [`PushKeys`], so a key is added and
//! removed the same way whichever way it comes. It lives here, the first library that knows
//! both the store and git, rather than in `wharf_git`, which knows no store.

use std::path::{Path, PathBuf};
use wharf_git::{AuthorizedKeysError, KeyError, ManagedKey, PublicKey, RunAs, check_key_name};
use wharf_store::{KeyRecord, Store, StoreError};

/// Where the keys go and what their forced command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushKeys {
    /// The authorized_keys file sshd reads for the `wharf` user.
    pub authorized_keys: PathBuf,
    /// The `wharf` binary the forced command runs.
    pub binary: PathBuf,
    /// The data directory the forced command is given (absolute).
    pub data_dir: PathBuf,
    /// Who owns the file (the `wharf` user, when running as root).
    pub owner: Option<RunAs>,
}

/// Why a key could not be added or removed.
#[derive(Debug, thiserror::Error)]
pub enum PushKeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Name(#[from] KeyError),
    #[error("the stored key `{name}` is corrupt: {source}")]
    Corrupt {
        name: String,
        #[source]
        source: KeyError,
    },
    #[error(transparent)]
    File(#[from] AuthorizedKeysError),
}

impl PushKeys {
    /// Record `key` as `name`, then rewrite authorized_keys; when the file cannot be written
    /// the key is taken out of the store again, so the two keep agreeing.
    pub fn add(
        &self,
        store: &Store,
        name: &str,
        key: &PublicKey,
    ) -> Result<KeyRecord, PushKeyError> {
        check_key_name(name)?;
        let record = store.add_key(name, key.fingerprint(), &key.as_line())?;
        if let Err(err) = self.write(&store.keys()?) {
            let _ = store.remove_key(name);
            return Err(err);
        }
        Ok(record)
    }

    /// Take `name` out of authorized_keys first (it can no longer connect), then out of the
    /// store; when the file cannot be written the key stays in both.
    pub fn remove(&self, store: &Store, name: &str) -> Result<(), PushKeyError> {
        let keys = store.keys()?;
        if !keys.iter().any(|k| k.name == name) {
            return Err(StoreError::NoSuchKey(name.to_string()).into());
        }
        let kept: Vec<KeyRecord> = keys.into_iter().filter(|k| k.name != name).collect();
        self.write(&kept)?;
        store.remove_key(name)?;
        Ok(())
    }

    /// Rewrite authorized_keys with exactly `keys` as Wharf's entries (lines Wharf does not
    /// manage are kept).
    pub fn write(&self, keys: &[KeyRecord]) -> Result<(), PushKeyError> {
        let parsed: Vec<(&str, PublicKey)> = keys
            .iter()
            .map(|k| {
                PublicKey::parse(&k.public_key)
                    .map(|p| (k.name.as_str(), p))
                    .map_err(|source| PushKeyError::Corrupt {
                        name: k.name.clone(),
                        source,
                    })
            })
            .collect::<Result<_, _>>()?;
        let managed: Vec<ManagedKey<'_>> = parsed
            .iter()
            .map(|(name, key)| ManagedKey { name, key })
            .collect();
        wharf_git::rewrite(
            &self.authorized_keys,
            &self.binary,
            &self.data_dir,
            &managed,
            self.owner.as_ref(),
        )?;
        Ok(())
    }

    pub fn authorized_keys(&self) -> &Path {
        &self.authorized_keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG43CYLTbltdlwlI4qb3nrFR5ms6j2ebb172RSLBE4NS alice@laptop";

    fn keys_in(dir: &Path) -> PushKeys {
        PushKeys {
            authorized_keys: dir.join("ssh").join("authorized_keys"),
            binary: PathBuf::from("/usr/bin/wharf"),
            data_dir: PathBuf::from("/var/lib/wharf"),
            owner: None,
        }
    }

    #[test]
    fn a_key_goes_into_the_store_and_the_file_and_out_of_both() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::in_memory().unwrap();
        let push = keys_in(dir.path());
        std::fs::create_dir_all(dir.path().join("ssh")).unwrap();
        std::fs::write(push.authorized_keys(), "ssh-ed25519 AAAAother admin\n").unwrap();
        let key = PublicKey::parse(ALICE).unwrap();
        let record = push.add(&store, "alice", &key).unwrap();
        assert_eq!(record.fingerprint, key.fingerprint());
        let text = std::fs::read_to_string(push.authorized_keys()).unwrap();
        assert!(text.starts_with("ssh-ed25519 AAAAother admin\n"), "{text}");
        assert!(
            text.contains("'/usr/bin/wharf' --data-dir '/var/lib/wharf' ssh-command alice")
                && text.contains(&key.as_line()),
            "{text}"
        );
        push.remove(&store, "alice").unwrap();
        assert!(store.keys().unwrap().is_empty());
        let text = std::fs::read_to_string(push.authorized_keys()).unwrap();
        assert_eq!(text, "ssh-ed25519 AAAAother admin\n");
        assert!(matches!(
            push.remove(&store, "alice"),
            Err(PushKeyError::Store(StoreError::NoSuchKey(_)))
        ));
    }

    #[test]
    fn a_file_that_cannot_be_written_leaves_the_store_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::in_memory().unwrap();
        // A directory where the file should be: it cannot be replaced by a file.
        let push = PushKeys {
            authorized_keys: dir.path().to_path_buf(),
            ..keys_in(dir.path())
        };
        let key = PublicKey::parse(ALICE).unwrap();
        assert!(matches!(
            push.add(&store, "alice", &key),
            Err(PushKeyError::File(_))
        ));
        assert!(store.keys().unwrap().is_empty(), "the key was taken back");

        let good = keys_in(dir.path());
        good.add(&store, "alice", &key).unwrap();
        assert!(push.remove(&store, "alice").is_err());
        assert_eq!(store.keys().unwrap().len(), 1, "the key stays in the store");
    }

    #[test]
    fn a_bad_name_is_refused_before_anything_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::in_memory().unwrap();
        let key = PublicKey::parse(ALICE).unwrap();
        assert!(matches!(
            keys_in(dir.path()).add(&store, "bad name", &key),
            Err(PushKeyError::Name(_))
        ));
        assert!(store.keys().unwrap().is_empty());
    }
}
