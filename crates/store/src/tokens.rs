//! API tokens for remote clients. Only a SHA-256 hash of each token is stored; the secret is
//! shown once, when it is created. Tokens are 32 random bytes, so a fast hash is enough. Each
//! token has a scope (`TokenScope`: admin, some apps, read-only) and may expire.

use crate::store::now;
use crate::{Store, StoreError};
use rand::RngCore;
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;
use wharf_domain::{AppName, TokenScope};

/// Prefix that makes a Wharf token recognisable in logs and secret scanners.
const PREFIX: &str = "wharf_";

/// A token's name: 1 to 64 ASCII letters, digits, `-`, `_` or `.`. Checked here, where a name
/// enters (`wharf tokens create`, `wharf init`, the dashboard's form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(name: &str) -> Result<TokenName, StoreError> {
        let ok = (1..=64).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if ok {
            Ok(TokenName(name.to_string()))
        } else {
            Err(StoreError::BadTokenName(name.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TokenName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored token, without its secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub scope: TokenScope,
    /// Unix time after which the token is refused; `None`: never.
    pub expires_at: Option<i64>,
}

impl TokenRecord {
    /// Whether the token has expired at unix time `now`.
    pub fn expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }
}

/// A freshly created token: the record and the secret, which is never stored.
pub struct NewToken {
    pub record: TokenRecord,
    pub secret: String,
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

const COLUMNS: &str = "id, name, created_at, last_used_at, apps, read_only, expires_at";

fn record(row: &Row) -> rusqlite::Result<TokenRecord> {
    let apps: Option<String> = row.get(4)?;
    let apps = apps
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|a| !a.is_empty())
        .map(|a| {
            AppName::parse(a).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, e.into())
            })
        })
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(TokenRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        created_at: row.get(2)?,
        last_used_at: row.get(3)?,
        scope: TokenScope::new(apps, row.get(5)?),
        expires_at: row.get(6)?,
    })
}

impl Store {
    /// Create a token named `name` with `scope`, valid until unix time `expires_at` (if any).
    pub fn create_token(
        &self,
        name: &TokenName,
        scope: &TokenScope,
        expires_at: Option<i64>,
    ) -> Result<NewToken, StoreError> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = format!("{PREFIX}{}", hex::encode(bytes));
        let created_at = now();
        let apps = (!scope.apps().is_empty()).then(|| {
            scope
                .apps()
                .iter()
                .map(AppName::as_str)
                .collect::<Vec<_>>()
                .join(",")
        });
        let conn = self.conn();
        let inserted = conn.execute(
            "INSERT OR IGNORE INTO tokens (name, hash, created_at, apps, read_only, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                name.as_str(),
                hash(&secret),
                created_at,
                apps,
                scope.is_read_only(),
                expires_at
            ],
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
                scope: scope.clone(),
                expires_at,
            },
            secret,
        })
    }

    pub fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM tokens ORDER BY name"))?;
        let rows = stmt.query_map([], record)?.collect::<Result<_, _>>()?;
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

    /// The token whose secret this is, if any, expired or not (the caller refuses an expired
    /// one, saying so); records the use of one that has not expired.
    pub fn verify_token(&self, secret: &str) -> Result<Option<TokenRecord>, StoreError> {
        if !secret.starts_with(PREFIX) {
            return Ok(None);
        }
        let conn = self.conn();
        let found = conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM tokens WHERE hash = ?1"),
                [hash(secret)],
                record,
            )
            .optional()?;
        let Some(mut token) = found else {
            return Ok(None);
        };
        let used = now();
        if !token.expired(used) {
            conn.execute(
                "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1",
                params![token.id, used],
            )?;
            token.last_used_at = Some(used);
        }
        Ok(Some(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> TokenName {
        TokenName::parse(text).unwrap()
    }

    #[test]
    fn names_are_checked_where_they_enter() {
        for good in ["laptop", "ci-deploy", "A.b_c", &"x".repeat(64)] {
            assert_eq!(TokenName::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "a b", "ci/deploy", "é", &"x".repeat(65)] {
            let err = TokenName::parse(bad).unwrap_err().to_string();
            assert!(err.contains("1-64 letters, digits"), "{bad}: {err}");
        }
    }

    #[test]
    fn tokens_verify_until_revoked_and_are_stored_hashed() {
        let store = Store::in_memory().unwrap();
        let new = store
            .create_token(&name("laptop"), &TokenScope::admin(), None)
            .unwrap();
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
            store.create_token(&name("laptop"), &TokenScope::admin(), None),
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
    fn scopes_and_expiry_are_stored() {
        let store = Store::in_memory().unwrap();
        let blog = AppName::parse("blog").unwrap();
        let shop = AppName::parse("shop").unwrap();
        let scope = TokenScope::new(vec![shop, blog], true);
        let new = store
            .create_token(&name("ci"), &scope, Some(now() + 60))
            .unwrap();
        let found = store.verify_token(&new.secret).unwrap().unwrap();
        assert_eq!(found.scope, scope);
        assert_eq!(found.scope.to_string(), "apps blog,shop, read-only");
        assert!(!found.expired(now()));
        assert!(found.expired(now() + 61));
        assert!(found.last_used_at.is_some());

        let old = store
            .create_token(&name("old"), &TokenScope::admin(), Some(now() - 1))
            .unwrap();
        let found = store.verify_token(&old.secret).unwrap().unwrap();
        assert!(
            found.expired(now()),
            "an expired token is returned, to be refused by name"
        );
        assert_eq!(
            found.last_used_at, None,
            "an expired token's use is not recorded"
        );

        let listed = store.tokens().unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].name, "ci");
        assert_eq!(listed[1].scope, TokenScope::admin());
    }

    #[test]
    fn tokens_from_before_scopes_are_admin_without_expiry() {
        let store = Store::in_memory().unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO tokens (name, hash, created_at) VALUES ('old', ?1, 1)",
                [hash("wharf_old")],
            )
            .unwrap();
        let found = store.verify_token("wharf_old").unwrap().unwrap();
        assert!(found.scope.is_admin());
        assert_eq!(found.expires_at, None);
    }

    #[test]
    fn the_database_file_is_private_and_reopens() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wharf.db");
        {
            let store = Store::open(&path).unwrap();
            store.ensure_app(&crate::app("blog")).unwrap();
        }
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.apps().unwrap().len(), 1);
    }
}
