//! The request latency histogram: fixed bucket bounds in seconds, as Prometheus histograms
//! have them (`le`: a request falls in the first bucket whose bound it does not pass), so the
//! percentiles (p50, p90, p99) can be estimated from the counts alone, here or by
//! Prometheus' `histogram_quantile`.

use std::time::Duration;

/// The upper bounds of the latency buckets, in seconds; a last, unbounded bucket (`+Inf`)
/// follows them.
pub const LATENCY_BOUNDS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// [`LATENCY_BOUNDS`] in microseconds, which the request path compares with.
const BOUNDS_MICROS: [u64; 13] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    5_000_000, 10_000_000,
];

/// How many buckets there are: one per bound, and `+Inf`.
pub(crate) const BUCKETS: usize = LATENCY_BOUNDS.len() + 1;

/// The bucket a request of `micros` microseconds falls in (`BUCKETS - 1`: above every bound).
pub(crate) fn bucket_of(micros: u64) -> usize {
    BOUNDS_MICROS.partition_point(|&bound| bound < micros)
}

/// A duration in whole microseconds, saturating.
pub(crate) fn micros(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
}

/// The latency histogram of some requests, read from the counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LatencyHistogram {
    /// Requests per bucket (not cumulative): `counts[i]` took at most `LATENCY_BOUNDS[i]`
    /// seconds and more than the bound before it; the last one took more than every bound.
    pub counts: [u64; BUCKETS],
    /// The sum of all the requests' latencies, in seconds.
    pub sum_seconds: f64,
}

impl LatencyHistogram {
    /// How many requests the histogram holds.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The cumulative counts as Prometheus' `_bucket{le=...}` series give them, each with its
    /// bound (`f64::INFINITY` last).
    pub fn cumulative(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        let bounds = LATENCY_BOUNDS.iter().copied().chain([f64::INFINITY]);
        bounds.zip(self.counts.iter().scan(0, |total, n| {
            *total += n;
            Some(*total)
        }))
    }

    /// The estimated `q`-quantile (`0.5` for the median, `0.99` for p99) in seconds: the
    /// bucket it falls in, interpolated linearly inside it (as `histogram_quantile` does).
    /// `None` without requests; the highest bound when it falls above every bound.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let count = self.count();
        if count == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let rank = q * count as f64;
        let mut below = 0u64;
        for (i, &n) in self.counts.iter().enumerate() {
            if n > 0 && (below + n) as f64 >= rank {
                let Some(&upper) = LATENCY_BOUNDS.get(i) else {
                    return LATENCY_BOUNDS.last().copied();
                };
                let lower = if i == 0 { 0.0 } else { LATENCY_BOUNDS[i - 1] };
                let within = (rank - below as f64) / n as f64;
                return Some(lower + (upper - lower) * within);
            }
            below += n;
        }
        LATENCY_BOUNDS.last().copied()
    }

    /// The requests this histogram holds that `before` (an earlier reading of the same
    /// counters) did not: the latencies of an interval.
    pub fn since(&self, before: &LatencyHistogram) -> LatencyHistogram {
        let mut counts = self.counts;
        for (now, then) in counts.iter_mut().zip(before.counts) {
            *now = now.saturating_sub(then);
        }
        LatencyHistogram {
            counts,
            sum_seconds: (self.sum_seconds - before.sum_seconds).max(0.0),
        }
    }

    pub(crate) fn add(&mut self, other: &LatencyHistogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
        self.sum_seconds += other.sum_seconds;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_is_the_difference_of_two_readings() {
        let mut before = LatencyHistogram::default();
        before.counts[0] = 5;
        before.sum_seconds = 0.004;
        let mut now = before.clone();
        now.counts[0] += 1;
        now.counts[6] += 3;
        now.sum_seconds += 0.3;
        let interval = now.since(&before);
        assert_eq!(interval.count(), 4);
        assert_eq!(interval.counts[0], 1);
        assert_eq!(interval.counts[6], 3);
        assert!((interval.sum_seconds - 0.3).abs() < 1e-9);
        // Counters that went back (a restart) give nothing rather than a wrap.
        assert_eq!(before.since(&now).count(), 0);
    }

    #[test]
    fn bounds_agree_in_both_units() {
        for (seconds, micros) in LATENCY_BOUNDS.iter().zip(BOUNDS_MICROS) {
            assert_eq!((seconds * 1e6).round() as u64, micros);
        }
    }

    #[test]
    fn a_latency_falls_in_the_first_bucket_it_does_not_pass() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(1_000), 0, "a bound is inclusive (le)");
        assert_eq!(bucket_of(1_001), 1);
        assert_eq!(bucket_of(2_500), 1);
        assert_eq!(bucket_of(60_000), 6);
        assert_eq!(bucket_of(10_000_000), 12);
        assert_eq!(bucket_of(10_000_001), BUCKETS - 1);
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
    }

    fn histogram(counts: &[(usize, u64)]) -> LatencyHistogram {
        let mut h = LatencyHistogram::default();
        for &(bucket, n) in counts {
            h.counts[bucket] = n;
        }
        h
    }

    #[test]
    fn cumulative_counts_end_with_every_request() {
        let h = histogram(&[(0, 3), (2, 1), (BUCKETS - 1, 2)]);
        let cumulative: Vec<_> = h.cumulative().collect();
        assert_eq!(cumulative.len(), BUCKETS);
        assert_eq!(cumulative[0], (0.001, 3));
        assert_eq!(cumulative[1], (0.0025, 3));
        assert_eq!(cumulative[2], (0.005, 4));
        assert_eq!(cumulative[BUCKETS - 1], (f64::INFINITY, 6));
        assert_eq!(h.count(), 6);
    }

    #[test]
    fn quantiles_interpolate_inside_their_bucket() {
        // 100 requests: 50 up to 1 ms, 40 in (1 ms, 2.5 ms], 10 in (50 ms, 100 ms].
        let h = histogram(&[(0, 50), (1, 40), (6, 10)]);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(h.quantile(0.5).unwrap(), 0.001));
        assert!(close(h.quantile(0.25).unwrap(), 0.0005));
        assert!(close(h.quantile(0.9).unwrap(), 0.0025));
        assert!(close(h.quantile(0.99).unwrap(), 0.05 + 0.05 * 0.9));
        assert_eq!(LatencyHistogram::default().quantile(0.5), None);
        // Above every bound: the highest bound, as histogram_quantile answers.
        assert_eq!(histogram(&[(BUCKETS - 1, 1)]).quantile(0.5), Some(10.0));
    }
}
