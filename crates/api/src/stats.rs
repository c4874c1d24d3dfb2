//! What the host, the apps and the database services use: the current figures
//! (`GET /v1/stats`) and an app's history (`GET /v1/apps/{app}/stats?since=1h`), as the daemon
//! samples them from the Docker engine and the machine every interval.

use crate::DiskSpace;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wharf_domain::{AppName, ServiceName, SpanFault};

/// `GET /v1/stats`: the latest figures of the host, every app and every database service, and
/// the host's last hour.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServerStats {
    /// When the figures were read (Unix seconds); `None` before the first reading.
    #[serde(default)]
    pub at: Option<i64>,
    /// Seconds between readings.
    pub interval_secs: u64,
    #[serde(default)]
    pub host: Option<HostUsage>,
    pub apps: Vec<AppUsage>,
    pub services: Vec<ServiceUsage>,
    /// The host's readings of the last hour, oldest first.
    pub host_recent: Vec<StatsSample>,
}

/// The machine's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HostUsage {
    pub cpus: u32,
    /// CPU busy since the previous reading, 100 = every CPU; `None` at the first.
    #[serde(default)]
    pub cpu_percent: Option<f64>,
    /// Bytes of memory in use (all but what is available to programs), and in all.
    #[serde(default)]
    pub memory_used: Option<u64>,
    #[serde(default)]
    pub memory_total: Option<u64>,
    /// The load average over the last minute.
    #[serde(default)]
    pub load_average: Option<f64>,
    /// The disks of Wharf's and Docker's data directories.
    #[serde(default)]
    pub data_disk: Option<DiskSpace>,
    #[serde(default)]
    pub docker_disk: Option<DiskSpace>,
}

/// What a group of containers uses: an app's (all its processes) or a service's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Usage {
    /// Running containers.
    pub containers: u32,
    /// CPU used since the previous reading, 100 = one whole CPU; `None` when no container
    /// was read twice yet.
    #[serde(default)]
    pub cpu_percent: Option<f64>,
    /// Bytes of memory in use, and the sum of the containers' limits (the machine's memory
    /// for a container without one).
    pub memory: u64,
    #[serde(default)]
    pub memory_limit: Option<u64>,
    /// Bytes received and sent, read and written, since the containers started.
    pub net_rx: u64,
    pub net_tx: u64,
    pub block_read: u64,
    pub block_write: u64,
    /// How often Docker restarted the containers, and how many of them the kernel's
    /// out-of-memory killer ended.
    pub restarts: u64,
    pub oom_killed: u64,
}

/// One app's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AppUsage {
    #[schema(value_type = String)]
    pub app: AppName,
    pub usage: Usage,
}

/// One database service's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServiceUsage {
    #[schema(value_type = String)]
    pub service: ServiceName,
    pub usage: Usage,
}

/// The query of an app's history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// How far back: `90s`, `30m`, `1h` (the default), `7d`, `2w`; at most `30d`. Up to an hour the
    /// readings come as taken, up to a day one a minute, beyond one an hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

impl StatsQuery {
    /// The span asked for when none is given: an hour.
    pub const DEFAULT_SECS: u64 = 3600;
    /// The longest span kept.
    pub const MAX_SECS: u64 = 30 * 24 * 3600;

    /// The span asked for, in seconds; the message says what is wrong.
    pub fn span_secs(&self) -> Result<u64, String> {
        let Some(text) = self.since.as_deref().map(str::trim) else {
            return Ok(Self::DEFAULT_SECS);
        };
        let too_long = || format!("since `{text}`: history is kept for 30 days at most");
        match wharf_domain::parse_span(text) {
            Ok(span) if span.is_zero() => {
                Err(format!("since `{text}`: the span must be more than zero"))
            }
            Ok(span) if span.as_secs() <= Self::MAX_SECS => Ok(span.as_secs()),
            Ok(_) | Err(SpanFault::TooLong) => Err(too_long()),
            Err(fault) => Err(format!(
                "since `{text}` {}; give a number and a unit, as in 90s, 30m, 1h, 7d, 2w",
                fault.reason()
            )),
        }
    }
}

/// `GET /v1/apps/{app}/stats`: the app's latest figures, the host's, and its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AppStats {
    #[schema(value_type = String)]
    pub app: AppName,
    /// When the latest figures were read (Unix seconds); `None` before the first reading.
    #[serde(default)]
    pub at: Option<i64>,
    pub interval_secs: u64,
    /// The app's latest figures; `None` when it has no running container.
    #[serde(default)]
    pub current: Option<Usage>,
    #[serde(default)]
    pub host: Option<HostUsage>,
    /// Seconds each sample of the history covers: the interval for the last hour (every
    /// reading), else 60 or 3600.
    pub tier_secs: u64,
    /// The history, oldest first.
    pub samples: Vec<StatsSample>,
    /// What the proxy served the app since the server started; `None` when nothing routes
    /// to it (no web process, or no release yet).
    #[serde(default)]
    pub traffic: Option<ServedTraffic>,
}

/// Requests the proxy answered for an app, and how fast.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServedTraffic {
    pub requests: u64,
    /// Of them, those answered with a 5xx status (the app's, or the proxy's 502/503/504).
    pub requests_5xx: u64,
    /// Estimated median and 99th percentile latency, in milliseconds.
    #[serde(default)]
    pub latency_p50_ms: Option<f64>,
    #[serde(default)]
    pub latency_p99_ms: Option<f64>,
}

/// One sample of a history: a reading, or the roll-up of a minute's or an hour's readings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StatsSample {
    /// Unix seconds: the reading's time, or the start of the minute or hour.
    pub at: i64,
    /// How many readings it stands for.
    pub readings: u64,
    /// CPU (100 = one CPU; the host's: all of them) and memory: averages, and the most read.
    #[serde(default)]
    pub cpu_percent: Option<f64>,
    #[serde(default)]
    pub cpu_percent_max: Option<f64>,
    #[serde(default)]
    pub memory: Option<u64>,
    #[serde(default)]
    pub memory_max: Option<u64>,
    #[serde(default)]
    pub memory_limit: Option<u64>,
    /// Bytes moved during the sample's span.
    pub net_rx: u64,
    pub net_tx: u64,
    pub block_read: u64,
    pub block_write: u64,
    /// The most restarts and OOM kills counted.
    pub restarts: u64,
    pub oom_killed: u64,
    /// The host's: load average, free bytes of the data and Docker disks (the least seen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_average: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_free: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_free: Option<u64>,
    /// An app's traffic through the proxy: requests answered, those answered 5xx, latency
    /// percentiles. `None` where the proxy gave no figures.
    #[serde(default)]
    pub requests: Option<u64>,
    #[serde(default)]
    pub requests_5xx: Option<u64>,
    #[serde(default)]
    pub latency_p50_ms: Option<f64>,
    #[serde(default)]
    pub latency_p99_ms: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(since: &str) -> Result<u64, String> {
        StatsQuery {
            since: Some(since.into()),
        }
        .span_secs()
    }

    #[test]
    fn spans_are_read_with_their_unit() {
        assert_eq!(StatsQuery::default().span_secs(), Ok(3600));
        assert_eq!(span("90s"), Ok(90));
        assert_eq!(span("30m"), Ok(1800));
        assert_eq!(span("1h"), Ok(3600));
        assert_eq!(span("30d"), Ok(30 * 24 * 3600));
        assert_eq!(span("1w"), Ok(7 * 24 * 3600));
        for bad in [
            "",
            "h",
            "1",
            "5w",
            "-1h",
            "1.5h",
            "0s",
            "31d",
            "99999999999999999999d",
        ] {
            assert!(span(bad).is_err(), "{bad}");
        }
    }
}
