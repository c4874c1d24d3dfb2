//! Retry timing that respects the CA's rate limits: a growing delay after each failure
//! (1 min, 5 min, 30 min, 2 h, then 12 h) and a cap on new orders per domain per hour.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Delays after the 1st, 2nd, ... consecutive failure; the last one repeats.
const DELAYS: [u64; 5] = [60, 300, 1800, 7200, 43200];

/// The delay before the next attempt after `failures` consecutive failures.
#[derive(Debug, Clone, Copy, Default)]
pub struct Backoff;

impl Backoff {
    pub fn delay(failures: i64) -> Duration {
        let index = usize::try_from(failures.max(1) - 1).unwrap_or(0);
        Duration::from_secs(DELAYS[index.min(DELAYS.len() - 1)])
    }
}

/// Counts new orders per domain over the last hour.
#[derive(Debug, Default)]
pub struct OrderLimiter {
    max_per_hour: usize,
    orders: HashMap<String, VecDeque<Instant>>,
}

impl OrderLimiter {
    pub fn new(max_per_hour: usize) -> OrderLimiter {
        OrderLimiter {
            max_per_hour,
            orders: HashMap::new(),
        }
    }

    /// Record an order for `domain` now, unless the hour's quota is used up (then false).
    pub fn try_order(&mut self, domain: &str, now: Instant) -> bool {
        let hour = Duration::from_secs(3600);
        let recent = self.orders.entry(domain.to_string()).or_default();
        while recent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= hour)
        {
            recent.pop_front();
        }
        if recent.len() >= self.max_per_hour {
            return false;
        }
        recent.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_cap() {
        assert_eq!(Backoff::delay(1), Duration::from_secs(60));
        assert_eq!(Backoff::delay(2), Duration::from_secs(300));
        assert_eq!(Backoff::delay(4), Duration::from_secs(7200));
        assert_eq!(Backoff::delay(5), Duration::from_secs(43200));
        assert_eq!(Backoff::delay(50), Duration::from_secs(43200));
        assert_eq!(Backoff::delay(0), Duration::from_secs(60));
    }

    #[test]
    fn orders_per_hour_are_capped_per_domain() {
        let mut limiter = OrderLimiter::new(2);
        let start = Instant::now();
        assert!(limiter.try_order("a", start));
        assert!(limiter.try_order("a", start));
        assert!(!limiter.try_order("a", start + Duration::from_secs(60)));
        assert!(limiter.try_order("b", start));
        assert!(limiter.try_order("a", start + Duration::from_secs(3600)));
    }
}
