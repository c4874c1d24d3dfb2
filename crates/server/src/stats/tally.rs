//! Summing containers into the figures of whom they belong to: an app (every container
//! labelled with it: its processes and its one-off tasks) or a database service. Rates come
//! from two readings of the same container: a container read for the first time counts for its
//! memory, limit and counters now, and for CPU and bytes moved from its next reading on.

use std::collections::HashMap;
use wharf_api::Usage;
use wharf_domain::{AppName, ServiceName};
use wharf_runtime::{ContainerInfo, ContainerUsage, labels};
use wharf_store::{Reading, Subject};

/// One container as this round saw it.
pub struct Observed<'a> {
    pub info: &'a ContainerInfo,
    /// This round's reading, if it runs and could be read.
    pub now: Option<ContainerUsage>,
    /// The previous round's reading of the same container.
    pub before: Option<ContainerUsage>,
}

/// Whom a container of Wharf's belongs to, by its labels.
pub fn subject_of(info: &ContainerInfo) -> Option<Subject> {
    if let Some(app) = info.labels.get(labels::APP) {
        return AppName::parse(app).ok().map(Subject::App);
    }
    let service = info.labels.get(labels::SERVICE)?;
    ServiceName::parse(service).ok().map(Subject::Service)
}

/// A subject's figures now, and the reading stored for it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Figures {
    pub usage: Usage,
    pub reading: Reading,
}

/// Every subject's figures from this round's containers.
pub fn tally(observed: &[Observed<'_>]) -> HashMap<Subject, Figures> {
    let mut figures: HashMap<Subject, Figures> = HashMap::new();
    for container in observed {
        let Some(subject) = subject_of(container.info) else {
            continue;
        };
        let entry = figures.entry(subject).or_default();
        let restarts = u64::try_from(container.info.restart_count).unwrap_or(0);
        entry.usage.restarts += restarts;
        entry.usage.oom_killed += u64::from(container.info.oom_killed);
        let Some(now) = container.now else {
            continue;
        };
        let usage = &mut entry.usage;
        usage.containers += 1;
        usage.memory += now.memory_used;
        if let Some(limit) = now.memory_limit {
            usage.memory_limit = Some(usage.memory_limit.unwrap_or(0) + limit);
        }
        usage.net_rx += now.net_rx;
        usage.net_tx += now.net_tx;
        usage.block_read += now.block_read;
        usage.block_write += now.block_write;
        let Some(before) = container.before else {
            continue;
        };
        if let Some(cpu) = now.cpu_percent_since(&before) {
            usage.cpu_percent = Some(usage.cpu_percent.unwrap_or(0.0) + cpu);
        }
        // Counters only grow while a container lives; a smaller one was reset.
        let moved = |now: u64, before: u64| now.saturating_sub(before);
        let reading = &mut entry.reading;
        reading.net_rx += moved(now.net_rx, before.net_rx);
        reading.net_tx += moved(now.net_tx, before.net_tx);
        reading.block_read += moved(now.block_read, before.block_read);
        reading.block_write += moved(now.block_write, before.block_write);
    }
    for entry in figures.values_mut() {
        let usage = &entry.usage;
        entry.reading.cpu_percent = usage.cpu_percent;
        entry.reading.memory = Some(usage.memory);
        entry.reading.memory_limit = usage.memory_limit;
        entry.reading.restarts = usage.restarts;
        entry.reading.oom_killed = usage.oom_killed;
    }
    figures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(app: &str, process: &str, restarts: i64, oom: bool) -> ContainerInfo {
        ContainerInfo {
            labels: HashMap::from([
                (labels::APP.to_string(), app.to_string()),
                (labels::PROCESS.to_string(), process.to_string()),
            ]),
            running: true,
            restart_count: restarts,
            oom_killed: oom,
            ..ContainerInfo::default()
        }
    }

    fn reading(cpu: u64, system: u64, memory: u64, rx: u64) -> ContainerUsage {
        ContainerUsage {
            cpu_time_ns: cpu,
            system_time_ns: Some(system),
            online_cpus: 1,
            memory_used: memory,
            memory_limit: Some(100),
            net_rx: rx,
            ..ContainerUsage::default()
        }
    }

    #[test]
    fn an_apps_containers_add_up() {
        let web = container("blog", "web", 1, false);
        let worker = container("blog", "worker", 2, true);
        let fresh = container("blog", "web", 0, false);
        let service = ContainerInfo {
            labels: HashMap::from([(labels::SERVICE.to_string(), "db".to_string())]),
            ..ContainerInfo::default()
        };
        let foreign = ContainerInfo::default();
        let observed = [
            Observed {
                info: &web,
                now: Some(reading(30, 200, 10, 500)),
                before: Some(reading(10, 100, 8, 200)),
            },
            Observed {
                info: &worker,
                now: Some(reading(15, 200, 5, 50)),
                before: Some(reading(5, 100, 5, 40)),
            },
            // Read for the first time: its memory counts, its counters move from now on.
            Observed {
                info: &fresh,
                now: Some(reading(1_000, 200, 1, 9_000)),
                before: None,
            },
            Observed {
                info: &service,
                now: None,
                before: None,
            },
            Observed {
                info: &foreign,
                now: Some(reading(1, 1, 1, 1)),
                before: None,
            },
        ];
        let figures = tally(&observed);
        assert_eq!(figures.len(), 2, "{figures:?}");
        let blog = &figures[&Subject::App(AppName::parse("blog").unwrap())];
        assert_eq!(blog.usage.containers, 3);
        assert_eq!(blog.usage.memory, 16);
        assert_eq!(blog.usage.memory_limit, Some(300));
        assert_eq!(blog.usage.cpu_percent, Some(30.0));
        assert_eq!((blog.usage.restarts, blog.usage.oom_killed), (3, 1));
        assert_eq!(blog.usage.net_rx, 9_550);
        assert_eq!(blog.reading.net_rx, 310);
        assert_eq!(blog.reading.memory, Some(16));
        assert_eq!(blog.reading.cpu_percent, Some(30.0));
        let db = &figures[&Subject::Service(ServiceName::parse("db").unwrap())];
        assert_eq!(db.usage.containers, 0);
        assert_eq!(db.reading.memory, Some(0));
    }
}
