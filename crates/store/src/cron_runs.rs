//! Runs of an app's cron jobs: when each started and ended, its exit code and its output, so a
//! job that fails at 3 a.m. is visible in the morning. Only the newest runs of each app are kept.

use crate::store::now;
use crate::{Store, StoreError};
use rusqlite::params;
use serde::Serialize;
use wharf_domain::AppName;

/// How many runs of each app are kept.
const KEPT_RUNS: i64 = 100;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CronRun {
    pub id: i64,
    pub app: AppName,
    pub command: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub exit_code: Option<i64>,
    pub log: String,
}

impl Store {
    /// Record that the run of `command` due at `due_at` (Unix seconds of its minute) started,
    /// and return its id; `None` if that run was already started, by this process or by
    /// another Wharf sharing the store (during a takeover), so a job runs once per minute.
    pub fn start_cron_run(
        &self,
        app: &AppName,
        command: &str,
        due_at: i64,
    ) -> Result<Option<i64>, StoreError> {
        let app = app.as_str();
        let conn = self.conn();
        let inserted = conn.execute(
            "INSERT INTO cron_runs (app, command, started_at, due_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (app, command, due_at) DO NOTHING",
            params![app, command, now(), due_at],
        )?;
        if inserted == 0 {
            return Ok(None);
        }
        let id = conn.last_insert_rowid();
        conn.execute(
            "DELETE FROM cron_runs WHERE app = ?1 AND id <= ?2 - ?3",
            params![app, id, KEPT_RUNS],
        )?;
        Ok(Some(id))
    }

    pub fn finish_cron_run(&self, id: i64, exit_code: i64, log: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE cron_runs SET finished_at = ?2, exit_code = ?3, log = ?4 WHERE id = ?1",
            params![id, now(), exit_code, log],
        )?;
        Ok(())
    }

    /// The newest runs of `app`, newest first.
    pub fn cron_runs(&self, name: &AppName, limit: usize) -> Result<Vec<CronRun>, StoreError> {
        let app = name.as_str();
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, app, command, started_at, finished_at, exit_code, log
             FROM cron_runs WHERE app = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![app, limit as i64], |row| {
                Ok(CronRun {
                    id: row.get(0)?,
                    app: name.clone(),
                    command: row.get(2)?,
                    started_at: row.get(3)?,
                    finished_at: row.get(4)?,
                    exit_code: row.get(5)?,
                    log: row.get(6)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_recorded_newest_first() {
        let store = Store::in_memory().unwrap();
        store.ensure_app(&crate::app("blog")).unwrap();
        let first = store
            .start_cron_run(&crate::app("blog"), "echo one", 60)
            .unwrap()
            .unwrap();
        store.finish_cron_run(first, 0, "one\n").unwrap();
        let second = store
            .start_cron_run(&crate::app("blog"), "false", 60)
            .unwrap()
            .unwrap();
        let runs = store.cron_runs(&crate::app("blog"), 10).unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!((runs[0].id, runs[0].exit_code), (second, None));
        assert_eq!(
            (runs[1].exit_code, runs[1].log.as_str()),
            (Some(0), "one\n")
        );
    }

    #[test]
    fn a_job_starts_once_per_due_minute() {
        let store = Store::in_memory().unwrap();
        store.ensure_app(&crate::app("blog")).unwrap();
        assert!(
            store
                .start_cron_run(&crate::app("blog"), "tick", 120)
                .unwrap()
                .is_some()
        );
        // A second Wharf process (or a second tick) for the same minute: not started again.
        assert_eq!(
            store
                .start_cron_run(&crate::app("blog"), "tick", 120)
                .unwrap(),
            None
        );
        // The next minute, and another job the same minute, do start.
        assert!(
            store
                .start_cron_run(&crate::app("blog"), "tick", 180)
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .start_cron_run(&crate::app("blog"), "tock", 120)
                .unwrap()
                .is_some()
        );
        assert_eq!(store.cron_runs(&crate::app("blog"), 10).unwrap().len(), 3);
    }
}
