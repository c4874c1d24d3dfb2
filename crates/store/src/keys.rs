//! SSH public keys that may `git push` (and run Wharf's SSH commands). The store is the source
//! of truth: the `wharf` user's authorized_keys is rewritten from it on every change.

use crate::store::now;
use crate::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// A stored key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyRecord {
    pub name: String,
    /// `SHA256:...`, as `ssh-keygen -l` shows it.
    pub fingerprint: String,
    /// `TYPE BASE64`, without a comment.
    pub public_key: String,
    pub created_at: i64,
}

impl Store {
    /// Add a key; a name or a key that is already there is refused.
    pub fn add_key(
        &self,
        name: &str,
        fingerprint: &str,
        public_key: &str,
    ) -> Result<KeyRecord, StoreError> {
        let conn = self.conn();
        let owner: Option<String> = conn
            .query_row(
                "SELECT name FROM keys WHERE fingerprint = ?1",
                [fingerprint],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(owner) = owner {
            return Err(StoreError::KeyAlreadyAdded(owner));
        }
        let created_at = now();
        let inserted = conn.execute(
            "INSERT OR IGNORE INTO keys (name, fingerprint, public_key, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, fingerprint, public_key, created_at],
        )?;
        if inserted == 0 {
            return Err(StoreError::KeyExists(name.to_string()));
        }
        Ok(KeyRecord {
            name: name.to_string(),
            fingerprint: fingerprint.to_string(),
            public_key: public_key.to_string(),
            created_at,
        })
    }

    pub fn keys(&self) -> Result<Vec<KeyRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT name, fingerprint, public_key, created_at FROM keys ORDER BY name")?;
        let rows = stmt
            .query_map([], |row| {
                Ok(KeyRecord {
                    name: row.get(0)?,
                    fingerprint: row.get(1)?,
                    public_key: row.get(2)?,
                    created_at: row.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn remove_key(&self, name: &str) -> Result<(), StoreError> {
        let changed = self
            .conn()
            .execute("DELETE FROM keys WHERE name = ?1", [name])?;
        if changed == 0 {
            return Err(StoreError::NoSuchKey(name.to_string()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_by_name_and_fingerprint() {
        let store = Store::in_memory().unwrap();
        store
            .add_key("alice", "SHA256:a", "ssh-ed25519 AAAA")
            .unwrap();
        assert!(matches!(
            store.add_key("alice", "SHA256:b", "ssh-ed25519 BBBB"),
            Err(StoreError::KeyExists(_))
        ));
        assert!(matches!(
            store.add_key("bob", "SHA256:a", "ssh-ed25519 AAAA"),
            Err(StoreError::KeyAlreadyAdded(owner)) if owner == "alice"
        ));
        store
            .add_key("bob", "SHA256:b", "ssh-ed25519 BBBB")
            .unwrap();
        let names: Vec<String> = store.keys().unwrap().into_iter().map(|k| k.name).collect();
        assert_eq!(names, ["alice", "bob"]);
        store.remove_key("alice").unwrap();
        assert!(matches!(
            store.remove_key("alice"),
            Err(StoreError::NoSuchKey(_))
        ));
        assert_eq!(store.keys().unwrap().len(), 1);
    }
}
