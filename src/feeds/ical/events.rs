//! Events: VEVENTs read into [`FeedEvent`]s (dates, durations, details, generated uids); a
//! recurring series is expanded by `recurrence`.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::{CalendarDateTime, Component, DatePerhapsTime, Event, EventLike, Property};

use super::zones::Zones;
use crate::feeds::{FeedEvent, ParseOptions, time, uid};

/// A date or date-time read from a property, in the zone it was written in.
#[derive(Clone, Copy)]
pub(super) struct Moment {
    pub(super) at: DateTime<Tz>,
    pub(super) all_day: bool,
}

/// How long each occurrence lasts.
#[derive(Clone, Copy)]
pub(super) enum Length {
    /// From DTEND on a timed event: the same exact duration for every instance.
    Exact(Duration),
    /// Days are calendar days (a day across a DST change is 23 or 25 hours), then time.
    Nominal { days: i64, time: Duration },
}

impl Length {
    pub(super) fn end(self, start: DateTime<Tz>) -> DateTime<Tz> {
        match self {
            Length::Exact(duration) => start + duration,
            Length::Nominal { days, time: exact } => {
                time::local(start.timezone(), start.naive_local() + Duration::days(days)) + exact
            }
        }
    }
}

pub(super) struct Vevent {
    pub(super) line: usize,
    pub(super) event: Event,
    pub(super) uid: String,
}

impl Vevent {
    pub(super) fn label(&self) -> String {
        match self.event.get_uid().map(str::trim).filter(|u| !u.is_empty()) {
            Some(uid) => format!("VEVENT {uid:?} (line {})", self.line),
            None => format!(
                "VEVENT {:?} (line {})",
                self.event.get_summary().unwrap_or_default().trim(),
                self.line
            ),
        }
    }

    fn sequence(&self) -> i64 {
        self.event
            .property_value("SEQUENCE")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    }
}

pub(super) struct Reader<'a> {
    pub(super) options: &'a ParseOptions,
    pub(super) zones: Zones,
    pub(super) warnings: &'a mut Vec<String>,
}

impl Reader<'_> {
    pub(super) fn read(mut self, vevents: Vec<(usize, Event)>) -> Vec<FeedEvent> {
        let mut generated = HashSet::new();
        let mut masters: Vec<Vevent> = Vec::new();
        let mut master_at: HashMap<String, usize> = HashMap::new();
        let mut overrides: HashMap<String, Vec<Vevent>> = HashMap::new();
        for (line, event) in vevents {
            let uid = match event.get_uid().map(str::trim).filter(|u| !u.is_empty()) {
                Some(uid) => uid.to_string(),
                None => generated_uid(&event, &mut generated),
            };
            let vevent = Vevent { line, event, uid };
            if vevent.event.properties().contains_key("RECURRENCE-ID") {
                overrides.entry(vevent.uid.clone()).or_default().push(vevent);
            } else if let Some(&at) = master_at.get(&vevent.uid) {
                // The same UID twice: RFC 5545 keeps the higher SEQUENCE (then the later one).
                self.warnings.push(format!(
                    "{} repeats the UID of the VEVENT on line {}; the one with the higher SEQUENCE is kept",
                    vevent.label(),
                    masters[at].line
                ));
                if vevent.sequence() >= masters[at].sequence() {
                    masters[at] = vevent;
                }
            } else {
                master_at.insert(vevent.uid.clone(), masters.len());
                masters.push(vevent);
            }
        }

        let mut events = Vec::new();
        for master in &masters {
            let series_overrides = overrides.remove(&master.uid).unwrap_or_default();
            self.series(master, series_overrides, &mut events);
        }
        // Overrides whose series is not in the document stand alone.
        let mut orphans: Vec<Vevent> = overrides.into_values().flatten().collect();
        orphans.sort_by_key(|o| o.line);
        for orphan in orphans {
            if let Some(event) = self.override_instance(&orphan, None, None) {
                events.push(event);
            }
        }
        events
    }

    pub(super) fn start_of(&mut self, vevent: &Vevent) -> Option<Moment> {
        let property = vevent.event.properties().get("DTSTART")?;
        self.moment(property, vevent)
    }

    pub(super) fn recurrence_id(&mut self, vevent: &Vevent) -> Option<Moment> {
        let property = vevent.event.properties().get("RECURRENCE-ID")?;
        self.moment(property, vevent)
    }

    /// A DATE or DATE-TIME property, resolved to its zone; `None` (with a warning) if unreadable.
    fn moment(&mut self, property: &Property, vevent: &Vevent) -> Option<Moment> {
        let tzid = property.params().get("TZID").map(|p| p.value().to_string());
        let at = match DatePerhapsTime::from_property(property) {
            Some(DatePerhapsTime::Date(date)) => {
                let zone = match &tzid {
                    Some(tzid) => self.zones.zone(tzid, self.warnings),
                    None => self.zones.floating,
                };
                return Some(Moment {
                    at: time::local(zone, date.and_time(chrono::NaiveTime::MIN)),
                    all_day: true,
                });
            }
            Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(utc))) => utc.with_timezone(&Tz::UTC),
            Some(DatePerhapsTime::DateTime(CalendarDateTime::Floating(naive))) => {
                time::local(self.zones.floating, naive)
            }
            Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid })) => {
                time::local(self.zones.zone(&tzid, self.warnings), date_time)
            }
            // The crate reads no `Z` time with a TZID (`TZID=Europe/Paris:20200101T100000Z`):
            // the `Z` wins.
            None => match NaiveDateTime::parse_from_str(property.value().trim(), "%Y%m%dT%H%M%SZ") {
                Ok(naive) => Utc.from_utc_datetime(&naive).with_timezone(&Tz::UTC),
                Err(_) => {
                    self.warnings.push(format!(
                        "{}: {} {:?} is not a date; ignored",
                        vevent.label(),
                        property.key(),
                        property.value()
                    ));
                    return None;
                }
            },
        };
        Some(Moment { at, all_day: false })
    }

    /// The dates of every EXDATE or RDATE line (each may hold a comma-separated list; RDATE
    /// periods count by their start).
    pub(super) fn date_list(&mut self, vevent: &Vevent, key: &str, start: Moment) -> Vec<Moment> {
        let Some(properties) = vevent.event.multi_properties().get(key) else {
            return Vec::new();
        };
        let mut moments = Vec::new();
        for property in properties {
            for value in property.value().split(',').map(str::trim).filter(|v| !v.is_empty()) {
                let value = value.split('/').next().unwrap_or(value);
                let mut single = Property::new(key, value);
                for (name, parameter) in property.params() {
                    if name != "VALUE" || parameter.value() != "PERIOD" {
                        single.add_parameter(name, parameter.value());
                    }
                }
                // A bare date on a date series needs no VALUE=DATE to be read as one.
                if start.all_day && value.len() == 8 {
                    single.add_parameter("VALUE", "DATE");
                }
                moments.extend(self.moment(&single, vevent));
            }
        }
        moments
    }

    /// DTEND (preferred) or DURATION; all-day events last one day without either.
    pub(super) fn length(&mut self, vevent: &Vevent, start: Moment) -> Option<Length> {
        let event = &vevent.event;
        if let Some(property) = event.properties().get("DTEND")
            && let Some(end) = self.moment(property, vevent)
        {
            if start.all_day || end.all_day {
                let days = (end.at.date_naive() - start.at.date_naive()).num_days();
                if days < 0 {
                    self.warnings
                        .push(format!("{}: DTEND is before DTSTART; one day assumed", vevent.label()));
                }
                return Some(Length::Nominal {
                    days: days.max(1),
                    time: Duration::zero(),
                });
            }
            let duration = end.at.with_timezone(&Utc) - start.at.with_timezone(&Utc);
            if duration < Duration::zero() {
                self.warnings
                    .push(format!("{}: DTEND is before DTSTART; end ignored", vevent.label()));
                return None;
            }
            return Some(Length::Exact(duration));
        }
        if let Some(value) = event.property_value("DURATION") {
            match parse_duration(value) {
                Some((days, time)) if days >= 0 && time >= Duration::zero() => {
                    let days = if start.all_day && days == 0 && time.is_zero() {
                        1
                    } else {
                        days
                    };
                    return Some(Length::Nominal { days, time });
                }
                _ => self
                    .warnings
                    .push(format!("{}: DURATION {value:?} is not usable; ignored", vevent.label())),
            }
        }
        start.all_day.then_some(Length::Nominal {
            days: 1,
            time: Duration::zero(),
        })
    }

    /// Everything but the uid and the times; an override takes what it lacks from `series`.
    pub(super) fn details(&mut self, event: &Event, series: Option<&FeedEvent>) -> FeedEvent {
        let inherited = series.cloned().unwrap_or_default();
        let text = |key: &str| event.property_value(key).map(str::to_string);
        let geo = event.property_value("GEO").map(|value| {
            let mut parts = value.split([';', ',']).map(|p| p.trim().parse::<f64>().ok());
            let latitude = parts.next().flatten().filter(|l| (-90.0..=90.0).contains(l));
            let longitude = parts.next().flatten().filter(|l| (-180.0..=180.0).contains(l));
            latitude.zip(longitude)
        });
        let (latitude, longitude) = match geo {
            Some(Some((latitude, longitude))) => (Some(latitude), Some(longitude)),
            Some(None) => (None, None),
            None => (inherited.latitude, inherited.longitude),
        };
        let organiser = event.properties().get("ORGANIZER").map(|organizer| {
            let name = organizer
                .params()
                .get("CN")
                .map(|cn| cn.value().trim())
                .filter(|cn| !cn.is_empty());
            let address = organizer.value().trim();
            let address = address
                .get(..7)
                .filter(|scheme| scheme.eq_ignore_ascii_case("mailto:"))
                .map_or(address, |_| &address[7..]);
            name.unwrap_or(address).to_string()
        });
        let status = event.property_value("STATUS").map(str::trim);
        FeedEvent {
            title: text("SUMMARY").unwrap_or(inherited.title),
            description: text("DESCRIPTION").or(inherited.description),
            location_name: text("LOCATION").or(inherited.location_name),
            latitude,
            longitude,
            // URL is not TEXT, so the crate leaves producers' needless escapes in it.
            url: text("URL")
                .map(|u| u.replace("\\:", ":").replace("\\,", ",").replace("\\;", ";"))
                .or(inherited.url),
            organiser: organiser.or(inherited.organiser),
            cancelled: match status {
                Some(status) => status.eq_ignore_ascii_case("CANCELLED") || status.eq_ignore_ascii_case("CANCELED"),
                None => inherited.cancelled,
            },
            categories: match event.get_categories() {
                Some(categories) => categories
                    .into_iter()
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect(),
                None => inherited.categories,
            },
            ..FeedEvent::default()
        }
    }
}

/// A UID for a VEVENT without one, from what identifies it, so re-reading the same
/// document gives the same ids; repeats within a document get `-2`, `-3`…
fn generated_uid(event: &Event, taken: &mut HashSet<String>) -> String {
    // Each part is a property as written: its parameters (`TZID=Europe/Paris;`), then its
    // value; an absent property is an empty part.
    let parts: Vec<String> = ["DTSTART", "SUMMARY", "LOCATION", "RECURRENCE-ID"]
        .iter()
        .map(|key| {
            let Some(property) = event.properties().get(*key) else {
                return String::new();
            };
            let mut part = String::new();
            for (name, parameter) in property.params() {
                let _ = write!(part, "{name}={};", parameter.value());
            }
            part.push_str(property.value());
            part
        })
        .collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let base = format!("ical-{}", uid::stable(&parts));
    let mut uid = base.clone();
    let mut n = 1;
    while !taken.insert(uid.clone()) {
        n += 1;
        uid = format!("{base}-{n}");
    }
    uid
}

/// RFC 5545 DURATION (`P1W`, `-PT15M`, `P1DT2H30M`) → (calendar days, exact time).
fn parse_duration(value: &str) -> Option<(i64, Duration)> {
    let value = value.trim().to_ascii_uppercase();
    let (sign, rest) = match value.as_bytes().first()? {
        b'-' => (-1, &value[1..]),
        b'+' => (1, &value[1..]),
        _ => (1, value.as_str()),
    };
    let rest = rest.strip_prefix('P')?;
    let (mut days, mut seconds) = (0i64, 0i64);
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for c in rest.chars() {
        match c {
            '0'..='9' => number.push(c),
            'T' if number.is_empty() && !in_time => in_time = true,
            'W' | 'D' | 'H' | 'M' | 'S' => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                any = true;
                match (c, in_time) {
                    ('W', false) => days += n * 7,
                    ('D', false) => days += n,
                    ('H', true) => seconds += n * 3600,
                    ('M', true) => seconds += n * 60,
                    ('S', true) => seconds += n,
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    if !any || !number.is_empty() {
        return None;
    }
    Some((sign * days, Duration::seconds(sign * seconds)))
}
