//! Database services (`wharf services`): what each one is (kind, version, image, password),
//! which apps it is linked to and under which config var, its backup schedule, and a record
//! of every backup attempt, failed ones included, so a failed nightly backup is never silent.

use crate::store::now;
use crate::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use wharf_domain::{AppName, ServiceKind, ServiceName};

/// Whether a service runs: its container exists, or it was destroyed with its volume kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceStatus {
    Running,
    /// Container gone, volume kept: `wharf services create` with the name brings it back.
    Destroyed,
}

impl ServiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Running => "running",
            ServiceStatus::Destroyed => "destroyed",
        }
    }

    fn parse(s: &str) -> Result<ServiceStatus, StoreError> {
        match s {
            "running" => Ok(ServiceStatus::Running),
            "destroyed" => Ok(ServiceStatus::Destroyed),
            other => Err(StoreError::Corrupt(format!(
                "unknown service status {other}"
            ))),
        }
    }
}

impl std::fmt::Display for ServiceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ServiceStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A service as stored. `password` is a secret: never log it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceRecord {
    pub name: ServiceName,
    pub kind: ServiceKind,
    pub version: String,
    pub image: String,
    #[serde(skip)]
    pub password: String,
    pub status: ServiceStatus,
    pub exposed_port: Option<u16>,
    pub backup_schedule: Option<String>,
    pub backup_keep: u32,
    pub created_at: i64,
    /// The Swarm node ID it is pinned to when that is not this server (a cluster's
    /// manager): it then runs there as a Swarm service. `None`: it runs here.
    pub node: Option<String>,
}

/// A link of a service to an app: the config var that carries its URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkRecord {
    pub service: ServiceName,
    pub app: AppName,
    pub var: String,
}

/// One backup attempt: a file when it worked, an error when it did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupRecord {
    pub id: i64,
    pub service: ServiceName,
    /// File name inside the service's backup directory.
    pub file: Option<String>,
    pub size: Option<i64>,
    pub sha256: Option<String>,
    pub scheduled: bool,
    pub started_at: i64,
    pub error: Option<String>,
    /// When it was last verified: restored into a scratch container and read back.
    pub verified_at: Option<i64>,
}

const SERVICE_COLUMNS: &str = "name, kind, version, image, password, status, exposed_port, \
     backup_schedule, backup_keep, created_at, node";

/// A stored service name, checked as it is read back.
fn stored_service_name(name: &str) -> Result<ServiceName, StoreError> {
    ServiceName::parse(name).map_err(|e| StoreError::Corrupt(format!("a stored service name: {e}")))
}

/// A stored service kind, checked as it is read back.
fn stored_service_kind(kind: &str) -> Result<ServiceKind, StoreError> {
    ServiceKind::parse(kind).map_err(|e| StoreError::Corrupt(format!("a stored service kind: {e}")))
}

/// A service row's values as SQLite gives them.
type ServiceRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<u16>,
    Option<String>,
    u32,
    i64,
    Option<String>,
);

fn service_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ServiceRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
        row.get(10)?,
    ))
}

/// A service row with its name, kind and status checked.
fn finish_service(row: ServiceRow) -> Result<ServiceRecord, StoreError> {
    let (name, kind, version, image, password, status, exposed_port, schedule, keep, created, node) =
        row;
    Ok(ServiceRecord {
        name: stored_service_name(&name)?,
        kind: stored_service_kind(&kind)?,
        version,
        image,
        password,
        status: ServiceStatus::parse(&status)?,
        exposed_port,
        backup_schedule: schedule,
        backup_keep: keep,
        created_at: created,
        node,
    })
}

/// Reads a backup row of `service` (the rows are selected by it).
fn backup_of(
    service: &ServiceName,
) -> impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<BackupRecord> + '_ {
    move |row| {
        Ok(BackupRecord {
            id: row.get(0)?,
            service: service.clone(),
            file: row.get(1)?,
            size: row.get(2)?,
            sha256: row.get(3)?,
            scheduled: row.get(4)?,
            started_at: row.get(5)?,
            error: row.get(6)?,
            verified_at: row.get(7)?,
        })
    }
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
                [record.name.as_str()],
                service_from_row,
            )
            .optional()?
            .map(finish_service)
            .transpose()?;
        let stored = match existing {
            Some(old) if old.status != ServiceStatus::Destroyed => {
                return Err(StoreError::ServiceExists(record.name.to_string()));
            }
            Some(old) => {
                tx.execute(
                    "UPDATE services SET status = 'running', version = ?2, image = ?3,
                     exposed_port = NULL, node = ?4 WHERE name = ?1",
                    params![
                        record.name.as_str(),
                        record.version,
                        record.image,
                        record.node
                    ],
                )?;
                ServiceRecord {
                    status: ServiceStatus::Running,
                    version: record.version.clone(),
                    image: record.image.clone(),
                    exposed_port: None,
                    node: record.node.clone(),
                    ..old
                }
            }
            None => {
                tx.execute(
                    "INSERT INTO services (name, kind, version, image, password, status, created_at, node)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7)",
                    params![
                        record.name.as_str(),
                        record.kind.as_str(),
                        record.version,
                        record.image,
                        record.password,
                        now(),
                        record.node
                    ],
                )?;
                ServiceRecord {
                    status: ServiceStatus::Running,
                    created_at: now(),
                    ..record.clone()
                }
            }
        };
        tx.commit()?;
        Ok(stored)
    }

    /// The service called `name`, destroyed ones included.
    pub fn service(&self, name: &ServiceName) -> Result<Option<ServiceRecord>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {SERVICE_COLUMNS} FROM services WHERE name = ?1"),
                [name.as_str()],
                service_from_row,
            )
            .optional()?
            .map(finish_service)
            .transpose()
    }

    /// The services (not destroyed) that run on another node than this server, pinned to it:
    /// all of them, or those of the node `node` (a Swarm node ID). What `wharf nodes remove`
    /// and `wharf cluster leave` must not leave behind.
    pub fn services_on_other_nodes(
        &self,
        node: Option<&str>,
    ) -> Result<Vec<ServiceRecord>, StoreError> {
        Ok(self
            .services()?
            .into_iter()
            .filter(|s| s.status != ServiceStatus::Destroyed)
            .filter(|s| match (&s.node, node) {
                (Some(on), Some(wanted)) => on == wanted,
                (on, None) => on.is_some(),
                (None, Some(_)) => false,
            })
            .collect())
    }

    /// Every service, destroyed ones included, by name.
    pub fn services(&self) -> Result<Vec<ServiceRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {SERVICE_COLUMNS} FROM services ORDER BY name"
        ))?;
        let rows: Vec<ServiceRow> = stmt
            .query_map([], service_from_row)?
            .collect::<Result<_, _>>()?;
        rows.into_iter().map(finish_service).collect()
    }

    /// Mark a service destroyed (its volume kept) or forget it entirely (`purge`).
    pub fn remove_service(&self, name: &ServiceName, purge: bool) -> Result<(), StoreError> {
        let name = name.as_str();
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
        name: &ServiceName,
        port: Option<u16>,
    ) -> Result<(), StoreError> {
        let name = name.as_str();
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
        name: &ServiceName,
        schedule: Option<&str>,
        keep: u32,
    ) -> Result<(), StoreError> {
        let name = name.as_str();
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
    pub fn add_link(
        &self,
        service: &ServiceName,
        app: &AppName,
        var: &str,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO service_links (service, app, var) VALUES (?1, ?2, ?3)",
            params![service.as_str(), app.as_str(), var],
        )?;
        Ok(())
    }

    pub fn remove_link(&self, service: &ServiceName, app: &AppName) -> Result<(), StoreError> {
        self.conn().execute(
            "DELETE FROM service_links WHERE service = ?1 AND app = ?2",
            params![service.as_str(), app.as_str()],
        )?;
        Ok(())
    }

    /// The links of a service (`Some`) or of every service (`None`), by service and app.
    pub fn links_of_service(
        &self,
        service: Option<&ServiceName>,
    ) -> Result<Vec<LinkRecord>, StoreError> {
        self.links_where(
            "service = ?1 OR ?1 IS NULL",
            service.map(ServiceName::as_str),
        )
    }

    /// The services linked to `app`.
    pub fn links_of_app(&self, app: &AppName) -> Result<Vec<LinkRecord>, StoreError> {
        self.links_where("app = ?1", Some(app.as_str()))
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
        let rows: Vec<(String, String, String)> = stmt
            .query_map([value], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(service, app, var)| {
                Ok(LinkRecord {
                    service: stored_service_name(&service)?,
                    app: crate::apps::stored_app_name(&app)?,
                    var,
                })
            })
            .collect()
    }

    /// Record a backup attempt; returns its id.
    pub fn record_backup(&self, backup: &BackupRecord) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO service_backups (service, file, size, sha256, scheduled, started_at, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                backup.service.as_str(),
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
    pub fn backups(&self, service: &ServiceName) -> Result<Vec<BackupRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, file, size, sha256, scheduled, started_at, error, verified_at
             FROM service_backups WHERE service = ?1 ORDER BY id DESC",
        )?;
        let rows = stmt
            .query_map([service.as_str()], backup_of(service))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Records that backup `id` was verified at `at`.
    pub fn mark_backup_verified(&self, id: i64, at: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE service_backups SET verified_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
        Ok(())
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

    fn name(name: &str) -> ServiceName {
        ServiceName::parse(name).unwrap()
    }

    fn blog() -> AppName {
        AppName::parse("blog").unwrap()
    }

    fn pg(service: &str) -> ServiceRecord {
        ServiceRecord {
            name: name(service),
            kind: ServiceKind::Postgres,
            version: "17".to_string(),
            image: "postgres:17".to_string(),
            password: "secret".to_string(),
            status: ServiceStatus::Running,
            exposed_port: None,
            backup_schedule: None,
            backup_keep: 7,
            created_at: 0,
            node: None,
        }
    }

    #[test]
    fn a_service_remembers_the_node_it_is_pinned_to() {
        let store = Store::in_memory().unwrap();
        let pinned = ServiceRecord {
            node: Some("node2id".to_string()),
            ..pg("db")
        };
        store.create_service(&pinned).unwrap();
        let read = store.service(&name("db")).unwrap().unwrap();
        assert_eq!(read.node.as_deref(), Some("node2id"));
        assert_eq!(
            store.service(&name("db")).unwrap(),
            store.services().unwrap().pop()
        );
        // Made again after a destroy that kept the volume: where the new request says.
        store.remove_service(&name("db"), false).unwrap();
        let again = store.create_service(&pg("db")).unwrap();
        assert_eq!(again.node, None);
        assert_eq!(store.service(&name("db")).unwrap().unwrap().node, None);
    }

    #[test]
    fn the_services_on_other_nodes_are_those_pinned_there_and_not_destroyed() {
        let store = Store::in_memory().unwrap();
        let on = |node: &str| Some(node.to_string());
        store.create_service(&pg("here")).unwrap();
        for (db, node) in [("a", "n2"), ("b", "n3"), ("gone", "n2")] {
            let record = ServiceRecord {
                node: on(node),
                ..pg(db)
            };
            store.create_service(&record).unwrap();
        }
        store.remove_service(&name("gone"), false).unwrap();
        let names = |node: Option<&str>| -> Vec<String> {
            store
                .services_on_other_nodes(node)
                .unwrap()
                .into_iter()
                .map(|s| s.name.to_string())
                .collect()
        };
        assert_eq!(names(None), ["a", "b"]);
        assert_eq!(names(Some("n2")), ["a"]);
        assert!(names(Some("n9")).is_empty());
    }

    #[test]
    fn a_destroyed_service_comes_back_with_its_password() {
        let store = Store::in_memory().unwrap();
        store.create_service(&pg("db")).unwrap();
        assert!(matches!(
            store.create_service(&pg("db")),
            Err(StoreError::ServiceExists(_))
        ));
        store.remove_service(&name("db"), false).unwrap();
        assert_eq!(
            store.service(&name("db")).unwrap().unwrap().status,
            "destroyed"
        );
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
        store.remove_service(&name("db"), true).unwrap();
        assert!(store.service(&name("db")).unwrap().is_none());
        assert!(matches!(
            store.remove_service(&name("db"), true),
            Err(StoreError::NoSuchService(_))
        ));
    }

    #[test]
    fn links_go_with_the_app_and_names_are_unique_per_app() {
        let store = Store::in_memory().unwrap();
        store.ensure_app(&blog()).unwrap();
        store.create_service(&pg("db")).unwrap();
        store.create_service(&pg("db2")).unwrap();
        store
            .add_link(&name("db"), &blog(), "DATABASE_URL")
            .unwrap();
        assert!(
            store
                .add_link(&name("db2"), &blog(), "DATABASE_URL")
                .is_err()
        );
        store
            .add_link(&name("db2"), &blog(), "DB2_DATABASE_URL")
            .unwrap();
        assert_eq!(store.links_of_app(&blog()).unwrap().len(), 2);
        assert_eq!(store.links_of_service(Some(&name("db"))).unwrap().len(), 1);
        assert_eq!(store.links_of_service(None).unwrap().len(), 2);
        store.delete_app(&blog()).unwrap();
        assert!(store.links_of_service(None).unwrap().is_empty());
    }

    #[test]
    fn backups_are_listed_newest_first() {
        let store = Store::in_memory().unwrap();
        let ok = BackupRecord {
            id: 0,
            service: name("db"),
            file: Some("db-1.dump".to_string()),
            size: Some(10),
            sha256: Some("ab".to_string()),
            scheduled: false,
            started_at: 1,
            error: None,
            verified_at: None,
        };
        let ok_id = store.record_backup(&ok).unwrap();
        let failed = BackupRecord {
            file: None,
            error: Some("pg_dump failed".to_string()),
            scheduled: true,
            ..ok.clone()
        };
        let id = store.record_backup(&failed).unwrap();
        let list = store.backups(&name("db")).unwrap();
        assert_eq!(list[0].id, id);
        assert_eq!(list[0].error.as_deref(), Some("pg_dump failed"));
        assert_eq!(list[1].verified_at, None);
        store.mark_backup_verified(ok_id, 5).unwrap();
        assert_eq!(store.backups(&name("db")).unwrap()[1].verified_at, Some(5));
        store.delete_backup(id).unwrap();
        assert_eq!(store.backups(&name("db")).unwrap().len(), 1);
    }
}
