//! A dashboard user's second factor: a TOTP secret (RFC 6238: SHA-1, 6 digits, 30-second
//! steps, what every authenticator app reads from an `otpauth://` URL) and single-use recovery
//! codes for when the phone is lost. A code is taken from the step before, at or after now
//! (clocks drift), and never for a step at or before the last one taken, so an overheard code
//! cannot be replayed. Recovery codes are stored as SHA-256 hashes (they are long and random,
//! so a slow hash adds nothing) and each works once.

use crate::store::now;
use crate::{Store, StoreError};
use rand::Rng;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

/// The name authenticator apps show above the user's.
const ISSUER: &str = "Wharf";
/// Seconds a code stands for.
const STEP: u64 = 30;
/// Digits of a code.
const DIGITS: usize = 6;
/// Bytes of a secret: 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
/// How many recovery codes a user gets.
pub const RECOVERY_CODES: usize = 10;
/// Recovery codes are 4 groups of 4 of these (no look-alikes): about 79 bits each.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// What a user is given once when TOTP is turned on: to put in an authenticator app, and
/// recovery codes to keep somewhere else.
#[derive(Debug, Clone)]
pub struct TotpEnrollment {
    /// The `otpauth://totp/Wharf:NAME?secret=...&issuer=Wharf` URL apps read.
    pub url: String,
    /// The secret in base32, for apps where it is typed in.
    pub secret: String,
    pub recovery_codes: Vec<String>,
}

/// Which second factor let a user in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    /// A code from the authenticator app.
    Code,
    /// A recovery code, now used; `left` are unused.
    RecoveryCode { left: usize },
}

fn totp(secret: Vec<u8>, account: &str) -> Result<TOTP, StoreError> {
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP,
        secret,
        Some(ISSUER.to_string()),
        account.to_string(),
    )
    .map_err(|e| StoreError::Corrupt(format!("a TOTP secret: {e}")))
}

/// The stored secret of a user as a TOTP (whose account name is theirs).
fn stored_totp(secret: &str, account: &str) -> Result<TOTP, StoreError> {
    let bytes = Secret::Encoded(secret.to_string())
        .to_bytes()
        .map_err(|e| StoreError::Corrupt(format!("a stored TOTP secret: {e:?}")))?;
    totp(bytes, account)
}

fn recovery_code() -> String {
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..16)
        .map(|_| RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The hash of a recovery code as typed: case, spaces and dashes do not matter.
fn recovery_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

/// Whether `given` looks like an app's code (6 digits, spaces allowed) rather than a
/// recovery code; the code without its spaces.
fn as_app_code(given: &str) -> Option<String> {
    let digits: String = given.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

impl Store {
    /// Turn on TOTP for `name` with a new secret and new recovery codes (replacing any
    /// earlier ones), returned once.
    pub fn enable_totp(&self, name: &str) -> Result<TotpEnrollment, StoreError> {
        let mut secret = vec![0u8; SECRET_BYTES];
        rand::rng().fill(&mut secret[..]);
        let totp = totp(secret, name)?;
        let encoded = totp.get_secret_base32();
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let id: Option<i64> = tx
            .query_row("SELECT id FROM users WHERE name = ?1", [name], |row| {
                row.get(0)
            })
            .optional()?;
        let Some(id) = id else {
            return Err(StoreError::NoSuchUser(name.to_string()));
        };
        tx.execute(
            "UPDATE users SET totp_secret = ?1, totp_enabled_at = ?2, totp_last_step = NULL
             WHERE id = ?3",
            params![encoded, now(), id],
        )?;
        tx.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [id])?;
        for code in &codes {
            tx.execute(
                "INSERT INTO recovery_codes (user_id, hash) VALUES (?1, ?2)",
                params![id, recovery_hash(code)],
            )?;
        }
        tx.commit()?;
        Ok(TotpEnrollment {
            url: totp.get_url(),
            secret: encoded,
            recovery_codes: codes,
        })
    }

    /// Turn off `name`'s second factor; whether it was on.
    pub fn disable_totp(&self, name: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let enabled: Option<Option<i64>> = tx
            .query_row(
                "SELECT totp_enabled_at FROM users WHERE name = ?1",
                [name],
                |row| row.get(0),
            )
            .optional()?;
        let Some(enabled) = enabled else {
            return Err(StoreError::NoSuchUser(name.to_string()));
        };
        tx.execute(
            "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL
             WHERE name = ?1",
            [name],
        )?;
        tx.execute(
            "DELETE FROM recovery_codes
             WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
            [name],
        )?;
        tx.commit()?;
        Ok(enabled.is_some())
    }

    /// Whether `given` (an app's code or a recovery code) is a second factor of the user
    /// `user_id` at `at` (Unix seconds); it is used up if so. `None`: refused (wrong, replayed,
    /// already used, or the user has no second factor).
    pub fn check_second_factor(
        &self,
        user_id: i64,
        given: &str,
        at: i64,
    ) -> Result<Option<SecondFactor>, StoreError> {
        match as_app_code(given) {
            Some(code) => Ok(self
                .take_totp_code(user_id, &code, at)?
                .then_some(SecondFactor::Code)),
            None => self.take_recovery_code(user_id, given, at),
        }
    }

    /// An app's code, within a step of `at` and after the last step taken.
    fn take_totp_code(&self, user_id: i64, code: &str, at: i64) -> Result<bool, StoreError> {
        let conn = self.conn();
        let found: Option<(String, String, Option<i64>)> = conn
            .query_row(
                "SELECT name, totp_secret, totp_last_step FROM users
                 WHERE id = ?1 AND totp_secret IS NOT NULL",
                [user_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let Some((name, secret, last_step)) = found else {
            return Ok(false);
        };
        let totp = stored_totp(&secret, &name)?;
        let current = u64::try_from(at).unwrap_or(0) / STEP;
        for step in current.saturating_sub(1)..=current + 1 {
            let Ok(number) = i64::try_from(step) else {
                continue;
            };
            if last_step.is_some_and(|last| number <= last) {
                continue;
            }
            let expected = totp.generate(step * STEP);
            if !same(expected.as_bytes(), code.as_bytes()) {
                continue;
            }
            // Taken only if no other sign-in took this step (or a later one) meanwhile.
            let taken = conn.execute(
                "UPDATE users SET totp_last_step = ?1
                 WHERE id = ?2 AND (totp_last_step IS NULL OR totp_last_step < ?1)",
                params![number, user_id],
            )?;
            return Ok(taken == 1);
        }
        Ok(false)
    }

    fn take_recovery_code(
        &self,
        user_id: i64,
        given: &str,
        at: i64,
    ) -> Result<Option<SecondFactor>, StoreError> {
        let conn = self.conn();
        let used = conn.execute(
            "UPDATE recovery_codes SET used_at = ?1
             WHERE user_id = ?2 AND hash = ?3 AND used_at IS NULL
               AND user_id IN (SELECT id FROM users WHERE totp_secret IS NOT NULL)",
            params![at, user_id, recovery_hash(given)],
        )?;
        if used == 0 {
            return Ok(None);
        }
        let left: i64 = conn.query_row(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL",
            [user_id],
            |row| row.get(0),
        )?;
        Ok(Some(SecondFactor::RecoveryCode {
            left: usize::try_from(left).unwrap_or(0),
        }))
    }
}

/// Whether two codes are equal, taking as long wherever they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Role, UserName};

    fn user_with_totp(store: &Store) -> (i64, TotpEnrollment) {
        let user = store
            .create_user(
                &UserName::parse("ada").unwrap(),
                "a long password",
                Role::Admin,
            )
            .unwrap();
        (user.id, store.enable_totp("ada").unwrap())
    }

    /// The code an authenticator app holding `enrollment` shows at `at`.
    fn app_code(enrollment: &TotpEnrollment, at: i64) -> String {
        TOTP::from_url(&enrollment.url).unwrap().generate(at as u64)
    }

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn an_enrollment_gives_an_otpauth_url_and_ten_recovery_codes() {
        let store = Store::in_memory().unwrap();
        let (_, enrollment) = user_with_totp(&store);
        assert!(
            enrollment
                .url
                .starts_with("otpauth://totp/Wharf:ada?secret="),
            "{}",
            enrollment.url
        );
        assert!(enrollment.url.contains(&enrollment.secret));
        assert_eq!(enrollment.secret.len(), 32);
        assert_eq!(enrollment.recovery_codes.len(), RECOVERY_CODES);
        assert_eq!(enrollment.recovery_codes[0].len(), 19);
        let stored: Vec<String> = {
            let conn = store.conn();
            let mut stmt = conn.prepare("SELECT hash FROM recovery_codes").unwrap();
            stmt.query_map([], |row| row.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        assert_eq!(stored.len(), RECOVERY_CODES);
        assert!(!stored.contains(&enrollment.recovery_codes[0]));
        assert!(
            store
                .user("ada")
                .unwrap()
                .unwrap()
                .totp_enabled_at
                .is_some()
        );
        assert!(matches!(
            store.enable_totp("bob").unwrap_err(),
            StoreError::NoSuchUser(_)
        ));
    }

    #[test]
    fn a_code_is_taken_within_a_step_of_skew_and_only_once() {
        let store = Store::in_memory().unwrap();
        let (id, enrollment) = user_with_totp(&store);
        let late = app_code(&enrollment, NOW - 30);
        let far = app_code(&enrollment, NOW - 90);
        let now = app_code(&enrollment, NOW);
        assert_eq!(store.check_second_factor(id, &far, NOW).unwrap(), None);
        assert_eq!(
            store.check_second_factor(id, &late, NOW).unwrap(),
            Some(SecondFactor::Code)
        );
        // The same code again, and a code of that step or before, are refused: replays.
        assert_eq!(store.check_second_factor(id, &late, NOW).unwrap(), None);
        let spaced = format!("{} {}", &now[..3], &now[3..]);
        assert_eq!(
            store.check_second_factor(id, &spaced, NOW).unwrap(),
            Some(SecondFactor::Code)
        );
        assert_eq!(store.check_second_factor(id, &now, NOW).unwrap(), None);
        let ahead = app_code(&enrollment, NOW + 30);
        assert_eq!(
            store.check_second_factor(id, &ahead, NOW).unwrap(),
            Some(SecondFactor::Code)
        );
    }

    #[test]
    fn a_recovery_code_works_once() {
        let store = Store::in_memory().unwrap();
        let (id, enrollment) = user_with_totp(&store);
        let code = &enrollment.recovery_codes[3];
        let typed = code.to_uppercase().replace('-', " ");
        assert_eq!(
            store.check_second_factor(id, &typed, NOW).unwrap(),
            Some(SecondFactor::RecoveryCode {
                left: RECOVERY_CODES - 1
            })
        );
        assert_eq!(store.check_second_factor(id, code, NOW).unwrap(), None);
        assert_eq!(
            store
                .check_second_factor(id, "aaaa-bbbb-cccc-dddd", NOW)
                .unwrap(),
            None
        );
    }

    #[test]
    fn turning_it_off_forgets_the_secret_and_the_codes() {
        let store = Store::in_memory().unwrap();
        let (id, enrollment) = user_with_totp(&store);
        assert!(store.disable_totp("ada").unwrap());
        assert!(!store.disable_totp("ada").unwrap());
        assert_eq!(store.user("ada").unwrap().unwrap().totp_enabled_at, None);
        let code = app_code(&enrollment, NOW);
        assert_eq!(store.check_second_factor(id, &code, NOW).unwrap(), None);
        assert_eq!(
            store
                .check_second_factor(id, &enrollment.recovery_codes[0], NOW)
                .unwrap(),
            None
        );
        let rows: i64 = store
            .conn()
            .query_row("SELECT COUNT(*) FROM recovery_codes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);
        assert!(matches!(
            store.disable_totp("bob").unwrap_err(),
            StoreError::NoSuchUser(_)
        ));
    }

    #[test]
    fn a_new_enrollment_replaces_the_old_secret_and_codes() {
        let store = Store::in_memory().unwrap();
        let (id, old) = user_with_totp(&store);
        let new = store.enable_totp("ada").unwrap();
        assert_ne!(old.secret, new.secret);
        assert_eq!(
            store
                .check_second_factor(id, &old.recovery_codes[0], NOW)
                .unwrap(),
            None
        );
        assert!(
            store
                .check_second_factor(id, &new.recovery_codes[0], NOW)
                .unwrap()
                .is_some()
        );
    }
}
