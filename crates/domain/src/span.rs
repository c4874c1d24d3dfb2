//! A span of time as users write it: a whole number and a unit, `90s`, `30m`, `12h`, `14d`,
//! `2w`. One reading for every flag and query that takes one (`wharf logs --since`, a log
//! store's age bound, `wharf tokens create --expires`, the stats history's `since`); each
//! caller adds its own bounds and words its own message around [`SpanFault::reason`].

use std::time::Duration;

/// Why a span was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanFault {
    /// Only digits: `90`.
    NoUnit,
    /// No whole number before the unit: `h`, `1.5h`.
    NoNumber,
    /// A unit other than s, m, h, d, w.
    UnknownUnit,
    /// More seconds than a `u64` holds.
    TooLong,
}

impl SpanFault {
    /// What is wrong, to follow the span in a message: "`2x` has an unknown unit ...".
    pub fn reason(self) -> &'static str {
        match self {
            SpanFault::NoUnit => "has no unit",
            SpanFault::NoNumber => "does not start with a whole number",
            SpanFault::UnknownUnit => "has an unknown unit (s, m, h, d or w)",
            SpanFault::TooLong => "is too long",
        }
    }
}

/// Read `given` (blanks around it allowed): a whole number, then `s`, `m`, `h`, `d` or `w`.
pub fn parse_span(given: &str) -> Result<Duration, SpanFault> {
    let text = given.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or(SpanFault::NoUnit)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| SpanFault::NoNumber)?;
    let seconds_per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 24 * 3600,
        "w" => 7 * 24 * 3600,
        _ => return Err(SpanFault::UnknownUnit),
    };
    number
        .checked_mul(seconds_per)
        .map(Duration::from_secs)
        .ok_or(SpanFault::TooLong)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_and_a_unit() {
        assert_eq!(parse_span("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_span(" 30m "), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_span("12h"), Ok(Duration::from_secs(43200)));
        assert_eq!(parse_span("14d"), Ok(Duration::from_secs(14 * 86400)));
        assert_eq!(parse_span("2w"), Ok(Duration::from_secs(14 * 86400)));
        assert_eq!(parse_span("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn refusals_say_which_part_is_wrong() {
        assert_eq!(parse_span("90"), Err(SpanFault::NoUnit));
        assert_eq!(parse_span(""), Err(SpanFault::NoUnit));
        assert_eq!(parse_span("h"), Err(SpanFault::NoNumber));
        assert_eq!(parse_span("-1h"), Err(SpanFault::NoNumber));
        assert_eq!(parse_span("1.5h"), Err(SpanFault::UnknownUnit));
        assert_eq!(parse_span("2x"), Err(SpanFault::UnknownUnit));
        assert_eq!(parse_span("2 h"), Err(SpanFault::UnknownUnit));
        assert_eq!(
            parse_span("99999999999999999999s"),
            Err(SpanFault::NoNumber)
        );
        assert_eq!(parse_span("9999999999999999999w"), Err(SpanFault::TooLong));
    }
}
