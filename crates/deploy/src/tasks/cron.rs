//! The cron scheduler: at the start of every minute (UTC), each app's active release is asked
//! which of its app.json `cron` jobs are due; each due job runs in a one-off container with the
//! release's image and environment (in a cluster, as a Swarm job on a node: see
//! [`super::job`]). Every run is recorded with its exit code and output. A job whose previous
//! run is still going is skipped, not stacked.

use crate::Deployer;
use crate::tasks::{Place, Task};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use wharf_domain::{AppName, CronSchedule, ReleaseSpec, UtcDateTime};
use wharf_store::{ReleaseRecord, unix_now};

/// Lines of a run's output kept in the store.
const KEPT_LINES: usize = 500;

/// Jobs running now, as (app, command), so a slow job is not started twice; and a counter
/// that gives each run's container a name of its own.
#[derive(Default)]
pub(crate) struct RunningJobs(Mutex<HashSet<(AppName, String)>>, AtomicU32);

impl RunningJobs {
    fn claim(&self, key: &(AppName, String)) -> bool {
        self.0
            .lock()
            .map(|mut set| set.insert(key.clone()))
            .unwrap_or(false)
    }

    fn release(&self, key: &(AppName, String)) {
        if let Ok(mut set) = self.0.lock() {
            set.remove(key);
        }
    }
}

/// Calls `tick` at the start of every minute (UTC) until `shutdown`, awaiting each call before
/// waiting for the next minute. The one clock Wharf's schedules run on: app cron jobs here,
/// service backups in `wharf-services`.
pub async fn every_minute<F, Fut>(shutdown: CancellationToken, mut tick: F)
where
    F: FnMut(UtcDateTime) -> Fut,
    Fut: Future<Output = ()>,
{
    loop {
        let now = unix_now();
        let next = (now / 60 + 1) * 60;
        let wait = Duration::from_secs(u64::try_from(next - now).unwrap_or(0));
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        if let Some(minute) = UtcDateTime::from_unix_seconds(next) {
            tick(minute).await;
        }
    }
}

impl Deployer {
    /// Run due cron jobs at every minute until `shutdown`.
    pub async fn run_cron(self: Arc<Self>, shutdown: CancellationToken) {
        every_minute(shutdown, |minute| self.cron_tick(minute)).await;
    }

    /// Start every job due at `minute`.
    pub(crate) async fn cron_tick(self: &Arc<Self>, minute: UtcDateTime) {
        let apps = match self.store.apps() {
            Ok(apps) => apps,
            Err(err) => {
                tracing::error!(error = %err, "cron: cannot list apps");
                return;
            }
        };
        let due_at = minute.to_unix_seconds().unwrap_or_default();
        for app in apps {
            let release = match self.store.active_release(&app.name) {
                Ok(Some(release)) => release,
                Ok(None) => continue,
                Err(err) => {
                    tracing::error!(app = %app.name, error = %err, "cron: cannot read the active release; its jobs do not run");
                    continue;
                }
            };
            let spec: &ReleaseSpec = &release.spec;
            for job in &spec.cron {
                let due = CronSchedule::parse(&job.schedule)
                    .map(|s| s.matches(minute))
                    .unwrap_or(false);
                if !due {
                    continue;
                }
                let key = (app.name.clone(), job.command.clone());
                if !self.cron_jobs.claim(&key) {
                    tracing::warn!(app = %app.name, command = %job.command, "cron: previous run still going; skipped");
                    continue;
                }
                let deployer = self.clone();
                let (release, spec, command) = (release.clone(), spec.clone(), job.command.clone());
                let span = tracing::info_span!("cron", app = %app.name, command = %job.command);
                tokio::spawn(tracing::Instrument::instrument(
                    async move {
                        deployer
                            .run_cron_job(&release, &spec, &command, due_at)
                            .await;
                        deployer.cron_jobs.release(&key);
                    },
                    span,
                ));
            }
        }
    }

    /// Run one job to its end and record how it went, unless its run for the minute `due_at`
    /// was already started (by the other Wharf process during a takeover).
    async fn run_cron_job(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        command: &str,
        due_at: i64,
    ) {
        let app = &release.app;
        let run = match self.store.start_cron_run(app, command, due_at) {
            Ok(Some(id)) => id,
            Ok(None) => {
                tracing::info!(
                    "cron: this minute's run was already started by another Wharf process"
                );
                return;
            }
            Err(err) => {
                tracing::error!(error = %err, "cron: cannot record the run");
                return;
            }
        };
        let (code, log) = match self.cron_container(release, spec, command).await {
            Ok(done) => done,
            Err(err) => (-1, format!("the job could not run: {err}")),
        };
        if code == 0 {
            tracing::info!(exit_code = code, "cron job finished");
        } else {
            tracing::warn!(exit_code = code, "cron job failed");
        }
        if let Err(err) = self.store.finish_cron_run(run, code, &log) {
            tracing::error!(error = %err, "cron: cannot record the result");
        }
    }

    async fn cron_container(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        command: &str,
    ) -> Result<(i64, String), crate::DeployError> {
        let port = self.port_of(spec, &release.image).await?;
        let replica = self.cron_jobs.1.fetch_add(1, Ordering::Relaxed) + 1;
        let suffix = format!("{}-{replica}", release.version);
        let container =
            self.task_container(release, spec, port, Task::Cron, command, &suffix, replica)?;
        if self.place_of(&container, false).await? == Place::Node {
            let name = Task::Cron.job_name(&release.app, &suffix);
            let ran = self
                .run_job(
                    release,
                    spec,
                    container,
                    name,
                    KEPT_LINES,
                    &crate::Progress::silent(),
                )
                .await?;
            tracing::info!(node = %ran.node, "cron job ran as a job");
            return Ok((ran.code, ran.lines.join("\n")));
        }
        let started = self.create_container(&container).await?;
        let code = self.wait_for_exit(&started.id).await;
        let log = self
            .docker
            .logs_tail(&started.id, KEPT_LINES)
            .await
            .map(|lines| lines.join("\n"))
            .unwrap_or_default();
        self.remove_containers([started.id]).await;
        Ok((code?, log))
    }
}
