//! Per-process settings set by command: the scale (`wharf scale`) and resource limits
//! (`wharf limits set`). They override the Procfile/app.json/Dockerfile defaults in every
//! later release of the app.

use crate::{Store, StoreError};
use rusqlite::params;
use wharf_domain::{AppName, ProcessName, ProcessSettings};

impl Store {
    pub fn process_settings(&self, app: &AppName) -> Result<Vec<ProcessSettings>, StoreError> {
        let app = app.as_str();
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT process, quantity, memory, cpus FROM process_settings WHERE app = ?1 ORDER BY process",
        )?;
        let rows: Vec<(String, ProcessSettings)> = stmt
            .query_map([app], |row| {
                Ok((
                    row.get(0)?,
                    ProcessSettings {
                        process: ProcessName::web(),
                        quantity: row.get(1)?,
                        memory: row.get::<_, Option<i64>>(2)?.map(|m| m.max(0) as u64),
                        cpus: row.get(3)?,
                    },
                ))
            })?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(process, settings)| {
                let process = ProcessName::parse(&process)
                    .map_err(|e| StoreError::Corrupt(format!("process settings of {app}: {e}")))?;
                Ok(ProcessSettings {
                    process,
                    ..settings
                })
            })
            .collect()
    }

    /// Store the settings of the given process types (others are left as they are).
    pub fn save_process_settings(
        &self,
        app: &AppName,
        settings: &[ProcessSettings],
    ) -> Result<(), StoreError> {
        let app = app.as_str();
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
                    s.process.as_str(),
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
        store.ensure_app(&crate::app("blog")).unwrap();
        let web = ProcessSettings {
            process: ProcessName::web(),
            quantity: Some(2),
            ..Default::default()
        };
        store
            .save_process_settings(&crate::app("blog"), std::slice::from_ref(&web))
            .unwrap();
        let worker = ProcessSettings {
            process: ProcessName::parse("worker").unwrap(),
            memory: Some(512 << 20),
            cpus: Some(0.5),
            ..Default::default()
        };
        store
            .save_process_settings(&crate::app("blog"), std::slice::from_ref(&worker))
            .unwrap();
        assert_eq!(
            store.process_settings(&crate::app("blog")).unwrap(),
            vec![web, worker]
        );
        let web3 = ProcessSettings {
            process: ProcessName::web(),
            quantity: Some(3),
            ..Default::default()
        };
        store
            .save_process_settings(&crate::app("blog"), std::slice::from_ref(&web3))
            .unwrap();
        assert_eq!(
            store.process_settings(&crate::app("blog")).unwrap()[0],
            web3
        );
    }
}
