//! Logins to image registries (`wharf registries login HOST`), one per registry: the engine
//! is given them when it pulls an image to deploy or to build from. A password is read back
//! only to hand it to the engine; listings show the username.

use crate::store::now;
use crate::{Store, StoreError};
use rusqlite::params;
use wharf_domain::RegistryHost;

/// One stored login.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistryLogin {
    pub registry: RegistryHost,
    pub username: String,
    pub password: String,
    /// Unix seconds.
    pub added_at: i64,
}

/// Never the password, so a login cannot reach a log by `{:?}`.
impl std::fmt::Debug for RegistryLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryLogin")
            .field("registry", &self.registry)
            .field("username", &self.username)
            .field("added_at", &self.added_at)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Store the login for `registry`, replacing the one it had.
    pub fn set_registry_login(
        &self,
        registry: &RegistryHost,
        username: &str,
        password: &str,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO registry_logins (registry, username, password, added_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (registry) DO UPDATE SET
                username = excluded.username, password = excluded.password,
                added_at = excluded.added_at",
            params![registry.as_str(), username, password, now()],
        )?;
        Ok(())
    }

    /// Every stored login, by registry.
    pub fn registry_logins(&self) -> Result<Vec<RegistryLogin>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT registry, username, password, added_at FROM registry_logins ORDER BY registry",
        )?;
        let rows: Vec<(String, String, String, i64)> = stmt
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(registry, username, password, added_at)| {
                let registry = RegistryHost::parse(&registry)
                    .map_err(|e| StoreError::Corrupt(format!("a registry login: {e}")))?;
                Ok(RegistryLogin {
                    registry,
                    username,
                    password,
                    added_at,
                })
            })
            .collect()
    }

    /// Forget the login for `registry`; `false` if there was none.
    pub fn remove_registry_login(&self, registry: &RegistryHost) -> Result<bool, StoreError> {
        let removed = self.conn().execute(
            "DELETE FROM registry_logins WHERE registry = ?1",
            [registry.as_str()],
        )?;
        Ok(removed > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_stored_replaced_listed_and_removed() {
        let store = Store::in_memory().unwrap();
        let ghcr = RegistryHost::parse("ghcr.io").unwrap();
        store.set_registry_login(&ghcr, "me", "first").unwrap();
        store.set_registry_login(&ghcr, "me", "second").unwrap();
        let local = RegistryHost::parse("127.0.0.1:5000").unwrap();
        store.set_registry_login(&local, "ci", "pw").unwrap();
        let logins = store.registry_logins().unwrap();
        let seen: Vec<(&str, &str, &str)> = logins
            .iter()
            .map(|l| {
                (
                    l.registry.as_str(),
                    l.username.as_str(),
                    l.password.as_str(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [("127.0.0.1:5000", "ci", "pw"), ("ghcr.io", "me", "second")]
        );
        assert!(!format!("{:?}", logins[1]).contains("second"));
        assert!(store.remove_registry_login(&ghcr).unwrap());
        assert!(!store.remove_registry_login(&ghcr).unwrap());
        assert_eq!(store.registry_logins().unwrap().len(), 1);
    }
}
