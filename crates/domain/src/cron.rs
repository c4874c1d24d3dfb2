//! Cron schedules in the standard five-field syntax, and the next time one runs.
//!
//! A schedule is `minute hour day-of-month month day-of-week`, e.g.
//! `*/5 * * * *` (every five minutes) or `30 2 * * mon-fri` (02:30 on
//! weekdays), or one of the shortcuts `@hourly`, `@daily`, `@midnight`,
//! `@weekly`, `@monthly`, `@yearly` and `@annually`. Times are UTC.
//!
//! Each field accepts `*`, a number, a range `a-b`, a list `a,b,c`, and steps
//! `*/n`, `a-b/n` and `a/n` (from `a` to the field's maximum). Months accept
//! `jan`..`dec` and days of the week `sun`..`sat`, in any case. Day of week
//! runs from 0 to 7, where both 0 and 7 are Sunday.
//!
//! As in Vixie cron, when both the day-of-month and the day-of-week fields are
//! restricted (neither starts with `*`), a day matches if *either* matches:
//! `0 0 13 * fri` runs on every 13th and on every Friday.
//!
//! Calendar facts (leap years, month lengths, weekdays, Unix time) come from
//! the `time` crate; the search for the next run steps through the calendar
//! field by field, skipping whole months, days and hours that cannot match.
//! The schedule syntax itself is parsed here rather than by a cron crate, so
//! that every refusal names the field, the value and what to write instead,
//! and so that `@reboot` is refused with its own reason.
//!
//! Nothing in this module panics, whatever the input.

use std::fmt;

use thiserror::Error;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// How many years ahead [`CronSchedule::next_after`] looks before giving up.
/// The longest possible gap is 8 years (Feb 29 across a skipped leap year such
/// as 2100), so this is only reached for dates near the end of `i32` years.
const SEARCH_YEARS: i32 = 9;

/// A minute in UTC, as calendar fields: the unit cron works in.
///
/// Fields are public for convenience; [`UtcDateTime::new`] checks them, and
/// functions given an impossible value (month 13, February 30, hour 24...)
/// return `None` rather than guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UtcDateTime {
    /// The year, e.g. 2026.
    pub year: i32,
    /// The month, 1 (January) to 12 (December).
    pub month: u8,
    /// The day of the month, 1 to 28..=31.
    pub day: u8,
    /// The hour, 0 to 23.
    pub hour: u8,
    /// The minute, 0 to 59.
    pub minute: u8,
}

impl UtcDateTime {
    /// A date and time, or `None` if it does not exist (e.g. 2025-02-29).
    pub fn new(year: i32, month: u8, day: u8, hour: u8, minute: u8) -> Option<UtcDateTime> {
        let t = UtcDateTime {
            year,
            month,
            day,
            hour,
            minute,
        };
        t.is_valid().then_some(t)
    }

    /// Whether every field is in range for its month and year.
    pub fn is_valid(&self) -> bool {
        (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
            && self.hour < 24
            && self.minute < 60
    }

    /// The minute containing `secs` seconds after 1970-01-01 00:00 UTC
    /// (seconds are dropped). `None` outside the years -9999 to 9999, the
    /// range of the `time` crate.
    pub fn from_unix_seconds(secs: i64) -> Option<UtcDateTime> {
        let t = OffsetDateTime::from_unix_timestamp(secs).ok()?;
        Some(UtcDateTime {
            year: t.year(),
            month: u8::from(t.month()),
            day: t.day(),
            hour: t.hour(),
            minute: t.minute(),
        })
    }

    /// Seconds from 1970-01-01 00:00 UTC to the start of this minute, or
    /// `None` if the date is not valid or outside the years -9999 to 9999.
    pub fn to_unix_seconds(&self) -> Option<i64> {
        let time = Time::from_hms(self.hour, self.minute, 0).ok()?;
        let at = PrimitiveDateTime::new(self.date()?, time);
        Some(at.assume_utc().unix_timestamp())
    }

    /// The day of the week, 0 (Sunday) to 6 (Saturday), as cron numbers them.
    /// `None` if the date is not valid or outside the years -9999 to 9999.
    pub fn weekday(&self) -> Option<u8> {
        Some(self.date()?.weekday().number_days_from_sunday())
    }

    /// The date as the `time` crate has it, if it is valid and in its range.
    fn date(&self) -> Option<Date> {
        let month = Month::try_from(self.month).ok()?;
        Date::from_calendar_date(self.year, month, self.day).ok()
    }

    /// The next minute, rolling over hours, days, months and years.
    fn plus_minute(self) -> Option<UtcDateTime> {
        if self.minute < 59 {
            return Some(UtcDateTime {
                minute: self.minute + 1,
                ..self
            });
        }
        self.next_hour()
    }

    /// Minute 0 of the next hour.
    fn next_hour(self) -> Option<UtcDateTime> {
        if self.hour < 23 {
            return Some(UtcDateTime {
                hour: self.hour + 1,
                minute: 0,
                ..self
            });
        }
        self.next_day()
    }

    /// 00:00 on the next day.
    fn next_day(self) -> Option<UtcDateTime> {
        if self.day < days_in_month(self.year, self.month) {
            return Some(UtcDateTime {
                day: self.day + 1,
                hour: 0,
                minute: 0,
                ..self
            });
        }
        self.next_month()
    }

    /// 00:00 on the first day of the next month.
    fn next_month(self) -> Option<UtcDateTime> {
        let (year, month) = if self.month < 12 {
            (self.year, self.month + 1)
        } else {
            (self.year.checked_add(1)?, 1)
        };
        Some(UtcDateTime {
            year,
            month,
            day: 1,
            hour: 0,
            minute: 0,
        })
    }
}

impl fmt::Display for UtcDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            self.year, self.month, self.day, self.hour, self.minute
        )
    }
}

/// Days in `month` (1..=12) of `year` (any `i32`); 0 for a month out of range.
pub(crate) fn days_in_month(year: i32, month: u8) -> u8 {
    Month::try_from(month).map_or(0, |m| time::util::days_in_month(m, year))
}

/// A parsed cron schedule. Displays as the text it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CronSchedule {
    text: String,
    /// Bit n set = minute n matches (0..=59).
    minutes: u64,
    /// Bit n set = hour n matches (0..=23).
    hours: u64,
    /// Bit n set = day of month n matches (1..=31).
    days_of_month: u64,
    /// Bit n set = month n matches (1..=12).
    months: u64,
    /// Bit n set = weekday n matches (0..=6, Sunday = 0).
    days_of_week: u64,
    /// The day-of-month field does not start with `*`.
    dom_restricted: bool,
    /// The day-of-week field does not start with `*`.
    dow_restricted: bool,
}

/// Why a cron schedule was rejected. Displays as
/// ``cron schedule `TEXT`: <what is wrong and how to fix it>``.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("cron schedule `{schedule}`: {kind}")]
pub struct CronError {
    /// The schedule as given (trimmed).
    pub schedule: String,
    /// What is wrong.
    pub kind: CronErrorKind,
}

/// What is wrong with a cron schedule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CronErrorKind {
    /// Nothing was given.
    #[error(
        "the schedule is empty; write five fields `minute hour day-of-month month day-of-week`, e.g. `*/5 * * * *`, or a shortcut such as `@daily`"
    )]
    Empty,
    /// Not five fields.
    #[error(
        "it has {count} fields, but a schedule has exactly 5: minute hour day-of-month month day-of-week, e.g. `30 2 * * *` for 02:30 every day{}",
        if *count == 6 { " (there is no seconds or year field: cron runs at most once a minute)" } else { "" }
    )]
    FieldCount {
        /// How many whitespace-separated fields there were.
        count: usize,
    },
    /// `@reboot`, which has no meaning for a scheduled job.
    #[error(
        "`@reboot` is not supported: Wharf cron jobs run on a clock; to run a command on each deploy, use a `release` process in the Procfile or a predeploy script"
    )]
    Reboot,
    /// An `@name` that is not a known shortcut.
    #[error(
        "`{given}` is not a known shortcut; use one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually, or write five fields"
    )]
    UnknownShortcut {
        /// The shortcut as written.
        given: String,
    },
    /// `1,,2` or a trailing comma.
    #[error("the {field} field `{text}` has an empty item; remove the extra comma")]
    EmptyItem {
        /// Which field.
        field: &'static str,
        /// The whole field.
        text: String,
    },
    /// A value that is not a number (or name) in range.
    #[error("in the {field} field, `{value}` is not valid; use {allowed}")]
    BadValue {
        /// Which field.
        field: &'static str,
        /// The rejected value.
        value: String,
        /// What is allowed there.
        allowed: &'static str,
    },
    /// A step of 0, or not a number, or larger than the field.
    #[error(
        "in the {field} field, step `/{step}` is not valid; use a whole number from 1 to {max}, e.g. `*/5`"
    )]
    BadStep {
        /// Which field.
        field: &'static str,
        /// The step as written.
        step: String,
        /// The largest useful step.
        max: u32,
    },
    /// `a-b` with `a` after `b`.
    #[error(
        "in the {field} field, range `{range}` runs backwards; write the smaller value first, or split a wrap-around range in two (e.g. `22-23,0-2`)"
    )]
    Backwards {
        /// Which field.
        field: &'static str,
        /// The range as written.
        range: String,
    },
    /// Valid syntax, but no date ever matches (e.g. February 30).
    #[error(
        "it never runs: no month it allows has the day of the month it asks for (e.g. February has at most 29 days, April 30); change the day or the month"
    )]
    NeverRuns,
}

/// One of the five fields: its name, range and value names.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    /// Names for the values `min`, `min + 1`, ... (empty if none).
    names: &'static [&'static str],
    allowed: &'static str,
}

const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
    allowed: "a number from 0 to 59",
};
const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
    allowed: "a number from 0 to 23 (hours are UTC)",
};
const DAY_OF_MONTH: Field = Field {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
    allowed: "a number from 1 to 31",
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
    allowed: "a number from 1 to 12 or a name jan..dec",
};
const DAY_OF_WEEK: Field = Field {
    name: "day-of-week",
    min: 0,
    max: 7,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
    allowed: "a number from 0 to 7 (0 and 7 are Sunday) or a name sun..sat",
};

impl CronSchedule {
    /// Parses a five-field schedule or an `@` shortcut. Surrounding
    /// whitespace is ignored; fields are separated by spaces or tabs.
    pub fn parse(text: &str) -> Result<CronSchedule, CronError> {
        let trimmed = text.trim();
        Self::parse_fields(trimmed).map_err(|kind| CronError {
            schedule: trimmed.to_owned(),
            kind,
        })
    }

    fn parse_fields(text: &str) -> Result<CronSchedule, CronErrorKind> {
        if text.is_empty() {
            return Err(CronErrorKind::Empty);
        }
        let expanded = if text.starts_with('@') {
            match text.to_ascii_lowercase().as_str() {
                "@yearly" | "@annually" => "0 0 1 1 *",
                "@monthly" => "0 0 1 * *",
                "@weekly" => "0 0 * * 0",
                "@daily" | "@midnight" => "0 0 * * *",
                "@hourly" => "0 * * * *",
                "@reboot" => return Err(CronErrorKind::Reboot),
                _ => {
                    return Err(CronErrorKind::UnknownShortcut {
                        given: text.to_owned(),
                    });
                }
            }
        } else {
            text
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [minute, hour, dom, month, dow] = fields[..] else {
            return Err(CronErrorKind::FieldCount {
                count: fields.len(),
            });
        };
        let mut days_of_week = parse_field(&DAY_OF_WEEK, dow)?;
        if days_of_week & (1 << 7) != 0 {
            days_of_week = (days_of_week & !(1 << 7)) | 1;
        }
        let schedule = CronSchedule {
            text: text.to_owned(),
            minutes: parse_field(&MINUTE, minute)?,
            hours: parse_field(&HOUR, hour)?,
            days_of_month: parse_field(&DAY_OF_MONTH, dom)?,
            months: parse_field(&MONTH, month)?,
            days_of_week,
            dom_restricted: !dom.starts_with('*'),
            dow_restricted: !dow.starts_with('*'),
        };
        if !schedule.can_run() {
            return Err(CronErrorKind::NeverRuns);
        }
        Ok(schedule)
    }

    /// The schedule as written (trimmed; a shortcut stays a shortcut).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the schedule runs at minute `t`. `false` for an invalid `t`.
    pub fn matches(&self, t: UtcDateTime) -> bool {
        t.is_valid()
            && has(self.months, t.month)
            && self.day_matches(t)
            && has(self.hours, t.hour)
            && has(self.minutes, t.minute)
    }

    /// The first minute strictly after `t` at which the schedule runs.
    ///
    /// `None` if `t` is not a valid date and time, if the answer would
    /// fall after the year `i32::MAX`, or if the schedule names days of the
    /// week and the search leaves the years -9999 to 9999.
    pub fn next_after(&self, t: UtcDateTime) -> Option<UtcDateTime> {
        if !t.is_valid() {
            return None;
        }
        let last_year = t.year.saturating_add(SEARCH_YEARS);
        let mut c = t.plus_minute()?;
        while c.year <= last_year {
            c = if !has(self.months, c.month) {
                c.next_month()?
            } else if !self.day_matches(c) {
                c.next_day()?
            } else if !has(self.hours, c.hour) {
                c.next_hour()?
            } else if !has(self.minutes, c.minute) {
                c.plus_minute()?
            } else {
                return Some(c);
            };
        }
        None
    }

    /// The day rule: with both day fields restricted, either may match;
    /// otherwise both must (an unrestricted field matches every day).
    ///
    /// A day-of-week set that allows all seven days needs no calendar, so
    /// such schedules work in every year an `i32` holds; the others only
    /// where the `time` crate knows the weekday (years -9999 to 9999).
    fn day_matches(&self, t: UtcDateTime) -> bool {
        let dom = has(self.days_of_month, t.day);
        let dow = self.days_of_week == ALL_WEEKDAYS
            || t.weekday().is_some_and(|w| has(self.days_of_week, w));
        if self.dom_restricted && self.dow_restricted {
            dom || dow
        } else {
            dom && dow
        }
    }

    /// Whether some date matches. Only a restricted day of month combined
    /// with an unrestricted day of week can make that impossible.
    fn can_run(&self) -> bool {
        if self.dow_restricted {
            return true;
        }
        (1..=12u8).filter(|m| has(self.months, *m)).any(|m| {
            // 2000 is a leap year, so February counts its 29th.
            (1..=days_in_month(2000, m)).any(|d| has(self.days_of_month, d))
        })
    }
}

impl fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for CronSchedule {
    type Err = CronError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CronSchedule::parse(s)
    }
}

/// The day-of-week bits of a schedule that runs on every day of the week.
const ALL_WEEKDAYS: u64 = 0b111_1111;

/// Whether bit `n` is set.
fn has(bits: u64, n: u8) -> bool {
    n < 64 && bits & (1u64 << n) != 0
}

/// Parses one field into a bit set of the values it allows.
fn parse_field(field: &Field, text: &str) -> Result<u64, CronErrorKind> {
    let mut bits = 0u64;
    for item in text.split(',') {
        if item.is_empty() {
            return Err(CronErrorKind::EmptyItem {
                field: field.name,
                text: text.to_owned(),
            });
        }
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(parse_step(field, step)?)),
            None => (item, None),
        };
        let (low, high) = if range == "*" {
            (field.min, field.max)
        } else if let Some((a, b)) = range.split_once('-') {
            let low = parse_value(field, a)?;
            let mut high = parse_value(field, b)?;
            // `fri-sun`: Sunday at the end of a range means 7.
            if field.name == DAY_OF_WEEK.name && high == 0 && low > 0 {
                high = 7;
            }
            if low > high {
                return Err(CronErrorKind::Backwards {
                    field: field.name,
                    range: range.to_owned(),
                });
            }
            (low, high)
        } else {
            let value = parse_value(field, range)?;
            // `a/n` means from `a` to the end of the field, every n.
            if step.is_some() {
                (value, field.max)
            } else {
                (value, value)
            }
        };
        let step = step.unwrap_or(1);
        let mut value = low;
        while value <= high {
            bits |= 1u64 << value;
            value = match value.checked_add(step) {
                Some(next) => next,
                None => break,
            };
        }
    }
    Ok(bits)
}

/// Parses the `n` of `/n`.
fn parse_step(field: &Field, text: &str) -> Result<u32, CronErrorKind> {
    let max = field.max - field.min + 1;
    digits(text)
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| CronErrorKind::BadStep {
            field: field.name,
            step: text.to_owned(),
            max,
        })
}

/// Parses a number or a name in the field's range.
fn parse_value(field: &Field, text: &str) -> Result<u32, CronErrorKind> {
    let bad = || CronErrorKind::BadValue {
        field: field.name,
        value: text.to_owned(),
        allowed: field.allowed,
    };
    if let Some(n) = digits(text) {
        return if (field.min..=field.max).contains(&n) {
            Ok(n)
        } else {
            Err(bad())
        };
    }
    let lower = text.to_ascii_lowercase();
    let index = field
        .names
        .iter()
        .position(|name| *name == lower)
        .ok_or_else(bad)?;
    u32::try_from(index)
        .ok()
        .and_then(|i| i.checked_add(field.min))
        .ok_or_else(bad)
}

/// A number written with ASCII digits only.
fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests;
