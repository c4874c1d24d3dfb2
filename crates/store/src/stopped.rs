//! Process types an operator stopped (`wharf stop`): reconcile leaves them stopped until
//! `wharf start` or the app's next deploy.

use crate::{Store, StoreError};
use rusqlite::params;
use wharf_domain::{AppName, ProcessName};

impl Store {
    pub fn stopped_processes(&self, app: &AppName) -> Result<Vec<ProcessName>, StoreError> {
        let app = app.as_str();
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT process FROM stopped_processes WHERE app = ?1 ORDER BY process")?;
        let rows: Vec<String> = stmt
            .query_map([app], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        rows.iter()
            .map(|name| {
                ProcessName::parse(name)
                    .map_err(|e| StoreError::Corrupt(format!("a stopped process of {app}: {e}")))
            })
            .collect()
    }

    /// Mark `processes` of `app` stopped (`true`) or not (`false`).
    pub fn set_stopped(
        &self,
        app: &AppName,
        processes: &[ProcessName],
        stopped: bool,
    ) -> Result<(), StoreError> {
        let app = app.as_str();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for process in processes {
            if stopped {
                tx.execute(
                    "INSERT OR IGNORE INTO stopped_processes (app, process) VALUES (?1, ?2)",
                    params![app, process.as_str()],
                )?;
            } else {
                tx.execute(
                    "DELETE FROM stopped_processes WHERE app = ?1 AND process = ?2",
                    params![app, process.as_str()],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Forget every stop of `app` (a deploy starts everything).
    pub fn clear_stopped(&self, app: &AppName) -> Result<(), StoreError> {
        let app = app.as_str();
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
        store.ensure_app(&crate::app("blog")).unwrap();
        let both = vec![ProcessName::web(), ProcessName::parse("worker").unwrap()];
        store.set_stopped(&crate::app("blog"), &both, true).unwrap();
        store.set_stopped(&crate::app("blog"), &both, true).unwrap();
        assert_eq!(store.stopped_processes(&crate::app("blog")).unwrap(), both);
        store
            .set_stopped(&crate::app("blog"), &both[..1], false)
            .unwrap();
        assert_eq!(
            store.stopped_processes(&crate::app("blog")).unwrap(),
            vec![both[1].clone()]
        );
        store.clear_stopped(&crate::app("blog")).unwrap();
        assert!(
            store
                .stopped_processes(&crate::app("blog"))
                .unwrap()
                .is_empty()
        );
    }
}
