//! Which wire format a document is in. The content decides first (servers often send feeds as
//! `text/plain`, `application/octet-stream` or `text/html`); the content type only settles
//! documents the content does not identify, and a CSV header line is the last resort.

use serde_json::{Map, Value};

use super::Format;

/// How much of the start of a markup document is searched for its root element.
const MARKUP_HEAD: usize = 8192;

/// The format of a document, from its content type and its first bytes; never `Auto`.
pub fn detect(content_type: Option<&str>, body: &[u8]) -> Option<Format> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let content = &body[start..];
    from_content(content)
        .or_else(|| content_type.and_then(from_content_type))
        .or_else(|| looks_like_csv(content).then_some(Format::Csv))
}

fn from_content(content: &[u8]) -> Option<Format> {
    let head = &content[..content.len().min(32)];
    let head_upper = head.to_ascii_uppercase();
    if head_upper.starts_with(b"BEGIN:VCALENDAR") || head_upper.starts_with(b"BEGIN:VEVENT") {
        return Some(Format::Ical);
    }
    match content.first()? {
        b'<' => from_markup(&content[..content.len().min(MARKUP_HEAD)]),
        b'{' | b'[' => serde_json::from_slice::<Value>(content)
            .ok()
            .and_then(|json| from_json(&json)),
        _ => None,
    }
}

/// The root element of an XML or HTML document, past the prolog, comments and doctype.
fn from_markup(head: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = text.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!doctype") {
            if after.trim_start().starts_with("html") {
                return Some(Format::JsonLd);
            }
            rest = after.split_once('>')?.1.trim_start();
        } else {
            break;
        }
    }
    let name: String = rest
        .strip_prefix('<')?
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect();
    match name.as_str() {
        "rss" | "rdf:rdf" => Some(Format::Rss),
        // Atom 1.0 (`http://www.w3.org/2005/Atom`) and 0.3 (purl.org) roots are both `feed`.
        "feed" if rest.contains("atom") => Some(Format::Atom),
        "html" | "head" | "body" => Some(Format::JsonLd),
        _ => None,
    }
}

fn from_json(json: &Value) -> Option<Format> {
    match json {
        Value::Object(object) => from_json_object(object),
        // A bare list: JSON-LD nodes or TEC events.
        Value::Array(items) => {
            let first = items.first()?.as_object()?;
            if first.contains_key("@context") {
                Some(Format::JsonLd)
            } else if is_tec_event(first) {
                Some(Format::WpEventsCalendar)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn from_json_object(object: &Map<String, Value>) -> Option<Format> {
    if object
        .get("version")
        .and_then(Value::as_str)
        .is_some_and(|v| v.contains("jsonfeed.org"))
    {
        return Some(Format::JsonFeed);
    }
    if object.contains_key("@context") || object.contains_key("@graph") {
        return Some(Format::JsonLd);
    }
    if let Some(events) = object.get("events").and_then(Value::as_array) {
        let items: Vec<&Map<String, Value>> = events.iter().filter_map(Value::as_object).collect();
        let tribe_url = ["rest_url", "next_rest_url", "previous_rest_url"].iter().any(|key| {
            object
                .get(*key)
                .and_then(Value::as_str)
                .is_some_and(|url| url.contains("tribe"))
        });
        if tribe_url || items.iter().any(|item| is_tec_item(item)) {
            return Some(Format::WpEventsCalendar);
        }
        if items.iter().any(|item| is_openagenda_event(item)) {
            return Some(Format::OpenAgenda);
        }
        return None;
    }
    if is_tec_event(object) {
        return Some(Format::WpEventsCalendar);
    }
    // A single OpenAgenda event (`/events/{uid}` answers `{ "event": {…} }` or the event).
    if let Some(event) = object.get("event").and_then(Value::as_object)
        && is_openagenda_event(event)
    {
        return Some(Format::OpenAgenda);
    }
    is_openagenda_event(object).then_some(Format::OpenAgenda)
}

/// A TEC event inside a list: either date field is enough.
fn is_tec_item(item: &Map<String, Value>) -> bool {
    item.contains_key("start_date") || item.contains_key("utc_start_date")
}

/// A lone TEC event: both date fields, so other APIs' `start_date` do not match.
fn is_tec_event(object: &Map<String, Value>) -> bool {
    object.contains_key("start_date") && object.contains_key("utc_start_date")
}

/// OpenAgenda v2: timings, and a `uid` with a multilingual `title` object.
fn is_openagenda_event(item: &Map<String, Value>) -> bool {
    item.contains_key("firstTiming")
        || item.contains_key("timings")
        || (item.contains_key("uid") && item.get("title").is_some_and(Value::is_object))
}

fn from_content_type(content_type: &str) -> Option<Format> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "text/calendar" | "application/ics" | "text/x-vcalendar" => Some(Format::Ical),
        "application/rss+xml" | "application/rdf+xml" => Some(Format::Rss),
        "application/atom+xml" => Some(Format::Atom),
        "application/feed+json" => Some(Format::JsonFeed),
        "text/csv" | "application/csv" | "text/comma-separated-values" | "text/tab-separated-values" => {
            Some(Format::Csv)
        }
        "text/html" | "application/xhtml+xml" | "application/ld+json" => Some(Format::JsonLd),
        _ => None,
    }
}

/// A first line of at least three short, textual, delimiter-separated labels: a header.
fn looks_like_csv(content: &[u8]) -> bool {
    let end = content.iter().position(|b| *b == b'\n').unwrap_or(content.len());
    let line = &content[..end.min(4096)];
    // A header is text: no NUL or other control bytes (tabs and CR aside).
    if line.iter().any(|b| b.is_ascii_control() && !matches!(b, b'\t' | b'\r')) {
        return false;
    }
    let text = super::text::decode(line, super::text::NotUtf8::Windows1252).text;
    let counts = super::tabular::first_line_delimiters(&text);
    let Some((delimiter, count)) = [';', ',', '\t'].into_iter().zip(counts).max_by_key(|(_, count)| *count) else {
        return false;
    };
    if count < 2 {
        return false;
    }
    text.trim_end().split(delimiter).all(|field| {
        let field = field.trim().trim_matches('"').trim();
        !field.is_empty()
            && field.chars().count() <= 60
            && field.chars().any(char::is_alphanumeric)
            && !field.contains(['<', '>', '{', '}'])
            // Column names are labels, not sentences.
            && !field.ends_with(['.', '!', '?'])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(name: &str) -> Option<Format> {
        let prefixes = [
            ("ics-", Format::Ical),
            ("rss2-", Format::Rss),
            ("atom-", Format::Atom),
            ("jsonfeed-", Format::JsonFeed),
            ("json-tec-", Format::WpEventsCalendar),
            ("json-openagenda-", Format::OpenAgenda),
            ("html-", Format::JsonLd),
            ("csv-", Format::Csv),
        ];
        prefixes
            .iter()
            .find(|(prefix, _)| name.starts_with(prefix))
            .map(|(_, format)| *format)
    }

    #[test]
    fn every_fixture_is_detected_from_its_content() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds");
        let mut checked = 0;
        for entry in std::fs::read_dir(&folder).expect("valid test value") {
            let path = entry.expect("valid test value").path();
            let name = path
                .file_name()
                .expect("valid test value")
                .to_string_lossy()
                .to_string();
            if name.ends_with(".md") {
                continue;
            }
            let format = expected(&name).unwrap_or_else(|| panic!("no expected format for {name}"));
            let body = std::fs::read(&path).expect("valid test value");
            assert_eq!(detect(None, &body), Some(format), "{name}");
            // A wrong or vague content type does not override the content.
            assert_eq!(detect(Some("text/plain; charset=utf-8"), &body), Some(format), "{name}");
            assert_eq!(detect(Some("application/octet-stream"), &body), Some(format), "{name}");
            checked += 1;
        }
        assert_eq!(checked, 24);
    }

    #[test]
    fn the_content_comes_before_the_content_type() {
        let ics = include_bytes!("../../tests/fixtures/feeds/ics-meetup-folded-escaped-vtimezone.ics");
        assert_eq!(detect(Some("text/html; charset=UTF-8"), ics), Some(Format::Ical));
        let tec = include_bytes!("../../tests/fixtures/feeds/json-tec-rest-api-single-event-hacc.json");
        assert_eq!(detect(Some("application/json"), tec), Some(Format::WpEventsCalendar));
    }

    #[test]
    fn byte_order_marks_whitespace_and_case() {
        assert_eq!(
            detect(None, b"\xEF\xBB\xBF\r\n  begin:vcalendar\r\nEND:VCALENDAR"),
            Some(Format::Ical)
        );
        assert_eq!(detect(None, b"BEGIN:VEVENT\nEND:VEVENT"), Some(Format::Ical));
        assert_eq!(
            detect(
                None,
                b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- hi -->\n<RSS version=\"2.0\">"
            ),
            Some(Format::Rss)
        );
        assert_eq!(
            detect(
                None,
                b"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
            ),
            Some(Format::Rss)
        );
        assert_eq!(detect(None, b"<html><head></head></html>"), Some(Format::JsonLd));
    }

    #[test]
    fn json_shapes() {
        let list = br#"{"events": [{"id": 1, "start_date": "2024-01-01 10:00:00"}], "total": 1}"#;
        assert_eq!(detect(None, list), Some(Format::WpEventsCalendar));
        let empty_tec = br#"{"events": [], "rest_url": "https://x.org/wp-json/tribe/events/v1/events"}"#;
        assert_eq!(detect(None, empty_tec), Some(Format::WpEventsCalendar));
        let openagenda = br#"{"total": 1, "events": [{"uid": 5, "title": {"fr": "Atelier"}}]}"#;
        assert_eq!(detect(None, openagenda), Some(Format::OpenAgenda));
        let jsonld = br#"{"@context": "https://schema.org", "@type": "Event", "name": "x"}"#;
        assert_eq!(detect(None, jsonld), Some(Format::JsonLd));
        assert_eq!(
            detect(None, br#"[{"@context": "https://schema.org", "@type": "Event"}]"#),
            Some(Format::JsonLd)
        );
        assert_eq!(detect(None, br#"{"data": [1, 2]}"#), None);
        assert_eq!(
            detect(Some("application/feed+json"), br#"{"data": [1, 2]}"#),
            Some(Format::JsonFeed)
        );
    }

    #[test]
    fn content_types_settle_what_the_content_does_not() {
        assert_eq!(detect(Some("text/calendar; charset=utf-8"), b""), Some(Format::Ical));
        assert_eq!(
            detect(Some("Application/RSS+XML"), b"<?xml version=\"1.0\"?>"),
            Some(Format::Rss)
        );
        assert_eq!(detect(Some("application/atom+xml"), b"<x/>"), Some(Format::Atom));
        assert_eq!(detect(Some("text/csv;charset=windows-1252"), b"a"), Some(Format::Csv));
        assert_eq!(detect(Some("text/html"), b"<div>fragment</div>"), Some(Format::JsonLd));
        assert_eq!(detect(Some("application/json"), b"{}"), None);
    }

    #[test]
    fn csv_headers_are_recognised_without_a_content_type() {
        let workshop =
            "Nom de l'événement;Lieu;Description;Auteur;Organisateur;Date;Ouvert;Lien\r\nA;B;;;;01/02/2024;Oui;\r\n";
        assert_eq!(detect(None, workshop.as_bytes()), Some(Format::Csv));
        let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(workshop);
        assert_eq!(detect(None, &cp1252), Some(Format::Csv));
        assert_eq!(
            detect(None, b"\xEF\xBB\xBFtitle,start,\"location name\"\n"),
            Some(Format::Csv)
        );
        assert_eq!(detect(None, b"Titre\tDate\tLieu\n"), Some(Format::Csv));
    }

    #[test]
    fn garbage_is_not_recognised() {
        assert_eq!(detect(None, b""), None);
        assert_eq!(detect(None, b"   \r\n"), None);
        assert_eq!(detect(None, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR,,,;;;"), None);
        assert_eq!(
            detect(None, &[0x00, 0xff, 0x13, 0x2c, 0x2c, 0x2c, 0x80, 0x9f, 0x3b, 0x3b]),
            None
        );
        assert_eq!(detect(None, b"Hello, this is just a sentence, not a header."), None);
        assert_eq!(detect(None, b"a,,b"), None);
        assert_eq!(detect(None, b"{not json, at all}"), None);
        assert_eq!(detect(None, b"<?xml version=\"1.0\"?><catalog/>"), None);
        assert_eq!(detect(Some("application/octet-stream"), b"\x00\x01\x02"), None);
    }
}
