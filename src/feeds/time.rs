//! Times as feeds and spreadsheets write them: the one rule that turns a wall-clock time in a
//! zone into an instant, used by every format and by the importer, and the ISO 8601 dates with
//! the liberties RSS, JSON-LD and OpenAgenda take ([`Moment`], [`times`]).
//!
//! The rule is RFC 5545's (§3.3.5), applied to every format alike: a local time that exists
//! twice (clocks going back) is its first occurrence; one that does not exist (clocks going
//! forward) is read with the UTC offset in force before the gap, so it moves forward by the
//! gap's length (02:30 on a spring-forward night in Paris is 03:30 CEST, 01:30 UTC).
//!
//! Zone names of dates written with an offset: the instant is kept; its `timezone` is the
//! default zone when that zone has this very offset at that instant, `UTC` for offset zero,
//! else the `Etc/GMT±h` zone of a whole-hour offset (so the wall-clock time written in the
//! source still displays), else `UTC`. Dates without an offset are read in the default zone.

use chrono::offset::LocalResult;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The instant the wall-clock time `naive` denotes in `zone`, by the rule of the module
/// documentation.
pub fn local(zone: Tz, naive: NaiveDateTime) -> DateTime<Tz> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at,
        // A gap is a transition of the time-zone database, centuries away from either end of
        // chrono's range: subtracting an offset cannot overflow.
        LocalResult::None => zone.from_utc_datetime(&(naive - offset_before_gap(zone, naive))),
    }
}

/// [`local`], in UTC.
pub fn instant(zone: Tz, naive: NaiveDateTime) -> DateTime<Utc> {
    local(zone, naive).with_timezone(&Utc)
}

/// The start of `day` in `zone` (a midnight skipped by a change of offset moves forward).
pub fn midnight(zone: Tz, day: NaiveDate) -> DateTime<Utc> {
    instant(zone, day.and_time(NaiveTime::MIN))
}

/// The offset in force just before the gap `naive` falls in. Across a gap the zone goes from
/// an offset `before` to a larger `after`: `naive` read with `after` is an instant before the
/// transition (whose offset is `before`), read with `before` an instant after it (whose offset
/// is `after`). `naive` read as UTC lies within a day of the transition, so its offset is one of
/// the two, reading with it gives the other, and `before` is the smaller.
fn offset_before_gap(zone: Tz, naive: NaiveDateTime) -> Duration {
    let offset_of_naive_read_with = |offset: Duration| {
        let at = naive - offset;
        Duration::seconds(i64::from(zone.offset_from_utc_datetime(&at).fix().local_minus_utc()))
    };
    let first = offset_of_naive_read_with(Duration::zero());
    let second = offset_of_naive_read_with(first);
    first.min(second)
}

/// The `Etc/GMT±h` zone of a whole-hour offset other than zero, if the database has one.
pub fn etc_zone(offset_seconds: i32) -> Option<String> {
    let hours = offset_seconds / 3600;
    if offset_seconds == 0 || offset_seconds % 3600 != 0 || !(-12..=14).contains(&hours) {
        return None;
    }
    // POSIX signs: `Etc/GMT-1` is one hour ahead of UTC.
    Some(format!("Etc/GMT{}{}", if hours > 0 { '-' } else { '+' }, hours.abs()))
}

/// The zone name recorded for a time written with `offset` (see the module documentation).
pub fn zone_name(offset: FixedOffset, instant: DateTime<Utc>, default: Tz) -> String {
    let seconds = offset.local_minus_utc();
    if default
        .offset_from_utc_datetime(&instant.naive_utc())
        .fix()
        .local_minus_utc()
        == seconds
    {
        return default.name().to_string();
    }
    etc_zone(seconds).unwrap_or_else(|| "UTC".into())
}

/// A date or time as written in a feed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Moment {
    /// A date without a time: an all-day event.
    Date(NaiveDate),
    /// A wall-clock time without offset, read in the default zone.
    Floating(NaiveDateTime),
    /// A time with its UTC offset.
    Fixed(DateTime<FixedOffset>),
}

impl Moment {
    /// ISO 8601 / RFC 3339 with their common liberties (offset without colon, no seconds,
    /// fractions, space for `T`, date only, no offset), iCalendar basic format (xCal:
    /// `20060101T100000Z`) and RFC 2822 (RSS).
    pub fn parse(raw: &str) -> Option<Moment> {
        let s = raw.trim();
        if s.is_empty() {
            return None;
        }
        if let Some(moment) = parse_basic(s) {
            return Some(moment);
        }
        if let Ok(moment) = DateTime::parse_from_rfc2822(s) {
            return Some(Moment::Fixed(moment));
        }
        parse_iso(s)
    }
}

fn parse_basic(s: &str) -> Option<Moment> {
    if !s.is_ascii() {
        return None;
    }
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let date = NaiveDate::parse_from_str(s.get(..8)?, "%Y%m%d")
        .ok()
        .filter(|_| digits(&s[..8]))?;
    match s.len() {
        8 => Some(Moment::Date(date)),
        15 | 16 if &s[8..9] == "T" && digits(&s[9..15]) => {
            let naive = date.and_time(NaiveTime::parse_from_str(&s[9..15], "%H%M%S").ok()?);
            match &s[15..] {
                "" => Some(Moment::Floating(naive)),
                "Z" => Some(Moment::Fixed(naive.and_utc().fixed_offset())),
                _ => None,
            }
        }
        _ => None,
    }
}

fn parse_iso(s: &str) -> Option<Moment> {
    let date = NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()?;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(Moment::Date(date));
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    // The zone designator follows the time: `Z`, `+01:00`, `+0100` or `+01`.
    let (time, zone) = match rest.find(['Z', 'z', '+', '-']) {
        Some(at) => (&rest[..at], Some(&rest[at..])),
        None => (rest, None),
    };
    let time = time.trim();
    let time = ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M"]
        .iter()
        .find_map(|format| NaiveTime::parse_from_str(time, format).ok())?;
    let naive = date.and_time(time);
    match zone {
        None => Some(Moment::Floating(naive)),
        Some(zone) => {
            let offset = parse_offset(zone.trim())?;
            offset.from_local_datetime(&naive).single().map(Moment::Fixed)
        }
    }
}

fn parse_offset(zone: &str) -> Option<FixedOffset> {
    if zone.eq_ignore_ascii_case("z") {
        return FixedOffset::east_opt(0);
    }
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (digits[..2].parse::<i32>().ok()?, digits[2..].parse::<i32>().ok()?),
        _ => return None,
    };
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// When an event happens, read from its start and end.
#[derive(Clone, Debug, PartialEq)]
pub struct Times {
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub all_day: bool,
    pub timezone: String,
}

/// `zone` reads dates and floating times. `end_inclusive`: a date-only end names the last day
/// (schema.org, RSS event module) rather than the day after (iCalendar, xCal). An end that is
/// not after the start is dropped.
pub fn times(start: Moment, end: Option<Moment>, zone: Tz, end_inclusive: bool) -> Option<Times> {
    let (starts_at, timezone) = match start {
        Moment::Date(day) => (midnight(zone, day), zone.name().to_string()),
        Moment::Floating(naive) => (instant(zone, naive), zone.name().to_string()),
        Moment::Fixed(at) => {
            let utc = at.with_timezone(&Utc);
            (utc, zone_name(*at.offset(), utc, zone))
        }
    };
    let ends_at = end
        .and_then(|end| match end {
            Moment::Date(day) => {
                let day = if end_inclusive { day.succ_opt()? } else { day };
                Some(midnight(zone, day))
            }
            Moment::Floating(naive) => Some(instant(zone, naive)),
            Moment::Fixed(at) => Some(at.with_timezone(&Utc)),
        })
        .filter(|ends_at| *ends_at > starts_at);
    Some(Times {
        starts_at,
        ends_at,
        all_day: matches!(start, Moment::Date(_)),
        timezone,
    })
}

#[cfg(test)]
mod tests {
    use chrono_tz::{America, Australia, Europe, Pacific};

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("RFC 3339").with_timezone(&Utc)
    }

    fn wall(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("a wall-clock time")
    }

    /// The wall-clock time and offset `written` is read as in `zone`: together, the instant.
    fn shown(zone: Tz, written: &str) -> String {
        local(zone, wall(written)).format("%Y-%m-%d %H:%M %:z").to_string()
    }

    #[test]
    fn a_time_in_a_gap_moves_forward_by_the_gap() {
        // The zone, the time written, and where it lands: read with the offset before the gap.
        let cases = [
            // 28 March 2027: 02:00 CET → 03:00 CEST.
            (Europe::Paris, "2027-03-28 02:30", "2027-03-28 03:30 +02:00"),
            // 14 March 2027: 02:00 EST → 03:00 EDT.
            (America::New_York, "2027-03-14 02:30", "2027-03-14 03:30 -04:00"),
            // Lord Howe Island moves by half an hour (+10:30 → +11:00), and so does the time.
            (Australia::Lord_Howe, "2027-10-03 02:15", "2027-10-03 02:45 +11:00"),
            // Samoa skipped 30 December 2011 (-10:00 → +14:00): a time of that day moves a day on.
            (Pacific::Apia, "2011-12-30 10:00", "2011-12-31 10:00 +14:00"),
        ];
        for (zone, written, lands) in cases {
            let found = zone.from_local_datetime(&wall(written));
            assert!(matches!(found, LocalResult::None), "{written} is in a gap");
            assert_eq!(shown(zone, written), lands, "{written} in {}", zone.name());
        }
        assert_eq!(
            instant(Europe::Paris, wall("2027-03-28 02:30")),
            utc("2027-03-28T01:30:00Z")
        );
        assert_eq!(
            instant(Australia::Lord_Howe, wall("2027-10-03 02:15")),
            utc("2027-10-02T15:45:00Z")
        );
    }

    #[test]
    fn a_time_that_happens_twice_is_the_first() {
        let cases = [
            // 31 October 2027: 03:00 CEST → 02:00 CET; 02:30 in CEST, not CET.
            (Europe::Paris, "2027-10-31 02:30", "2027-10-31 02:30 +02:00"),
            // 7 November 2027: 02:00 EDT → 01:00 EST.
            (America::New_York, "2027-11-07 01:30", "2027-11-07 01:30 -04:00"),
            // 4 April 2027: 02:00 +11:00 → 01:30 +10:30.
            (Australia::Lord_Howe, "2027-04-04 01:45", "2027-04-04 01:45 +11:00"),
        ];
        for (zone, written, lands) in cases {
            let found = zone.from_local_datetime(&wall(written));
            assert!(matches!(found, LocalResult::Ambiguous(..)), "{written} happens twice");
            assert_eq!(shown(zone, written), lands, "{written} in {}", zone.name());
        }
        assert_eq!(
            instant(Europe::Paris, wall("2027-10-31 02:30")),
            utc("2027-10-31T00:30:00Z")
        );
    }

    #[test]
    fn times_beside_transitions_are_what_they_say() {
        let paris = |written: &str| instant(Europe::Paris, wall(written));
        assert_eq!(paris("2027-03-28 01:59"), utc("2027-03-28T00:59:00Z"));
        assert_eq!(paris("2027-03-28 03:00"), utc("2027-03-28T01:00:00Z"));
        assert_eq!(paris("2027-10-31 03:00"), utc("2027-10-31T02:00:00Z"));
        // The gap of 2024, which the CSV tests had pinned.
        assert_eq!(paris("2024-03-31 02:30"), utc("2024-03-31T01:30:00Z"));
    }

    #[test]
    fn midnight_and_etc_zones() {
        let day = NaiveDate::from_ymd_opt(2024, 6, 1).expect("a date");
        assert_eq!(midnight(Europe::Paris, day), utc("2024-05-31T22:00:00Z"));
        assert_eq!(etc_zone(3600).as_deref(), Some("Etc/GMT-1"));
        assert_eq!(etc_zone(-4 * 3600).as_deref(), Some("Etc/GMT+4"));
        assert_eq!(etc_zone(14 * 3600).as_deref(), Some("Etc/GMT-14"));
        for none in [0, 19800, 15 * 3600, -13 * 3600] {
            assert_eq!(etc_zone(none), None, "{none}");
        }
        // Every name it gives is a zone of the database.
        for hours in -12..=14 {
            if let Some(name) = etc_zone(hours * 3600) {
                assert!(name.parse::<Tz>().is_ok(), "{name}");
            }
        }
    }

    #[test]
    fn dates_are_read_with_their_liberties() {
        let paris = Europe::Paris;
        let read = |s: &str| times(Moment::parse(s).expect("readable"), None, paris, true).expect("parses");
        assert_eq!(read("2017-06-12T20:00:00+0100").starts_at, utc("2017-06-12T19:00:00Z"));
        assert_eq!(read("2017-06-12T20:00+01:00").starts_at, utc("2017-06-12T19:00:00Z"));
        assert_eq!(
            read("2025-01-06T11:00:00.000+01:00").starts_at,
            utc("2025-01-06T10:00:00Z")
        );
        assert_eq!(read("2019-10-17 14:00:00-05").starts_at, utc("2019-10-17T19:00:00Z"));
        assert_eq!(read("20060101T100000Z").starts_at, utc("2006-01-01T10:00:00Z"));
        assert_eq!(
            read("Tue, 06 Aug 2019 05:01:15 +0000").starts_at,
            utc("2019-08-06T05:01:15Z")
        );
        // No offset: the default zone (Paris is +02:00 in June).
        let floating = read("2024-06-01T18:30");
        assert_eq!(floating.starts_at, utc("2024-06-01T16:30:00Z"));
        assert_eq!(floating.timezone, "Europe/Paris");
        // Date only: all day, and an inclusive end date.
        let day = times(
            Moment::parse("2024-06-01").expect("readable"),
            Moment::parse("2024-06-02"),
            paris,
            true,
        )
        .expect("parses");
        assert!(day.all_day);
        assert_eq!(day.starts_at, utc("2024-05-31T22:00:00Z"));
        assert_eq!(day.ends_at, Some(utc("2024-06-02T22:00:00Z")));
        // Offsets name a zone only when it is the default's at that instant.
        assert_eq!(read("2024-06-01T18:30+02:00").timezone, "Europe/Paris");
        assert_eq!(read("2024-01-01T18:30+02:00").timezone, "Etc/GMT-2");
        assert_eq!(read("2024-01-01T18:30Z").timezone, "UTC");
        assert_eq!(read("2024-01-01T18:30+05:30").timezone, "UTC");
        // A floating time in the spring gap follows the one rule.
        assert_eq!(read("2027-03-28T02:30").starts_at, utc("2027-03-28T01:30:00Z"));
        for bad in ["", "soon", "2024-13-01", "2024-01-01T25:00", "2024-01-01T10:00+1"] {
            assert_eq!(Moment::parse(bad), None, "{bad}");
        }
    }
}
