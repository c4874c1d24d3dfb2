//! Dashboard sessions, kept on the server: the browser holds a random secret (its cookie) and
//! the store only its SHA-256 hash, so a copy of the database opens no session. A session ends
//! when its user signs out, after `SessionLimits::idle` without a request, after
//! `SessionLimits::absolute` in all, and with its user's password change or removal.

use crate::users::UserRecord;
use crate::{Store, StoreError};
use rand::RngCore;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

/// How long a session lasts, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Without a request for this long, a session ends.
    pub idle: i64,
    /// However active, a session ends this long after sign-in.
    pub absolute: i64,
}

impl Default for SessionLimits {
    /// An hour idle, twelve hours in all: a working day signs in once.
    fn default() -> SessionLimits {
        SessionLimits {
            idle: 60 * 60,
            absolute: 12 * 60 * 60,
        }
    }
}

/// The user a session belongs to, and when it began.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionUser {
    pub user: UserRecord,
    pub created_at: i64,
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl Store {
    /// Open a session for the user `user_id` at unix time `now`; returns its secret, which is
    /// not stored. Sessions that ended by time are removed on the way.
    pub fn create_session(
        &self,
        user_id: i64,
        now: i64,
        limits: SessionLimits,
    ) -> Result<String, StoreError> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = hex::encode(bytes);
        let conn = self.conn();
        conn.execute(
            "DELETE FROM sessions WHERE last_seen_at <= ?1 OR created_at <= ?2",
            params![now - limits.idle, now - limits.absolute],
        )?;
        conn.execute(
            "INSERT INTO sessions (hash, user_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)",
            params![hash(&secret), user_id, now],
        )?;
        Ok(secret)
    }

    /// The user of the session whose secret is `secret`, if it is still open at `now`; the
    /// request counts as activity. An ended session is removed.
    pub fn session(
        &self,
        secret: &str,
        now: i64,
        limits: SessionLimits,
    ) -> Result<Option<SessionUser>, StoreError> {
        let key = hash(secret);
        let conn = self.conn();
        let found = conn
            .query_row(
                "SELECT u.id, u.name, u.role, u.created_at, u.password_changed_at,
                        u.totp_enabled_at, s.created_at, s.last_seen_at
                 FROM sessions AS s JOIN users AS u ON u.id = s.user_id
                 WHERE s.hash = ?1",
                [&key],
                |row| {
                    let user = crate::users::record(row)?;
                    Ok((user, row.get::<_, i64>(6)?, row.get::<_, i64>(7)?))
                },
            )
            .optional()?;
        let Some((user, created_at, last_seen_at)) = found else {
            return Ok(None);
        };
        if now - last_seen_at >= limits.idle || now - created_at >= limits.absolute {
            conn.execute("DELETE FROM sessions WHERE hash = ?1", [&key])?;
            return Ok(None);
        }
        conn.execute(
            "UPDATE sessions SET last_seen_at = ?1 WHERE hash = ?2",
            params![now, key],
        )?;
        Ok(Some(SessionUser { user, created_at }))
    }

    /// How many sessions each user has open at `now`, by user id (users without one are left
    /// out).
    pub fn open_sessions(
        &self,
        now: i64,
        limits: SessionLimits,
    ) -> Result<std::collections::HashMap<i64, i64>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT user_id, COUNT(*) FROM sessions
             WHERE last_seen_at > ?1 AND created_at > ?2 GROUP BY user_id",
        )?;
        let counts = stmt
            .query_map(params![now - limits.idle, now - limits.absolute], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        Ok(counts)
    }

    /// End the session whose secret is `secret` (signing out); no such session is no error.
    pub fn end_session(&self, secret: &str) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM sessions WHERE hash = ?1", [hash(secret)])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::{Role, UserName};

    const LIMITS: SessionLimits = SessionLimits {
        idle: 100,
        absolute: 1000,
    };

    fn store_with(name: &str) -> (Store, i64) {
        let store = Store::in_memory().unwrap();
        let user = store
            .create_user(
                &UserName::parse(name).unwrap(),
                "a long password",
                Role::Viewer,
            )
            .unwrap();
        (store, user.id)
    }

    #[test]
    fn a_session_is_found_by_its_secret_and_only_its_hash_is_stored() {
        let (store, id) = store_with("ada");
        let secret = store.create_session(id, 0, LIMITS).unwrap();
        assert_eq!(secret.len(), 64);
        let stored: String = store
            .conn()
            .query_row("SELECT hash FROM sessions", [], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, secret);
        let found = store.session(&secret, 10, LIMITS).unwrap().unwrap();
        assert_eq!(found.user.name, "ada");
        assert_eq!(found.user.role, Role::Viewer);
        assert_eq!(store.session("not a secret", 10, LIMITS).unwrap(), None);
        assert_eq!(store.session(&stored, 10, LIMITS).unwrap(), None);
    }

    #[test]
    fn open_sessions_are_counted_per_user() {
        let (store, id) = store_with("ada");
        store.create_session(id, 0, LIMITS).unwrap();
        store.create_session(id, 50, LIMITS).unwrap();
        assert_eq!(store.open_sessions(60, LIMITS).unwrap().get(&id), Some(&2));
        // The first has been idle for its limit at 100.
        assert_eq!(store.open_sessions(100, LIMITS).unwrap().get(&id), Some(&1));
        assert_eq!(store.open_sessions(500, LIMITS).unwrap().get(&id), None);
    }

    #[test]
    fn sessions_end_when_idle_and_after_their_absolute_lifetime() {
        let (store, id) = store_with("ada");
        let idle = store.create_session(id, 0, LIMITS).unwrap();
        assert!(store.session(&idle, 99, LIMITS).unwrap().is_some());
        // Activity at 99 moved the idle limit on to 199.
        assert!(store.session(&idle, 198, LIMITS).unwrap().is_some());
        assert!(store.session(&idle, 298, LIMITS).unwrap().is_none());
        // Gone for good, even if asked for earlier.
        assert!(store.session(&idle, 200, LIMITS).unwrap().is_none());

        let busy = store.create_session(id, 0, LIMITS).unwrap();
        for now in (50..1000).step_by(50) {
            assert!(
                store.session(&busy, now, LIMITS).unwrap().is_some(),
                "{now}"
            );
        }
        assert!(store.session(&busy, 1000, LIMITS).unwrap().is_none());
    }

    #[test]
    fn sign_out_password_change_and_removal_end_sessions() {
        let (store, id) = store_with("ada");
        let one = store.create_session(id, 0, LIMITS).unwrap();
        let two = store.create_session(id, 0, LIMITS).unwrap();
        store.end_session(&one).unwrap();
        assert!(store.session(&one, 1, LIMITS).unwrap().is_none());
        assert!(store.session(&two, 1, LIMITS).unwrap().is_some());
        store
            .set_user_password("ada", "a new long password")
            .unwrap();
        assert!(store.session(&two, 2, LIMITS).unwrap().is_none());

        let admin = store
            .create_user(
                &UserName::parse("root").unwrap(),
                "a long password",
                Role::Admin,
            )
            .unwrap();
        let three = store.create_session(id, 3, LIMITS).unwrap();
        let other = store.create_session(admin.id, 3, LIMITS).unwrap();
        store.remove_user("ada").unwrap();
        assert!(store.session(&three, 4, LIMITS).unwrap().is_none());
        assert!(store.session(&other, 4, LIMITS).unwrap().is_some());
    }
}
