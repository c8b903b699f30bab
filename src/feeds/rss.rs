//! RSS (0.9x, 1.0, 2.0), Atom and JSON Feed, read with feed-rs.
//!
//! Items become events when they carry event dates. feed-rs keeps no unknown extension, so the
//! fields event plugins add are read here from the raw document, item by item, and matched to
//! feed-rs's entries by position:
//! - XML: elements of the RSS event module (`ev:startdate`, `ev:enddate`, `ev:location`,
//!   `ev:organizer`), xCal (`xcal:dtstart`, `xcal:dtend`, `xcal:location`...) and look-alikes
//!   under the usual prefixes (`event:`, `tribe:`...), plus `feedburner:origLink`;
//! - JSON Feed: `date_start`/`start_date`/`startDate`-like keys on the item or in an extension
//!   object (`_event`...).
//!
//! Items without event dates are taken at their publication date when
//! `ParseOptions::use_publication_date` is set, else skipped with a warning.

use feed_rs::model::{Entry, FeedType};
use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use serde_json::{Map, Value};

use super::time::{Moment, Times, times};
use super::{FeedEvent, ParseOptions, Parsed, uid};

pub fn parse(body: &[u8], options: &ParseOptions) -> anyhow::Result<Parsed> {
    let feed = feed_rs::parser::Builder::new()
        // text::clean sanitises every event later, from the raw text.
        .sanitize_content(false)
        // No made-up id (feed-rs would use a random UUID): a stable one is derived below.
        .id_generator(|_, _, _| String::new())
        .build()
        .parse(body)
        .map_err(|e| anyhow::anyhow!("not an RSS, Atom or JSON feed: {e}"))?;

    let mut parsed = Parsed::default();
    let raw = match feed.feed_type {
        FeedType::JSON => json_extras(body),
        _ => xml_extras(body),
    };
    let extras = match raw {
        Ok(extras) if extras.len() == feed.entries.len() => extras,
        Ok(extras) => {
            parsed.warnings.push(format!(
                "event fields ignored: {} items in the document but {} read as entries",
                extras.len(),
                feed.entries.len()
            ));
            vec![Extra::default(); feed.entries.len()]
        }
        Err(e) => {
            parsed.warnings.push(format!("event fields ignored: {e}"));
            vec![Extra::default(); feed.entries.len()]
        }
    };
    for (entry, extra) in feed.entries.iter().zip(&extras) {
        if let Some(event) = to_event(entry, extra, options, &mut parsed.warnings) {
            parsed.events.push(event);
        }
    }
    Ok(parsed)
}

/// What an item says beyond what feed-rs reads.
#[derive(Clone, Debug, Default)]
struct Extra {
    start: Option<String>,
    end: Option<String>,
    /// The end is exclusive (xCal `dtend`): a date-only end is the day after the event.
    end_exclusive: bool,
    location: Option<String>,
    organiser: Option<String>,
    status: Option<String>,
    orig_link: Option<String>,
}

fn to_event(entry: &Entry, extra: &Extra, options: &ParseOptions, warnings: &mut Vec<String>) -> Option<FeedEvent> {
    let title = entry.title.as_ref().map(|t| t.content.clone()).unwrap_or_default();
    let id = entry.id.trim().to_string();
    let label = if title.trim().is_empty() { &id } else { &title };
    let url = extra
        .orig_link
        .as_deref()
        .map(str::trim)
        .filter(|link| !link.is_empty())
        .map(str::to_string)
        .or_else(|| {
            let alternate = entry
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|rel| rel == "alternate"));
            alternate.or(entry.links.first()).map(|l| l.href.trim().to_string())
        });

    let mut when = None;
    if let Some(start_text) = &extra.start {
        match Moment::parse(start_text) {
            Some(start) => {
                let end = extra.end.as_deref().and_then(Moment::parse);
                when = times(start, end, options.default_timezone, !extra.end_exclusive);
            }
            None => warnings.push(format!("item {label:?}: unreadable event start {start_text:?}")),
        }
    }
    let when = match when {
        Some(when) => when,
        None if options.use_publication_date => match entry.published.or(entry.updated) {
            // A publication is an instant, without a duration.
            Some(at) => Times {
                starts_at: at,
                ends_at: None,
                all_day: false,
                timezone: "UTC".into(),
            },
            None => {
                warnings.push(format!(
                    "item {label:?} skipped: it has no event date and no publication date"
                ));
                return None;
            }
        },
        None => {
            warnings.push(format!("item {label:?} skipped: it has no event date"));
            return None;
        }
    };

    let uid = if id.is_empty() {
        uid::stable(&[url.as_deref().unwrap_or_default(), &title, &when.starts_at.to_rfc3339()])
    } else {
        id
    };
    let description = entry
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .filter(|body| !body.trim().is_empty())
        .or_else(|| entry.summary.as_ref().map(|s| s.content.clone()));
    Some(FeedEvent {
        uid,
        title,
        description,
        location_name: extra.location.clone(),
        starts_at: when.starts_at,
        ends_at: when.ends_at,
        all_day: when.all_day,
        timezone: when.timezone,
        url,
        author: entry.authors.iter().find_map(|a| a.name.clone()),
        organiser: extra.organiser.clone(),
        cancelled: extra
            .status
            .as_deref()
            .is_some_and(|s| s.to_ascii_lowercase().contains("cancel")),
        categories: entry
            .categories
            .iter()
            .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
            .collect(),
        ..FeedEvent::default()
    })
}

/// The field an element of an item carries, if it is one of the event extensions.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Field {
    Start,
    End { exclusive: bool },
    Location,
    Organiser,
    Status,
    OrigLink,
}

/// Namespaces of event extensions: RSS event module, xCal (draft and RFC 6321).
const EVENT_NAMESPACES: &[&str] = &[
    "http://purl.org/rss/1.0/modules/event/",
    "urn:ietf:params:xml:ns:xcal",
    "urn:ietf:params:xml:ns:icalendar-2.0",
];

/// Prefixes taken as event extensions whatever their namespace, as feeds often bind them to
/// a wrong URL or to none.
const EVENT_PREFIXES: &[&str] = &[
    "ev",
    "event",
    "events",
    "xcal",
    "cal",
    "calendar",
    "tribe",
    "tribe_events",
];

fn field_of(namespace: Option<&str>, prefix: Option<&str>, local: &str) -> Option<Field> {
    let local = local.to_ascii_lowercase();
    if local == "origlink" {
        return Some(Field::OrigLink);
    }
    let eventish = namespace.is_some_and(|ns| EVENT_NAMESPACES.iter().any(|known| ns.eq_ignore_ascii_case(known)))
        || prefix.is_some_and(|p| EVENT_PREFIXES.iter().any(|known| p.eq_ignore_ascii_case(known)));
    if !eventish {
        return None;
    }
    Some(match local.as_str() {
        "startdate" | "start_date" | "dtstart" | "start" | "begin" | "eventstartdate" | "event_start_date" => {
            Field::Start
        }
        "enddate" | "end_date" | "dtend" | "end" | "eventenddate" | "event_end_date" => Field::End {
            exclusive: local == "dtend",
        },
        "location" | "venue" | "place" => Field::Location,
        "organizer" | "organiser" => Field::Organiser,
        "status" | "eventstatus" => Field::Status,
        _ => return None,
    })
}

/// Hand-written scan of the XML for the extension elements of each `item`/`entry`, in
/// document order. An element's value is all the text inside it (RFC 6321 xCal nests it:
/// `<dtstart><date-time>…</date-time></dtstart>`); the first occurrence of a field wins.
fn xml_extras(body: &[u8]) -> Result<Vec<Extra>, String> {
    let mut reader = NsReader::from_reader(body);
    let mut extras = Vec::new();
    let mut depth = 0usize;
    // The item being read and its depth; the field being read, its depth and text so far.
    let mut item: Option<(Extra, usize)> = None;
    let mut capture: Option<(Field, usize, String)> = None;
    loop {
        let (namespace, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("unreadable XML: {e}"))?;
        match event {
            Event::Start(element) => {
                depth += 1;
                let name = element.name();
                let local = element.local_name();
                if item.is_none() {
                    if is_item(&namespace, name.prefix().is_some(), local.as_ref()) {
                        item = Some((Extra::default(), depth));
                    }
                } else if capture.is_none() {
                    let namespace = match &namespace {
                        ResolveResult::Bound(ns) => Some(ns.as_ref()),
                        _ => None,
                    };
                    let prefix = name.prefix().map(|p| p.as_ref().to_string());
                    if let Some(field) = field_of(namespace, prefix.as_deref(), local.as_ref()) {
                        capture = Some((field, depth, String::new()));
                    }
                }
            }
            // `<item/>`: an entry without anything.
            Event::Empty(element)
                if item.is_none()
                    && is_item(
                        &namespace,
                        element.name().prefix().is_some(),
                        element.local_name().as_ref(),
                    ) =>
            {
                extras.push(Extra::default());
            }
            Event::End(_) => {
                if let Some((field, _, text)) = capture.take_if(|(_, at, _)| *at == depth)
                    && let Some((extra, _)) = item.as_mut()
                {
                    store(extra, field, text);
                }
                if let Some((extra, _)) = item.take_if(|(_, at)| *at == depth) {
                    extras.push(extra);
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(text) => {
                if let Some((_, _, value)) = capture.as_mut() {
                    value.push_str(&text);
                }
            }
            Event::CData(text) => {
                if let Some((_, _, value)) = capture.as_mut() {
                    value.push_str(&text);
                }
            }
            // Entities are kept as written: text::clean decodes them.
            Event::GeneralRef(reference) => {
                if let Some((_, _, value)) = capture.as_mut() {
                    value.push('&');
                    value.push_str(&reference);
                    value.push(';');
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(extras)
}

/// An RSS `item` or Atom `entry`: unprefixed, or in the Atom or RSS 1.0 namespace.
fn is_item(namespace: &ResolveResult, prefixed: bool, local: &str) -> bool {
    let in_feed_namespace = match namespace {
        ResolveResult::Bound(ns) => [
            "http://www.w3.org/2005/Atom",
            "http://purl.org/atom/ns#",
            "http://purl.org/rss/1.0/",
            "http://my.netscape.com/rdf/simple/0.9/",
        ]
        .contains(&ns.as_ref()),
        _ => false,
    };
    (local == "item" || local == "entry") && (!prefixed || in_feed_namespace)
}

fn store(extra: &mut Extra, field: Field, text: String) {
    let text = text.trim().to_string();
    if text.is_empty() {
        return;
    }
    let slot = match field {
        Field::Start => &mut extra.start,
        Field::End { exclusive } => {
            if extra.end.is_none() {
                extra.end_exclusive = exclusive;
            }
            &mut extra.end
        }
        Field::Location => &mut extra.location,
        Field::Organiser => &mut extra.organiser,
        Field::Status => &mut extra.status,
        Field::OrigLink => &mut extra.orig_link,
    };
    if slot.is_none() {
        *slot = Some(text);
    }
}

/// The event fields of each JSON Feed item, in order.
fn json_extras(body: &[u8]) -> Result<Vec<Extra>, String> {
    let feed: Value = serde_json::from_slice(body).map_err(|e| format!("unreadable JSON: {e}"))?;
    let items = feed
        .get("items")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    Ok(items
        .iter()
        .map(|item| item.as_object().map(json_item_extra).unwrap_or_default())
        .collect())
}

const JSON_START_KEYS: &[&str] = &[
    "date_start",
    "start_date",
    "startDate",
    "event_start",
    "dtstart",
    "start",
];
const JSON_END_KEYS: &[&str] = &["date_end", "end_date", "endDate", "event_end", "dtend", "end"];

/// Keys on the item itself, then in its extension objects (`_`-prefixed, like `_event`).
fn json_item_extra(item: &Map<String, Value>) -> Extra {
    let mut sources = vec![item];
    sources.extend(
        item.iter()
            .filter(|(key, _)| key.starts_with('_'))
            .filter_map(|(_, value)| value.as_object()),
    );
    let first = |keys: &[&str], read: fn(&Value) -> Option<String>| {
        sources
            .iter()
            .find_map(|source| keys.iter().find_map(|key| source.get(*key).and_then(read)))
    };
    Extra {
        start: first(JSON_START_KEYS, json_text),
        end: first(JSON_END_KEYS, json_text),
        end_exclusive: false,
        location: first(&["location", "venue", "place"], json_name),
        organiser: first(&["organizer", "organiser"], json_name),
        status: first(&["status", "event_status", "eventStatus"], json_text),
        orig_link: None,
    }
}

fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A name as a string or as an object's `name`.
fn json_name(value: &Value) -> Option<String> {
    json_text(value).or_else(|| value.get("name").and_then(json_text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::text;
    use chrono::{DateTime, TimeZone, Utc};

    fn options(use_publication_date: bool) -> ParseOptions {
        ParseOptions {
            use_publication_date,
            ..ParseOptions::around(Utc.with_ymd_and_hms(2019, 8, 1, 0, 0, 0).single().expect("a date"))
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("RFC 3339").with_timezone(&Utc)
    }

    fn only(parsed: &Parsed) -> FeedEvent {
        assert_eq!(parsed.events.len(), 1, "{:?}", parsed.warnings);
        let mut event = parsed.events[0].clone();
        text::clean(&mut event);
        event
    }

    const RSS: &[u8] = include_bytes!("../../tests/fixtures/feeds/rss2-wordpress-whitespace-padded-link-guid.xml");
    const ATOM: &[u8] = include_bytes!("../../tests/fixtures/feeds/atom-movabletype-feedburner.xml");
    const JSON_FEED: &[u8] = include_bytes!("../../tests/fixtures/feeds/jsonfeed-v1-spec-example.json");

    #[test]
    fn wordpress_rss_item_at_its_publication_date() {
        let parsed = parse(RSS, &options(true)).expect("a feed");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let event = only(&parsed);
        assert_eq!(
            event.title,
            "Minor earthquake, 3.5 mag was detected near Aris in Greece"
        );
        let link =
            "http://www.earthquakenewstoday.com/2019/08/06/minor-earthquake-3-5-mag-was-detected-near-aris-in-greece/";
        // Link and guid are padded with whitespace in the file.
        assert_eq!(event.uid, link);
        assert_eq!(event.url.as_deref(), Some(link));
        assert_eq!(event.starts_at, utc("2019-08-06T05:01:15Z"));
        assert_eq!(event.ends_at, None);
        assert_eq!(event.timezone, "UTC");
        assert_eq!(event.author.as_deref(), Some("admin"));
        assert_eq!(event.categories.len(), 3);
        assert!(
            event
                .description
                .is_some_and(|d| d.contains("A minor earthquake with magnitude 3.5"))
        );
    }

    #[test]
    fn atom_entry_prefers_the_feedburner_original_link() {
        let parsed = parse(ATOM, &options(true)).expect("a feed");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let event = only(&parsed);
        assert_eq!(
            event.title,
            "Time to Transfer Risk: Why Security Complexity & VPNs Are No Longer Sustainable"
        );
        assert_eq!(event.uid, "tag:blogs.akamai.com,2019://2.3337");
        // Published, not updated.
        assert_eq!(event.starts_at, utc("2019-07-30T16:00:00Z"));
        assert_eq!(
            event.url.as_deref(),
            Some(
                "https://blogs.akamai.com/2019/07/time-to-transfer-risk-why-security-complexity-vpns-are-no-longer-sustainable.html"
            )
        );
        assert_eq!(event.author.as_deref(), Some("Lorenz Jakober"));
        assert!(event.categories.contains(&"SSL".to_string()));
    }

    #[test]
    fn json_feed_item_at_its_publication_date() {
        let parsed = parse(JSON_FEED, &options(true)).expect("a feed");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let event = only(&parsed);
        assert_eq!(event.title, "Announcing JSON Feed");
        assert_eq!(event.uid, "https://jsonfeed.org/2017/05/17/announcing_json_feed");
        assert_eq!(
            event.url.as_deref(),
            Some("https://jsonfeed.org/2017/05/17/announcing_json_feed")
        );
        // 2017-05-17T08:02:12-07:00.
        assert_eq!(event.starts_at, utc("2017-05-17T15:02:12Z"));
    }

    #[test]
    fn items_without_event_dates_are_skipped_by_default() {
        for feed in [RSS, ATOM, JSON_FEED] {
            let parsed = parse(feed, &options(false)).expect("a feed");
            assert!(parsed.events.is_empty());
            assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
            assert!(
                parsed.warnings[0].contains("has no event date"),
                "{:?}",
                parsed.warnings
            );
        }
    }

    #[test]
    fn rss_event_module_items_become_events() {
        let feed = br#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:ev="http://purl.org/rss/1.0/modules/event/" xmlns:x="urn:ietf:params:xml:ns:xcal">
  <channel><title>Agenda</title><link>https://ex.org/</link><description>d</description>
    <item>
      <title>Forum des m&#233;tiers</title>
      <link>https://ex.org/forum</link>
      <guid>forum-2024</guid>
      <pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate>
      <ev:startdate>2024-03-02T09:00:00+01:00</ev:startdate>
      <ev:enddate>2024-03-02T17:30:00+01:00</ev:enddate>
      <ev:location>Halle Tony Garnier, Lyon</ev:location>
      <ev:organizer><![CDATA[Elles bougent]]></ev:organizer>
    </item>
    <item>
      <title>Salon</title>
      <link>https://ex.org/salon</link>
      <ev:startdate>2024-04-10</ev:startdate>
      <ev:enddate>2024-04-11</ev:enddate>
    </item>
    <item>
      <title>Atelier</title>
      <x:dtstart>20240505T140000Z</x:dtstart>
      <x:dtend>20240505T160000Z</x:dtend>
      <x:status>CANCELLED</x:status>
    </item>
    <item><title>News</title><guid>news-1</guid></item>
  </channel>
</rss>"#;
        let parsed = parse(feed, &options(false)).expect("a feed");
        assert_eq!(parsed.events.len(), 3, "{:?}", parsed.warnings);
        assert_eq!(parsed.warnings.len(), 1);
        assert!(parsed.warnings[0].contains("\"News\""), "{:?}", parsed.warnings);

        let mut forum = parsed.events[0].clone();
        text::clean(&mut forum);
        assert_eq!(forum.uid, "forum-2024");
        assert_eq!(forum.title, "Forum des métiers");
        assert_eq!(forum.starts_at, utc("2024-03-02T08:00:00Z"));
        assert_eq!(forum.ends_at, Some(utc("2024-03-02T16:30:00Z")));
        assert_eq!(forum.timezone, "Europe/Paris");
        assert_eq!(forum.location_name.as_deref(), Some("Halle Tony Garnier, Lyon"));
        assert_eq!(forum.organiser.as_deref(), Some("Elles bougent"));
        assert_eq!(forum.url.as_deref(), Some("https://ex.org/forum"));

        // Dates only: all day, the end date being the last day.
        let salon = &parsed.events[1];
        assert!(salon.all_day);
        assert_eq!(salon.starts_at, utc("2024-04-09T22:00:00Z"));
        assert_eq!(salon.ends_at, Some(utc("2024-04-11T22:00:00Z")));

        // xCal, no guid and no link: a stable generated uid.
        let workshop = &parsed.events[2];
        assert_eq!(workshop.starts_at, utc("2024-05-05T14:00:00Z"));
        assert_eq!(workshop.ends_at, Some(utc("2024-05-05T16:00:00Z")));
        assert!(workshop.cancelled);
        assert_eq!(workshop.uid.len(), 32);
        assert_eq!(
            parse(feed, &options(false)).expect("a feed").events[2].uid,
            workshop.uid
        );
    }

    #[test]
    fn json_feed_event_extension() {
        let feed = br#"{"version": "https://jsonfeed.org/version/1.1", "title": "Agenda", "items": [
            {"id": "1", "title": "Visite d'usine", "content_text": "t",
             "_event": {"date_start": "2024-06-12T10:00:00+02:00", "date_end": "2024-06-12T12:00:00+02:00",
                        "location": {"name": "Usine Renault, Flins"}}},
            {"id": "2", "title": "Conf\u00e9rence", "content_html": "<p>x</p>", "start_date": "2024-06-20T18:00"}]}"#;
        let parsed = parse(feed, &options(false)).expect("a feed");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(parsed.events.len(), 2);
        assert_eq!(parsed.events[0].starts_at, utc("2024-06-12T08:00:00Z"));
        assert_eq!(parsed.events[0].ends_at, Some(utc("2024-06-12T10:00:00Z")));
        assert_eq!(parsed.events[0].location_name.as_deref(), Some("Usine Renault, Flins"));
        assert_eq!(parsed.events[1].starts_at, utc("2024-06-20T16:00:00Z"));
        assert_eq!(parsed.events[1].description.as_deref(), Some("<p>x</p>"));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"\x00\x01\x02 garbage \xff\xfe", &options(true)).is_err());
        assert!(parse(b"<html><body>not a feed</body></html>", &options(true)).is_err());
        assert!(parse(b"{\"no\": \"feed\"}", &options(true)).is_err());
    }
}
