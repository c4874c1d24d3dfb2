//! The machine Wharf runs on, as the dashboard's overview and `GET /v1/status` show it: CPUs,
//! the load average, memory, and the free space of the disks Wharf's and Docker's data
//! directories are on. Read from `/proc` and `statvfs`; what cannot be read is left out.

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
    }

    #[test]
    fn the_machine_is_read() {
        let facts = facts(Path::new("/"), None);
        assert!(facts.cpus >= 1);
        let root = facts.data_disk.expect("the root directory's disk");
        assert!(root.total >= root.free && root.total > 0, "{root:?}");
    }
}
