//! The daemon task that fills the log store: when one of this server's containers starts (the
//! engine's events), and every few seconds besides, it lists this server's app containers and
//! follows the output of each one it is not following yet (the engine's log
//! with `follow`, from the container's last stored line), until the container stops or the
//! engine goes away; the next look starts it again where it stopped. An exited container is
//! read to its end once. In a cluster, the tasks of the apps' Swarm services are followed the
//! same way, through the manager (which reads each from its node), their lines stored as
//! `web.SLOT`. The bounds are applied every minute besides each write.

use super::{AppLogs, StoredLine};
use crate::Deployer;
use crate::deployer::INSTANCE_LABEL;
use crate::logs::source_label;
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use wharf_domain::AppName;
use wharf_runtime::{
    ContainerInfo, Docker, LogLine, RuntimeError, ServiceInfo, ServiceTask, labels,
};

/// How often the containers are listed.
const LOOK_EVERY: Duration = Duration::from_secs(2);
/// How often the bounds are applied to every app, written to or not.
const BOUNDS_EVERY: Duration = Duration::from_secs(60);
/// How often the follower asks the engine whether it is a Swarm manager (whose services'
/// tasks are followed too): a server that is not a cluster is asked rarely.
const CLUSTER_CHECK_EVERY: Duration = Duration::from_secs(10);
/// Lines stored in one write at most.
const BATCH: usize = 512;

/// A container (or a Swarm task) whose output is stored, and what its lines are stored with.
#[derive(Debug, Clone)]
struct Output {
    /// The container's ID, or the task's.
    id: String,
    /// Whether `id` is a Swarm task's.
    task: bool,
    /// Whether it is a one-off job's task (whose service goes once it ended).
    job: bool,
    short_id: String,
    app: AppName,
    source: String,
    release: u32,
}

impl Output {
    fn of(container: &ContainerInfo) -> Option<Output> {
        let app = AppName::parse(container.labels.get(labels::APP)?).ok()?;
        Some(Output {
            id: container.id.clone(),
            task: false,
            job: false,
            short_id: container.id.chars().take(12).collect(),
            app,
            source: source_label(container),
            release: container
                .labels
                .get(labels::RELEASE)
                .and_then(|r| r.parse().ok())
                .unwrap_or(0),
        })
    }

    /// A task of one of this server's app services, once it has a container on its node: a
    /// process's (`web.2`) or a one-off job's (`release.v3`, `run.ab12cd`, as its container's
    /// would be on one server).
    fn of_task(service: &ServiceInfo, task: &ServiceTask) -> Option<Output> {
        let app = AppName::parse(service.labels.get(labels::APP)?).ok()?;
        let source = match service.labels.get(labels::PROCESS) {
            Some(process) => format!("{process}.{}", task.slot),
            None => crate::logs::job_source_label(&service.name, service.labels.get(labels::TASK)?),
        };
        Some(Output {
            id: task.id.clone(),
            task: true,
            job: !service.labels.contains_key(labels::PROCESS),
            short_id: task.container_id.as_ref()?.chars().take(12).collect(),
            app,
            source,
            release: service
                .labels
                .get(labels::RELEASE)
                .and_then(|r| r.parse().ok())
                .unwrap_or(0),
        })
    }

    fn stored(&self, line: LogLine) -> StoredLine {
        StoredLine {
            time: line.time,
            source: self.source.clone(),
            stream: line.stream,
            release: self.release,
            container: self.short_id.clone(),
            text: line.text,
        }
    }
}

impl Deployer {
    /// Keeps every app container's output in `store` until `shutdown`.
    pub async fn keep_app_logs(&self, store: Arc<AppLogs>, shutdown: CancellationToken) {
        // Held until this returns: one writer at a time.
        let _lock = loop {
            match store.writer_lock() {
                Ok(Some(lock)) => break lock,
                Ok(None) => tracing::debug!("another daemon still writes the app log store"),
                Err(err) => tracing::warn!(error = %err, "cannot lock the app log store"),
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(LOOK_EVERY) => {}
            }
        };
        self.job_outputs.set_following(true);
        let mut following: HashMap<String, JoinHandle<()>> = HashMap::new();
        let mut read_to_end: HashSet<String> = HashSet::new();
        let mut bounds_applied = Instant::now();
        let label = format!("{INSTANCE_LABEL}={}", self.settings.instance_id);
        let mut starts = self.docker.container_starts(&label).boxed();
        let mut cluster: Option<(Instant, bool)> = None;
        loop {
            let services = match cluster {
                Some((checked, services)) if checked.elapsed() < CLUSTER_CHECK_EVERY => services,
                _ => {
                    let services = matches!(self.runs_services().await, Ok(true));
                    cluster = Some((Instant::now(), services));
                    services
                }
            };
            match self.outputs(services).await {
                Ok(outputs) => {
                    following.retain(|_, task| !task.is_finished());
                    read_to_end.retain(|id| outputs.iter().any(|(o, _)| o.id == *id));
                    self.job_outputs
                        .retain(|id| outputs.iter().any(|(o, _)| o.id == id));
                    for (output, running) in outputs {
                        if following.contains_key(&output.id)
                            || (!running && read_to_end.contains(&output.id))
                        {
                            continue;
                        }
                        if !running {
                            read_to_end.insert(output.id.clone());
                        }
                        let span = tracing::info_span!("follow", app = %output.app, source = %output.source);
                        let (docker, store) = (self.docker.clone(), store.clone());
                        let job_outputs = self.job_outputs.clone();
                        let id = output.id.clone();
                        let task = async move {
                            let (job, id) = (output.job, output.id.clone());
                            follow(docker, store, output).await;
                            if job {
                                job_outputs.stored(&id);
                            }
                        };
                        following.insert(id, tokio::spawn(task.instrument(span)));
                    }
                }
                // The engine is away: its containers are followed again when it is back.
                Err(err) => tracing::debug!(error = %err, "cannot list containers to follow"),
            }
            if bounds_applied.elapsed() >= BOUNDS_EVERY {
                bounds_applied = Instant::now();
                if let Err(err) = store.enforce_bounds() {
                    tracing::warn!(error = %err, "cannot apply the app log bounds");
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(LOOK_EVERY) => {}
                () = self.job_outputs.look_requested() => {}
                started = starts.next() => if started.is_none() {
                    // The engine went away: look again on the clock, and listen again then.
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(LOOK_EVERY) => {}
                    }
                    starts = self.docker.container_starts(&label).boxed();
                },
            }
        }
        self.job_outputs.set_following(false);
        for task in following.values() {
            task.abort();
        }
    }
}

impl Deployer {
    /// Every output to store now, and whether it is still being written: this server's app
    /// containers and, with `services` (in a cluster), the tasks of its app services.
    async fn outputs(&self, services: bool) -> Result<Vec<(Output, bool)>, RuntimeError> {
        let filter = [(INSTANCE_LABEL, self.settings.instance_id.as_str())];
        let mut outputs: Vec<(Output, bool)> = self
            .docker
            .list(&filter)
            .await?
            .iter()
            .filter_map(|c| Some((Output::of(c)?, c.running)))
            .collect();
        if !services {
            return Ok(outputs);
        }
        for service in self.docker.list_services(&filter).await? {
            // A service that went meanwhile has no tasks to follow.
            let Ok(tasks) = self.docker.service_tasks(&service.id, 0).await else {
                continue;
            };
            for task in &tasks {
                if let Some(output) = Output::of_task(&service, task) {
                    outputs.push((output, task.running()));
                }
            }
        }
        Ok(outputs)
    }
}

/// Stores a container's output from its last stored line until its log ends.
async fn follow(docker: Docker, store: Arc<AppLogs>, output: Output) {
    let cursor = match store.cursor(&output.app, &output.short_id) {
        Ok(cursor) => cursor,
        Err(err) => {
            tracing::warn!(error = %err, "cannot read where the container's log was left");
            return;
        }
    };
    // The engine resumes at a whole second; the lines of that second already stored are
    // skipped by their time.
    let since = cursor
        .as_deref()
        .and_then(|time| OffsetDateTime::parse(time, &Rfc3339).ok())
        .map(|time| time.unix_timestamp());
    let lines = if output.task {
        docker.task_log_lines(&output.id, true, since).boxed()
    } else {
        docker.log_lines(&output.id, None, true, since).boxed()
    };
    let mut batches = lines.ready_chunks(BATCH);
    while let Some(batch) = batches.next().await {
        let mut lines = Vec::with_capacity(batch.len());
        let mut ended = false;
        for item in batch {
            match item {
                Ok(line) if line.time.is_empty() => {}
                Ok(line) if cursor.as_ref().is_some_and(|c| line.time <= *c) => {}
                Ok(line) => lines.push(output.stored(line)),
                Err(RuntimeError::NotFound(_)) => ended = true,
                Err(err) => {
                    tracing::debug!(error = %err, "the container's log stream ended");
                    ended = true;
                }
            }
        }
        if let Err(err) = store.append(&output.app, &lines) {
            tracing::warn!(error = %err, "cannot store the container's lines");
            return;
        }
        if ended {
            return;
        }
    }
}
