//! Backups of a service: a dump (pg_dump custom format, mysqldump/mariadb-dump SQL, a Redis
//! RDB snapshot) written to `DATA/backups/NAME/NAME-YYYYMMDDTHHMMSSZ.EXT` (0600) with its
//! SHA-256 recorded; restores into the running service; and `verify`, which checks the file's
//! hash and restores it into a scratch container of the same image, counting what came back.
//! Every attempt is recorded, failed ones with their error.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest, Sha256};
use wharf_domain::{Alert, AlertKind, ServiceKind, ServiceName, UtcDateTime};
use wharf_runtime::{ContainerSpec, ExecSpec, OneOffSpec, RestartPolicy};
use wharf_store::{BackupRecord, ServiceRecord, unix_now};

use crate::container::SCRATCH_LABEL;
use crate::manager::new_password;
use crate::{ServiceError, Services};

/// How many failed attempts of a service are remembered.
const KEPT_FAILURES: usize = 20;

/// What to restore from.
#[derive(Debug, Clone)]
pub enum RestoreSource {
    /// One of the service's backups, by file name (as `wharf services backups` lists it).
    Backup(String),
    /// A file on the server (an upload the API received).
    File(PathBuf),
}

/// What `verify` found.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub service: String,
    pub file: String,
    pub size: u64,
    pub sha256: String,
    /// Tables (SQL databases) or keys (Redis) in the restored copy.
    pub restored_objects: u64,
    pub seconds: f64,
}

impl Services {
    /// Backs the service up now. The attempt is recorded either way; a failure is returned
    /// (and logged) with the tool's own error output.
    #[tracing::instrument(skip(self))]
    pub async fn backup(
        &self,
        service: &ServiceName,
        scheduled: bool,
    ) -> Result<BackupRecord, ServiceError> {
        let _guard = self.lock(service).await;
        self.backup_locked(service, scheduled).await
    }

    pub(crate) async fn backup_locked(
        &self,
        service: &ServiceName,
        scheduled: bool,
    ) -> Result<BackupRecord, ServiceError> {
        let record = self.running_record(service)?;
        let started_at = unix_now();
        let result = self.write_backup(&record, started_at).await;
        let entry = match &result {
            Ok((file, size, sha256)) => BackupRecord {
                id: 0,
                service: service.clone(),
                file: Some(file.clone()),
                size: Some(*size as i64),
                sha256: Some(sha256.clone()),
                scheduled,
                started_at,
                error: None,
                verified_at: None,
            },
            Err(err) => BackupRecord {
                id: 0,
                service: service.clone(),
                file: None,
                size: None,
                sha256: None,
                scheduled,
                started_at,
                error: Some(err.to_string()),
                verified_at: None,
            },
        };
        let id = self.store.record_backup(&entry)?;
        match result {
            Ok((file, size, _)) => {
                tracing::info!(%service, %file, size, "backup written");
                self.prune_backups(&record)?;
                Ok(BackupRecord { id, ..entry })
            }
            Err(err) => {
                tracing::error!(%service, error = %err, scheduled, "backup failed");
                self.raise_backup_alert(AlertKind::BackupFailed, service, &err);
                Err(err)
            }
        }
    }

    /// Record that a backup (or its verification) of `service` failed and tell the
    /// notification channels; a store that cannot be written is only logged.
    pub(crate) fn raise_backup_alert(
        &self,
        kind: AlertKind,
        service: &ServiceName,
        err: &ServiceError,
    ) {
        let what = match kind {
            AlertKind::BackupVerifyFailed => "the newest backup does not restore",
            _ => "the backup failed",
        };
        let alert = Alert::new(kind, format!("{service}: {what}: {err}")).about(service.as_str());
        if let Err(e) = self.store.raise(&alert) {
            tracing::error!(%service, error = %e, "cannot record the backup's failure as an alert");
        }
    }

    /// The service's backups, newest first (failed attempts included).
    pub fn backups(&self, service: &ServiceName) -> Result<Vec<BackupRecord>, ServiceError> {
        if self.store.service(service)?.is_none() {
            return Err(ServiceError::NoSuchService(service.to_string()));
        }
        Ok(self.store.backups(service)?)
    }

    /// Sets (or with `None` clears) the backup schedule and how many backups are kept.
    pub fn set_backup_schedule(
        &self,
        service: &ServiceName,
        schedule: Option<&str>,
        keep: Option<u32>,
    ) -> Result<(), ServiceError> {
        let record = self.running_record(service)?;
        if let Some(schedule) = schedule {
            wharf_domain::CronSchedule::parse(schedule)
                .map_err(|e| ServiceError::BadInput(format!("backup schedule: {e}")))?;
        }
        let keep = keep.unwrap_or(record.backup_keep);
        if keep == 0 {
            return Err(ServiceError::BadInput(
                "--keep 0 would delete every backup; keep at least 1".to_string(),
            ));
        }
        self.store.set_backup_schedule(service, schedule, keep)?;
        Ok(())
    }

    /// Dumps into a temporary file, then renames it into place; returns (file name, size,
    /// SHA-256).
    async fn write_backup(
        &self,
        record: &ServiceRecord,
        started_at: i64,
    ) -> Result<(String, u64, String), ServiceError> {
        let (name, kind) = (record.name.clone(), record.kind);
        let dir = self.service_backup_dir(&record.name)?;
        let file_name = format!(
            "{}-{}.{}",
            record.name,
            stamp(started_at),
            kind.backup_extension()
        );
        let path = dir.join(&file_name);
        let partial = dir.join(format!(".{file_name}.partial"));
        let result = self.dump_to(&name, kind, record, &partial).await;
        if let Err(err) = result {
            let _ = std::fs::remove_file(&partial);
            return Err(err);
        }
        let size = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
        if size == 0 {
            let _ = std::fs::remove_file(&partial);
            return Err(ServiceError::BackupFailed {
                service: record.name.to_string(),
                reason: "the dump was empty".to_string(),
            });
        }
        std::fs::rename(&partial, &path).map_err(|e| io_error(&path, e))?;
        let sha256 = sha256_of(&path).await?;
        Ok((file_name, size, sha256))
    }

    async fn dump_to(
        &self,
        name: &ServiceName,
        kind: ServiceKind,
        record: &ServiceRecord,
        path: &Path,
    ) -> Result<(), ServiceError> {
        let container = name.resource_name();
        let env = kind.client_environment(&record.password);
        let failed = |reason: String| ServiceError::BackupFailed {
            service: record.name.to_string(),
            reason,
        };
        let mut file = private_file(path).await?;
        if kind == ServiceKind::Redis {
            // The snapshot is taken into the container, then copied out.
            let snapshot = ExecSpec {
                cmd: kind.dump_command(name),
                env,
                ..Default::default()
            };
            let mut ignored = Vec::new();
            let taken = self
                .docker
                .exec_to(&container, &snapshot, None::<&[u8]>, &mut ignored)
                .await?;
            if taken.exit_code != 0 {
                return Err(failed(tool_failure(
                    "redis-cli --rdb",
                    taken.exit_code,
                    &taken.stderr,
                )));
            }
            let copy = ExecSpec {
                cmd: vec!["cat".into(), kind.snapshot_path().into()],
                ..Default::default()
            };
            let copied = self
                .docker
                .exec_to(&container, &copy, None::<&[u8]>, &mut file)
                .await;
            let cleanup = ExecSpec {
                cmd: vec!["rm".into(), "-f".into(), kind.snapshot_path().into()],
                ..Default::default()
            };
            let _ = self
                .docker
                .exec_to(&container, &cleanup, None::<&[u8]>, &mut ignored)
                .await;
            let copied = copied?;
            if copied.exit_code != 0 {
                return Err(failed(tool_failure(
                    "cat",
                    copied.exit_code,
                    &copied.stderr,
                )));
            }
            return Ok(());
        }
        let dump = kind.dump_command(name);
        let result = self
            .run_against(record, dump.clone(), env, None::<&[u8]>, &mut file)
            .await?;
        if result.exit_code != 0 {
            return Err(failed(tool_failure(
                &dump[0],
                result.exit_code,
                &result.stderr,
            )));
        }
        Ok(())
    }

    /// Keeps the newest `backup_keep` good backups (deleting older files) and the newest
    /// failed attempts.
    fn prune_backups(&self, record: &ServiceRecord) -> Result<(), ServiceError> {
        let all = self.store.backups(&record.name)?;
        let (good, failed): (Vec<_>, Vec<_>) = all.into_iter().partition(|b| b.error.is_none());
        let dir = self.backups_dir.join(record.name.as_str());
        for old in good.iter().skip(record.backup_keep as usize) {
            if let Some(file) = &old.file {
                match std::fs::remove_file(dir.join(file)) {
                    Ok(()) => tracing::info!(service = %record.name, %file, "old backup removed"),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        tracing::warn!(service = %record.name, %file, error = %e, "could not remove an old backup");
                        continue;
                    }
                }
            }
            self.store.delete_backup(old.id)?;
        }
        for old in failed.iter().skip(KEPT_FAILURES) {
            self.store.delete_backup(old.id)?;
        }
        Ok(())
    }

    /// Restores a backup into the running service, replacing what its database holds.
    #[tracing::instrument(skip(self))]
    pub async fn restore(
        &self,
        service: &ServiceName,
        source: &RestoreSource,
    ) -> Result<(), ServiceError> {
        let _guard = self.lock(service).await;
        let record = self.running_record(service)?;
        let (name, kind) = (record.name.clone(), record.kind);
        let path = match source {
            RestoreSource::Backup(file) => {
                let backup = self.find_backup(service, Some(file))?;
                let path = self.backups_dir.join(service.as_str()).join(file);
                check_hash(&backup, &path)
                    .await
                    .map_err(|reason| ServiceError::RestoreFailed {
                        service: service.to_string(),
                        reason,
                    })?;
                path
            }
            RestoreSource::File(path) => path.clone(),
        };
        let container = name.resource_name();
        let failed = |reason: String| ServiceError::RestoreFailed {
            service: service.to_string(),
            reason,
        };
        match kind.restore_command(&name) {
            Some(cmd) => {
                let env = kind.client_environment(&record.password);
                let input = tokio::fs::File::open(&path)
                    .await
                    .map_err(|e| io_error(&path, e))?;
                let mut out = Vec::new();
                let result = self
                    .run_against(&record, cmd.clone(), env, Some(input), &mut out)
                    .await?;
                if result.exit_code != 0 {
                    return Err(failed(tool_failure(
                        &cmd[0],
                        result.exit_code,
                        &result.stderr,
                    )));
                }
            }
            None => {
                // Redis loads its snapshot at start: stop, put the file in place, start.
                self.docker.stop(&container, self.stop_grace).await?;
                let copied = self
                    .docker
                    .copy_file_into(&container, kind.data_path(), "dump.rdb", &path)
                    .await;
                self.docker.start(&container).await?;
                copied?;
                self.wait_ready(&container, &name, kind, &record.password)
                    .await?;
            }
        }
        tracing::info!(%service, "backup restored");
        Ok(())
    }

    /// Checks the newest good backup: its hash, then a restore into a scratch container of
    /// the same image, counting the tables (or keys) that came back.
    #[tracing::instrument(skip(self))]
    pub async fn verify(&self, service: &ServiceName) -> Result<VerifyReport, ServiceError> {
        let _guard = self.lock(service).await;
        self.verify_locked(service)
            .await
            .inspect_err(|err| self.raise_backup_alert(AlertKind::BackupVerifyFailed, service, err))
    }

    pub(crate) async fn verify_locked(
        &self,
        service: &ServiceName,
    ) -> Result<VerifyReport, ServiceError> {
        let record = self.running_record(service)?;
        let backup = self.find_backup(service, None)?;
        let file = backup.file.clone().unwrap_or_default();
        let path = self.backups_dir.join(service.as_str()).join(&file);
        let failed = |reason: String| ServiceError::VerifyFailed {
            service: service.to_string(),
            file: file.clone(),
            reason,
        };
        let started = Instant::now();
        check_hash(&backup, &path).await.map_err(&failed)?;
        let restored_objects = self
            .restore_into_scratch(&record, &path)
            .await
            .map_err(|e| failed(e.to_string()))?;
        let report = VerifyReport {
            service: service.to_string(),
            file: file.clone(),
            size: backup.size.unwrap_or(0) as u64,
            sha256: backup.sha256.clone().unwrap_or_default(),
            restored_objects,
            seconds: started.elapsed().as_secs_f64(),
        };
        self.store.mark_backup_verified(backup.id, unix_now())?;
        tracing::info!(%service, %file, restored_objects, "backup verified");
        Ok(report)
    }

    /// Restores `path` into a throw-away container of the service's image and counts what
    /// it holds afterwards. The container is always removed.
    async fn restore_into_scratch(
        &self,
        record: &ServiceRecord,
        path: &Path,
    ) -> Result<u64, ServiceError> {
        let (name, kind) = (record.name.clone(), record.kind);
        let password = new_password();
        let mut labels = self.labels(&name, kind);
        labels.insert(SCRATCH_LABEL.to_string(), "true".to_string());
        let container = ContainerSpec {
            name: format!("{}.verify-{}", name.resource_name(), &new_password()[..8]),
            image: record.image.clone(),
            env: kind.environment(&name, &password),
            labels,
            cmd: kind.command(&password),
            restart: RestartPolicy::No,
            stop_signal: kind.stop_signal().map(String::from),
            ..Default::default()
        };
        let id = self
            .docker
            .create_one_off(&OneOffSpec {
                container,
                ..Default::default()
            })
            .await?;
        let result = self
            .restore_and_count(&id, &name, kind, &password, path)
            .await;
        if let Err(e) = self.docker.stop_and_remove(&id, self.stop_grace).await {
            tracing::warn!(container = %id, error = %e, "could not remove a scratch container");
        }
        result
    }

    async fn restore_and_count(
        &self,
        id: &str,
        name: &ServiceName,
        kind: ServiceKind,
        password: &str,
        path: &Path,
    ) -> Result<u64, ServiceError> {
        let env = kind.client_environment(password);
        let failed = |reason: String| ServiceError::Io(reason);
        match kind.restore_command(name) {
            Some(cmd) => {
                self.docker.start(id).await?;
                self.wait_ready(id, name, kind, password).await?;
                self.feed_file(id, cmd, env.clone(), path)
                    .await?
                    .map_err(failed)?;
            }
            None => {
                self.docker
                    .copy_file_into(id, kind.data_path(), "dump.rdb", path)
                    .await?;
                self.docker.start(id).await?;
                self.wait_ready(id, name, kind, password).await?;
            }
        }
        let count = ExecSpec {
            cmd: kind.count_command(name),
            env,
            ..Default::default()
        };
        let mut out = Vec::new();
        let result = self
            .docker
            .exec_to(id, &count, None::<&[u8]>, &mut out)
            .await?;
        let text = String::from_utf8_lossy(&out);
        match (result.exit_code, text.trim().parse::<u64>()) {
            (0, Ok(n)) => Ok(n),
            _ => Err(failed(format!(
                "counting what was restored failed: {} {}",
                text.trim(),
                result.stderr
            ))),
        }
    }

    /// Runs `cmd` in `container` with the file at `path` on its stdin; `Ok(Err(reason))` when
    /// the command ran and failed (its exit code and error output), `Err` when it could not run.
    async fn feed_file(
        &self,
        container: &str,
        cmd: Vec<String>,
        env: Vec<(String, String)>,
        path: &Path,
    ) -> Result<Result<(), String>, ServiceError> {
        let spec = ExecSpec {
            cmd,
            env,
            ..Default::default()
        };
        let input = tokio::fs::File::open(path)
            .await
            .map_err(|e| io_error(path, e))?;
        let mut out = Vec::new();
        let result = self
            .docker
            .exec_to(container, &spec, Some(input), &mut out)
            .await?;
        if result.exit_code != 0 {
            return Ok(Err(tool_failure(
                &spec.cmd[0],
                result.exit_code,
                &result.stderr,
            )));
        }
        Ok(Ok(()))
    }

    /// The backup called `file` (or the newest good one) of `service`.
    fn find_backup(
        &self,
        service: &ServiceName,
        file: Option<&str>,
    ) -> Result<BackupRecord, ServiceError> {
        let backups = self.store.backups(service)?;
        let found = backups.into_iter().find(|b| {
            b.error.is_none()
                && b.file.is_some()
                && file.is_none_or(|f| b.file.as_deref() == Some(f))
        });
        found.ok_or_else(|| ServiceError::NoBackup {
            service: service.to_string(),
            what: match file {
                Some(f) => format!("named `{f}`"),
                None => "yet (`wharf services backup NAME` makes one)".to_string(),
            },
        })
    }

    /// `DATA/backups/NAME`, created 0700.
    fn service_backup_dir(&self, service: &ServiceName) -> Result<PathBuf, ServiceError> {
        for dir in [
            self.backups_dir.clone(),
            self.backups_dir.join(service.as_str()),
        ] {
            std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| io_error(&dir, e))?;
        }
        Ok(self.backups_dir.join(service.as_str()))
    }
}

/// Compares a backup file's SHA-256 with the one recorded when it was written.
async fn check_hash(backup: &BackupRecord, path: &Path) -> Result<(), String> {
    let actual = sha256_of(path).await.map_err(|e| e.to_string())?;
    match &backup.sha256 {
        Some(expected) if *expected != actual => Err(format!(
            "the file's SHA-256 is {actual}, not the {expected} recorded when it was written: it was changed or damaged since"
        )),
        _ => Ok(()),
    }
}

async fn sha256_of(path: &Path) -> Result<String, ServiceError> {
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&owned).map_err(|e| io_error(&owned, e))?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher).map_err(|e| io_error(&owned, e))?;
        Ok(hex::encode(hasher.finalize()))
    })
    .await
    .map_err(|e| ServiceError::Io(format!("hashing {}: {e}", path.display())))?
}

/// A new file only its owner can read.
async fn private_file(path: &Path) -> Result<tokio::fs::File, ServiceError> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true).mode(0o600);
    options.open(path).await.map_err(|e| io_error(path, e))
}

fn io_error(path: &Path, e: std::io::Error) -> ServiceError {
    ServiceError::Io(format!("{}: {e}", path.display()))
}

fn tool_failure(tool: &str, code: i64, stderr: &str) -> String {
    if stderr.is_empty() {
        format!("{tool} exited with code {code}")
    } else {
        format!("{tool} exited with code {code}: {stderr}")
    }
}

/// `20261121T030000Z` for a Unix time.
pub(crate) fn stamp(secs: i64) -> String {
    match UtcDateTime::from_unix_seconds(secs) {
        Some(t) => format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            t.year,
            t.month,
            t.day,
            t.hour,
            t.minute,
            secs.rem_euclid(60)
        ),
        None => secs.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_utc_and_sortable() {
        assert_eq!(stamp(0), "19700101T000000Z");
        assert_eq!(stamp(1_795_316_405), "20261122T030005Z");
    }

    #[tokio::test]
    async fn a_changed_file_fails_its_hash_check() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.dump");
        std::fs::write(&path, b"backup").unwrap();
        let sha = sha256_of(&path).await.unwrap();
        let record = BackupRecord {
            id: 1,
            service: ServiceName::parse("db").unwrap(),
            file: Some("b.dump".into()),
            size: Some(6),
            sha256: Some(sha),
            scheduled: false,
            started_at: 0,
            error: None,
            verified_at: None,
        };
        assert!(check_hash(&record, &path).await.is_ok());
        std::fs::write(&path, b"backuq").unwrap();
        assert!(
            check_hash(&record, &path)
                .await
                .unwrap_err()
                .contains("changed or damaged")
        );
    }
}
