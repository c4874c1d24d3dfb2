//! Config vars: the environment an app's operator sets by command. They are the config of the
//! app's next release; every release keeps a snapshot of them, so a rollback restores them.

use crate::{Store, StoreError};
use rusqlite::params;
use wharf_domain::{AppName, EnvVars};

impl Store {
    /// The app's config vars, sorted by key.
    pub fn config_vars(&self, app: &AppName) -> Result<EnvVars, StoreError> {
        let app = app.as_str();
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT key, value FROM config_vars WHERE app = ?1 ORDER BY key")?;
        let rows: Vec<(String, String)> = stmt
            .query_map([app], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        EnvVars::from_pairs(rows)
            .map_err(|e| StoreError::Corrupt(format!("a config var of {app}: {e}")))
    }

    /// Make `vars` exactly the app's config vars, atomically.
    pub fn replace_config_vars(&self, app: &AppName, vars: &EnvVars) -> Result<(), StoreError> {
        let app = app.as_str();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM config_vars WHERE app = ?1", [app])?;
        for (key, value) in vars.iter() {
            tx.execute(
                "INSERT INTO config_vars (app, key, value) VALUES (?1, ?2, ?3)",
                params![app, key, value],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_vars_are_replaced_whole_and_go_with_the_app() {
        let store = Store::in_memory().unwrap();
        store.ensure_app(&crate::app("blog")).unwrap();
        let vars = EnvVars::from_pairs([("B", "2"), ("A", "1")]).unwrap();
        store
            .replace_config_vars(&crate::app("blog"), &vars)
            .unwrap();
        assert_eq!(
            store.config_vars(&crate::app("blog")).unwrap().to_pairs(),
            vec![
                ("A".to_string(), "1".to_string()),
                ("B".to_string(), "2".to_string())
            ]
        );
        store
            .replace_config_vars(
                &crate::app("blog"),
                &EnvVars::from_pairs([("C", "x=y")]).unwrap(),
            )
            .unwrap();
        assert_eq!(store.config_vars(&crate::app("blog")).unwrap().len(), 1);
        store.delete_app(&crate::app("blog")).unwrap();
        store.ensure_app(&crate::app("blog")).unwrap();
        assert!(store.config_vars(&crate::app("blog")).unwrap().is_empty());
    }
}
