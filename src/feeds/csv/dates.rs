//! Dates and times as spreadsheet cells hold them.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::feeds::time;

/// A date as written in a cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum When {
    /// A day without a time: all-day.
    Day(NaiveDate),
    /// A wall-clock time in the row's zone.
    Local(NaiveDateTime),
    /// A time with an explicit offset.
    Instant(DateTime<FixedOffset>),
}

impl When {
    pub(super) fn day(&self) -> NaiveDate {
        match self {
            When::Day(day) => *day,
            When::Local(local) => local.date(),
            When::Instant(instant) => instant.date_naive(),
        }
    }

    /// The instant, a wall-clock time read in `zone` by the one rule of [`time::local`].
    pub(super) fn instant(&self, zone: Tz) -> DateTime<Utc> {
        match self {
            When::Day(day) => time::midnight(zone, *day),
            When::Local(local) => time::instant(zone, *local),
            When::Instant(instant) => instant.with_timezone(&Utc),
        }
    }
}

/// `dd/mm/yyyy`, `dd/mm/yy`, `dd.mm.yyyy`, `yyyy-mm-dd` or `yyyy/mm/dd`, optionally followed
/// (after a space, `T` or ` à `) by a time with an optional offset (`Z`, `+02:00`, `+0200`).
pub(super) fn parse_when(value: &str) -> Option<When> {
    let value = value.trim();
    if let Ok(instant) = DateTime::parse_from_rfc3339(value) {
        return Some(When::Instant(instant));
    }
    let split = value.find([' ', 'T']).unwrap_or(value.len());
    let day = parse_day(&value[..split])?;
    let mut rest = value[split..].trim_start_matches([' ', 'T']).trim();
    for prefix in ["à ", "a ", "at "] {
        if let Some(stripped) = rest.strip_prefix(prefix) {
            rest = stripped.trim();
        }
    }
    if rest.is_empty() {
        return Some(When::Day(day));
    }
    let (time, offset) = split_offset(rest)?;
    let local = day.and_time(parse_time(time)?);
    match offset {
        None => Some(When::Local(local)),
        Some(offset) => offset.from_local_datetime(&local).single().map(When::Instant),
    }
}

fn parse_day(value: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = value.split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else { return None };
    if ![a, b, c]
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let number = |s: &str| s.parse::<u32>().ok();
    if a.len() == 4 {
        return NaiveDate::from_ymd_opt(a.parse().ok()?, number(b)?, number(c)?);
    }
    if a.len() > 2 || b.len() > 2 {
        return None;
    }
    let year: i32 = match c.len() {
        4 => c.parse().ok()?,
        // Two-digit years in event lists are this century's.
        2 => 2000 + c.parse::<i32>().ok()?,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year, number(b)?, number(a)?)
}

/// Splits a trailing `Z` or numeric offset from a time.
fn split_offset(value: &str) -> Option<(&str, Option<FixedOffset>)> {
    if let Some(time) = value.strip_suffix(['Z', 'z']) {
        return Some((time.trim(), FixedOffset::east_opt(0)));
    }
    let Some(at) = value.rfind(['+', '-']) else {
        return Some((value, None));
    };
    let (time, offset) = (value[..at].trim(), &value[at..]);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits: String = offset[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 && digits.len() != 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = if digits.len() == 4 {
        digits[2..].parse().ok()?
    } else {
        0
    };
    Some((time, Some(FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))?)))
}

/// A time of day: `14:30`, `14:30:00`, `14:30:00.000`, `14h30`, `14h`, `9H05`.
pub(super) fn parse_time(value: &str) -> Option<NaiveTime> {
    let value = value.trim();
    let parts: Vec<&str> = value.split([':', 'h', 'H']).collect();
    let number = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    match parts.as_slice() {
        [hours, minutes] if value.contains(['h', 'H']) && minutes.is_empty() => {
            NaiveTime::from_hms_opt(number(hours)?, 0, 0)
        }
        [hours, minutes] => NaiveTime::from_hms_opt(number(hours)?, number(minutes)?, 0),
        [hours, minutes, seconds] if value.contains(':') => {
            let whole = seconds.split('.').next().unwrap_or_default();
            NaiveTime::from_hms_opt(number(hours)?, number(minutes)?, number(whole)?)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("valid test value")
            .with_timezone(&Utc)
    }

    #[test]
    fn dates_and_times() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid test value");
        assert_eq!(parse_when("12/03/2024"), Some(When::Day(day(2024, 3, 12))));
        assert_eq!(parse_when("1/3/24"), Some(When::Day(day(2024, 3, 1))));
        assert_eq!(parse_when("2024-03-12"), Some(When::Day(day(2024, 3, 12))));
        assert_eq!(
            parse_when("12/03/2024 à 14h30"),
            Some(When::Local(
                day(2024, 3, 12).and_hms_opt(14, 30, 0).expect("valid test value")
            ))
        );
        assert_eq!(
            parse_when("2024-03-12T14:30:15"),
            Some(When::Local(
                day(2024, 3, 12).and_hms_opt(14, 30, 15).expect("valid test value")
            ))
        );
        assert_eq!(
            parse_when("2024-03-12 14:30+0100").map(|w| w.instant(chrono_tz::UTC)),
            Some(utc("2024-03-12T13:30:00Z"))
        );
        for bad in [
            "32/13/2024",
            "12/03",
            "2024-02-30",
            "hier",
            "12/03/2024 14h30 demain",
            "12/03/2024 24:00",
        ] {
            assert_eq!(parse_when(bad), None, "{bad}");
        }
        assert_eq!(parse_time("9h"), NaiveTime::from_hms_opt(9, 0, 0));
        assert_eq!(parse_time("09:05:00"), NaiveTime::from_hms_opt(9, 5, 0));
        assert_eq!(parse_time("2024"), None);
        // The spring-forward gap in Paris: 02:30 does not exist, read as 03:30 CEST.
        let gap = When::Local(day(2024, 3, 31).and_hms_opt(2, 30, 0).expect("valid test value"));
        assert_eq!(gap.instant(chrono_tz::Europe::Paris), utc("2024-03-31T01:30:00Z"));
    }
}
