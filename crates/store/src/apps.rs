//! Apps and the addresses they own. An address (a domain, or a domain and a path prefix such as
//! `example.com/blog`) belongs to at most one app; one domain may carry addresses of several
//! apps under different paths, and its certificate serves them all.

use crate::store::now;
use crate::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use wharf_domain::{AppName, DomainName, WebAddress};

/// An app as stored: its name, when it was created, and the addresses routed to it
/// (`example.com` or `example.com/blog`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppRecord {
    pub name: AppName,
    pub created_at: i64,
    pub domains: Vec<WebAddress>,
}

impl Store {
    /// Create the app unless it exists. Returns true when it was created.
    pub fn ensure_app(&self, name: &AppName) -> Result<bool, StoreError> {
        let name = name.as_str();
        let conn = self.conn();
        let changed = conn.execute(
            "INSERT OR IGNORE INTO apps (name, created_at) VALUES (?1, ?2)",
            params![name, now()],
        )?;
        Ok(changed == 1)
    }

    pub fn app(&self, app: &AppName) -> Result<Option<AppRecord>, StoreError> {
        let name = app.as_str();
        let conn = self.conn();
        let created_at: Option<i64> = conn
            .query_row(
                "SELECT created_at FROM apps WHERE name = ?1",
                [name],
                |row| row.get(0),
            )
            .optional()?;
        let Some(created_at) = created_at else {
            return Ok(None);
        };
        let domains = domains_of(&conn, name)?;
        Ok(Some(AppRecord {
            name: app.clone(),
            created_at,
            domains,
        }))
    }

    pub fn apps(&self) -> Result<Vec<AppRecord>, StoreError> {
        let names: Vec<(String, i64)> = {
            let conn = self.conn();
            let mut stmt = conn.prepare("SELECT name, created_at FROM apps ORDER BY name")?;
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        let mut domains = all_domains(&self.conn())?;
        names
            .into_iter()
            .map(|(name, created_at)| {
                let domains = domains.remove(&name).unwrap_or_default();
                Ok(AppRecord {
                    name: stored_app_name(&name)?,
                    created_at,
                    domains,
                })
            })
            .collect()
    }

    /// Delete an app with its domains and releases.
    pub fn delete_app(&self, name: &AppName) -> Result<(), StoreError> {
        let name = name.as_str();
        let conn = self.conn();
        let changed = conn.execute("DELETE FROM apps WHERE name = ?1", [name])?;
        if changed == 0 {
            return Err(StoreError::NoSuchApp(name.to_string()));
        }
        Ok(())
    }

    /// The app that owns `address`, if any: the one it is routed to, or the one it was added
    /// to by command.
    pub fn domain_owner(&self, address: &WebAddress) -> Result<Option<AppName>, StoreError> {
        owner_of(&self.conn(), address.as_str())?
            .as_deref()
            .map(stored_app_name)
            .transpose()
    }

    /// The domains of `app`'s addresses (routed, or added by command) that no other app is
    /// served on, under any path: what destroying `app` leaves without a use for its
    /// certificate. Sorted, each once.
    pub fn domains_only_of(&self, app: &AppName) -> Result<Vec<DomainName>, StoreError> {
        let app = app.as_str();
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT domain, app FROM domains UNION ALL SELECT domain, app FROM added_domains",
        )?;
        let rows: Vec<(String, String)> = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut mine = BTreeSet::new();
        let mut others = BTreeSet::new();
        for (address, owner) in &rows {
            let domain = stored_address(address)?.domain().clone();
            if owner == app {
                mine.insert(domain);
            } else {
                others.insert(domain);
            }
        }
        Ok(mine.difference(&others).cloned().collect())
    }

    /// Check that none of `domains` is owned by an app other than `app`.
    pub fn check_domains_free(
        &self,
        app: &AppName,
        domains: &[WebAddress],
    ) -> Result<(), StoreError> {
        let app = app.as_str();
        for domain in domains {
            if let Some(owner) = owner_of(&self.conn(), domain.as_str())?
                && owner != app
            {
                return Err(StoreError::DomainTaken {
                    domain: domain.clone(),
                    app: owner,
                });
            }
        }
        Ok(())
    }

    /// Make `domains` exactly the set the app owns, atomically. Fails without change if another
    /// app owns one of them.
    pub fn set_domains(&self, app: &AppName, domains: &[WebAddress]) -> Result<(), StoreError> {
        let app = app.as_str();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for domain in domains {
            if let Some(owner) = owner_of(&tx, domain.as_str())?
                && owner != app
            {
                return Err(StoreError::DomainTaken {
                    domain: domain.clone(),
                    app: owner,
                });
            }
        }
        tx.execute("DELETE FROM domains WHERE app = ?1", [app])?;
        for domain in domains {
            tx.execute(
                "INSERT INTO domains (domain, app) VALUES (?1, ?2)",
                params![domain.as_str(), app],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// An app name read back from the store, checked like any name that enters Wharf.
pub(crate) fn stored_app_name(name: &str) -> Result<AppName, StoreError> {
    AppName::parse(name).map_err(|e| StoreError::Corrupt(format!("a stored app name: {e}")))
}

/// A domain read back from the store (added by command, or an ACME state's), checked like one
/// that enters Wharf.
pub(crate) fn stored_domain(domain: &str) -> Result<DomainName, StoreError> {
    DomainName::parse(domain).map_err(|e| StoreError::Corrupt(format!("a stored domain: {e}")))
}

/// An address an app is routed on (`example.com` or `example.com/blog`), read back from the
/// store and checked like one that enters Wharf.
pub(crate) fn stored_address(address: &str) -> Result<WebAddress, StoreError> {
    WebAddress::parse(address)
        .map_err(|e| StoreError::Corrupt(format!("a stored address `{address}`: {e}")))
}

/// The app owning the written address `domain` (a domain added by command is its own address).
pub(crate) fn owner_of(
    conn: &rusqlite::Connection,
    domain: &str,
) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT app FROM domains WHERE domain = ?1
             UNION ALL SELECT app FROM added_domains WHERE domain = ?1 LIMIT 1",
            [domain],
            |row| row.get(0),
        )
        .optional()?)
}

fn domains_of(conn: &rusqlite::Connection, app: &str) -> Result<Vec<WebAddress>, StoreError> {
    let mut stmt = conn.prepare("SELECT domain FROM domains WHERE app = ?1 ORDER BY domain")?;
    let rows: Vec<String> = stmt
        .query_map([app], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    rows.iter().map(|address| stored_address(address)).collect()
}

/// Every app's routed addresses in one query, sorted, by app.
fn all_domains(
    conn: &rusqlite::Connection,
) -> Result<HashMap<String, Vec<WebAddress>>, StoreError> {
    let mut stmt = conn.prepare("SELECT app, domain FROM domains ORDER BY app, domain")?;
    let rows: Vec<(String, String)> = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut by_app: HashMap<String, Vec<WebAddress>> = HashMap::new();
    for (app, address) in rows {
        let address = stored_address(&address)?;
        by_app.entry(app).or_default().push(address);
    }
    Ok(by_app)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_belongs_to_one_app() {
        let store = Store::in_memory().unwrap();
        store.ensure_app(&crate::app("blog")).unwrap();
        store.ensure_app(&crate::app("shop")).unwrap();
        store
            .set_domains(&crate::app("blog"), &[crate::address("blog.example.com")])
            .unwrap();
        let err = store
            .set_domains(
                &crate::app("shop"),
                &[
                    crate::address("blog.example.com"),
                    crate::address("shop.example.com"),
                ],
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::DomainTaken { ref app, .. } if app == "blog"));
        assert!(err.to_string().contains("blog.example.com"));
        // Nothing half-done: shop got no domain.
        assert!(
            store
                .app(&crate::app("shop"))
                .unwrap()
                .unwrap()
                .domains
                .is_empty()
        );
        store
            .set_domains(&crate::app("shop"), &[crate::address("shop.example.com")])
            .unwrap();
        assert_eq!(
            store
                .domain_owner(&crate::address("shop.example.com"))
                .unwrap()
                .as_ref()
                .map(AppName::as_str),
            Some("shop")
        );
    }

    #[test]
    fn deleting_an_app_frees_its_domains() {
        let store = Store::in_memory().unwrap();
        assert!(store.ensure_app(&crate::app("blog")).unwrap());
        assert!(!store.ensure_app(&crate::app("blog")).unwrap());
        store
            .set_domains(&crate::app("blog"), &[crate::address("a.example")])
            .unwrap();
        store.delete_app(&crate::app("blog")).unwrap();
        assert_eq!(
            store.domain_owner(&crate::address("a.example")).unwrap(),
            None
        );
        assert!(matches!(
            store.delete_app(&crate::app("blog")),
            Err(StoreError::NoSuchApp(_))
        ));
        assert!(store.apps().unwrap().is_empty());
    }

    #[test]
    fn apps_share_a_domain_under_paths_and_its_certificate_stays_while_one_routes_it() {
        let store = Store::in_memory().unwrap();
        for app in ["site", "blog", "solo"] {
            store.ensure_app(&crate::app(app)).unwrap();
        }
        store
            .set_domains(&crate::app("site"), &[crate::address("example.com")])
            .unwrap();
        store
            .set_domains(
                &crate::app("blog"),
                &[
                    crate::address("example.com/blog"),
                    crate::address("blog.example"),
                ],
            )
            .unwrap();
        store
            .set_domains(&crate::app("solo"), &[crate::address("solo.example/x")])
            .unwrap();
        // One owner per address.
        let err = store
            .set_domains(&crate::app("solo"), &[crate::address("example.com/blog")])
            .unwrap_err();
        assert!(matches!(err, StoreError::DomainTaken { ref app, .. } if app == "blog"));
        assert_eq!(
            store
                .domain_owner(&crate::address("example.com"))
                .unwrap()
                .as_ref()
                .map(AppName::as_str),
            Some("site")
        );
        assert_eq!(
            store
                .domain_owner(&crate::address("example.com/blog"))
                .unwrap()
                .as_ref()
                .map(AppName::as_str),
            Some("blog")
        );

        assert_eq!(
            store.domains_only_of(&crate::app("blog")).unwrap(),
            ["blog.example"]
        );
        assert!(
            store
                .domains_only_of(&crate::app("site"))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.domains_only_of(&crate::app("solo")).unwrap(),
            ["solo.example"]
        );
        store
            .add_domain(&crate::app("site"), &crate::domain("www.example.com"))
            .unwrap();
        assert_eq!(
            store.domains_only_of(&crate::app("site")).unwrap(),
            ["www.example.com"]
        );
        store.delete_app(&crate::app("blog")).unwrap();
        assert_eq!(
            store.domains_only_of(&crate::app("site")).unwrap(),
            ["example.com", "www.example.com"]
        );
        assert!(
            store
                .domains_only_of(&crate::app("never-there"))
                .unwrap()
                .is_empty()
        );
    }
}
