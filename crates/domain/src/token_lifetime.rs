//! How long an API token stays valid, as `wharf tokens create --expires` takes it: a whole
//! number and a unit, `90m`, `12h`, `30d`, `8w`, or `365d`.

use std::time::Duration;

use crate::span::SpanFault;

/// The longest lifetime accepted: ten years (a longer one is as good as none).
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(10 * 366 * 24 * 3600);

/// Why a lifetime was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("token lifetime `{given}` {reason}; give a number and a unit, e.g. 90m, 12h, 30d or 8w")]
pub struct LifetimeError {
    given: String,
    reason: &'static str,
}

/// Parse `30d` and the like.
pub fn parse_token_lifetime(given: &str) -> Result<Duration, LifetimeError> {
    let refuse = |reason| LifetimeError {
        given: given.to_string(),
        reason,
    };
    match crate::span::parse_span(given) {
        Ok(lifetime) if lifetime.is_zero() => Err(refuse("is zero")),
        Ok(lifetime) if lifetime <= MAX_TOKEN_LIFETIME => Ok(lifetime),
        Ok(_) | Err(SpanFault::TooLong) => Err(refuse("is longer than ten years")),
        Err(fault) => Err(refuse(fault.reason())),
    }
}

/// When a token made at unix time `now` with `lifetime` expires (the CLI and the dashboard
/// both reckon it so).
pub fn token_expires_at(now: i64, lifetime: Duration) -> i64 {
    now.saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lifetime_ends_that_long_after_now() {
        assert_eq!(token_expires_at(1000, Duration::from_secs(60)), 1060);
        assert_eq!(token_expires_at(i64::MAX - 1, MAX_TOKEN_LIFETIME), i64::MAX);
    }

    #[test]
    fn lifetimes_have_a_number_and_a_unit() {
        assert_eq!(parse_token_lifetime("90m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_token_lifetime("12h"), Ok(Duration::from_secs(43200)));
        assert_eq!(
            parse_token_lifetime(" 30d "),
            Ok(Duration::from_secs(30 * 86400))
        );
        assert_eq!(
            parse_token_lifetime("2w"),
            Ok(Duration::from_secs(14 * 86400))
        );
    }

    #[test]
    fn bad_lifetimes_say_what_is_wrong() {
        for (given, reason) in [
            ("30", "has no unit"),
            ("d", "does not start with a whole number"),
            ("-3d", "does not start with a whole number"),
            ("1.5d", "unknown unit"),
            ("3y", "unknown unit"),
            ("0d", "is zero"),
            ("5000w", "longer than ten years"),
            (
                "99999999999999999999d",
                "does not start with a whole number",
            ),
            ("", "has no unit"),
        ] {
            let err = parse_token_lifetime(given).unwrap_err().to_string();
            assert!(
                err.contains(reason) && err.contains("30d"),
                "{given}: {err}"
            );
        }
    }
}
