//! Database services (`wharf services`): what each one is (kind, version, image, password),
//! which apps it is linked to and under which config var, its backup schedule, and a record
//! of every backup attempt, failed ones included, so a failed nightly backup is never silent.

use crate::store::now;
use crate::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// A service as stored. `password` is a secret: never log it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceRecord {
    pub name: String,
    pub kind: String,
    pub version: String,
    pub image: String,
    #[serde(skip)]
    pub password: String,
    /// `running`, or `destroyed` (container gone, volume kept).
    pub status: String,
    pub exposed_port: Option<u16>,
    pub backup_schedule: Option<String>,
    pub backup_keep: u32,
    pub created_at: i64,
}

/// A link of a service to an app: the config var that carries its URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkRecord {
    pub service: String,
    pub app: String,
    pub var: String,
}

/// One backup attempt: a file when it worked, an error when it did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupRecord {
    pub id: i64,
    pub service: String,
    /// File name inside the service's backup directory.
    pub file: Option<String>,
    pub size: Option<i64>,
    pub sha256: Option<String>,
    pub scheduled: bool,
    pub started_at: i64,
    pub error: Option<String>,
}

const SERVICE_COLUMNS: &str = "name, kind, version, image, password, status, exposed_port, \
     backup_schedule, backup_keep, created_at";

fn service_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ServiceRecord> {
    Ok(ServiceRecord {
        name: row.get(0)?,
        kind: row.get(1)?,
        version: row.get(2)?,
        image: row.get(3)?,
        password: row.get(4)?,
        status: row.get(5)?,
        exposed_port: row.get(6)?,
        backup_schedule: row.get(7)?,
        backup_keep: row.get(8)?,
        created_at: row.get(9)?,
    })
}

fn backup_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<BackupRecord> {
    Ok(BackupRecord {
        id: row.get(0)?,
        service: row.get(1)?,
        file: row.get(2)?,
        size: row.get(3)?,
        sha256: row.get(4)?,
        scheduled: row.get(5)?,
        started_at: row.get(6)?,
        error: row.get(7)?,
    })
}

impl Store {
    /// Record a new service (or bring a destroyed one whose volume was kept back to life,
    /// keeping its password). Fails with [`StoreError::ServiceExists`] if it runs already.
    pub fn create_service(&self, record: &ServiceRecord) -> Result<ServiceRecord, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let existing = tx
            .query_row(
                &format!("SELECT {SERVICE_COLUMNS} FROM services WHERE name = ?1"),
                [&record.name],
                service_from_row,
            )
            .optional()?;
        let stored = match existing {
            Some(old) if old.status != "destroyed" => {
                return Err(StoreError::ServiceExists(record.name.clone()));
            }
            Some(old) => {
                tx.execute(
                    "UPDATE services SET status = 'running', version = ?2, image = ?3,
                     exposed_port = NULL WHERE name = ?1",
                    params![record.name, record.version, record.image],
                )?;
                ServiceRecord {
                    status: "running".to_string(),
                    version: record.version.clone(),
                    image: record.image.clone(),
                    exposed_port: None,
                    ..old
                }
            }
            None => {
                tx.execute(
                    "INSERT INTO services (name, kind, version, image, password, status, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6)",
                    params![
                        record.name,
                        record.kind,
                        record.version,
                        record.image,
                        record.password,
                        now()
                    ],
                )?;
                ServiceRecord {
                    status: "running".to_string(),
                    created_at: now(),
                    ..record.clone()
                }
            }
        };
        tx.commit()?;
        Ok(stored)
    }

    /// The service called `name`, destroyed ones included.
    pub fn service(&self, name: &str) -> Result<Option<ServiceRecord>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {SERVICE_COLUMNS} FROM services WHERE name = ?1"),
                [name],
                service_from_row,
            )
            .optional()?)
    }

    /// Every service, destroyed ones included, by name.
    pub fn services(&self) -> Result<Vec<ServiceRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {SERVICE_COLUMNS} FROM services ORDER BY name"
        ))?;
        let rows = stmt
            .query_map([], service_from_row)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Mark a service destroyed (its volume kept) or forget it entirely (`purge`).
    pub fn remove_service(&self, name: &str, purge: bool) -> Result<(), StoreError> {
        let conn = self.conn();
        let changed = if purge {
            conn.execute("DELETE FROM services WHERE name = ?1", [name])?
        } else {
            conn.execute(
                "UPDATE services SET status = 'destroyed', exposed_port = NULL,
                 backup_schedule = NULL WHERE name = ?1",
                [name],
            )?
        };
        if changed == 0 {
            return Err(StoreError::NoSuchService(name.to_string()));
        }
        Ok(())
    }

    pub fn set_service_exposed_port(
        &self,
        name: &str,
        port: Option<u16>,
    ) -> Result<(), StoreError> {
        let changed = self.conn().execute(
            "UPDATE services SET exposed_port = ?2 WHERE name = ?1",
            params![name, port],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchService(name.to_string()));
        }
        Ok(())
    }

    pub fn set_backup_schedule(
        &self,
        name: &str,
        schedule: Option<&str>,
        keep: u32,
    ) -> Result<(), StoreError> {
        let changed = self.conn().execute(
            "UPDATE services SET backup_schedule = ?2, backup_keep = ?3 WHERE name = ?1",
            params![name, schedule, keep],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchService(name.to_string()));
        }
        Ok(())
    }

    /// Link `service` to `app` under `var`.
    pub fn add_link(&self, service: &str, app: &str, var: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO service_links (service, app, var) VALUES (?1, ?2, ?3)",
            params![service, app, var],
        )?;
        Ok(())
    }

    pub fn remove_link(&self, service: &str, app: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "DELETE FROM service_links WHERE service = ?1 AND app = ?2",
            params![service, app],
        )?;
        Ok(())
    }

    /// The links of a service (`Some`) or of every service (`None`), by service and app.
    pub fn links_of_service(&self, service: Option<&str>) -> Result<Vec<LinkRecord>, StoreError> {
        self.links_where("service = ?1 OR ?1 IS NULL", service)
    }

    /// The services linked to `app`.
    pub fn links_of_app(&self, app: &str) -> Result<Vec<LinkRecord>, StoreError> {
        self.links_where("app = ?1", Some(app))
    }

    fn links_where(
        &self,
        filter: &str,
        value: Option<&str>,
    ) -> Result<Vec<LinkRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT service, app, var FROM service_links WHERE {filter} ORDER BY service, app"
        ))?;
        let rows = stmt
            .query_map([value], |row| {
                Ok(LinkRecord {
                    service: row.get(0)?,
                    app: row.get(1)?,
                    var: row.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Record a backup attempt; returns its id.
    pub fn record_backup(&self, backup: &BackupRecord) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO service_backups (service, file, size, sha256, scheduled, started_at, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                backup.service,
                backup.file,
                backup.size,
                backup.sha256,
                backup.scheduled,
                backup.started_at,
                backup.error
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Backup attempts of `service`, newest first.
    pub fn backups(&self, service: &str) -> Result<Vec<BackupRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, service, file, size, sha256, scheduled, started_at, error
             FROM service_backups WHERE service = ?1 ORDER BY id DESC",
        )?;
        let rows = stmt
            .query_map([service], backup_from_row)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn delete_backup(&self, id: i64) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM service_backups WHERE id = ?1", [id])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(name: &str) -> ServiceRecord {
        ServiceRecord {
            name: name.to_string(),
            kind: "postgres".to_string(),
            version: "17".to_string(),
            image: "postgres:17".to_string(),
            password: "secret".to_string(),
            status: String::new(),
            exposed_port: None,
            backup_schedule: None,
            backup_keep: 7,
            created_at: 0,
        }
    }

    #[test]
    fn a_destroyed_service_comes_back_with_its_password() {
        let store = Store::in_memory().unwrap();
        store.create_service(&pg("db")).unwrap();
        assert!(matches!(
            store.create_service(&pg("db")),
            Err(StoreError::ServiceExists(_))
        ));
        store.remove_service("db", false).unwrap();
        assert_eq!(store.service("db").unwrap().unwrap().status, "destroyed");
        let again = store
            .create_service(&ServiceRecord {
                password: "other".to_string(),
                ..pg("db")
            })
            .unwrap();
        assert_eq!(
            (again.password.as_str(), again.status.as_str()),
            ("secret", "running")
        );
        store.remove_service("db", true).unwrap();
        assert!(store.service("db").unwrap().is_none());
        assert!(matches!(
            store.remove_service("db", true),
            Err(StoreError::NoSuchService(_))
        ));
    }

    #[test]
    fn links_go_with_the_app_and_names_are_unique_per_app() {
        let store = Store::in_memory().unwrap();
        store.ensure_app("blog").unwrap();
        store.create_service(&pg("db")).unwrap();
        store.create_service(&pg("db2")).unwrap();
        store.add_link("db", "blog", "DATABASE_URL").unwrap();
        assert!(store.add_link("db2", "blog", "DATABASE_URL").is_err());
        store.add_link("db2", "blog", "DB2_DATABASE_URL").unwrap();
        assert_eq!(store.links_of_app("blog").unwrap().len(), 2);
        assert_eq!(store.links_of_service(Some("db")).unwrap().len(), 1);
        assert_eq!(store.links_of_service(None).unwrap().len(), 2);
        store.delete_app("blog").unwrap();
        assert!(store.links_of_service(None).unwrap().is_empty());
    }

    #[test]
    fn backups_are_listed_newest_first() {
        let store = Store::in_memory().unwrap();
        let ok = BackupRecord {
            id: 0,
            service: "db".to_string(),
            file: Some("db-1.dump".to_string()),
            size: Some(10),
            sha256: Some("ab".to_string()),
            scheduled: false,
            started_at: 1,
            error: None,
        };
        store.record_backup(&ok).unwrap();
        let failed = BackupRecord {
            file: None,
            error: Some("pg_dump failed".to_string()),
            scheduled: true,
            ..ok.clone()
        };
        let id = store.record_backup(&failed).unwrap();
        let list = store.backups("db").unwrap();
        assert_eq!(list[0].id, id);
        assert_eq!(list[0].error.as_deref(), Some("pg_dump failed"));
        store.delete_backup(id).unwrap();
        assert_eq!(store.backups("db").unwrap().len(), 1);
    }
}
