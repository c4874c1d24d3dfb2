//! The machine Wharf runs on, as the dashboard's overview, `GET /v1/status` and the stats
//! sampler (`crate::stats`) read it: CPUs, the CPU time spent, the load average, memory, and
//! the free space of the disks Wharf's and Docker's data directories are on. Read from `/proc`
//! and `statvfs`; what cannot be read is left out.

use std::path::Path;
use wharf_api::{DiskSpace, HostFacts};

/// What can be read of the machine now; `docker_dir` is the engine's data directory.
pub fn facts(data_dir: &Path, docker_dir: Option<&Path>) -> HostFacts {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    HostFacts {
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
        load_average: std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|text| load_average(&text)),
        memory_total: meminfo_bytes(&meminfo, "MemTotal"),
        memory_available: meminfo_bytes(&meminfo, "MemAvailable"),
        data_disk: disk(data_dir),
        docker_disk: docker_dir.and_then(disk),
    }
}

/// The CPU time the machine spent since it booted, in clock ticks: busy, and in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTimes {
    pub busy: u64,
    pub total: u64,
}

impl CpuTimes {
    /// Read now from `/proc/stat`.
    pub fn read() -> Option<CpuTimes> {
        cpu_times(&std::fs::read_to_string("/proc/stat").ok()?)
    }

    /// The share of every CPU (100 = all busy) spent busy since `earlier`.
    pub fn percent_since(&self, earlier: &CpuTimes) -> Option<f64> {
        let total = self.total.checked_sub(earlier.total).filter(|t| *t > 0)?;
        let busy = self.busy.saturating_sub(earlier.busy).min(total);
        Some(busy as f64 / total as f64 * 100.0)
    }
}

/// The `cpu` line of `/proc/stat`: user, nice, system, idle, iowait, irq, softirq, steal (the
/// guest times after them are counted in user already). Idle and iowait are not busy.
fn cpu_times(text: &str) -> Option<CpuTimes> {
    let line = text.lines().find(|line| line.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let total: u64 = ticks.iter().sum();
    let idle = ticks.get(3)? + ticks.get(4).unwrap_or(&0);
    Some(CpuTimes {
        busy: total.saturating_sub(idle),
        total,
    })
}

/// The first field of `/proc/loadavg`: the last minute's load.
fn load_average(text: &str) -> Option<String> {
    let first = text.split_whitespace().next()?;
    first.parse::<f64>().ok()?;
    Some(first.to_string())
}

/// A `/proc/meminfo` line's value (`MemTotal:  4030212 kB`) in bytes.
fn meminfo_bytes(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        let mut words = rest.split_whitespace();
        let number: u64 = words.next()?.parse().ok()?;
        match words.next() {
            Some("kB") => number.checked_mul(1024),
            None => Some(number),
            Some(_) => None,
        }
    })
}

/// The space of the disk `dir` is on.
pub fn disk(dir: &Path) -> Option<DiskSpace> {
    let stat = nix::sys::statvfs::statvfs(dir).ok()?;
    let block = stat.fragment_size();
    Some(DiskSpace {
        path: dir.display().to_string(),
        free: stat.blocks_available().saturating_mul(block),
        total: stat.blocks().saturating_mul(block),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_are_read_as_the_kernel_writes_them() {
        assert_eq!(
            load_average("0.42 0.30 0.25 2/345 6789\n").as_deref(),
            Some("0.42")
        );
        assert_eq!(load_average(""), None);
        assert_eq!(load_average("nonsense"), None);
        let meminfo = "MemTotal:        4030212 kB\nMemFree:  10 kB\nMemAvailable:    3000000 kB\nHugePages_Total:       0\n";
        assert_eq!(meminfo_bytes(meminfo, "MemTotal"), Some(4030212 * 1024));
        assert_eq!(meminfo_bytes(meminfo, "MemAvailable"), Some(3000000 * 1024));
        assert_eq!(meminfo_bytes(meminfo, "HugePages_Total"), Some(0));
        assert_eq!(meminfo_bytes(meminfo, "Mem"), None);
        assert_eq!(meminfo_bytes(meminfo, "SwapTotal"), None);
        let stat = "cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 50 2 25 400 20 1 1 0 0 0\nintr 1\n";
        let earlier = cpu_times(stat).unwrap();
        assert_eq!(
            earlier,
            CpuTimes {
                busy: 160,
                total: 1000
            }
        );
        let later = CpuTimes {
            busy: 220,
            total: 1200,
        };
        assert_eq!(later.percent_since(&earlier), Some(30.0));
        assert_eq!(earlier.percent_since(&earlier), None);
        assert_eq!(cpu_times("intr 1\n"), None);
    }

    #[test]
    fn the_machine_is_read() {
        let facts = facts(Path::new("/"), None);
        assert!(facts.cpus >= 1);
        let root = facts.data_disk.expect("the root directory's disk");
        assert!(root.total >= root.free && root.total > 0, "{root:?}");
    }
}
