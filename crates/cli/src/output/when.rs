//! Times as people read them: the date and minute in UTC, and how long ago (or how soon) that
//! is, e.g. `2026-12-06 03:40 UTC (5 min ago)`. The API keeps Unix seconds; `--json` shows
//! those unchanged.

use wharf_domain::UtcDateTime;

/// The moment a listing is shown, so every row of it is aged against the same "now".
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    now: i64,
}

impl Clock {
    /// This machine's clock, read as the store reads it (`wharf_store::unix_now`), so the
    /// command line's "now" is the one the server's recorded times are compared with. Every
    /// clock read of the command line goes through here.
    pub fn now() -> Clock {
        Clock {
            now: wharf_store::unix_now(),
        }
    }

    /// "Now" in seconds since 1970.
    pub fn unix_seconds(&self) -> i64 {
        self.now
    }

    #[cfg(test)]
    pub fn at(now: i64) -> Clock {
        Clock { now }
    }

    /// `2026-12-06 03:40 UTC (5 min ago)`, or `in 3 days` for a time to come.
    pub fn date_and_age(&self, secs: i64) -> String {
        match UtcDateTime::from_unix_seconds(secs) {
            Some(date) => format!("{date} ({})", ago(secs - self.now)),
            None => secs.to_string(),
        }
    }

    /// The same for an RFC 3339 time as Docker gives it (`2026-12-06T03:40:12.5Z`); text that
    /// is not one is shown as it is.
    pub fn rfc3339_and_age(&self, text: &str) -> String {
        match unix_seconds_of_rfc3339(text) {
            Some(secs) => self.date_and_age(secs),
            None => text.to_string(),
        }
    }
}

/// How far off a moment is, `delta` seconds from now: `just now`, `5 min ago`, `in 3 h`,
/// `12 days ago`. Rounded down, so "1 h" means at least an hour.
pub fn ago(delta: i64) -> String {
    let abs = delta.unsigned_abs();
    let amount = match abs {
        0..10 => return "just now".to_string(),
        10..60 => format!("{abs} s"),
        60..7_200 => format!("{} min", abs / 60),
        7_200..172_800 => format!("{} h", abs / 3_600),
        _ => format!("{} days", abs / 86_400),
    };
    if delta > 0 {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

/// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
fn unix_seconds_of_rfc3339(text: &str) -> Option<i64> {
    let (date, rest) = text.split_once(['T', 't', ' '])?;
    let mut ymd = date.splitn(3, '-');
    let year: i32 = ymd.next()?.parse().ok()?;
    let month: u8 = ymd.next()?.parse().ok()?;
    let day: u8 = ymd.next()?.parse().ok()?;
    let hms = rest.get(..8)?;
    let mut parts = hms.splitn(3, ':');
    let hour: u8 = parts.next()?.parse().ok()?;
    let minute: u8 = parts.next()?.parse().ok()?;
    let second: i64 = parts.next()?.parse().ok()?;
    let zone = rest
        .get(8..)?
        .trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset: i64 = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = match zone.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let (h, m) = zone.get(1..)?.split_once(':')?;
            sign * (h.parse::<i64>().ok()? * 3_600 + m.parse::<i64>().ok()? * 60)
        }
    };
    let minute_start = UtcDateTime::new(year, month, day, hour, minute)?.to_unix_seconds()?;
    (second < 61).then_some(minute_start + second - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-06 03:40:00 UTC.
    const NOW: i64 = 1_796_528_400;

    #[test]
    fn a_time_is_a_date_with_its_age() {
        let clock = Clock::at(NOW);
        assert_eq!(
            clock.date_and_age(NOW - 300),
            "2026-12-06 03:35 UTC (5 min ago)"
        );
        assert_eq!(
            clock.date_and_age(NOW + 3 * 86_400),
            "2026-12-09 03:40 UTC (in 3 days)"
        );
        assert_eq!(clock.date_and_age(NOW), "2026-12-06 03:40 UTC (just now)");
    }

    #[test]
    fn ages_round_down_to_a_readable_unit() {
        assert_eq!(ago(0), "just now");
        assert_eq!(ago(-9), "just now");
        assert_eq!(ago(-45), "45 s ago");
        assert_eq!(ago(-60), "1 min ago");
        assert_eq!(ago(-7_199), "119 min ago");
        assert_eq!(ago(-7_200), "2 h ago");
        assert_eq!(ago(90_000), "in 25 h");
        assert_eq!(ago(-172_800), "2 days ago");
        assert_eq!(
            ago(i64::MIN),
            format!("{} days ago", i64::MIN.unsigned_abs() / 86_400)
        );
    }

    #[test]
    fn docker_times_are_read_with_fractions_and_offsets() {
        assert_eq!(unix_seconds_of_rfc3339("2026-12-06T03:40:00Z"), Some(NOW));
        assert_eq!(
            unix_seconds_of_rfc3339("2026-12-06T03:40:12.123456789Z"),
            Some(NOW + 12)
        );
        assert_eq!(
            unix_seconds_of_rfc3339("2026-12-06T04:40:00+01:00"),
            Some(NOW)
        );
        assert_eq!(unix_seconds_of_rfc3339("yesterday"), None);
        assert_eq!(unix_seconds_of_rfc3339("2026-02-30T00:00:00Z"), None);
        let clock = Clock::at(NOW + 120);
        assert_eq!(
            clock.rfc3339_and_age("2026-12-06T03:40:00.5Z"),
            "2026-12-06 03:40 UTC (2 min ago)"
        );
        assert_eq!(clock.rfc3339_and_age("soon"), "soon");
    }
}
