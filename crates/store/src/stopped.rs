//! Process types an operator stopped (`wharf stop`): reconcile leaves them stopped until
//! `wharf start` or the app's next deploy.

use crate::{Store, StoreError};
use rusqlite::params;

impl Store {
    pub fn stopped_processes(&self, app: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT process FROM stopped_processes WHERE app = ?1 ORDER BY process")?;
        let rows = stmt
            .query_map([app], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Mark `processes` of `app` stopped (`true`) or not (`false`).
    pub fn set_stopped(
        &self,
        app: &str,
        processes: &[String],
        stopped: bool,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for process in processes {
            if stopped {
                tx.execute(
                    "INSERT OR IGNORE INTO stopped_processes (app, process) VALUES (?1, ?2)",
                    params![app, process],
                )?;
            } else {
                tx.execute(
                    "DELETE FROM stopped_processes WHERE app = ?1 AND process = ?2",
                    params![app, process],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Forget every stop of `app` (a deploy starts everything).
    pub fn clear_stopped(&self, app: &str) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM stopped_processes WHERE app = ?1", [app])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_are_recorded_per_process_and_cleared() {
        let store = Store::in_memory().unwrap();
        store.ensure_app("blog").unwrap();
        let both = vec!["web".to_string(), "worker".to_string()];
        store.set_stopped("blog", &both, true).unwrap();
        store.set_stopped("blog", &both, true).unwrap();
        assert_eq!(store.stopped_processes("blog").unwrap(), both);
        store.set_stopped("blog", &both[..1], false).unwrap();
        assert_eq!(
            store.stopped_processes("blog").unwrap(),
            vec!["worker".to_string()]
        );
        store.clear_stopped("blog").unwrap();
        assert!(store.stopped_processes("blog").unwrap().is_empty());
    }
}
