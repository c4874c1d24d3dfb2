//! Per-process settings set by command: the scale (`wharf scale`) and resource limits
//! (`wharf limits set`). They override the Procfile/app.json/Dockerfile defaults in every
//! later release of the app.

use crate::{Store, StoreError};
use rusqlite::params;
use serde::Serialize;

/// The settings of one process type; `None` leaves the default.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProcessSettings {
    pub process: String,
    pub quantity: Option<u32>,
    pub memory: Option<u64>,
    pub cpus: Option<f64>,
}

impl Store {
    pub fn process_settings(&self, app: &str) -> Result<Vec<ProcessSettings>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT process, quantity, memory, cpus FROM process_settings WHERE app = ?1 ORDER BY process",
        )?;
        let rows = stmt
            .query_map([app], |row| {
                Ok(ProcessSettings {
                    process: row.get(0)?,
                    quantity: row.get(1)?,
                    memory: row.get::<_, Option<i64>>(2)?.map(|m| m.max(0) as u64),
                    cpus: row.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Store the settings of the given process types (others are left as they are).
    pub fn save_process_settings(
        &self,
        app: &str,
        settings: &[ProcessSettings],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for s in settings {
            tx.execute(
                "INSERT INTO process_settings (app, process, quantity, memory, cpus)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (app, process) DO UPDATE SET
                   quantity = excluded.quantity, memory = excluded.memory, cpus = excluded.cpus",
                params![
                    app,
                    s.process,
                    s.quantity,
                    s.memory.map(|m| m as i64),
                    s.cpus
                ],
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
    fn settings_are_saved_per_process_and_updated() {
        let store = Store::in_memory().unwrap();
        store.ensure_app("blog").unwrap();
        let web = ProcessSettings {
            process: "web".into(),
            quantity: Some(2),
            ..Default::default()
        };
        store
            .save_process_settings("blog", std::slice::from_ref(&web))
            .unwrap();
        let worker = ProcessSettings {
            process: "worker".into(),
            memory: Some(512 << 20),
            cpus: Some(0.5),
            ..Default::default()
        };
        store
            .save_process_settings("blog", std::slice::from_ref(&worker))
            .unwrap();
        assert_eq!(store.process_settings("blog").unwrap(), vec![web, worker]);
        let web3 = ProcessSettings {
            process: "web".into(),
            quantity: Some(3),
            ..Default::default()
        };
        store
            .save_process_settings("blog", std::slice::from_ref(&web3))
            .unwrap();
        assert_eq!(store.process_settings("blog").unwrap()[0], web3);
    }
}
