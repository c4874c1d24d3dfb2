//! Where a window of an app's stored log lines begins or ends (`wharf logs --since 2h
//! --until 30m`): a span back from now (`90s`, `30m`, `2h`, `3d`, `1w`) or a moment (RFC 3339,
//! `2026-01-02T15:04:05Z`). Parsed where it enters (the CLI, the API's query) and resolved
//! against the server's clock when the store is read; also the age bound of a log store.

use std::fmt;

use crate::span::SpanFault;
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A log window's edge, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTime {
    /// This long before now.
    Ago(Duration),
    /// This moment.
    At(OffsetDateTime),
}

/// Why a log time was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{given}` {reason}; give a span back from now (90s, 30m, 2h, 3d, 1w) or a time such as 2026-01-02T15:04:05Z"
)]
pub struct LogTimeError {
    given: String,
    reason: &'static str,
}

impl LogTime {
    /// `2h`, or an RFC 3339 time.
    pub fn parse(given: &str) -> Result<LogTime, LogTimeError> {
        let text = given.trim();
        if text.starts_with(|c: char| c.is_ascii_digit()) && !text.contains('-') {
            return parse_log_span(given).map(LogTime::Ago);
        }
        OffsetDateTime::parse(text, &Rfc3339)
            .map(LogTime::At)
            .map_err(|_| LogTimeError {
                given: given.to_string(),
                reason: "is neither a span nor an RFC 3339 time",
            })
    }

    /// The moment it names, with `now` as the server's clock.
    pub fn resolve(&self, now: OffsetDateTime) -> OffsetDateTime {
        match self {
            LogTime::Ago(span) => now - *span,
            LogTime::At(at) => *at,
        }
    }
}

impl fmt::Display for LogTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogTime::Ago(span) => write!(f, "{}s", span.as_secs()),
            LogTime::At(at) => f.write_str(&fixed_time(*at)),
        }
    }
}

/// A time in UTC in the engine's fixed-width form of log times
/// (`2026-01-02T15:04:05.000000000Z`), which order as text.
pub fn fixed_time(time: OffsetDateTime) -> String {
    let time = time.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second(),
        time.nanosecond()
    )
}

/// The longest span back from now a log window may start at.
const CENTURY: Duration = Duration::from_secs(100 * 366 * 24 * 3600);

/// A span back from now, at most a century: `90s`, `2h`, `14d` (see [`crate::span`]).
pub fn parse_log_span(given: &str) -> Result<Duration, LogTimeError> {
    let refuse = |reason| LogTimeError {
        given: given.to_string(),
        reason,
    };
    match crate::span::parse_span(given) {
        Ok(span) if span <= CENTURY => Ok(span),
        Ok(_) | Err(SpanFault::TooLong) => Err(refuse("is longer than a century")),
        Err(fault) => Err(refuse(fault.reason())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_go_back_from_now_and_times_stand_alone() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let two_hours = LogTime::parse("2h").unwrap();
        assert_eq!(two_hours, LogTime::Ago(Duration::from_secs(7200)));
        assert_eq!(
            two_hours.resolve(now).unix_timestamp(),
            1_800_000_000 - 7200
        );
        let at = LogTime::parse("2026-01-02T16:04:05+01:00").unwrap();
        assert_eq!(at.resolve(now).unix_timestamp(), 1_767_366_245);
        assert_eq!(LogTime::parse(&two_hours.to_string()).unwrap(), two_hours);
        assert_eq!(LogTime::parse(&at.to_string()).unwrap(), at);
        assert_eq!(at.to_string(), "2026-01-02T15:04:05.000000000Z");
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let err = LogTime::parse("2x").unwrap_err().to_string();
        assert!(err.contains("`2x` has an unknown unit"), "{err}");
        let err = LogTime::parse("yesterday").unwrap_err().to_string();
        assert!(err.contains("neither a span nor an RFC 3339 time"), "{err}");
        assert!(parse_log_span("h").is_err());
        assert!(parse_log_span("99999999999w").is_err());
        assert_eq!(
            parse_log_span("14d").unwrap(),
            Duration::from_secs(14 * 86400)
        );
    }
}
