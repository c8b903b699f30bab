//! Recurrence: a series expanded into the window (RRULE, RDATE, EXDATE, through the `rrule`
//! crate), and the overrides (RECURRENCE-ID) that replace or move its instances.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use icalendar::Component;
use icalendar::rrule::{RRule, RRuleSet, Tz as RuleTz, Unvalidated};

use super::events::{Length, Moment, Reader, Vevent};
use crate::feeds::{FeedEvent, time, uid};

/// A series yielding more instances in the window than this is cut, with a warning.
pub(super) const MAX_INSTANCES_PER_SERIES: usize = 5000;
/// Occurrences looked at per series (before the window included): bounds the work an
/// unbounded rule starting long before the window (or a `FREQ=SECONDLY`) can cause.
const MAX_OCCURRENCES_SCANNED: usize = 200_000;

impl Reader<'_> {
    /// One master VEVENT and its overrides: a single event, or the instances in the window.
    pub(super) fn series(&mut self, master: &Vevent, overrides: Vec<Vevent>, out: &mut Vec<FeedEvent>) {
        let Some(start) = self.start_of(master) else {
            self.warnings
                .push(format!("{} has no usable DTSTART; skipped", master.label()));
            for lone in overrides {
                out.extend(self.override_instance(&lone, None, None));
            }
            return;
        };
        let base = self.details(&master.event, None);
        let length = self.length(master, start);
        let single = |start: Moment| FeedEvent {
            uid: master.uid.clone(),
            starts_at: start.at.with_timezone(&Utc),
            ends_at: length.map(|l| l.end(start.at).with_timezone(&Utc)),
            all_day: start.all_day,
            timezone: start.at.timezone().name().to_string(),
            ..base.clone()
        };
        let Some(originals) = self.occurrences(master, start) else {
            // Not recurring: an override of its one occurrence replaces it, keeping the UID.
            let mut replaced = false;
            for lone in overrides {
                let replaces = self.recurrence_id(&lone).is_some_and(|rid| rid.at == start.at);
                match self.override_instance(&lone, Some(&base), length) {
                    Some(mut event) if replaces && !replaced => {
                        event.uid = master.uid.clone();
                        replaced = true;
                        out.push(event);
                    }
                    Some(event) => out.push(event),
                    None => {}
                }
            }
            if !replaced {
                out.push(single(start));
            }
            return;
        };

        let mut overridden = HashSet::new();
        let mut instances = Vec::new();
        for lone in &overrides {
            let Some(rid) = self.recurrence_id(lone) else { continue };
            overridden.insert(rid.at.with_timezone(&Utc));
            if let Some(event) = self.override_instance(lone, Some(&base), length)
                && event.starts_at >= self.options.window_start
                && event.starts_at < self.options.window_end
            {
                instances.push(event);
            }
        }
        for original in originals {
            let original_utc = original.with_timezone(&Utc);
            if overridden.contains(&original_utc) {
                continue;
            }
            instances.push(FeedEvent {
                uid: uid::instance(&master.uid, original_utc),
                ..single(Moment { at: original, ..start })
            });
        }
        instances.sort_by_key(|event| event.starts_at);
        out.extend(instances);
    }

    /// Original starts of a recurring series in the window; `None` when it does not recur.
    fn occurrences(&mut self, master: &Vevent, start: Moment) -> Option<Vec<DateTime<Tz>>> {
        let event = &master.event;
        let rule_zone = RuleTz::Tz(start.at.timezone());
        let dt_start = start.at.with_timezone(&rule_zone);
        let mut set = RRuleSet::new(dt_start);
        let mut recurs = false;
        if let Some(rule) = event.properties().get("RRULE") {
            let text = rule_text(rule.value(), start.at.timezone());
            match text.parse::<RRule<Unvalidated>>().and_then(|r| r.validate(dt_start)) {
                Ok(rule) => {
                    set = set.rrule(rule);
                    recurs = true;
                }
                Err(error) => self.warnings.push(format!(
                    "{}: RRULE {:?} could not be read ({error}); only DTSTART is kept",
                    master.label(),
                    rule.value()
                )),
            }
        }
        let rdates = self.date_list(master, "RDATE", start);
        if !rdates.is_empty() {
            if !recurs {
                // rrule yields only the RDATEs; RFC 5545 makes DTSTART the first instance.
                set = set.rdate(dt_start);
            }
            recurs = true;
            for rdate in rdates {
                set = set.rdate(rdate.at.with_timezone(&rule_zone));
            }
        }
        if !recurs {
            return None;
        }
        // A DATE EXDATE on a timed series removes that day's instances.
        let mut excluded_days = HashSet::new();
        for exdate in self.date_list(master, "EXDATE", start) {
            if exdate.all_day && !start.all_day {
                excluded_days.insert(exdate.at.date_naive());
            } else {
                set = set.exdate(exdate.at.with_timezone(&rule_zone));
            }
        }

        let set = set.limit();
        let mut originals = Vec::new();
        for (scanned, occurrence) in (&set).into_iter().enumerate() {
            if scanned >= MAX_OCCURRENCES_SCANNED {
                self.warnings.push(format!(
                    "{}: more than {MAX_OCCURRENCES_SCANNED} occurrences before the window end; expansion stopped",
                    master.label()
                ));
                break;
            }
            let occurrence = occurrence.with_timezone(&start.at.timezone());
            let utc = occurrence.with_timezone(&Utc);
            if utc >= self.options.window_end {
                break;
            }
            if utc < self.options.window_start || excluded_days.contains(&occurrence.date_naive()) {
                continue;
            }
            if originals.len() == MAX_INSTANCES_PER_SERIES {
                self.warnings.push(format!(
                    "{}: more than {MAX_INSTANCES_PER_SERIES} instances in the window; the first {MAX_INSTANCES_PER_SERIES} are kept",
                    master.label()
                ));
                break;
            }
            originals.push(occurrence);
        }
        Some(originals)
    }

    /// An override (RECURRENCE-ID) as its own instance, fields it lacks taken from the series.
    pub(super) fn override_instance(
        &mut self,
        lone: &Vevent,
        series: Option<&FeedEvent>,
        series_length: Option<Length>,
    ) -> Option<FeedEvent> {
        let Some(rid) = self.recurrence_id(lone) else {
            self.warnings
                .push(format!("{} has an unreadable RECURRENCE-ID; skipped", lone.label()));
            return None;
        };
        let start = self.start_of(lone).unwrap_or(rid);
        let own_length = ["DTEND", "DURATION"]
            .iter()
            .any(|key| lone.event.properties().contains_key(*key))
            .then(|| self.length(lone, start))
            .flatten();
        let length = own_length.or(series_length).or_else(|| self.length(lone, start));
        Some(FeedEvent {
            uid: uid::instance(&lone.uid, rid.at.with_timezone(&Utc)),
            starts_at: start.at.with_timezone(&Utc),
            ends_at: length.map(|l| l.end(start.at).with_timezone(&Utc)),
            all_day: start.all_day,
            timezone: start.at.timezone().name().to_string(),
            ..self.details(&lone.event, series)
        })
    }
}

/// An RRULE value the rrule crate accepts: unknown (X-) parts dropped, and an UNTIL
/// without `Z` (floating, or a DATE) turned into UTC in the series' zone, since rrule
/// wants UTC with a zoned DTSTART.
fn rule_text(value: &str, zone: Tz) -> String {
    const PARTS: [&str; 14] = [
        "FREQ",
        "UNTIL",
        "COUNT",
        "INTERVAL",
        "BYSECOND",
        "BYMINUTE",
        "BYHOUR",
        "BYDAY",
        "BYMONTHDAY",
        "BYYEARDAY",
        "BYWEEKNO",
        "BYMONTH",
        "BYSETPOS",
        "WKST",
    ];
    value
        .split(';')
        .filter_map(|part| {
            let (key, value) = part.split_once('=')?;
            let key = key.trim().to_ascii_uppercase();
            let value = value.trim().to_ascii_uppercase();
            if !PARTS.contains(&key.as_str()) {
                return None;
            }
            if key != "UNTIL" || value.ends_with('Z') {
                return Some(format!("{key}={value}"));
            }
            let until = NaiveDateTime::parse_from_str(&value, "%Y%m%dT%H%M%S").ok().or_else(|| {
                NaiveDate::parse_from_str(&value, "%Y%m%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(23, 59, 59))
            });
            Some(match until {
                Some(until) => format!(
                    "UNTIL={}",
                    time::local(zone, until).with_timezone(&Utc).format("%Y%m%dT%H%M%SZ")
                ),
                None => format!("UNTIL={value}"),
            })
        })
        .collect::<Vec<_>>()
        .join(";")
}
