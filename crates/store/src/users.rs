//! Dashboard users: a name, a role and an argon2id hash of a password (never the password).
//! A user's browser sessions live in `sessions.rs`; changing a password or removing a user
//! ends them all. A user's second factor (TOTP, recovery codes) is in `second_factor.rs`.
//! The last admin cannot be removed or demoted, so the server always keeps someone who can
//! manage users from the dashboard.

use crate::store::now;
use crate::{Store, StoreError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use std::fmt;

/// What a user may do in the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees and changes everything.
    Admin,
    /// Sees everything but secret values; changes nothing.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }

    fn parse(stored: &str) -> Option<Role> {
        match stored {
            "admin" => Some(Role::Admin),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user's name: 1 to 32 lower-case letters, digits, `.`, `_` or `-`, starting with a letter
/// or digit. Checked here, where a name enters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct UserName(String);

impl UserName {
    pub fn parse(name: &str) -> Result<UserName, StoreError> {
        let ok = (1..=32).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && name.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            });
        if ok {
            Ok(UserName(name.to_string()))
        } else {
            Err(StoreError::BadUserName(name.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The shortest password a user may choose (generated ones are longer).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest: hashing is bounded, and nobody types more.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A stored user, without the password hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserRecord {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created_at: i64,
    pub password_changed_at: i64,
    /// When a second factor (TOTP) was turned on, if it is (`second_factor.rs`).
    pub totp_enabled_at: Option<i64>,
}

const COLUMNS: &str = "id, name, role, created_at, password_changed_at, totp_enabled_at";

pub(crate) fn record(row: &Row) -> rusqlite::Result<UserRecord> {
    let role: String = row.get(2)?;
    let role = Role::parse(&role).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            2,
            rusqlite::types::Type::Text,
            format!("unknown role `{role}`").into(),
        )
    })?;
    Ok(UserRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        role,
        created_at: row.get(3)?,
        password_changed_at: row.get(4)?,
        totp_enabled_at: row.get(5)?,
    })
}

/// argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane): about 30 ms a hash here.
fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

fn hash_password(password: &str) -> Result<String, StoreError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| StoreError::Corrupt(format!("hashing a password: {e}")))
}

/// Whether `password` matches the stored `hash`; a hash that does not parse matches nothing.
fn matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Check a password a person chose (generated ones always pass).
pub fn check_password(password: &str) -> Result<(), StoreError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(StoreError::WeakPassword(format!(
            "the password has {chars} characters; use at least {MIN_PASSWORD_CHARS} (or let Wharf generate one)"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(StoreError::WeakPassword(format!(
            "the password is longer than {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    Ok(())
}

/// A new random password: 24 characters from an alphabet without look-alikes (about 130 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

impl Store {
    /// Add a user with `password` (checked by the caller: see `check_password`).
    pub fn create_user(
        &self,
        name: &UserName,
        password: &str,
        role: Role,
    ) -> Result<UserRecord, StoreError> {
        let hash = hash_password(password)?;
        let created_at = now();
        let conn = self.conn();
        let inserted = conn.execute(
            "INSERT OR IGNORE INTO users (name, password_hash, role, created_at, password_changed_at)
             VALUES (?1, ?2, ?3, ?4, ?4)",
            params![name.as_str(), hash, role.as_str(), created_at],
        )?;
        if inserted == 0 {
            return Err(StoreError::UserExists(name.to_string()));
        }
        Ok(UserRecord {
            id: conn.last_insert_rowid(),
            name: name.to_string(),
            role,
            created_at,
            password_changed_at: created_at,
            totp_enabled_at: None,
        })
    }

    pub fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM users ORDER BY name"))?;
        let rows = stmt.query_map([], record)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn user(&self, name: &str) -> Result<Option<UserRecord>, StoreError> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM users WHERE name = ?1"),
                [name],
                record,
            )
            .optional()?)
    }

    /// The user named `name` if `password` is theirs. Takes as long for a name that does not
    /// exist (a dummy hash is checked), so timing does not tell which names do.
    pub fn check_user_password(
        &self,
        name: &str,
        password: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let found = {
            let conn = self.conn();
            conn.query_row(
                &format!("SELECT {COLUMNS}, password_hash FROM users WHERE name = ?1"),
                [name],
                |row| Ok((record(row)?, row.get::<_, String>(6)?)),
            )
            .optional()?
        };
        match found {
            Some((user, hash)) => Ok(matches(&hash, password).then_some(user)),
            None => {
                let _ = matches(dummy_hash(), password);
                Ok(None)
            }
        }
    }

    /// Give `name` a new password; every session of theirs ends.
    pub fn set_user_password(&self, name: &str, password: &str) -> Result<(), StoreError> {
        let hash = hash_password(password)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let changed = tx.execute(
            "UPDATE users SET password_hash = ?1, password_changed_at = ?2 WHERE name = ?3",
            params![hash, now(), name],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchUser(name.to_string()));
        }
        tx.execute(
            "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
            [name],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Remove `name` and end their sessions; the last admin stays.
    pub fn remove_user(&self, name: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let role: Option<String> = tx
            .query_row("SELECT role FROM users WHERE name = ?1", [name], |row| {
                row.get(0)
            })
            .optional()?;
        let Some(role) = role else {
            return Err(StoreError::NoSuchUser(name.to_string()));
        };
        if role == Role::Admin.as_str() {
            let admins: i64 = tx.query_row(
                "SELECT COUNT(*) FROM users WHERE role = 'admin'",
                [],
                |row| row.get(0),
            )?;
            if admins <= 1 {
                return Err(StoreError::LastAdmin(name.to_string()));
            }
        }
        tx.execute(
            "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
            [name],
        )?;
        tx.execute("DELETE FROM users WHERE name = ?1", [name])?;
        tx.commit()?;
        Ok(())
    }
}

/// A valid argon2id hash of a password nobody has, checked when a name is unknown.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&generate_password()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> UserName {
        UserName::parse(text).unwrap()
    }

    #[test]
    fn names_are_checked_where_they_enter() {
        for good in ["ada", "a", "ops-1", "j.doe", "x_y"] {
            assert!(UserName::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "Ada", "-ada", ".x", "a b", "é", &"a".repeat(33)] {
            let err = UserName::parse(bad).unwrap_err().to_string();
            assert!(err.contains("lower-case letters"), "{bad}: {err}");
        }
    }

    #[test]
    fn passwords_are_stored_as_argon2id_hashes_and_checked() {
        let store = Store::in_memory().unwrap();
        let user = store
            .create_user(&name("ada"), "correct horse battery", Role::Admin)
            .unwrap();
        assert_eq!(user.role, Role::Admin);
        let stored: String = store
            .conn()
            .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
            .unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(!stored.contains("correct horse"));
        assert_eq!(
            store
                .check_user_password("ada", "correct horse battery")
                .unwrap()
                .map(|u| u.name),
            Some("ada".to_string())
        );
        assert_eq!(store.check_user_password("ada", "wrong").unwrap(), None);
        assert_eq!(store.check_user_password("bob", "wrong").unwrap(), None);
        let err = store
            .create_user(&name("ada"), "another password", Role::Viewer)
            .unwrap_err();
        assert!(matches!(err, StoreError::UserExists(_)), "{err}");
    }

    #[test]
    fn a_new_password_replaces_the_old_one() {
        let store = Store::in_memory().unwrap();
        store
            .create_user(&name("ada"), "first password!", Role::Viewer)
            .unwrap();
        store.set_user_password("ada", "second password!").unwrap();
        assert!(
            store
                .check_user_password("ada", "first password!")
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .check_user_password("ada", "second password!")
                .unwrap()
                .is_some()
        );
        let err = store.set_user_password("bob", "whatever long").unwrap_err();
        assert!(matches!(err, StoreError::NoSuchUser(_)), "{err}");
    }

    #[test]
    fn the_last_admin_stays() {
        let store = Store::in_memory().unwrap();
        store
            .create_user(&name("root"), "a long password", Role::Admin)
            .unwrap();
        store
            .create_user(&name("eve"), "a long password", Role::Viewer)
            .unwrap();
        let err = store.remove_user("root").unwrap_err();
        assert!(err.to_string().contains("last admin"), "{err}");
        store.remove_user("eve").unwrap();
        assert_eq!(store.users().unwrap().len(), 1);
        assert!(matches!(
            store.remove_user("eve").unwrap_err(),
            StoreError::NoSuchUser(_)
        ));
    }

    #[test]
    fn chosen_passwords_have_a_minimum_length_and_generated_ones_are_long() {
        assert!(
            check_password("short")
                .unwrap_err()
                .to_string()
                .contains("at least 12")
        );
        assert!(check_password("twelve chars").is_ok());
        let generated = generate_password();
        assert_eq!(generated.len(), 24);
        assert!(check_password(&generated).is_ok());
        assert_ne!(generated, generate_password());
    }
}
