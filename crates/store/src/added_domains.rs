//! Domains added to an app by command (`wharf domains add`). They belong to the app, not to a
//! release: whichever release runs is served on them, on top of its Dockerfile's domains. A
//! domain belongs to at most one app, whether it came from a Dockerfile or a command.

use crate::apps::stored_domain;
use crate::{Store, StoreError};
use rusqlite::params;
use wharf_domain::{AppName, DomainName, WebAddress};

impl Store {
    /// The domains added to `app` by command, sorted.
    pub fn added_domains(&self, app: &AppName) -> Result<Vec<DomainName>, StoreError> {
        let app = app.as_str();
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT domain FROM added_domains WHERE app = ?1 ORDER BY domain")?;
        let rows: Vec<String> = stmt
            .query_map([app], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        rows.iter().map(|domain| stored_domain(domain)).collect()
    }

    /// Add `domain` to `app`; fails without change if another app owns it.
    pub fn add_domain(&self, app: &AppName, domain: &DomainName) -> Result<(), StoreError> {
        let app = app.as_str();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if let Some(owner) = crate::apps::owner_of(&tx, domain.as_str())?
            && owner != app
        {
            return Err(StoreError::DomainTaken {
                domain: WebAddress::domain_only(domain.clone()),
                app: owner,
            });
        }
        tx.execute(
            "INSERT OR IGNORE INTO added_domains (domain, app) VALUES (?1, ?2)",
            params![domain.as_str(), app],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Take `domain` off the domains added to `app`; false if it was not one of them.
    pub fn remove_added_domain(
        &self,
        app: &AppName,
        domain: &DomainName,
    ) -> Result<bool, StoreError> {
        let app = app.as_str();
        let changed = self.conn().execute(
            "DELETE FROM added_domains WHERE app = ?1 AND domain = ?2",
            params![app, domain.as_str()],
        )?;
        Ok(changed == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_domains_belong_to_one_app_and_go_with_it() {
        let store = Store::in_memory().unwrap();
        store.ensure_app(&crate::app("blog")).unwrap();
        store.ensure_app(&crate::app("shop")).unwrap();
        store
            .add_domain(&crate::app("blog"), &crate::domain("www.blog.example"))
            .unwrap();
        store
            .add_domain(&crate::app("blog"), &crate::domain("blog.example"))
            .unwrap();
        store
            .add_domain(&crate::app("blog"), &crate::domain("blog.example"))
            .unwrap();
        assert_eq!(
            store.added_domains(&crate::app("blog")).unwrap(),
            vec!["blog.example", "www.blog.example"]
        );
        assert_eq!(
            store
                .domain_owner(&crate::address("blog.example"))
                .unwrap()
                .as_ref()
                .map(AppName::as_str),
            Some("blog")
        );
        // Taken by command: neither a command nor a deploy of another app gets it.
        let err = store
            .add_domain(&crate::app("shop"), &crate::domain("blog.example"))
            .unwrap_err();
        assert!(matches!(err, StoreError::DomainTaken { ref app, .. } if app == "blog"));
        let err = store
            .set_domains(&crate::app("shop"), &[crate::address("blog.example")])
            .unwrap_err();
        assert!(matches!(err, StoreError::DomainTaken { ref app, .. } if app == "blog"));
        // Routed to another app: not added.
        store
            .set_domains(&crate::app("shop"), &[crate::address("shop.example")])
            .unwrap();
        assert!(
            store
                .add_domain(&crate::app("blog"), &crate::domain("shop.example"))
                .is_err()
        );
        assert!(
            store
                .check_domains_free(&crate::app("blog"), &[crate::address("shop.example")])
                .is_err()
        );

        assert!(
            store
                .remove_added_domain(&crate::app("blog"), &crate::domain("www.blog.example"))
                .unwrap()
        );
        assert!(
            !store
                .remove_added_domain(&crate::app("blog"), &crate::domain("www.blog.example"))
                .unwrap()
        );
        assert!(
            !store
                .remove_added_domain(&crate::app("shop"), &crate::domain("blog.example"))
                .unwrap()
        );
        store.delete_app(&crate::app("blog")).unwrap();
        assert_eq!(
            store.domain_owner(&crate::address("blog.example")).unwrap(),
            None
        );
    }

    #[test]
    fn stored_domains_that_are_no_domains_are_reported() {
        let store = Store::in_memory().unwrap();
        store.ensure_app(&crate::app("blog")).unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO added_domains (domain, app) VALUES ('Not A Domain', 'blog')",
                [],
            )
            .unwrap();
        let err = store.added_domains(&crate::app("blog")).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
        assert!(store.domains_only_of(&crate::app("blog")).is_err());
        store
            .conn()
            .execute(
                "INSERT INTO domains (domain, app) VALUES ('blog.example/a?b', 'blog')",
                [],
            )
            .unwrap();
        let err = store.app(&crate::app("blog")).unwrap_err();
        assert!(err.to_string().contains("blog.example/a?b"), "{err}");
    }
}
