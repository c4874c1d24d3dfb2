//! API tokens for remote clients. Only a SHA-256 hash of each token is stored; the secret is
//! shown once, when it is created. Tokens are 32 random bytes, so a fast hash is enough.

use crate::store::now;
use crate::{Store, StoreError};
use rand::RngCore;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Prefix that makes a Wharf token recognisable in logs and secret scanners.
const PREFIX: &str = "wharf_";

/// A stored token, without its secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A freshly created token: the record and the secret, which is never stored.
pub struct NewToken {
    pub record: TokenRecord,
    pub secret: String,
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl Store {
    pub fn create_token(&self, name: &str) -> Result<NewToken, StoreError> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = format!("{PREFIX}{}", hex::encode(bytes));
        let created_at = now();
        let conn = self.conn();
        let inserted = conn.execute(
            "INSERT OR IGNORE INTO tokens (name, hash, created_at) VALUES (?1, ?2, ?3)",
            params![name, hash(&secret), created_at],
        )?;
        if inserted == 0 {
            return Err(StoreError::TokenExists(name.to_string()));
        }
        Ok(NewToken {
            record: TokenRecord {
                id: conn.last_insert_rowid(),
                name: name.to_string(),
                created_at,
                last_used_at: None,
            },
            secret,
        })
    }

    pub fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT id, name, created_at, last_used_at FROM tokens ORDER BY name")?;
        let rows = stmt
            .query_map([], |row| {
                Ok(TokenRecord {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    created_at: row.get(2)?,
                    last_used_at: row.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn revoke_token(&self, name: &str) -> Result<(), StoreError> {
        let changed = self
            .conn()
            .execute("DELETE FROM tokens WHERE name = ?1", [name])?;
        if changed == 0 {
            return Err(StoreError::NoSuchToken(name.to_string()));
        }
        Ok(())
    }

    /// The token whose secret this is, if any; records the use.
    pub fn verify_token(&self, secret: &str) -> Result<Option<TokenRecord>, StoreError> {
        if !secret.starts_with(PREFIX) {
            return Ok(None);
        }
        let conn = self.conn();
        let found = conn
            .query_row(
                "SELECT id, name, created_at FROM tokens WHERE hash = ?1",
                [hash(secret)],
                |row| {
                    Ok(TokenRecord {
                        id: row.get(0)?,
                        name: row.get(1)?,
                        created_at: row.get(2)?,
                        last_used_at: None,
                    })
                },
            )
            .optional()?;
        if let Some(mut token) = found {
            let used = now();
            conn.execute(
                "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1",
                params![token.id, used],
            )?;
            token.last_used_at = Some(used);
            return Ok(Some(token));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_until_revoked_and_are_stored_hashed() {
        let store = Store::in_memory().unwrap();
        let new = store.create_token("laptop").unwrap();
        assert!(new.secret.starts_with("wharf_"));
        assert_eq!(
            store.verify_token(&new.secret).unwrap().unwrap().name,
            "laptop"
        );
        assert!(store.verify_token("wharf_wrong").unwrap().is_none());
        assert!(store.verify_token("").unwrap().is_none());
        let stored: String = store
            .conn()
            .query_row("SELECT hash FROM tokens", [], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, new.secret);
        assert!(matches!(
            store.create_token("laptop"),
            Err(StoreError::TokenExists(_))
        ));
        store.revoke_token("laptop").unwrap();
        assert!(store.verify_token(&new.secret).unwrap().is_none());
        assert!(matches!(
            store.revoke_token("laptop"),
            Err(StoreError::NoSuchToken(_))
        ));
    }

    #[test]
    fn the_database_file_is_private_and_reopens() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wharf.db");
        {
            let store = Store::open(&path).unwrap();
            store.ensure_app("blog").unwrap();
        }
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.apps().unwrap().len(), 1);
    }
}
