//! iCalendar (RFC 5545) of events, written with the `icalendar` crate (it escapes TEXT values
//! and folds lines at 75 octets), plus one `VTIMEZONE` per zone the events use.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use entity::EventStatus;
use entity::event::Model as Event;
use icalendar::{Component, EventLike, Property};

/// Everything a calendar needs besides its events.
pub struct CalendarInfo<'a> {
    /// `X-WR-CALNAME` and `NAME` (RFC 7986).
    pub name: &'a str,
    /// How often clients should reload it.
    pub refresh: Duration,
}

/// The zones written as UTC times (`…Z`) rather than with a `TZID`.
fn is_utc(tz: Tz) -> bool {
    matches!(
        tz.name(),
        "UTC" | "Etc/UTC" | "Etc/GMT" | "GMT" | "Etc/Universal" | "Universal" | "Etc/Zulu" | "Zulu"
    )
}

fn zone_of(event: &Event) -> Tz {
    event.timezone.parse::<Tz>().unwrap_or(Tz::UTC)
}

/// One content line (escaped as its property's value type requires, folded, with CRLF).
fn line(out: &mut String, property: Property) {
    match TryInto::<String>::try_into(property) {
        Ok(text) => out.push_str(&text),
        // Writing into a String cannot fail.
        Err(_) => out.push_str("\r\n"),
    }
}

/// Escapes a TEXT value the crate does not know as TEXT (`NAME`, RFC 7986).
fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Newlines as LF only (a bare CR would break a content line), trimmed.
fn text(value: &str) -> String {
    value.replace("\r\n", "\n").replace('\r', "\n").trim().to_string()
}

/// A kit loan as a calendar shows it, with the names it needs.
pub struct LoanEntry<'a> {
    pub loan: &'a entity::kit_loan::Model,
    /// The kit's inventory code.
    pub kit: &'a str,
    /// The resource the kit is a copy of, when the reader may see it.
    pub resource: Option<&'a str>,
    pub lender: &'a str,
    pub borrower: &'a str,
    /// Where the kit goes (the borrower's city).
    pub place: Option<&'a str>,
}

/// The calendar of `events` (in the order given).
pub fn calendar(info: &CalendarInfo<'_>, events: &[Arc<Event>]) -> Vec<u8> {
    calendar_with_loans(info, events, &[])
}

/// The calendar of `events`, then of `loans` (each an all-day span from its first day to the
/// day the kit is back, excluded as `DTEND` is).
pub fn calendar_with_loans(info: &CalendarInfo<'_>, events: &[Arc<Event>], loans: &[LoanEntry<'_>]) -> Vec<u8> {
    let mut out = String::with_capacity(1024 + events.len() * 700);
    out.push_str("BEGIN:VCALENDAR\r\n");
    line(&mut out, Property::new("VERSION", "2.0"));
    line(
        &mut out,
        Property::new("PRODID", "-//Passerelle//Passerelle agenda//FR"),
    );
    line(&mut out, Property::new("CALSCALE", "GREGORIAN"));
    line(&mut out, Property::new("METHOD", "PUBLISH"));
    // `X-` properties are TEXT to the crate, which escapes them; `NAME` it does not know.
    line(&mut out, Property::new("X-WR-CALNAME", text(info.name)));
    line(&mut out, Property::new("NAME", escape_text(info.name)));
    let refresh = icalendar_duration(info.refresh);
    line(
        &mut out,
        Property::new("REFRESH-INTERVAL", &refresh)
            .add_parameter("VALUE", "DURATION")
            .done(),
    );
    line(&mut out, Property::new("X-PUBLISHED-TTL", &refresh));

    // The span each zone covers, for its VTIMEZONE.
    let mut zones: BTreeMap<&'static str, (Tz, DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
    for event in events {
        let tz = zone_of(event);
        if event.all_day || is_utc(tz) {
            continue;
        }
        let end = event.ends_at.unwrap_or(event.starts_at).max(event.starts_at);
        zones
            .entry(tz.name())
            .and_modify(|(_, from, to)| {
                *from = (*from).min(event.starts_at);
                *to = (*to).max(end);
            })
            .or_insert((tz, event.starts_at, end));
    }
    for (tz, from, to) in zones.values() {
        vtimezone(&mut out, *tz, *from, *to);
    }

    for event in events {
        match vevent(event).try_into_string() {
            Ok(text) => out.push_str(&text),
            Err(_) => tracing::warn!(event = %event.id, "an event could not be written to iCalendar"),
        }
    }
    for entry in loans {
        match loan_vevent(entry).try_into_string() {
            Ok(text) => out.push_str(&text),
            Err(_) => tracing::warn!(loan = %entry.loan.id, "a kit loan could not be written to iCalendar"),
        }
    }
    out.push_str("END:VCALENDAR\r\n");
    out.into_bytes()
}

/// A loan's status in French then English.
fn loan_status_words(status: entity::KitLoanStatus) -> String {
    let (fr, en) = crate::domain::kit_loan::status_words(status);
    format!("{fr} / {en}")
}

fn loan_vevent(entry: &LoanEntry<'_>) -> icalendar::Event {
    use entity::KitLoanStatus as S;
    let loan = entry.loan;
    let seconds = (loan.updated_at - loan.created_at)
        .num_seconds()
        .clamp(0, i64::from(i32::MAX));
    let mut e = icalendar::Event::new();
    e.uid(&format!("kit-loan-{}@passerelle", loan.id))
        .timestamp(loan.updated_at)
        .last_modified(loan.updated_at)
        .created(loan.created_at)
        .sequence(u32::try_from(seconds).unwrap_or(0))
        .summary(&text(&format!(
            "Prêt de la mallette {kit} à {borrower} / Kit {kit} lent to {borrower}",
            kit = entry.kit,
            borrower = entry.borrower
        )))
        .starts(loan.starts_on)
        .ends(loan.ends_on)
        .status(match loan.status {
            S::Requested => icalendar::EventStatus::Tentative,
            S::Confirmed | S::Out | S::Returned => icalendar::EventStatus::Confirmed,
            S::Cancelled | S::Declined => icalendar::EventStatus::Cancelled,
        })
        // A loan takes no one's time: calendars show the span without marking anyone busy.
        .add_property("TRANSP", "TRANSPARENT");
    let mut lines = Vec::new();
    if let Some(resource) = entry.resource {
        lines.push(format!("Ressource / Resource : {resource}"));
    }
    lines.push(format!("Prêteur / Lender : {}", entry.lender));
    lines.push(format!("Emprunteur / Borrower : {}", entry.borrower));
    lines.push(format!("État / Status : {}", loan_status_words(loan.status)));
    lines.push(format!("Retour le / Back on : {}", loan.ends_on.format("%d/%m/%Y")));
    e.description(&text(&lines.join("\n")));
    if let Some(place) = entry.place {
        e.location(&text(place));
    }
    e.categories([String::from("Prêt de mallette"), String::from("Kit loan")]);
    e.done()
}

/// `PT1H`-style duration (hours and minutes are all a refresh interval needs).
fn icalendar_duration(d: Duration) -> String {
    let minutes = d.num_minutes().max(1);
    match (minutes / 60, minutes % 60) {
        (h, 0) => format!("PT{h}H"),
        (0, m) => format!("PT{m}M"),
        (h, m) => format!("PT{h}H{m}M"),
    }
}

/// The SEQUENCE of an event: seconds between its creation and its last change, so it grows
/// with every change without a counter column (a second change within the same second is the
/// only one it misses).
pub fn sequence(event: &Event) -> u32 {
    let seconds = (event.updated_at - event.created_at)
        .num_seconds()
        .clamp(0, i64::from(i32::MAX));
    u32::try_from(seconds).unwrap_or(0)
}

/// The first day of an all-day event, and the day after its last (DTEND is exclusive).
fn all_day_span(event: &Event, tz: Tz) -> (NaiveDate, NaiveDate) {
    let first = event.starts_at.with_timezone(&tz).date_naive();
    let after_last = event
        .ends_at
        .map(|end| {
            let local = end.with_timezone(&tz);
            if local.time() == NaiveTime::MIN {
                local.date_naive()
            } else {
                local.date_naive() + Duration::days(1)
            }
        })
        .filter(|day| *day > first)
        .unwrap_or(first + Duration::days(1));
    (first, after_last)
}

fn vevent(event: &Event) -> icalendar::Event {
    let tz = zone_of(event);
    let mut e = icalendar::Event::new();
    e.uid(&format!("{}@passerelle", event.id))
        .timestamp(event.updated_at)
        .last_modified(event.updated_at)
        .created(event.created_at)
        .sequence(sequence(event))
        .summary(&text(&event.title))
        .status(match event.status {
            EventStatus::Scheduled => icalendar::EventStatus::Confirmed,
            EventStatus::Cancelled | EventStatus::RemovedUpstream => icalendar::EventStatus::Cancelled,
        });
    if event.all_day {
        let (first, after_last) = all_day_span(event, tz);
        e.starts(first).ends(after_last);
    } else if is_utc(tz) {
        e.starts(event.starts_at);
        if let Some(end) = event.ends_at {
            e.ends(end);
        }
    } else {
        e.starts((event.starts_at.with_timezone(&tz).naive_local(), tz));
        if let Some(end) = event.ends_at {
            e.ends((end.with_timezone(&tz).naive_local(), tz));
        }
    }
    if let Some(description) = event
        .description
        .as_deref()
        .map(super::plain_text)
        .filter(|d| !d.is_empty())
    {
        e.description(&text(&description));
    }
    if let Some(location) = super::event_location(event) {
        e.location(&text(&location));
    }
    if let (Some(lat), Some(lon)) = (event.latitude, event.longitude) {
        e.add_property("GEO", format!("{lat:.6};{lon:.6}"));
    }
    if let Some(url) = event.url.as_deref() {
        e.url(url);
    }
    if !event.tags.0.is_empty() {
        e.categories(event.tags.0.iter().map(|t| text(t)));
    }
    e.done()
}

/// An offset as `±HHMM` (or `±HHMMSS`).
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// What a zone observes at one instant: UTC offset, whether it is summer time, abbreviation.
#[derive(Clone, PartialEq, Eq, Debug)]
struct Observance {
    offset: i32,
    dst: bool,
    name: Option<String>,
}

fn observance(tz: Tz, at: DateTime<Utc>) -> Observance {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    Observance {
        offset: offset.fix().local_minus_utc(),
        dst: !offset.dst_offset().is_zero(),
        name: offset.abbreviation().map(str::to_string),
    }
}

/// The instants in `[from, to]` when `tz` changes offset, with what it observes after each.
/// Days are stepped through, then the change is found to the second by bisection (zones change
/// at most once a day).
fn transitions(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, Observance)> {
    let mut found = Vec::new();
    let mut at = from;
    let mut current = observance(tz, at);
    while at < to {
        let next = at + Duration::days(1);
        let seen = observance(tz, next);
        if seen != current {
            // Whole seconds: offsets change on the second.
            let (mut lo, mut hi) = (at.timestamp(), next.timestamp());
            let instant = |secs: i64| DateTime::from_timestamp(secs, 0).unwrap_or(next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if observance(tz, instant(mid)) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let changed = instant(hi);
            current = observance(tz, changed);
            found.push((changed, current.clone()));
        }
        at = next;
    }
    found
}

/// Writes the `VTIMEZONE` of `tz` covering `[from, to]`: one `STANDARD`/`DAYLIGHT` block per
/// offset change in that span, preceded by the last change before it.
///
/// Hand-written because no crate generates VTIMEZONE from the tz database: chrono-tz knows the
/// offsets, and explicit onsets (no RRULE) are exact for the span, whatever the zone's history.
fn vtimezone(out: &mut String, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) {
    // Zones with summer time change at least once a year: a year back finds the rule in force.
    let look_back = from - Duration::days(366);
    let all = transitions(tz, look_back, to + Duration::days(1));
    let before = all.iter().rposition(|(at, _)| *at <= from);
    let mut blocks: Vec<(String, i32, Observance)> = Vec::new();
    let first_observed = observance(tz, from);
    match before {
        Some(i) => {
            let (at, obs) = &all[i];
            let previous = observance(tz, *at - Duration::seconds(1));
            blocks.push((onset(*at, previous.offset), previous.offset, obs.clone()));
        }
        None => blocks.push(("19700101T000000".into(), first_observed.offset, first_observed.clone())),
    }
    let mut previous = blocks.last().map_or(first_observed.offset, |b| b.2.offset);
    for (at, obs) in all.iter().skip(before.map_or(0, |i| i + 1)) {
        blocks.push((onset(*at, previous), previous, obs.clone()));
        previous = obs.offset;
    }
    out.push_str("BEGIN:VTIMEZONE\r\n");
    line(out, Property::new("TZID", tz.name()));
    for (start, from_offset, obs) in blocks {
        let kind = if obs.dst { "DAYLIGHT" } else { "STANDARD" };
        out.push_str(&format!("BEGIN:{kind}\r\n"));
        line(out, Property::new("DTSTART", &start));
        line(out, Property::new("TZOFFSETFROM", utc_offset(from_offset)));
        line(out, Property::new("TZOFFSETTO", utc_offset(obs.offset)));
        if let Some(name) = obs.name {
            line(out, Property::new("TZNAME", name));
        }
        out.push_str(&format!("END:{kind}\r\n"));
    }
    out.push_str("END:VTIMEZONE\r\n");
}

/// The local wall-clock time at which a change happens, read with the offset before it.
fn onset(at: DateTime<Utc>, offset_before: i32) -> String {
    (at.naive_utc() + Duration::seconds(i64::from(offset_before)))
        .format("%Y%m%dT%H%M%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_paris_changes_to_the_second() {
        let from = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("valid test value");
        let to = Utc
            .with_ymd_and_hms(2026, 12, 31, 0, 0, 0)
            .single()
            .expect("valid test value");
        let found = transitions(chrono_tz::Europe::Paris, from, to);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].0.to_rfc3339(), "2026-03-29T01:00:00+00:00");
        assert!(found[0].1.dst);
        assert_eq!(found[0].1.offset, 7200);
        assert_eq!(found[1].0.to_rfc3339(), "2026-10-25T01:00:00+00:00");
        assert_eq!(onset(found[1].0, 7200), "20261025T030000");
    }

    #[test]
    fn a_zone_spanning_a_change_gets_standard_and_daylight_blocks() {
        let mut out = String::new();
        let from = Utc
            .with_ymd_and_hms(2030, 1, 10, 9, 0, 0)
            .single()
            .expect("valid test value");
        let to = Utc
            .with_ymd_and_hms(2030, 7, 10, 9, 0, 0)
            .single()
            .expect("valid test value");
        vtimezone(&mut out, chrono_tz::Europe::Paris, from, to);
        assert!(out.starts_with("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"), "{out}");
        // The change before the span (October 2029), then March 2030.
        assert!(
            out.contains(
                "BEGIN:STANDARD\r\nDTSTART:20291028T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "BEGIN:DAYLIGHT\r\nDTSTART:20300331T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
            ),
            "{out}"
        );
        assert_eq!(
            out.matches("BEGIN:STANDARD").count() + out.matches("BEGIN:DAYLIGHT").count(),
            2
        );
    }

    #[test]
    fn writes_offsets() {
        assert_eq!(utc_offset(3600), "+0100");
        assert_eq!(utc_offset(-12600), "-0330");
        assert_eq!(utc_offset(561), "+000921");
        assert_eq!(escape_text("a,b;c\\d"), "a\\,b\\;c\\\\d");
    }
}
