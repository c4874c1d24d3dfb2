//! The stats sampler: every `--stats-interval` (10 s by default) it reads what the host uses
//! (`crate::host`) and what every running container of Wharf's uses (one reading each from the
//! engine, a few at a time, no stream left open), sums the containers by app and by database
//! service (`tally`), adds each app's traffic since the previous round from the proxy's
//! counters (`wharf_proxy::Router::traffic`), stores the round in the history
//! (`wharf_store::resource_history`) and keeps it as the latest figures `GET /v1/stats`
//! answers with.

mod tally;

use crate::host::{self, CpuTimes};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use wharf_api::{
    AppStats, AppUsage, HostUsage, ServedTraffic, ServerStats, ServiceUsage, StatsSample, Usage,
};
use wharf_domain::AppName;
use wharf_proxy::{Router, TrafficTotals};
use wharf_runtime::{ContainerInfo, ContainerUsage, Docker, RuntimeError};
use wharf_store::{Reading, Store, StoreError, StoredSample, Subject, TrafficReading};

/// How many containers are read from the engine at once.
const CONCURRENT_READS: usize = 4;
/// How long what the engine says of itself (its data directory) is kept.
const ENGINE_FACTS_AGE: Duration = Duration::from_secs(600);

/// Why a round of readings was not stored.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("listing the containers: {0}")]
    Engine(#[from] RuntimeError),
    #[error("storing the readings: {0}")]
    Store(#[from] StoreError),
    #[error("storing the readings: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// The sampler and its latest figures.
pub struct Stats {
    interval: Duration,
    docker: Docker,
    /// This server's `wharf.instance` label: another Wharf's containers on the same engine
    /// are not counted.
    instance_id: String,
    store: Arc<Store>,
    data_dir: PathBuf,
    /// The proxy, whose counters give each app's requests and their latency.
    router: Arc<Router>,
    state: Mutex<State>,
}

/// What one round leaves for the next, and for the API.
#[derive(Default)]
struct State {
    latest: Option<Latest>,
    /// The previous reading of each container, by id.
    containers: HashMap<String, ContainerUsage>,
    cpu: Option<CpuTimes>,
    /// Each app's traffic totals at the previous round, by app name.
    traffic: HashMap<String, TrafficTotals>,
}

#[derive(Clone)]
struct Latest {
    at: i64,
    host: HostUsage,
    subjects: HashMap<Subject, Usage>,
}

impl Stats {
    pub fn new(
        interval: Duration,
        docker: Docker,
        instance_id: String,
        store: Arc<Store>,
        data_dir: PathBuf,
        router: Arc<Router>,
    ) -> Stats {
        Stats {
            interval,
            docker,
            instance_id,
            store,
            data_dir,
            router,
            state: Mutex::new(State::default()),
        }
    }

    /// Read, store and keep the figures every interval until `token` is cancelled.
    pub async fn run(self: Arc<Self>, token: CancellationToken) {
        let mut ticks = tokio::time::interval(self.interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = token.cancelled() => return,
                _ = ticks.tick() => {}
            }
            if let Err(err) = self.sample().await {
                tracing::warn!(error = %err, "could not read the stats");
            }
        }
    }

    /// One round: read, sum, store, keep.
    async fn sample(&self) -> Result<(), SampleError> {
        let containers = self
            .docker
            .list(&[(wharf_deploy::INSTANCE_LABEL, &self.instance_id)])
            .await?;
        let readings = self.read_containers(&containers).await;
        let docker_dir = self
            .docker
            .recent_facts(ENGINE_FACTS_AGE)
            .await
            .ok()
            .and_then(|facts| facts.root_dir);
        let facts = host::facts(&self.data_dir, docker_dir.as_deref());
        let cpu = CpuTimes::read();
        let traffic = self.router.traffic();
        let at = wharf_store::unix_now();

        let (figures, host) = {
            let mut state = self.state();
            let observed: Vec<tally::Observed<'_>> = containers
                .iter()
                .map(|info| tally::Observed {
                    info,
                    now: readings.get(&info.id).copied(),
                    before: state.containers.get(&info.id).copied(),
                })
                .collect();
            let figures = tally::tally(&observed);
            let cpu_percent = match (cpu, state.cpu) {
                (Some(now), Some(before)) => now.percent_since(&before),
                _ => None,
            };
            state.containers = readings;
            state.cpu = cpu;
            let host = HostUsage {
                cpus: facts.cpus,
                cpu_percent,
                memory_used: facts
                    .memory_total
                    .zip(facts.memory_available)
                    .map(|(total, available)| total.saturating_sub(available)),
                memory_total: facts.memory_total,
                load_average: facts.load_average.as_deref().and_then(|l| l.parse().ok()),
                data_disk: facts.data_disk,
                docker_disk: facts.docker_disk,
            };
            state.latest = Some(Latest {
                at,
                host: host.clone(),
                subjects: figures
                    .iter()
                    .map(|(subject, f)| (subject.clone(), f.usage.clone()))
                    .collect(),
            });
            (figures, host)
        };

        let mut rows: Vec<(Subject, Reading)> = {
            let mut state = self.state();
            let now: HashMap<String, TrafficTotals> = traffic
                .apps
                .into_iter()
                .map(|app| (app.app, app.totals))
                .collect();
            let rows = figures
                .into_iter()
                .map(|(subject, mut f)| {
                    if let Subject::App(app) = &subject {
                        f.reading.traffic = now
                            .get(app.as_str())
                            .map(|totals| interval(totals, state.traffic.get(app.as_str())));
                    }
                    (subject, f.reading)
                })
                .collect();
            state.traffic = now;
            rows
        };
        rows.push((
            Subject::Host,
            Reading {
                cpu_percent: host.cpu_percent,
                memory: host.memory_used,
                memory_limit: host.memory_total,
                load: host.load_average,
                data_free: host.data_disk.as_ref().map(|d| d.free),
                docker_free: host.docker_disk.as_ref().map(|d| d.free),
                ..Reading::default()
            },
        ));
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.record_readings(at, &rows)).await??;
        Ok(())
    }

    /// A reading of every running container, by id; one that cannot be read is left out
    /// (it stopped, or the engine is busy: the next round reads it again).
    async fn read_containers(
        &self,
        containers: &[ContainerInfo],
    ) -> HashMap<String, ContainerUsage> {
        let running: Vec<String> = containers
            .iter()
            .filter(|c| c.running)
            .map(|c| c.id.clone())
            .collect();
        let reads = running.into_iter().map(|id| {
            let docker = self.docker.clone();
            async move {
                let usage = docker.usage(&id).await;
                (id, usage)
            }
        });
        let answers: Vec<(String, Result<ContainerUsage, RuntimeError>)> =
            futures_util::stream::iter(reads)
                .buffer_unordered(CONCURRENT_READS)
                .collect()
                .await;
        answers
            .into_iter()
            .filter_map(|(id, usage)| match usage {
                Ok(usage) => Some((id, usage)),
                Err(err) => {
                    tracing::debug!(container = %id, error = %err, "no stats read");
                    None
                }
            })
            .collect()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Plain values only: a poisoned lock still holds whole ones.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn latest(&self) -> Option<Latest> {
        self.state().latest.clone()
    }

    /// The latest figures of everything, and the host's last hour.
    pub fn server_stats(&self) -> Result<ServerStats, StoreError> {
        let latest = self.latest();
        let now = wharf_store::unix_now();
        let recent = self.store.resource_history(&Subject::Host, now, 3600)?;
        let mut stats = ServerStats {
            at: latest.as_ref().map(|l| l.at),
            interval_secs: self.interval.as_secs(),
            host: latest.as_ref().map(|l| l.host.clone()),
            host_recent: recent.samples.into_iter().map(sample).collect(),
            ..ServerStats::default()
        };
        for (subject, usage) in latest.map(|l| l.subjects).unwrap_or_default() {
            match subject {
                Subject::App(app) => stats.apps.push(AppUsage { app, usage }),
                Subject::Service(service) => stats.services.push(ServiceUsage { service, usage }),
                Subject::Host => {}
            }
        }
        stats.apps.sort_by(|a, b| a.app.cmp(&b.app));
        stats.services.sort_by(|a, b| a.service.cmp(&b.service));
        Ok(stats)
    }

    /// `app`'s latest figures and its history of the last `span_secs`.
    pub fn app_stats(&self, app: &AppName, span_secs: u64) -> Result<AppStats, StoreError> {
        let latest = self.latest();
        let subject = Subject::App(app.clone());
        let span = i64::try_from(span_secs).unwrap_or(i64::MAX);
        let history = self
            .store
            .resource_history(&subject, wharf_store::unix_now(), span)?;
        Ok(AppStats {
            app: app.clone(),
            at: latest.as_ref().map(|l| l.at),
            interval_secs: self.interval.as_secs(),
            current: latest
                .as_ref()
                .and_then(|l| l.subjects.get(&subject).cloned()),
            host: latest.map(|l| l.host),
            // The finest tier holds every reading.
            tier_secs: if history.tier == wharf_store::TIERS[0] {
                self.interval.as_secs()
            } else {
                u64::try_from(history.tier.secs).unwrap_or(0)
            },
            samples: history.samples.into_iter().map(sample).collect(),
            traffic: self.router.traffic().app(app.as_str()).map(served),
        })
    }
}

/// What the proxy served between the previous round's totals (`None`: the app was not routed
/// then, so all of it is new) and these.
fn interval(now: &TrafficTotals, before: Option<&TrafficTotals>) -> TrafficReading {
    let (requests, requests_5xx, latency) = match before {
        Some(before) => (
            now.requests().saturating_sub(before.requests()),
            now.requests_of("5xx")
                .saturating_sub(before.requests_of("5xx")),
            now.latency.since(&before.latency),
        ),
        None => (now.requests(), now.requests_of("5xx"), now.latency.clone()),
    };
    TrafficReading {
        requests,
        requests_5xx,
        latency_p50_ms: latency.quantile(0.5).map(|s| s * 1000.0),
        latency_p99_ms: latency.quantile(0.99).map(|s| s * 1000.0),
    }
}

/// An app's totals since the server started, as the API sends them.
fn served(totals: &TrafficTotals) -> ServedTraffic {
    ServedTraffic {
        requests: totals.requests(),
        requests_5xx: totals.requests_of("5xx"),
        latency_p50_ms: totals.latency.quantile(0.5).map(|s| s * 1000.0),
        latency_p99_ms: totals.latency.quantile(0.99).map(|s| s * 1000.0),
    }
}

/// A stored row as the API sends it.
fn sample(row: StoredSample) -> StatsSample {
    let r = row.reading;
    StatsSample {
        at: row.at,
        readings: row.samples,
        cpu_percent: r.cpu_percent,
        cpu_percent_max: row.cpu_percent_max,
        memory: r.memory,
        memory_max: row.memory_max,
        memory_limit: r.memory_limit,
        net_rx: r.net_rx,
        net_tx: r.net_tx,
        block_read: r.block_read,
        block_write: r.block_write,
        restarts: r.restarts,
        oom_killed: r.oom_killed,
        load_average: r.load,
        data_free: r.data_free,
        docker_free: r.docker_free,
        requests: r.traffic.map(|t| t.requests),
        requests_5xx: r.traffic.map(|t| t.requests_5xx),
        latency_p50_ms: r.traffic.and_then(|t| t.latency_p50_ms),
        latency_p99_ms: r.traffic.and_then(|t| t.latency_p99_ms),
    }
}
