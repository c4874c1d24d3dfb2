//! The history of what the host, each app and each database service used, kept small.
//!
//! A *sample* is one reading (every 10 s by default) of a *subject*: the host, an app (the sum
//! over its containers) or a database service. Samples are kept in three *tiers*: as taken for
//! the last hour, rolled up into one row a minute for a day, and into one row an hour for 30
//! days. A coarser row is made when its bucket closes (the first sample after the bucket's end
//! rolls it up), from the finer tier's rows: CPU, memory and load averaged (weighted by the
//! readings each row stands for) with their maxima, bytes moved summed, restarts and OOM kills
//! the most seen, free disk the least. Each write is one transaction: the readings, the roll-ups
//! they close, then the pruning (by age per tier, then oldest first down to
//! [`MAX_RESOURCE_SAMPLES`]); so a restart loses at most the reading it was about to write.

use crate::{Store, StoreError};
use rusqlite::{Connection, params};

/// The hard cap on stored rows, whatever the number of apps: about 80 subjects' worth of full
/// history (each needs 360 + 1440 + 720 rows), some 30 MB at most. Past it the oldest rows go.
pub const MAX_RESOURCE_SAMPLES: usize = 200_000;

/// One tier of the history: the span each row covers and how long rows are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    /// Seconds per row (the finest tier's rows are single readings: its span is nominal).
    pub secs: i64,
    /// Seconds a row is kept.
    pub keep: i64,
}

/// The tiers, finest first; each is rolled up from the one before it.
pub const TIERS: [Tier; 3] = [
    Tier {
        secs: 10,
        keep: 3600,
    },
    Tier {
        secs: 60,
        keep: 24 * 3600,
    },
    Tier {
        secs: 3600,
        keep: 30 * 24 * 3600,
    },
];

/// Whose figures a sample holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    Host,
    App(wharf_domain::AppName),
    Service(wharf_domain::ServiceName),
}

impl Subject {
    fn key(&self) -> (&'static str, &str) {
        match self {
            Subject::Host => ("host", ""),
            Subject::App(app) => ("app", app.as_str()),
            Subject::Service(service) => ("service", service.as_str()),
        }
    }
}

/// One reading of a subject. Bytes moved are those since the previous reading.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    /// CPU used, 100 = one whole CPU (the host's: 100 = all of its CPUs).
    pub cpu_percent: Option<f64>,
    /// Memory in use, and its limit (the host's: its memory in all).
    pub memory: Option<u64>,
    pub memory_limit: Option<u64>,
    pub net_rx: u64,
    pub net_tx: u64,
    pub block_read: u64,
    pub block_write: u64,
    /// Restarts of the subject's containers, and how many of them the OOM killer ended.
    pub restarts: u64,
    pub oom_killed: u64,
    /// The host's: load over the last minute, free bytes on the data and Docker disks.
    pub load: Option<f64>,
    pub data_free: Option<u64>,
    pub docker_free: Option<u64>,
    /// An app's traffic through the proxy during the reading's interval: `None` for what the
    /// proxy does not route (the host, services, apps without a web process).
    pub traffic: Option<TrafficReading>,
}

/// What the proxy served an app between two readings.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TrafficReading {
    /// Requests answered, and those answered with a 5xx status.
    pub requests: u64,
    pub requests_5xx: u64,
    /// Estimated median and 99th percentile of their latency; `None` without requests.
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
}

/// A stored row: a reading, or a roll-up of a bucket's readings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredSample {
    /// Unix seconds: the reading's time, or the start of its bucket.
    pub at: i64,
    /// How many readings it stands for.
    pub samples: u64,
    /// Averages (a single reading's value in the finest tier) and maxima; the traffic's
    /// requests are summed over the row's span, its latencies averaged.
    pub reading: Reading,
    pub cpu_percent_max: Option<f64>,
    pub memory_max: Option<u64>,
}

/// A subject's history over a span: the tier it was read from and its rows, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub tier: Tier,
    pub samples: Vec<StoredSample>,
}

const COLUMNS: &str = "at, samples, cpu_percent, cpu_percent_max, memory, memory_max, \
     memory_limit, net_rx, net_tx, block_read, block_write, restarts, oom_killed, load, \
     data_free, docker_free, requests, requests_5xx, latency_p50_ms, latency_p99_ms";

impl Store {
    /// Store the readings taken at `at` (Unix seconds), roll up the buckets they close and
    /// prune, in one transaction.
    pub fn record_readings(
        &self,
        at: i64,
        readings: &[(Subject, Reading)],
    ) -> Result<(), StoreError> {
        self.record_readings_capped(at, readings, MAX_RESOURCE_SAMPLES)
    }

    /// [`Store::record_readings`] with another cap (for tests).
    pub fn record_readings_capped(
        &self,
        at: i64,
        readings: &[(Subject, Reading)],
        max_rows: usize,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        // Nothing closes or ages out but at a minute's turn (every tier's bucket is minutes).
        let newest: Option<i64> = tx
            .prepare_cached("SELECT MAX(at) FROM resource_samples WHERE tier = ?1")?
            .query_row([TIERS[0].secs], |row| row.get(0))?;
        let minute = TIERS[1].secs;
        let turned = newest.is_none_or(|newest| newest.div_euclid(minute) != at.div_euclid(minute));
        insert_readings(&tx, at, readings)?;
        if turned {
            for pair in TIERS.windows(2) {
                roll_up(&tx, pair[0], pair[1], at)?;
            }
            prune_aged(&tx, at)?;
        }
        cap(&tx, max_rows)?;
        tx.commit()?;
        Ok(())
    }

    /// `subject`'s rows of the last `span` seconds before `now`, from the finest tier that
    /// keeps that long.
    pub fn resource_history(
        &self,
        subject: &Subject,
        now: i64,
        span: i64,
    ) -> Result<History, StoreError> {
        let tier = TIERS
            .iter()
            .copied()
            .find(|tier| span <= tier.keep)
            .unwrap_or(TIERS[TIERS.len() - 1]);
        let (kind, name) = subject.key();
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM resource_samples
             WHERE kind = ?1 AND name = ?2 AND tier = ?3 AND at >= ?4 ORDER BY at"
        ))?;
        let samples = stmt
            .query_map(params![kind, name, tier.secs, now - span], stored_sample)?
            .collect::<Result<_, _>>()?;
        Ok(History { tier, samples })
    }

    /// How many rows the history holds, in all.
    pub fn resource_sample_count(&self) -> Result<usize, StoreError> {
        let count: i64 =
            self.conn()
                .query_row("SELECT COUNT(*) FROM resource_samples", [], |row| {
                    row.get(0)
                })?;
        Ok(usize::try_from(count).unwrap_or(0))
    }
}

fn insert_readings(
    conn: &Connection,
    at: i64,
    readings: &[(Subject, Reading)],
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR REPLACE INTO resource_samples (tier, at, kind, name, samples, cpu_percent,
            cpu_percent_max, memory, memory_max, memory_limit, net_rx, net_tx, block_read,
            block_write, restarts, oom_killed, load, data_free, docker_free, requests,
            requests_5xx, latency_p50_ms, latency_p99_ms)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5, ?6, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
            ?17, ?18, ?19, ?20)",
    )?;
    for (subject, r) in readings {
        let (kind, name) = subject.key();
        let traffic = r.traffic.as_ref();
        stmt.execute(params![
            TIERS[0].secs,
            at,
            kind,
            name,
            r.cpu_percent,
            r.memory.map(db_int),
            r.memory_limit.map(db_int),
            db_int(r.net_rx),
            db_int(r.net_tx),
            db_int(r.block_read),
            db_int(r.block_write),
            db_int(r.restarts),
            db_int(r.oom_killed),
            r.load,
            r.data_free.map(db_int),
            r.docker_free.map(db_int),
            traffic.map(|t| db_int(t.requests)),
            traffic.map(|t| db_int(t.requests_5xx)),
            traffic.and_then(|t| t.latency_p50_ms),
            traffic.and_then(|t| t.latency_p99_ms),
        ])?;
    }
    Ok(())
}

/// Roll the `fine` rows of every bucket of `coarse` that closed before `now` and is not rolled
/// up yet into one `coarse` row per subject. Buckets before the newest coarse row are done, so
/// only the rows after it are read.
fn roll_up(conn: &Connection, fine: Tier, coarse: Tier, now: i64) -> Result<(), StoreError> {
    let open_bucket = now - now.rem_euclid(coarse.secs);
    conn.prepare_cached(
        "INSERT OR IGNORE INTO resource_samples (tier, at, kind, name, samples, cpu_percent,
            cpu_percent_max, memory, memory_max, memory_limit, net_rx, net_tx, block_read,
            block_write, restarts, oom_killed, load, data_free, docker_free, requests,
            requests_5xx, latency_p50_ms, latency_p99_ms)
         SELECT ?2, (at / ?2) * ?2 AS bucket, kind, name, SUM(samples),
            SUM(cpu_percent * samples) / SUM(CASE WHEN cpu_percent IS NULL THEN 0 ELSE samples END),
            MAX(cpu_percent_max),
            SUM(memory * samples) / SUM(CASE WHEN memory IS NULL THEN 0 ELSE samples END),
            MAX(memory_max), MAX(memory_limit),
            SUM(net_rx), SUM(net_tx), SUM(block_read), SUM(block_write),
            MAX(restarts), MAX(oom_killed),
            SUM(load * samples) / SUM(CASE WHEN load IS NULL THEN 0 ELSE samples END),
            MIN(data_free), MIN(docker_free),
            SUM(requests), SUM(requests_5xx),
            SUM(latency_p50_ms * samples)
                / SUM(CASE WHEN latency_p50_ms IS NULL THEN 0 ELSE samples END),
            MAX(latency_p99_ms)
         FROM resource_samples
         WHERE tier = ?1 AND at < ?3 AND at >= (
            SELECT COALESCE(MAX(at) + ?2, 0) FROM resource_samples WHERE tier = ?2)
         GROUP BY kind, name, bucket",
    )?
    .execute(params![fine.secs, coarse.secs, open_bucket])?;
    Ok(())
}

/// Drop each tier's rows older than it keeps.
fn prune_aged(conn: &Connection, now: i64) -> Result<(), StoreError> {
    for tier in TIERS {
        conn.prepare_cached("DELETE FROM resource_samples WHERE tier = ?1 AND at < ?2")?
            .execute(params![tier.secs, now - tier.keep])?;
    }
    Ok(())
}

/// Drop the oldest rows past `max_rows`.
fn cap(conn: &Connection, max_rows: usize) -> Result<(), StoreError> {
    let count: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM resource_samples")?
        .query_row([], |row| row.get(0))?;
    let excess = count - i64::try_from(max_rows).unwrap_or(i64::MAX);
    if excess > 0 {
        conn.execute(
            "DELETE FROM resource_samples WHERE rowid IN
                (SELECT rowid FROM resource_samples ORDER BY at, tier DESC LIMIT ?1)",
            [excess],
        )?;
    }
    Ok(())
}

fn stored_sample(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredSample> {
    let count = |i| -> rusqlite::Result<u64> { Ok(from_db(row.get::<_, i64>(i)?)) };
    let bytes =
        |i| -> rusqlite::Result<Option<u64>> { Ok(row.get::<_, Option<i64>>(i)?.map(from_db)) };
    Ok(StoredSample {
        at: row.get(0)?,
        samples: count(1)?,
        reading: Reading {
            cpu_percent: row.get(2)?,
            memory: bytes(4)?,
            memory_limit: bytes(6)?,
            net_rx: count(7)?,
            net_tx: count(8)?,
            block_read: count(9)?,
            block_write: count(10)?,
            restarts: count(11)?,
            oom_killed: count(12)?,
            load: row.get(13)?,
            data_free: bytes(14)?,
            docker_free: bytes(15)?,
            traffic: match bytes(16)? {
                None => None,
                Some(requests) => Some(TrafficReading {
                    requests,
                    requests_5xx: bytes(17)?.unwrap_or(0),
                    latency_p50_ms: row.get(18)?,
                    latency_p99_ms: row.get(19)?,
                }),
            },
        },
        cpu_percent_max: row.get(3)?,
        memory_max: bytes(5)?,
    })
}

/// SQLite's integers are signed: a count past `i64::MAX` (never met) is kept as the most.
fn db_int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn from_db(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

#[cfg(test)]
mod tests;
