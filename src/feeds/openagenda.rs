//! OpenAgenda API v2 event lists (`GET /v2/agendas/{uid}/events`: `{"total": n, "events":
//! […]}`), or a single event (`{"event": {…}}`).
//!
//! Each timing is one stored event, uid `"{event uid}#{begin in UTC}"`. The full `timings`
//! list is used when the response carries it (`includeFields[]=timings`); otherwise only
//! `firstTiming` and, when it differs, `lastTiming` are known, and those two become the
//! instances (the timings between them are not in the response). As for recurrences, an event
//! with several timings keeps those starting inside the options' window; a single timing is
//! kept whatever its date.
//!
//! Texts are multilingual objects (`{"fr": …, "en": …}`): French, else English, else the first
//! language given. Status 6 (« Annulé ») marks the event cancelled; the other statuses
//! (rescheduled, moved online, postponed, full) keep it published.

use anyhow::Context as _;
use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::time::{Moment, times};
use super::{FeedEvent, ParseOptions, Parsed, uid};

/// OpenAgenda's `status` for a cancelled event.
const CANCELLED: i64 = 6;

pub fn parse(body: &[u8], options: &ParseOptions) -> anyhow::Result<Parsed> {
    let document: Value = serde_json::from_slice(body).context("not an OpenAgenda response: unreadable JSON")?;
    let events: Vec<&Value> = if let Some(list) = document.get("events").and_then(Value::as_array) {
        list.iter().collect()
    } else if let Some(event) = document.get("event").filter(|e| e.is_object()) {
        vec![event]
    } else if document.get("uid").is_some()
        && (document.get("timings").is_some() || document.get("firstTiming").is_some())
    {
        vec![&document]
    } else {
        anyhow::bail!("not an OpenAgenda response: no `events` list and no `event`");
    };

    let mut parsed = Parsed::default();
    for (index, event) in events.into_iter().enumerate() {
        match event.as_object() {
            Some(event) => read_event(event, options, &mut parsed),
            None => parsed
                .warnings
                .push(format!("event {} skipped: not an object", index + 1)),
        }
    }
    Ok(parsed)
}

fn read_event(event: &Map<String, Value>, options: &ParseOptions, parsed: &mut Parsed) {
    let title = localised(event.get("title"));
    let uid = match event.get("uid") {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    };
    let label = title
        .clone()
        .or_else(|| uid.clone())
        .unwrap_or_else(|| "(untitled)".into());
    let Some(title) = title else {
        parsed
            .warnings
            .push(format!("event {label:?} skipped: it has no title"));
        return;
    };
    let zone = event
        .get("timezone")
        .and_then(Value::as_str)
        .and_then(|name| name.trim().parse::<Tz>().ok())
        .unwrap_or(options.default_timezone);

    let timings = timings(event);
    if timings.is_empty() {
        parsed
            .warnings
            .push(format!("event {label:?} skipped: it has no timing"));
        return;
    }
    let mut instances = Vec::new();
    for (begin, end) in &timings {
        let Some(start) = begin.as_deref().and_then(Moment::parse) else {
            parsed.warnings.push(format!(
                "event {label:?}: timing with unreadable begin {begin:?} skipped"
            ));
            continue;
        };
        let end = end.as_deref().and_then(Moment::parse);
        // OpenAgenda's end is an instant, so a date-only one (never seen) is taken as exclusive.
        if let Some(when) = times(start, end, zone, false) {
            instances.push(when);
        }
    }
    if instances.len() > 1 {
        instances.retain(|when| when.starts_at >= options.window_start && when.starts_at < options.window_end);
    }

    let mut base = FeedEvent {
        title,
        description: localised(event.get("description")).or_else(|| localised(event.get("longDescription"))),
        url: event.get("canonicalUrl").and_then(Value::as_str).map(str::to_string),
        cancelled: status(event.get("status")) == Some(CANCELLED),
        categories: keywords(event.get("keywords")),
        ..FeedEvent::default()
    };
    if let Some(Value::Object(location)) = event.get("location") {
        let text = |key: &str| location.get(key).and_then(Value::as_str).map(str::to_string);
        base.location_name = text("name");
        base.address = text("address");
        base.postal_code = text("postalCode");
        base.city = text("city");
        let latitude = number(location.get("latitude")).filter(|l| (-90.0..=90.0).contains(l));
        let longitude = number(location.get("longitude")).filter(|l| (-180.0..=180.0).contains(l));
        if let (Some(latitude), Some(longitude)) = (latitude, longitude) {
            base.latitude = Some(latitude);
            base.longitude = Some(longitude);
        }
    }
    let series = uid.unwrap_or_else(|| {
        let first = timings.first().and_then(|(begin, _)| begin.clone()).unwrap_or_default();
        uid::stable(&[&base.title, &first])
    });
    for when in instances {
        parsed.events.push(FeedEvent {
            uid: uid::instance(&series, when.starts_at),
            starts_at: when.starts_at,
            ends_at: when.ends_at,
            all_day: when.all_day,
            timezone: when.timezone,
            ..base.clone()
        });
    }
}

/// `(begin, end)` of each timing: `timings`, else `firstTiming` and a different `lastTiming`.
fn timings(event: &Map<String, Value>) -> Vec<(Option<String>, Option<String>)> {
    let pair = |timing: &Value| {
        let text = |key: &str| timing.get(key).and_then(Value::as_str).map(str::to_string);
        (text("begin"), text("end"))
    };
    if let Some(list) = event.get("timings").and_then(Value::as_array).filter(|l| !l.is_empty()) {
        return list.iter().map(pair).collect();
    }
    let mut found = Vec::new();
    for key in ["firstTiming", "lastTiming"] {
        if let Some(timing) = event.get(key).filter(|t| t.is_object()) {
            let timing = pair(timing);
            if !found.contains(&timing) {
                found.push(timing);
            }
        }
    }
    found
}

/// The French text, else the English, else the first one; a plain string as is.
fn localised(value: Option<&Value>) -> Option<String> {
    let pick = |text: &Value| text.as_str().filter(|s| !s.trim().is_empty()).map(str::to_string);
    let value = value?;
    match value {
        Value::String(_) => pick(value),
        Value::Object(languages) => ["fr", "en"]
            .iter()
            .find_map(|language| languages.get(*language).and_then(pick))
            .or_else(|| languages.values().find_map(pick)),
        _ => None,
    }
}

/// Keywords of the preferred language (same order as [`localised`]), or a plain list.
fn keywords(value: Option<&Value>) -> Vec<String> {
    let words = |list: &Value| -> Option<Vec<String>> {
        let list = list.as_array()?;
        let words: Vec<String> = list.iter().filter_map(Value::as_str).map(str::to_string).collect();
        (!words.is_empty()).then_some(words)
    };
    match value {
        Some(list @ Value::Array(_)) => words(list).unwrap_or_default(),
        Some(Value::Object(languages)) => ["fr", "en"]
            .iter()
            .find_map(|language| languages.get(*language).and_then(words))
            .or_else(|| languages.values().find_map(words))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn status(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::text;
    use chrono::{DateTime, TimeZone, Utc};

    fn options() -> ParseOptions {
        ParseOptions::around(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).single().expect("a date"))
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("RFC 3339").with_timezone(&Utc)
    }

    #[test]
    fn multilingual_list_with_first_and_last_timing() {
        let body = include_bytes!("../../tests/fixtures/feeds/json-openagenda-v2-events-list-multilingual.json");
        let parsed = parse(body, &options()).expect("an event list");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        // firstTiming and lastTiming differ: two instances of event 9906334.
        assert_eq!(parsed.events.len(), 2);
        let mut events = parsed.events.clone();
        events.iter_mut().for_each(text::clean);
        let (first, last) = (&events[0], &events[1]);
        assert_eq!(first.uid, "9906334#20250106T100000Z");
        assert_eq!(last.uid, "9906334#20250106T140000Z");
        for event in &events {
            assert_eq!(event.title, "Mon évènement");
            assert_eq!(event.description.as_deref(), Some("Description courte"));
            assert_eq!(event.location_name.as_deref(), Some("My location"));
            assert_eq!(
                event.address.as_deref(),
                Some("122 rue de Charonne, 75011 Paris, France")
            );
            assert_eq!(event.city.as_deref(), Some("Paris"));
            assert_eq!(event.latitude, Some(48.854969));
            assert_eq!(event.longitude, Some(2.386696));
            assert_eq!(event.timezone, "Europe/Paris");
            assert_eq!(event.categories, ["mon", "évènement"]);
            assert!(!event.cancelled && !event.all_day);
        }
        assert_eq!(first.starts_at, utc("2025-01-06T11:00:00+01:00"));
        assert_eq!(first.ends_at, Some(utc("2025-01-06T15:00:00+01:00")));
        assert_eq!(last.starts_at, utc("2025-01-06T15:00:00+01:00"));
        assert_eq!(last.ends_at, Some(utc("2025-01-06T18:00:00+01:00")));
    }

    #[test]
    fn timings_status_and_languages() {
        let body = br#"{"event": {"uid": "42", "title": {"de": "Tag", "en": "Open day"}, "status": 6,
            "timezone": "America/Montreal", "canonicalUrl": "https://openagenda.com/a/events/open-day",
            "timings": [
                {"begin": "2024-12-01T10:00:00.000-05:00", "end": "2024-12-01T12:00:00.000-05:00"},
                {"begin": "2025-02-01T10:00:00.000-05:00", "end": "2025-02-01T12:00:00.000-05:00"},
                {"begin": "2027-02-01T10:00:00.000-05:00", "end": "2027-02-01T12:00:00.000-05:00"},
                {"begin": "soon"}],
            "firstTiming": {"begin": "2024-12-01T10:00:00.000-05:00", "end": "2024-12-01T12:00:00.000-05:00"}}}"#;
        let parsed = parse(body, &options()).expect("an event");
        // The unreadable timing is reported; the 2024-12 and 2027 ones are outside the window.
        assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
        assert_eq!(parsed.events.len(), 1);
        let event = &parsed.events[0];
        assert_eq!(event.uid, "42#20250201T150000Z");
        assert_eq!(event.title, "Open day");
        assert_eq!(event.timezone, "America/Montreal");
        assert_eq!(event.starts_at, utc("2025-02-01T15:00:00Z"));
        assert!(event.cancelled);
        assert_eq!(event.url.as_deref(), Some("https://openagenda.com/a/events/open-day"));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"\x00\x01\x02 garbage \xff\xfe", &options()).is_err());
        assert!(parse(b"{\"items\": []}", &options()).is_err());
        let empty = parse(b"{\"total\": 0, \"events\": []}", &options()).expect("an empty list");
        assert!(empty.events.is_empty() && empty.warnings.is_empty());
    }
}
