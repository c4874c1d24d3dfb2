//! Failed sign-ins, counted per user name and per client address over a sliding window: past
//! the limit, sign-in is refused without checking the password (even a right one) until the
//! oldest failure leaves the window. Kept in memory: a restart forgets them, which only an
//! operator on the server can cause. The table is bounded, oldest entries going first.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures one user name may have within the window.
pub const PER_USER: usize = 5;
/// Failures one client address may have within the window (it may try several names).
pub const PER_ADDRESS: usize = 20;
/// How long a failure counts.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Names and addresses remembered at most (a flood of names cannot grow memory).
const MAX_KEYS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Address(IpAddr),
}

#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<Key, Vec<Instant>>>,
}

/// Why a sign-in is not tried now, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttled {
    pub per_user: bool,
    pub retry_after: Duration,
}

impl Throttle {
    /// Whether `user` may try to sign in from `address` at `now`.
    pub fn check(&self, user: &str, address: IpAddr, now: Instant) -> Result<(), Throttled> {
        let mut failures = self.lock();
        for (key, limit) in [
            (Key::User(user.to_string()), PER_USER),
            (Key::Address(address), PER_ADDRESS),
        ] {
            let per_user = matches!(key, Key::User(_));
            if let Some(list) = failures.get_mut(&key) {
                list.retain(|at| now.duration_since(*at) < WINDOW);
                if list.len() >= limit {
                    let oldest = list.first().copied().unwrap_or(now);
                    return Err(Throttled {
                        per_user,
                        retry_after: WINDOW.saturating_sub(now.duration_since(oldest)),
                    });
                }
            }
        }
        Ok(())
    }

    /// Count a failed sign-in of `user` from `address`.
    pub fn failed(&self, user: &str, address: IpAddr, now: Instant) {
        let mut failures = self.lock();
        if failures.len() >= MAX_KEYS {
            failures.retain(|_, list| {
                list.last()
                    .is_some_and(|at| now.duration_since(*at) < WINDOW)
            });
            if failures.len() >= MAX_KEYS {
                failures.clear();
            }
        }
        for key in [Key::User(user.to_string()), Key::Address(address)] {
            failures.entry(key).or_default().push(now);
        }
    }

    /// A right password: the user's own failures are forgotten (the address's are not, so
    /// one account of an attacker's cannot reset their count against others).
    pub fn succeeded(&self, user: &str) {
        self.lock().remove(&Key::User(user.to_string()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Vec<Instant>>> {
        self.failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));

    fn other(n: u8) -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, n))
    }

    #[test]
    fn a_user_is_throttled_after_repeated_failures_from_anywhere() {
        let throttle = Throttle::default();
        let start = Instant::now();
        for n in 0..PER_USER as u8 {
            assert!(throttle.check("ada", other(n), start).is_ok());
            throttle.failed("ada", other(n), start);
        }
        let refused = throttle.check("ada", HOME, start).unwrap_err();
        assert!(refused.per_user);
        assert_eq!(refused.retry_after, WINDOW);
        // Others may still sign in from there; ada may once the failures leave the window.
        assert!(throttle.check("bob", HOME, start).is_ok());
        assert!(throttle.check("ada", HOME, start + WINDOW).is_ok());
    }

    #[test]
    fn an_address_is_throttled_across_names() {
        let throttle = Throttle::default();
        let now = Instant::now();
        for n in 0..PER_ADDRESS {
            throttle.failed(&format!("user{n}"), HOME, now);
        }
        let refused = throttle.check("someone", HOME, now).unwrap_err();
        assert!(!refused.per_user);
        assert!(throttle.check("someone", other(1), now).is_ok());
    }

    #[test]
    fn success_forgets_the_users_failures_only() {
        let throttle = Throttle::default();
        let now = Instant::now();
        for _ in 0..PER_USER - 1 {
            throttle.failed("ada", HOME, now);
        }
        throttle.succeeded("ada");
        throttle.failed("ada", HOME, now);
        assert!(throttle.check("ada", HOME, now).is_ok());
    }
}
