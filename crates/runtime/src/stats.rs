//! What a container uses, read once from the engine's stats (`stream=false`, `one-shot`): the
//! engine answers at once with its counters and closes the connection, so no stream stays open
//! per container. The counters are cumulative since the container started; a rate (CPU %, bytes
//! per interval) is the difference of two readings, [`ContainerUsage::cpu_percent_since`].

use bollard::models::{ContainerBlkioStatEntry, ContainerStatsResponse};
use bollard::query_parameters::StatsOptionsBuilder;
use futures_util::StreamExt;
use tracing::instrument;

use crate::docker::Docker;
use crate::error::{RuntimeError, is_not_found};

/// One reading of a container's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ContainerUsage {
    /// CPU time the container used since it started, in nanoseconds.
    pub cpu_time_ns: u64,
    /// CPU time the whole machine used, in nanoseconds (the clock CPU % is measured against).
    pub system_time_ns: Option<u64>,
    /// CPUs the container may run on.
    pub online_cpus: u32,
    /// Memory in use, without the page cache the kernel can take back (as `docker stats`
    /// counts it).
    pub memory_used: u64,
    /// The container's memory limit, or the machine's memory when it has none.
    pub memory_limit: Option<u64>,
    /// Bytes received and sent over every network the container is on.
    pub net_rx: u64,
    pub net_tx: u64,
    /// Bytes read from and written to block devices.
    pub block_read: u64,
    pub block_write: u64,
}

impl ContainerUsage {
    /// The share of one CPU (100 = one whole CPU) the container used between `earlier` and
    /// this reading, as `docker stats` computes it; `None` when the engine gave no system time
    /// or no time passed.
    pub fn cpu_percent_since(&self, earlier: &ContainerUsage) -> Option<f64> {
        let system = self
            .system_time_ns?
            .checked_sub(earlier.system_time_ns?)
            .filter(|delta| *delta > 0)?;
        let used = self.cpu_time_ns.saturating_sub(earlier.cpu_time_ns);
        let cpus = f64::from(self.online_cpus.max(1));
        Some(used as f64 / system as f64 * cpus * 100.0)
    }
}

impl Docker {
    /// The counters of the container `id`, read once.
    #[instrument(skip(self))]
    pub async fn usage(&self, id: &str) -> Result<ContainerUsage, RuntimeError> {
        let options = StatsOptionsBuilder::default()
            .stream(false)
            .one_shot(true)
            .build();
        let mut answers = self.client.stats(id, Some(options));
        match answers.next().await {
            Some(Ok(stats)) => Ok(usage_of(stats)),
            Some(Err(e)) if is_not_found(&e) => {
                Err(RuntimeError::NotFound(format!("container {id}")))
            }
            Some(Err(e)) => Err(self.err(format!("reading the stats of container {id}"), e)),
            None => Err(RuntimeError::NotFound(format!("stats of container {id}"))),
        }
    }
}

/// The engine's answer in Wharf's terms.
fn usage_of(stats: ContainerStatsResponse) -> ContainerUsage {
    let cpu = stats.cpu_stats.unwrap_or_default();
    let memory = stats.memory_stats.unwrap_or_default();
    // cgroup v2 calls the reclaimable cache `inactive_file`, v1 `total_inactive_file`.
    let cache = memory
        .stats
        .as_ref()
        .and_then(|s| {
            s.get("inactive_file")
                .or_else(|| s.get("total_inactive_file"))
        })
        .copied()
        .unwrap_or(0);
    let (net_rx, net_tx) =
        stats
            .networks
            .unwrap_or_default()
            .values()
            .fold((0u64, 0u64), |(rx, tx), net| {
                (
                    rx.saturating_add(net.rx_bytes.unwrap_or(0)),
                    tx.saturating_add(net.tx_bytes.unwrap_or(0)),
                )
            });
    let block = stats
        .blkio_stats
        .and_then(|b| b.io_service_bytes_recursive)
        .unwrap_or_default();
    ContainerUsage {
        cpu_time_ns: cpu
            .cpu_usage
            .as_ref()
            .and_then(|u| u.total_usage)
            .unwrap_or(0),
        system_time_ns: cpu.system_cpu_usage,
        online_cpus: cpu.online_cpus.unwrap_or(1),
        memory_used: memory.usage.unwrap_or(0).saturating_sub(cache),
        memory_limit: memory.limit.filter(|limit| *limit > 0),
        net_rx,
        net_tx,
        block_read: block_bytes(&block, "read"),
        block_write: block_bytes(&block, "write"),
    }
}

/// The sum of the block I/O entries for `op` (`read` or `write`; cgroup v1 capitalises it).
fn block_bytes(entries: &[ContainerBlkioStatEntry], op: &str) -> u64 {
    entries
        .iter()
        .filter(|e| e.op.as_deref().is_some_and(|o| o.eq_ignore_ascii_case(op)))
        .fold(0u64, |sum, e| sum.saturating_add(e.value.unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{
        ContainerBlkioStats, ContainerCpuStats, ContainerCpuUsage, ContainerMemoryStats,
        ContainerNetworkStats,
    };
    use std::collections::HashMap;

    #[test]
    fn the_engines_answer_is_read_as_docker_stats_reads_it() {
        let entry = |op: &str, value| ContainerBlkioStatEntry {
            op: Some(op.into()),
            value: Some(value),
            ..Default::default()
        };
        let net = |rx, tx| ContainerNetworkStats {
            rx_bytes: Some(rx),
            tx_bytes: Some(tx),
            ..Default::default()
        };
        let stats = ContainerStatsResponse {
            cpu_stats: Some(ContainerCpuStats {
                cpu_usage: Some(ContainerCpuUsage {
                    total_usage: Some(3_000),
                    ..Default::default()
                }),
                system_cpu_usage: Some(100_000),
                online_cpus: Some(2),
                ..Default::default()
            }),
            memory_stats: Some(ContainerMemoryStats {
                usage: Some(10_000),
                limit: Some(64 << 20),
                stats: Some(HashMap::from([("inactive_file".to_string(), 4_000)])),
                ..Default::default()
            }),
            networks: Some(HashMap::from([
                ("eth0".to_string(), net(100, 10)),
                ("eth1".to_string(), net(5, 1)),
            ])),
            blkio_stats: Some(ContainerBlkioStats {
                io_service_bytes_recursive: Some(vec![
                    entry("Read", 7),
                    entry("read", 3),
                    entry("write", 9),
                    entry("total", 19),
                ]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let usage = usage_of(stats);
        assert_eq!(usage.memory_used, 6_000);
        assert_eq!(usage.memory_limit, Some(64 << 20));
        assert_eq!((usage.net_rx, usage.net_tx), (105, 11));
        assert_eq!((usage.block_read, usage.block_write), (10, 9));

        let later = ContainerUsage {
            cpu_time_ns: 8_000,
            system_time_ns: Some(120_000),
            ..usage
        };
        // 5 000 ns of 20 000 ns of machine time, on 2 CPUs: half a CPU.
        assert_eq!(later.cpu_percent_since(&usage), Some(50.0));
        assert_eq!(usage.cpu_percent_since(&usage), None);
        assert_eq!(usage_of(ContainerStatsResponse::default()).memory_used, 0);
    }
}
