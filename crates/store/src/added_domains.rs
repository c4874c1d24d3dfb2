//! Domains added to an app by command (`wharf domains add`). They belong to the app, not to a
//! release: whichever release runs is served on them, on top of its Dockerfile's domains. A
//! domain belongs to at most one app, whether it came from a Dockerfile or a command.

use crate::{Store, StoreError};
use rusqlite::params;
use wharf_domain::AppName;

impl Store {
    /// The domains added to `app` by command, sorted.
    pub fn added_domains(&self, app: &AppName) -> Result<Vec<String>, StoreError> {
        let app = app.as_str();
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT domain FROM added_domains WHERE app = ?1 ORDER BY domain")?;
        let rows = stmt
            .query_map([app], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Add `domain` to `app`; fails without change if another app owns it.
    pub fn add_domain(&self, app: &AppName, domain: &str) -> Result<(), StoreError> {
        let app = app.as_str();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if let Some(owner) = crate::apps::owner_of(&tx, domain)?
            && owner != app
        {
            return Err(StoreError::DomainTaken {
                domain: domain.to_string(),
                app: owner,
            });
        }
        tx.execute(
            "INSERT OR IGNORE INTO added_domains (domain, app) VALUES (?1, ?2)",
            params![domain, app],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Take `domain` off the domains added to `app`; false if it was not one of them.
    pub fn remove_added_domain(&self, app: &AppName, domain: &str) -> Result<bool, StoreError> {
        let app = app.as_str();
        let changed = self.conn().execute(
            "DELETE FROM added_domains WHERE app = ?1 AND domain = ?2",
            params![app, domain],
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
            .add_domain(&crate::app("blog"), "www.blog.example")
            .unwrap();
        store
            .add_domain(&crate::app("blog"), "blog.example")
            .unwrap();
        store
            .add_domain(&crate::app("blog"), "blog.example")
            .unwrap();
        assert_eq!(
            store.added_domains(&crate::app("blog")).unwrap(),
            vec!["blog.example".to_string(), "www.blog.example".to_string()]
        );
        assert_eq!(
            store
                .domain_owner("blog.example")
                .unwrap()
                .as_ref()
                .map(AppName::as_str),
            Some("blog")
        );
        // Taken by command: neither a command nor a deploy of another app gets it.
        let err = store
            .add_domain(&crate::app("shop"), "blog.example")
            .unwrap_err();
        assert!(matches!(err, StoreError::DomainTaken { ref app, .. } if app == "blog"));
        let err = store
            .set_domains(&crate::app("shop"), &["blog.example".into()])
            .unwrap_err();
        assert!(matches!(err, StoreError::DomainTaken { ref app, .. } if app == "blog"));
        // Routed to another app: not added.
        store
            .set_domains(&crate::app("shop"), &["shop.example".into()])
            .unwrap();
        assert!(
            store
                .add_domain(&crate::app("blog"), "shop.example")
                .is_err()
        );
        assert!(
            store
                .check_domains_free(&crate::app("blog"), &["shop.example".into()])
                .is_err()
        );

        assert!(
            store
                .remove_added_domain(&crate::app("blog"), "www.blog.example")
                .unwrap()
        );
        assert!(
            !store
                .remove_added_domain(&crate::app("blog"), "www.blog.example")
                .unwrap()
        );
        assert!(
            !store
                .remove_added_domain(&crate::app("shop"), "blog.example")
                .unwrap()
        );
        store.delete_app(&crate::app("blog")).unwrap();
        assert_eq!(store.domain_owner("blog.example").unwrap(), None);
    }
}
