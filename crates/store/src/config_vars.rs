//! Config vars: the environment an app's operator sets by command. They are the config of the
//! app's next release; every release keeps a snapshot of them, so a rollback restores them.

use crate::{Store, StoreError};
use rusqlite::params;

impl Store {
    /// The app's config vars, sorted by key.
    pub fn config_vars(&self, app: &str) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT key, value FROM config_vars WHERE app = ?1 ORDER BY key")?;
        let rows = stmt
            .query_map([app], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Make `vars` exactly the app's config vars, atomically.
    pub fn replace_config_vars(
        &self,
        app: &str,
        vars: &[(String, String)],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM config_vars WHERE app = ?1", [app])?;
        for (key, value) in vars {
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
        store.ensure_app("blog").unwrap();
        let vars = vec![
            ("B".to_string(), "2".to_string()),
            ("A".to_string(), "1".to_string()),
        ];
        store.replace_config_vars("blog", &vars).unwrap();
        assert_eq!(
            store.config_vars("blog").unwrap(),
            vec![
                ("A".to_string(), "1".to_string()),
                ("B".to_string(), "2".to_string())
            ]
        );
        store
            .replace_config_vars("blog", &[("C".to_string(), "x=y".to_string())])
            .unwrap();
        assert_eq!(store.config_vars("blog").unwrap().len(), 1);
        store.delete_app("blog").unwrap();
        store.ensure_app("blog").unwrap();
        assert!(store.config_vars("blog").unwrap().is_empty());
    }
}
