//! ACME state per domain: when a certificate was last attempted and obtained, the last error,
//! how many attempts failed in a row, when the next one is due, and the current certificate's
//! issuer, serial and expiry, so `wharf certs status` can show why a domain has no HTTPS yet.

use crate::apps::stored_domain;
use crate::{Store, StoreError};
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use wharf_domain::DomainName;

/// One domain's ACME state. Times are seconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcmeState {
    pub domain: DomainName,
    pub last_attempt: Option<i64>,
    pub last_success: Option<i64>,
    /// The error of the last attempt, cleared by a success.
    pub last_error: Option<String>,
    /// Failed attempts since the last success.
    pub failures: i64,
    /// No attempt before this time (backoff after failures).
    pub next_attempt: Option<i64>,
    /// The challenge type that validated the last certificate (`http-01`, `tls-alpn-01`).
    pub challenge: Option<String>,
    pub issuer: Option<String>,
    pub serial: Option<String>,
    pub not_after: Option<i64>,
    /// When a handshake with the HTTPS listener last showed it serving this certificate.
    pub served_checked: Option<i64>,
    /// When the current certificate is due for renewal.
    pub renew_at: Option<i64>,
    /// Who set `renew_at`: `ari` (the CA's renewal information), `lifetime` (two thirds of
    /// it) or `configured` (`--acme-renew-before`).
    pub renew_by: Option<String>,
}

impl AcmeState {
    /// The state of a domain ACME has not looked at yet: nothing attempted, nothing known.
    pub fn new(domain: DomainName) -> AcmeState {
        AcmeState {
            domain,
            last_attempt: None,
            last_success: None,
            last_error: None,
            failures: 0,
            next_attempt: None,
            challenge: None,
            issuer: None,
            serial: None,
            not_after: None,
            served_checked: None,
            renew_at: None,
            renew_by: None,
        }
    }
}

const COLUMNS: &str = "domain, last_attempt, last_success, last_error, failures, next_attempt, \
                       challenge, issuer, serial, not_after, served_checked, renew_at, renew_by";

/// Reads a row; a stored domain that no longer reads as a domain is reported, not dropped.
fn from_row(row: &Row<'_>) -> rusqlite::Result<Result<AcmeState, StoreError>> {
    let domain: String = row.get(0)?;
    let domain = match stored_domain(&domain) {
        Ok(domain) => domain,
        Err(err) => return Ok(Err(err)),
    };
    Ok(Ok(AcmeState {
        domain,
        last_attempt: row.get(1)?,
        last_success: row.get(2)?,
        last_error: row.get(3)?,
        failures: row.get(4)?,
        next_attempt: row.get(5)?,
        challenge: row.get(6)?,
        issuer: row.get(7)?,
        serial: row.get(8)?,
        not_after: row.get(9)?,
        served_checked: row.get(10)?,
        renew_at: row.get(11)?,
        renew_by: row.get(12)?,
    }))
}

impl Store {
    /// The state of `domain`, if ACME ever looked at it.
    pub fn acme_state(&self, domain: &DomainName) -> Result<Option<AcmeState>, StoreError> {
        let conn = self.conn();
        conn.query_row(
            &format!("SELECT {COLUMNS} FROM acme_state WHERE domain = ?1"),
            params![domain.as_str()],
            from_row,
        )
        .optional()?
        .transpose()
    }

    /// Every domain's state, by name.
    pub fn acme_states(&self) -> Result<Vec<AcmeState>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare(&format!("SELECT {COLUMNS} FROM acme_state ORDER BY domain"))?;
        let rows: Vec<_> = stmt.query_map([], from_row)?.collect::<Result<_, _>>()?;
        rows.into_iter().collect()
    }

    /// Write the whole state of one domain.
    pub fn put_acme_state(&self, state: &AcmeState) -> Result<(), StoreError> {
        self.conn().execute(
            &format!(
                "INSERT OR REPLACE INTO acme_state ({COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ),
            params![
                state.domain.as_str(),
                state.last_attempt,
                state.last_success,
                state.last_error,
                state.failures,
                state.next_attempt,
                state.challenge,
                state.issuer,
                state.serial,
                state.not_after,
                state.served_checked,
                state.renew_at,
                state.renew_by,
            ],
        )?;
        Ok(())
    }

    /// Forget the state of domains no longer served.
    pub fn remove_acme_state(&self, domain: &DomainName) -> Result<(), StoreError> {
        self.conn().execute(
            "DELETE FROM acme_state WHERE domain = ?1",
            params![domain.as_str()],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_is_replaced() {
        let store = Store::in_memory().unwrap();
        assert_eq!(
            store.acme_state(&crate::domain("a.example.com")).unwrap(),
            None
        );
        let mut state = AcmeState {
            last_attempt: Some(10),
            last_error: Some("refused".into()),
            failures: 1,
            next_attempt: Some(70),
            ..AcmeState::new(crate::domain("a.example.com"))
        };
        store.put_acme_state(&state).unwrap();
        assert_eq!(
            store.acme_state(&crate::domain("a.example.com")).unwrap(),
            Some(state.clone())
        );
        state.last_error = None;
        state.failures = 0;
        state.not_after = Some(1000);
        state.served_checked = Some(900);
        state.renew_at = Some(800);
        state.renew_by = Some("ari".into());
        store.put_acme_state(&state).unwrap();
        assert_eq!(store.acme_states().unwrap(), vec![state]);
        store
            .remove_acme_state(&crate::domain("a.example.com"))
            .unwrap();
        assert!(store.acme_states().unwrap().is_empty());
    }

    #[test]
    fn a_stored_domain_that_is_no_domain_is_reported() {
        let store = Store::in_memory().unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO acme_state (domain, failures) VALUES ('bad_name.example', 0)",
                [],
            )
            .unwrap();
        let err = store.acme_states().unwrap_err();
        assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
        assert!(err.to_string().contains("bad_name.example"), "{err}");
    }
}
