//! Tests of cron schedules: parsing, the next run after a time, and the errors that name the bad field.

use super::*;

use time::util::is_leap_year;

fn at(year: i32, month: u8, day: u8, hour: u8, minute: u8) -> UtcDateTime {
    UtcDateTime::new(year, month, day, hour, minute).unwrap()
}

fn cron(text: &str) -> CronSchedule {
    CronSchedule::parse(text).unwrap()
}

fn next(text: &str, t: UtcDateTime) -> UtcDateTime {
    cron(text).next_after(t).unwrap()
}

fn fail(text: &str) -> CronError {
    CronSchedule::parse(text).unwrap_err()
}

#[test]
fn leap_years_and_month_lengths() {
    assert!(is_leap_year(2024));
    assert!(is_leap_year(2000));
    assert!(is_leap_year(1600));
    assert!(!is_leap_year(1900));
    assert!(!is_leap_year(2100));
    assert!(!is_leap_year(2026));
    assert!(is_leap_year(-4));
    assert_eq!(days_in_month(2024, 2), 29);
    assert_eq!(days_in_month(2026, 2), 28);
    assert_eq!(days_in_month(2100, 2), 28);
    assert_eq!(days_in_month(2026, 4), 30);
    assert_eq!(days_in_month(2026, 12), 31);
    assert_eq!(days_in_month(2026, 0), 0);
    assert_eq!(days_in_month(2026, 13), 0);
}

#[test]
fn validity() {
    assert!(UtcDateTime::new(2024, 2, 29, 23, 59).is_some());
    for (y, mo, d, h, mi) in [
        (2025, 2, 29, 0, 0),
        (2026, 4, 31, 0, 0),
        (2026, 0, 1, 0, 0),
        (2026, 13, 1, 0, 0),
        (2026, 1, 0, 0, 0),
        (2026, 1, 1, 24, 0),
        (2026, 1, 1, 0, 60),
    ] {
        assert!(UtcDateTime::new(y, mo, d, h, mi).is_none(), "{y}-{mo}-{d}");
    }
}

#[test]
fn weekdays() {
    assert_eq!(at(1970, 1, 1, 0, 0).weekday(), Some(4)); // Thursday
    assert_eq!(at(2000, 1, 1, 0, 0).weekday(), Some(6)); // Saturday
    assert_eq!(at(2024, 2, 29, 0, 0).weekday(), Some(4)); // Thursday
    assert_eq!(at(2026, 11, 21, 0, 0).weekday(), Some(6)); // Saturday
    assert_eq!(at(2026, 11, 22, 0, 0).weekday(), Some(0)); // Sunday
    assert_eq!(at(1969, 12, 31, 0, 0).weekday(), Some(3)); // Wednesday
    assert_eq!(at(1900, 1, 1, 0, 0).weekday(), Some(1)); // Monday
    let bad = UtcDateTime {
        year: 2026,
        month: 2,
        day: 30,
        hour: 0,
        minute: 0,
    };
    assert_eq!(bad.weekday(), None);
}

#[test]
fn unix_round_trip() {
    assert_eq!(
        UtcDateTime::from_unix_seconds(0),
        Some(at(1970, 1, 1, 0, 0))
    );
    assert_eq!(
        UtcDateTime::from_unix_seconds(1_709_164_859), // 2024-02-29 00:00:59
        Some(at(2024, 2, 29, 0, 0))
    );
    assert_eq!(
        UtcDateTime::from_unix_seconds(-1),
        Some(at(1969, 12, 31, 23, 59))
    );
    assert_eq!(at(2024, 3, 1, 0, 0).to_unix_seconds(), Some(1_709_251_200));
    for secs in [
        0i64,
        59,
        86_399,
        951_782_400,   // 2000-02-29
        4_107_542_400, // 2100-03-01
        -62_135_596_800,
        253_402_300_740,
    ] {
        let t = UtcDateTime::from_unix_seconds(secs).unwrap();
        assert_eq!(t.to_unix_seconds(), Some(secs - secs.rem_euclid(60)), "{t}");
    }
    assert!(UtcDateTime::from_unix_seconds(i64::MAX).is_none());
    assert!(UtcDateTime::from_unix_seconds(i64::MIN).is_none());
}

#[test]
fn display() {
    assert_eq!(at(2026, 3, 7, 4, 5).to_string(), "2026-03-07 04:05 UTC");
    assert_eq!(cron(" @daily ").to_string(), "@daily");
    assert_eq!(cron("*/5  *\t* * *").as_str(), "*/5  *\t* * *");
}

#[test]
fn every_five_minutes() {
    let s = "*/5 * * * *";
    assert_eq!(next(s, at(2026, 1, 1, 0, 0)), at(2026, 1, 1, 0, 5));
    assert_eq!(next(s, at(2026, 1, 1, 0, 3)), at(2026, 1, 1, 0, 5));
    assert_eq!(next(s, at(2026, 1, 1, 0, 59)), at(2026, 1, 1, 1, 0));
    assert_eq!(next(s, at(2026, 12, 31, 23, 58)), at(2027, 1, 1, 0, 0));
}

#[test]
fn strictly_after() {
    assert_eq!(
        next("* * * * *", at(2026, 5, 5, 5, 5)),
        at(2026, 5, 5, 5, 6)
    );
    assert_eq!(
        next("30 2 * * *", at(2026, 5, 5, 2, 30)),
        at(2026, 5, 6, 2, 30)
    );
}

#[test]
fn shortcuts() {
    let t = at(2026, 11, 21, 15, 33); // a Saturday
    assert_eq!(next("@hourly", t), at(2026, 11, 21, 16, 0));
    assert_eq!(next("@daily", t), at(2026, 11, 22, 0, 0));
    assert_eq!(next("@midnight", t), at(2026, 11, 22, 0, 0));
    assert_eq!(next("@weekly", t), at(2026, 11, 22, 0, 0)); // Sunday
    assert_eq!(next("@monthly", t), at(2026, 12, 1, 0, 0));
    assert_eq!(next("@yearly", t), at(2027, 1, 1, 0, 0));
    assert_eq!(next("@ANNUALLY", t), at(2027, 1, 1, 0, 0));
    assert_eq!(cron("@daily"), {
        let mut c = cron("0 0 * * *");
        c.text = "@daily".into();
        c
    });
}

#[test]
fn month_ends() {
    let s = "0 12 31 * *";
    assert_eq!(next(s, at(2026, 1, 31, 12, 0)), at(2026, 3, 31, 12, 0));
    assert_eq!(next(s, at(2026, 4, 1, 0, 0)), at(2026, 5, 31, 12, 0));
    let s30 = "0 0 30 * *";
    assert_eq!(next(s30, at(2026, 1, 30, 0, 0)), at(2026, 3, 30, 0, 0));
    // Last minute of a month rolls into the next month.
    assert_eq!(
        next("* * * * *", at(2026, 4, 30, 23, 59)),
        at(2026, 5, 1, 0, 0)
    );
    assert_eq!(
        next("* * * * *", at(2026, 2, 28, 23, 59)),
        at(2026, 3, 1, 0, 0)
    );
    assert_eq!(
        next("* * * * *", at(2024, 2, 28, 23, 59)),
        at(2024, 2, 29, 0, 0)
    );
}

#[test]
fn february_29() {
    let s = "0 0 29 2 *";
    assert_eq!(next(s, at(2026, 1, 1, 0, 0)), at(2028, 2, 29, 0, 0));
    assert_eq!(next(s, at(2024, 2, 29, 0, 0)), at(2028, 2, 29, 0, 0));
    // 2100 is not a leap year: eight years between 2096 and 2104.
    assert_eq!(next(s, at(2096, 3, 1, 0, 0)), at(2104, 2, 29, 0, 0));
    assert_eq!(next(s, at(2399, 6, 1, 0, 0)), at(2400, 2, 29, 0, 0));
}

#[test]
fn year_rollover() {
    assert_eq!(
        next("0 0 1 1 *", at(2026, 1, 1, 0, 0)),
        at(2027, 1, 1, 0, 0)
    );
    assert_eq!(
        next("59 23 31 12 *", at(2026, 12, 31, 23, 58)),
        at(2026, 12, 31, 23, 59)
    );
    assert_eq!(
        next("59 23 31 12 *", at(2026, 12, 31, 23, 59)),
        at(2027, 12, 31, 23, 59)
    );
}

#[test]
fn day_of_month_or_day_of_week() {
    // Every 13th and every Friday.
    let s = "0 0 13 * fri";
    // 2026-11-21 is a Saturday; next Friday is the 27th, before Dec 13.
    assert_eq!(next(s, at(2026, 11, 21, 0, 0)), at(2026, 11, 27, 0, 0));
    // From Dec 11 (Friday) the 13th (Sunday) comes before Friday the 18th.
    assert_eq!(next(s, at(2026, 12, 11, 0, 0)), at(2026, 12, 13, 0, 0));
    // With `*` in day-of-week only the day of month counts, and vice versa.
    assert_eq!(
        next("0 0 13 * *", at(2026, 11, 21, 0, 0)),
        at(2026, 12, 13, 0, 0)
    );
    assert_eq!(
        next("0 0 * * fri", at(2026, 11, 21, 0, 0)),
        at(2026, 11, 27, 0, 0)
    );
    // A stepped `*` counts as unrestricted: both must match (AND).
    let and = cron("0 0 */2 * 1");
    assert!(!and.dom_restricted);
    // Mondays on odd days: 2026-11-23 is a Monday and odd.
    assert_eq!(
        and.next_after(at(2026, 11, 21, 0, 0)),
        Some(at(2026, 11, 23, 0, 0))
    );
    // 2026-11-30 is a Monday but even: skipped; next odd Monday is Dec 7.
    assert_eq!(
        and.next_after(at(2026, 11, 24, 0, 0)),
        Some(at(2026, 12, 7, 0, 0))
    );
}

#[test]
fn sunday_is_0_and_7() {
    let t = at(2026, 11, 21, 12, 0); // Saturday
    let sunday = at(2026, 11, 22, 0, 0);
    assert_eq!(next("0 0 * * 0", t), sunday);
    assert_eq!(next("0 0 * * 7", t), sunday);
    assert_eq!(next("0 0 * * SUN", t), sunday);
    assert_eq!(next("0 0 * * fri-sun", t), sunday);
    assert_eq!(next("0 0 * * 5-7", t), sunday);
    assert_eq!(cron("0 0 * * 7").days_of_week, 1);
    assert_eq!(cron("0 0 * * 0-7").days_of_week, 0b111_1111);
}

#[test]
fn weekdays_and_month_names() {
    let s = cron("30 9 * jan,Jul mon-fri");
    assert_eq!(s.months, (1 << 1) | (1 << 7));
    assert_eq!(s.days_of_week, 0b011_1110);
    // 2027-01-01 is a Friday.
    assert_eq!(
        s.next_after(at(2026, 11, 21, 0, 0)),
        Some(at(2027, 1, 1, 9, 30))
    );
    // 2027-01-02 is a Saturday, so the next is Monday the 4th.
    assert_eq!(
        s.next_after(at(2027, 1, 1, 9, 30)),
        Some(at(2027, 1, 4, 9, 30))
    );
    // After January, July.
    assert_eq!(
        s.next_after(at(2027, 1, 29, 9, 30)),
        Some(at(2027, 7, 1, 9, 30))
    );
}

#[test]
fn lists_ranges_and_steps() {
    assert_eq!(cron("1,2,3 * * * *").minutes, 0b1110);
    assert_eq!(cron("10-12 * * * *").minutes, 0b111 << 10);
    assert_eq!(
        cron("0-10/5 * * * *").minutes,
        (1 << 0) | (1 << 5) | (1 << 10)
    );
    assert_eq!(cron("50/5 * * * *").minutes, (1 << 50) | (1 << 55));
    assert_eq!(
        cron("* */6 * * *").hours,
        1 | (1 << 6) | (1 << 12) | (1 << 18)
    );
    assert_eq!(cron("*/60 * * * *").minutes, 1);
    assert_eq!(cron("* * * * *").minutes, (1 << 60) - 1);
    assert_eq!(
        cron("* * * */3 *").months,
        (1 << 1) | (1 << 4) | (1 << 7) | (1 << 10)
    );
    assert_eq!(
        cron("0 0 1-31/10 * *").days_of_month,
        (1 << 1) | (1 << 11) | (1 << 21) | (1 << 31)
    );
    assert_eq!(
        next("15,45 8-9 * * *", at(2026, 1, 1, 9, 45)),
        at(2026, 1, 2, 8, 15)
    );
}

#[test]
fn errors_explain() {
    let cases: &[(&str, &str)] = &[
        ("", "empty"),
        ("   ", "empty"),
        ("* * * *", "4 fields"),
        ("0 * * * * *", "no seconds"),
        ("@reboot", "not supported"),
        ("@often", "not a known shortcut"),
        ("60 * * * *", "0 to 59"),
        ("* 24 * * *", "0 to 23"),
        ("* * 0 * *", "1 to 31"),
        ("* * 32 * *", "1 to 31"),
        ("* * * 13 *", "jan..dec"),
        ("* * * * 8", "0 to 7"),
        ("* * * * monday", "sun..sat"),
        ("mon * * * *", "0 to 59"),
        ("* * * jan-mon *", "jan..dec"),
        ("*/0 * * * *", "step `/0`"),
        ("*/61 * * * *", "1 to 60"),
        ("*/x * * * *", "step `/x`"),
        ("*/ * * * *", "step `/`"),
        ("1,,2 * * * *", "empty item"),
        ("1, * * * *", "empty item"),
        ("5-1 * * * *", "backwards"),
        ("-1 * * * *", "not valid"),
        ("1- * * * *", "not valid"),
        ("+1 * * * *", "not valid"),
        ("0 0 30 2 *", "never runs"),
        ("0 0 31 4,6,9,11 *", "never runs"),
        ("٣ * * * *", "not valid"),
        ("99999999999 * * * *", "not valid"),
    ];
    for (schedule, needle) in cases {
        let e = fail(schedule);
        let msg = e.to_string();
        assert!(msg.starts_with("cron schedule `"), "{msg}");
        assert!(msg.contains(needle), "{schedule:?}: {msg}");
    }
    assert_eq!(fail("60 * * * *").schedule, "60 * * * *");
}

#[test]
fn feb_30_is_allowed_when_day_of_week_is_restricted() {
    // DOM OR DOW: runs every Monday even though Feb 30 never comes.
    let s = cron("0 0 30 2 mon");
    assert_eq!(
        s.next_after(at(2026, 11, 21, 0, 0)),
        Some(at(2027, 2, 1, 0, 0))
    );
}

#[test]
fn matches() {
    let s = cron("*/15 9-17 * * mon-fri");
    assert!(s.matches(at(2026, 11, 23, 9, 45)));
    assert!(!s.matches(at(2026, 11, 23, 9, 46)));
    assert!(!s.matches(at(2026, 11, 22, 9, 45)));
    let bad = UtcDateTime {
        year: 2026,
        month: 13,
        day: 1,
        hour: 0,
        minute: 0,
    };
    assert!(!s.matches(bad));
}

#[test]
fn next_after_edge_cases() {
    let s = cron("* * * * *");
    let invalid = UtcDateTime {
        year: 2026,
        month: 2,
        day: 29,
        hour: 0,
        minute: 0,
    };
    assert_eq!(s.next_after(invalid), None);
    assert_eq!(s.next_after(at(i32::MAX, 12, 31, 23, 59)), None);
    assert_eq!(
        cron("0 0 29 2 *").next_after(at(i32::MAX - 3, 3, 1, 0, 0)),
        None
    );
    assert_eq!(
        s.next_after(at(i32::MIN, 1, 1, 0, 0)),
        Some(at(i32::MIN, 1, 1, 0, 1))
    );
}

#[test]
fn beyond_the_calendar_crate_range() {
    // Year 10000 is a valid UtcDateTime, but has no weekday or Unix time here.
    let far = at(10_000, 1, 1, 0, 0);
    assert_eq!(far.weekday(), None);
    assert_eq!(far.to_unix_seconds(), None);
    assert_eq!(UtcDateTime::from_unix_seconds(253_402_300_800), None); // 10000-01-01
    // Schedules that allow every weekday still run there...
    assert_eq!(next("0 0 * * *", far), at(10_000, 1, 2, 0, 0));
    assert_eq!(next("0 0 * * 0-6", far), at(10_000, 1, 2, 0, 0));
    // ...ones that name days of the week find no date.
    assert_eq!(cron("0 0 * * mon").next_after(far), None);
    assert!(!cron("0 0 * * mon").matches(at(10_000, 1, 3, 0, 0)));
    assert_eq!(
        next("0 0 * * mon", at(9999, 12, 20, 0, 0)),
        at(9999, 12, 27, 0, 0) // a Monday
    );
}

#[test]
fn next_agrees_with_brute_force() {
    // Walk minute by minute through 2027-2028 for a few schedules and
    // check next_after against matches().
    for text in [
        "0 0 13 * fri",
        "*/7 3 * * *",
        "0 12 29 2 *",
        "5 4 1,15 */2 sun",
    ] {
        let s = cron(text);
        let mut t = at(2027, 1, 1, 0, 0);
        let mut expected = s.next_after(t);
        let end = at(2029, 1, 1, 0, 0);
        while t < end {
            let Some(n) = t.plus_minute() else { break };
            if s.matches(n) {
                assert_eq!(expected, Some(n), "{text} after {t}");
                expected = s.next_after(n);
            }
            t = n;
        }
    }
}
