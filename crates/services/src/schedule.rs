//! Scheduled backups: at the start of every minute (UTC), each service whose backup schedule
//! matches is backed up and the new backup verified by restoring it into a scratch container.
//! A backup that fails, or does not restore, is recorded as failed (`wharf services` shows it)
//! and logged as an error.
//! Once a day (04:30 UTC) the services' server certificates are checked too: a container whose
//! certificate ends within a year is made again with a new one (the server's start does the
//! same), so a server that runs for years never serves an expired one.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use wharf_domain::{CronSchedule, ServiceName, UtcDateTime};
use wharf_store::BackupRecord;
use wharf_store::ServiceStatus as StoredStatus;

use crate::Services;

/// When (UTC hour and minute) the daily check of the services' certificates runs.
const RENEWAL_TIME: (u8, u8) = (4, 30);

impl Services {
    /// Runs scheduled backups until `shutdown`.
    pub async fn run_backup_schedule(self: Arc<Self>, shutdown: CancellationToken) {
        wharf_deploy::every_minute(shutdown, |minute| {
            self.backup_tick(minute);
            if (minute.hour, minute.minute) == RENEWAL_TIME {
                let this = self.clone();
                tokio::spawn(
                    async move { this.renew_certificates().await }
                        .instrument(tracing::info_span!("services.renew_certificates")),
                );
            }
            std::future::ready(())
        })
        .await;
    }

    /// Starts the backups due at `minute`, each in a task of its own.
    pub fn backup_tick(self: &Arc<Self>, minute: UtcDateTime) {
        let services = match self.store.services() {
            Ok(services) => services,
            Err(e) => {
                tracing::error!(error = %e, "backup schedule: cannot list services");
                return;
            }
        };
        for service in services {
            let Some(schedule) = &service.backup_schedule else {
                continue;
            };
            if service.status == StoredStatus::Destroyed
                || !CronSchedule::parse(schedule).is_ok_and(|s| s.matches(minute))
            {
                continue;
            }
            let this = self.clone();
            let name = service.name.clone();
            tokio::spawn(async move {
                this.scheduled_backup(&name).await;
            });
        }
    }

    /// One scheduled backup and its verification.
    #[tracing::instrument(skip(self))]
    pub(crate) async fn scheduled_backup(&self, service: &ServiceName) {
        let _guard = self.lock(service).await;
        let backup = match self.backup_locked(service, true).await {
            Ok(backup) => backup,
            // Recorded and logged by `backup_locked`.
            Err(_) => return,
        };
        if let Err(err) = self.verify_locked(service).await {
            tracing::error!(%service, error = %err, "scheduled backup does not restore");
            self.raise_backup_alert(wharf_domain::AlertKind::BackupVerifyFailed, service, &err);
            let failed = BackupRecord {
                error: Some(err.to_string()),
                ..backup.clone()
            };
            if let Err(e) = self
                .store
                .delete_backup(backup.id)
                .and_then(|()| self.store.record_backup(&failed).map(|_| ()))
            {
                tracing::error!(%service, error = %e, "could not record the failed verification");
            }
        }
    }

    /// Makes again, with a new certificate, every running service's container whose server
    /// certificate ends within a year (a few seconds without the database; the data stays);
    /// a database on another node gets new secrets instead, and the Swarm restarts its task.
    pub(crate) async fn renew_certificates(&self) {
        let services = match self.store.services() {
            Ok(services) => services,
            Err(e) => {
                tracing::error!(error = %e, "certificate renewal: cannot list services");
                return;
            }
        };
        for listed in services {
            let _guard = self.lock(&listed.name).await;
            // Read again under the lock: it may have changed, or gone, since.
            let Ok(record) = self.running_record(&listed.name) else {
                continue;
            };
            if record.node.is_some() {
                if let Err(e) = self.renew_pinned_certificate(&record).await {
                    tracing::error!(service = %record.name, error = %e, "could not renew the service's certificate");
                }
                continue;
            }
            let resource = record.name.resource_name();
            let due = match self.docker.inspect(&resource).await {
                Ok(info) => info.running && crate::tls::needs_new_certificate(&info.labels),
                Err(_) => false,
            };
            if !due {
                continue;
            }
            tracing::info!(service = %record.name, "renewing the service's certificate");
            if let Err(e) = self.bring_up(&record).await {
                tracing::error!(service = %record.name, error = %e, "could not renew the service's certificate");
            }
        }
    }
}
