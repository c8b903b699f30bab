//! WordPress "The Events Calendar" REST API (`/wp-json/tribe/events/v1/events`): a list page
//! `{ "events": [...], "total", "total_pages", "next_rest_url" }` or a single event object.
//!
//! Times: `start_date`/`end_date` are wall-clock times in the event's `timezone` (an IANA name,
//! or `UTC+2` when the site uses a manual offset); `utc_start_date`/`utc_end_date`, when present,
//! give the instant and win, with a warning if the two disagree. All-day events are read from
//! their local dates (TEC writes them 00:00:00 → 23:59:59).

use anyhow::bail;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::{FeedEvent, ParseOptions, Parsed, time};

/// Reads a list page or a single event; see the module documentation.
pub fn parse(body: &[u8], options: &ParseOptions) -> anyhow::Result<Parsed> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let document: Value = serde_json::from_slice(body)
        .map_err(|error| anyhow::anyhow!("not a JSON document (The Events Calendar REST API): {error}"))?;
    let mut parsed = Parsed::default();
    let items: Vec<&Value> = match &document {
        Value::Object(object) if object.get("events").is_some() => {
            let Some(events) = object.get("events").and_then(Value::as_array) else {
                bail!("The Events Calendar response: \"events\" is not a list");
            };
            parsed.next_page = object
                .get("next_rest_url")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|url| !url.is_empty())
                .map(str::to_string);
            events.iter().collect()
        }
        Value::Object(object) if object.contains_key("start_date") || object.contains_key("utc_start_date") => {
            vec![&document]
        }
        // WordPress REST errors: `{"code": "rest_no_route", "message": "…", "data": {…}}`.
        Value::Object(object) if object.contains_key("code") && object.contains_key("message") => {
            bail!(
                "The Events Calendar API answered an error: {} ({})",
                object.get("message").and_then(Value::as_str).unwrap_or_default(),
                object.get("code").and_then(Value::as_str).unwrap_or_default()
            );
        }
        Value::Array(items) => items.iter().collect(),
        _ => bail!("not a The Events Calendar response: no \"events\" list and no event"),
    };
    for (index, item) in items.into_iter().enumerate() {
        let Some(object) = item.as_object() else {
            parsed
                .warnings
                .push(format!("event #{}: not an object, skipped", index + 1));
            continue;
        };
        match event(object, options, &mut parsed.warnings) {
            Ok(Some(event)) => parsed.events.push(event),
            Ok(None) => {}
            Err(reason) => parsed
                .warnings
                .push(format!("event {}: {reason}, skipped", label(object, index))),
        }
    }
    Ok(parsed)
}

/// How a warning names an event: its id, else its position.
fn label(object: &Map<String, Value>, index: usize) -> String {
    id_of(object).unwrap_or_else(|| format!("#{}", index + 1))
}

fn id_of(object: &Map<String, Value>) -> Option<String> {
    match object.get("id")? {
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        _ => None,
    }
}

fn string<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The zone an event's local times are written in.
#[derive(Clone, Copy)]
enum Zone {
    Named(Tz),
    /// WordPress's manual offsets (`UTC+2`, `UTC-5:30`).
    Fixed(FixedOffset),
}

impl Zone {
    fn read(name: &str) -> Option<Zone> {
        if let Ok(zone) = name.parse::<Tz>() {
            return Some(Zone::Named(zone));
        }
        let offset = name.strip_prefix("UTC")?.trim();
        if offset.is_empty() {
            return Some(Zone::Fixed(FixedOffset::east_opt(0)?));
        }
        let (sign, number) = match offset.as_bytes().first()? {
            b'+' => (1.0, &offset[1..]),
            b'-' => (-1.0, &offset[1..]),
            _ => return None,
        };
        // `5:30` and `5.5` both occur.
        let hours: f64 = match number.split_once(':') {
            Some((h, m)) => h.parse::<f64>().ok()? + m.parse::<f64>().ok()? / 60.0,
            None => number.parse().ok()?,
        };
        FixedOffset::east_opt((sign * hours * 3600.0).round() as i32).map(Zone::Fixed)
    }

    fn to_utc(self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            Zone::Named(zone) => Some(time::instant(zone, local)),
            Zone::Fixed(offset) => offset
                .from_local_datetime(&local)
                .single()
                .map(|t| t.with_timezone(&Utc)),
        }
    }

    /// The IANA name: `Etc/GMT-2` for a whole-hour `UTC+2` (the Etc signs are inverted).
    fn name(self) -> Option<String> {
        match self {
            Zone::Named(zone) => Some(zone.name().to_string()),
            Zone::Fixed(offset) if offset.local_minus_utc() == 0 => Some("UTC".to_string()),
            Zone::Fixed(offset) => time::etc_zone(offset.local_minus_utc()),
        }
    }
}

/// TEC writes `2018-05-11 10:00:00`; ISO `T` and date-only forms are accepted too.
fn parse_date_time(value: &str) -> Option<NaiveDateTime> {
    let value = value.trim();
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(parsed) = NaiveDateTime::parse_from_str(value, format) {
            return Some(parsed);
        }
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN))
}

/// One end of an event: its instant, from `utc_key` when present (checked against the local
/// time), else from the local time in `zone`.
fn instant(
    object: &Map<String, Value>,
    local_key: &str,
    utc_key: &str,
    zone: Zone,
    warnings: &mut Vec<String>,
    label: &str,
) -> Result<Option<DateTime<Utc>>, String> {
    let local = match string(object, local_key) {
        None => None,
        Some(text) => Some(parse_date_time(text).ok_or_else(|| format!("{local_key} \"{text}\" is not a date"))?),
    };
    let utc = match string(object, utc_key) {
        None => None,
        Some(text) => match parse_date_time(text) {
            Some(utc) => Some(utc.and_utc()),
            None => {
                warnings.push(format!(
                    "event {label}: {utc_key} \"{text}\" is not a date; {local_key} used"
                ));
                None
            }
        },
    };
    let from_local = local.and_then(|local| zone.to_utc(local));
    match (utc, from_local) {
        (Some(utc), Some(from_local)) if utc != from_local => {
            warnings.push(format!(
                "event {label}: {local_key} is {} but {utc_key} is {}; {utc_key} used",
                from_local.format("%Y-%m-%dT%H:%MZ"),
                utc.format("%Y-%m-%dT%H:%MZ")
            ));
            Ok(Some(utc))
        }
        (Some(utc), _) => Ok(Some(utc)),
        (None, from_local) => Ok(from_local),
    }
}

fn flag(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(Value::String(s)) => matches!(s.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes"),
        _ => false,
    }
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite())
}

/// Maps one event; `Ok(None)` when it is deliberately left out (not published).
fn event(
    object: &Map<String, Value>,
    options: &ParseOptions,
    warnings: &mut Vec<String>,
) -> Result<Option<FeedEvent>, String> {
    let label = id_of(object).unwrap_or_else(|| "without id".to_string());
    let status = string(object, "status")
        .or_else(|| string(object, "post_status"))
        .map(str::to_ascii_lowercase);
    if let Some(status) = status.as_deref()
        && matches!(
            status,
            "draft" | "pending" | "private" | "trash" | "auto-draft" | "future"
        )
    {
        warnings.push(format!("event {label}: status \"{status}\", not published, skipped"));
        return Ok(None);
    }
    let title = string(object, "title").ok_or("no title")?;
    let zone = match string(object, "timezone") {
        None => Zone::Named(options.default_timezone),
        Some(name) => Zone::read(name).unwrap_or_else(|| {
            warnings.push(format!(
                "event {label}: timezone \"{name}\" is unknown; {} used",
                options.default_timezone.name()
            ));
            Zone::Named(options.default_timezone)
        }),
    };
    let all_day = flag(object.get("all_day"));
    let (starts_at, ends_at) = if all_day {
        // TEC's all-day events run 00:00:00 → 23:59:59 local; stored as midnight → midnight after.
        let day = |key: &str| string(object, key).and_then(parse_date_time).map(|t| t.date());
        let first = day("start_date").ok_or("no start_date")?;
        let last = day("end_date").filter(|last| *last >= first).unwrap_or(first);
        let midnight = |d: NaiveDate| zone.to_utc(d.and_time(NaiveTime::MIN));
        let starts_at = midnight(first).ok_or("start_date does not exist in its time zone")?;
        (starts_at, last.succ_opt().and_then(midnight))
    } else {
        let starts_at =
            instant(object, "start_date", "utc_start_date", zone, warnings, &label)?.ok_or("no start_date")?;
        let ends_at = match instant(object, "end_date", "utc_end_date", zone, warnings, &label) {
            Ok(end) => end,
            Err(reason) => {
                warnings.push(format!("event {label}: {reason}; end ignored"));
                None
            }
        };
        (starts_at, ends_at)
    };
    let ends_at = match ends_at {
        Some(end) if end < starts_at => {
            warnings.push(format!("event {label}: the end is before the start; end ignored"));
            None
        }
        other => other,
    };
    let timezone = zone.name().unwrap_or_else(|| "UTC".to_string());
    let venue = object.get("venue").and_then(Value::as_object);
    let venue_text = |key: &str| venue.and_then(|v| string(v, key)).map(str::to_string);
    let organiser = organisers(object.get("organizer"));
    let uid = match id_of(object) {
        Some(id) => id,
        None => string(object, "global_id").ok_or("no id")?.to_string(),
    };
    Ok(Some(FeedEvent {
        uid,
        title: title.to_string(),
        description: string(object, "description").map(str::to_string),
        location_name: venue_text("venue"),
        address: venue_text("address"),
        postal_code: venue_text("zip"),
        city: venue_text("city"),
        latitude: venue.and_then(|v| number(v.get("geo_lat"))),
        longitude: venue.and_then(|v| number(v.get("geo_lng"))),
        starts_at,
        ends_at,
        all_day,
        timezone,
        url: string(object, "url")
            .or_else(|| string(object, "website"))
            .map(str::to_string),
        // TEC's `author` is a WordPress user id, not a name.
        author: None,
        organiser,
        open_to_public: None,
        cancelled: is_cancelled(object, status.as_deref()),
        categories: object
            .get("categories")
            .and_then(Value::as_array)
            .map(|categories| {
                categories
                    .iter()
                    .filter_map(|c| c.as_object().and_then(|c| string(c, "name")))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    }))
}

/// `organizer` is a list of organiser objects (or `[]`); older versions give one object.
fn organisers(value: Option<&Value>) -> Option<String> {
    let names: Vec<&str> = match value? {
        Value::Array(items) => items
            .iter()
            .filter_map(|o| o.as_object().and_then(|o| string(o, "organizer")))
            .collect(),
        Value::Object(object) => string(object, "organizer").into_iter().collect(),
        _ => Vec::new(),
    };
    (!names.is_empty()).then(|| names.join(", "))
}

/// Cancelled by its status, the Event Status add-on's field, or its embedded JSON-LD.
fn is_cancelled(object: &Map<String, Value>, status: Option<&str>) -> bool {
    let cancelled = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("cancel")
    };
    status.is_some_and(cancelled)
        || string(object, "event_status").is_some_and(cancelled)
        || object
            .get("json_ld")
            .and_then(Value::as_object)
            .and_then(|ld| string(ld, "eventStatus"))
            .is_some_and(cancelled)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SINGLE: &[u8] = include_bytes!("../../tests/fixtures/feeds/json-tec-rest-api-single-event-hacc.json");

    fn options() -> ParseOptions {
        ParseOptions::around(
            Utc.with_ymd_and_hms(2018, 5, 1, 0, 0, 0)
                .single()
                .expect("valid test value"),
        )
    }

    fn utc(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("valid test value")
            .with_timezone(&Utc)
    }

    fn assert_hacc(event: &FeedEvent) {
        assert_eq!(event.uid, "2644");
        assert_eq!(event.title, "Entrepreneurship Boot Camp Session 2, Marketing Plan");
        assert_eq!(event.starts_at, utc("2018-05-11T15:00:00Z"));
        assert_eq!(event.starts_at, utc("2018-05-11T10:00:00-05:00"));
        assert_eq!(event.ends_at, Some(utc("2018-05-11T17:00:00Z")));
        assert!(!event.all_day);
        assert_eq!(event.timezone, "America/Chicago");
        assert_eq!(
            event.url.as_deref(),
            Some("http://thehacc.org/event/entrepreneurship-boot-camp-session-2-marketing-analysis/")
        );
        assert_eq!(event.location_name.as_deref(), Some("Turlington West Community Room"));
        assert_eq!(event.address.as_deref(), Some("15306 S. Robey Ave."));
        assert_eq!(event.city.as_deref(), Some("Harvey"));
        assert_eq!(event.postal_code.as_deref(), Some("60426"));
        assert_eq!(event.organiser.as_deref(), Some("Family Self Sufficiency"));
        assert_eq!(event.categories, vec!["FSS event".to_string()]);
        assert!(
            event
                .description
                .as_deref()
                .is_some_and(|d| d.starts_with("<p>Learn how to start"))
        );
        assert!(!event.cancelled);
        assert_eq!((event.latitude, event.longitude), (None, None));
    }

    #[test]
    fn single_event_response() {
        let parsed = parse(SINGLE, &options()).expect("parses");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(parsed.events.len(), 1);
        assert_eq!(parsed.next_page, None);
        assert_hacc(&parsed.events[0]);
    }

    #[test]
    fn list_response_with_next_page() {
        let mut all_day: Value = serde_json::from_slice(SINGLE).expect("valid test value");
        let object = all_day.as_object_mut().expect("valid test value");
        object.insert("id".into(), 2700.into());
        object.insert("title".into(), "Family Day &#8211; Harvey".into());
        object.insert("all_day".into(), true.into());
        object.insert("start_date".into(), "2018-06-02 00:00:00".into());
        object.insert("end_date".into(), "2018-06-03 23:59:59".into());
        object.insert("utc_start_date".into(), "2018-06-02 05:00:00".into());
        object.insert("utc_end_date".into(), "2018-06-04 04:59:59".into());
        object.insert("venue".into(), serde_json::json!([]));
        object.insert("organizer".into(), serde_json::json!([]));
        object.insert("categories".into(), serde_json::json!([]));
        // The fixture's own bytes, wrapped as the API wraps a page (escaped slashes included).
        let single = std::str::from_utf8(SINGLE).expect("valid test value");
        let list = format!(
            r#"{{"events": [{single}, {all_day}, {{"id": 2800, "title": "No date"}}],
                "rest_url": "http:\/\/thehacc.org\/wp-json\/tribe\/events\/v1\/events\/?page=1",
                "next_rest_url": "http:\/\/thehacc.org\/wp-json\/tribe\/events\/v1\/events\/?page=2",
                "total": 23, "total_pages": 2}}"#
        );
        let parsed = parse(list.as_bytes(), &options()).expect("parses");
        assert_eq!(
            parsed.next_page.as_deref(),
            Some("http://thehacc.org/wp-json/tribe/events/v1/events/?page=2")
        );
        assert_eq!(parsed.events.len(), 2);
        assert_hacc(&parsed.events[0]);
        let family = &parsed.events[1];
        assert_eq!(family.uid, "2700");
        assert_eq!(
            family.title, "Family Day &#8211; Harvey",
            "entities are left for text::clean"
        );
        assert!(family.all_day);
        // Midnight to the midnight after the last day, in Chicago.
        assert_eq!(family.starts_at, utc("2018-06-02T00:00:00-05:00"));
        assert_eq!(family.ends_at, Some(utc("2018-06-04T00:00:00-05:00")));
        assert_eq!(family.location_name, None);
        assert_eq!(family.organiser, None);
        assert!(family.categories.is_empty());
        assert_eq!(parsed.warnings, ["event 2800: no start_date, skipped"]);

        let last_page = serde_json::json!({"events": [], "total": 23, "total_pages": 2});
        let parsed = parse(last_page.to_string().as_bytes(), &options()).expect("parses");
        assert!(parsed.events.is_empty());
        assert_eq!(parsed.next_page, None);
    }

    #[test]
    fn utc_dates_win_over_inconsistent_local_ones() {
        let event = serde_json::json!({
            "id": 1, "title": "Atelier", "timezone": "Europe/Paris",
            "start_date": "2024-03-12 14:00:00", "utc_start_date": "2024-03-12 14:00:00",
            "end_date": "2024-03-12 16:00:00",
            "venue": {"venue": "Lab", "geo_lat": "48.11", "geo_lng": -1.68},
            "organizer": [{"organizer": "Elles bougent"}, {"organizer": "Fablab"}],
            "status": "publish", "event_status": "canceled"
        });
        let parsed = parse(event.to_string().as_bytes(), &options()).expect("parses");
        let atelier = &parsed.events[0];
        assert_eq!(atelier.starts_at, utc("2024-03-12T14:00:00Z"));
        assert_eq!(atelier.ends_at, Some(utc("2024-03-12T16:00:00+01:00")));
        assert_eq!(
            parsed.warnings,
            ["event 1: start_date is 2024-03-12T13:00Z but utc_start_date is 2024-03-12T14:00Z; utc_start_date used"]
        );
        assert_eq!(atelier.organiser.as_deref(), Some("Elles bougent, Fablab"));
        assert_eq!((atelier.latitude, atelier.longitude), (Some(48.11), Some(-1.68)));
        assert!(atelier.cancelled);
    }

    #[test]
    fn manual_utc_offsets_and_missing_utc_dates() {
        let event = serde_json::json!({
            "id": "7", "title": "Meetup", "timezone": "UTC+2", "start_date": "2024-03-12 14:00:00"
        });
        let parsed = parse(event.to_string().as_bytes(), &options()).expect("parses");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(parsed.events[0].starts_at, utc("2024-03-12T12:00:00Z"));
        assert_eq!(parsed.events[0].timezone, "Etc/GMT-2");
        assert_eq!(parsed.events[0].ends_at, None);
        assert!(matches!(Zone::read("UTC-5:30"), Some(Zone::Fixed(o)) if o.local_minus_utc() == -19800));
        assert!(matches!(Zone::read("UTC+5.5"), Some(Zone::Fixed(o)) if o.local_minus_utc() == 19800));
        assert!(Zone::read("Mars/Olympus").is_none());
    }

    #[test]
    fn unreadable_documents_are_errors() {
        assert!(parse(b"<html></html>", &options()).is_err());
        assert!(parse(b"{\"foo\": 1}", &options()).is_err());
        assert!(parse(b"{\"events\": 3}", &options()).is_err());
        let error = parse(
            br#"{"code":"rest_no_route","message":"No route was found","data":{"status":404}}"#,
            &options(),
        )
        .expect_err("is refused")
        .to_string();
        assert!(error.contains("No route was found"), "{error}");
    }
}
