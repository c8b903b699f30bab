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

/// A first line of at least three short, textual, delimiter-separated fields: a header.
fn looks_like_csv(content: &[u8]) -> bool {
    let end = content.iter().position(|b| *b == b'\n').unwrap_or(content.len());
    let line = &content[..end.min(4096)];
    // A header is text: no NUL or other control bytes (tabs and CR aside).
    if line.iter().any(|b| b.is_ascii_control() && !matches!(b, b'\t' | b'\r')) {
        return false;
    }
    let text = match std::str::from_utf8(line) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(line)
            .0
            .into_owned(),
    };
    let counts = super::csv::first_line_delimiters(&text);
    let Some((delimiter, count)) = [';', ',', '\t'].into_iter().zip(counts).max_by_key(|(_, count)| *count) else {
        return false;
    };
    if count < 2 {
        return false;
    }
    text.trim_end().split(delimiter).all(|field| {
        let field = field.trim().trim_matches('"').trim();
        !field.is_empty()
            && field.chars().count() <= 80
            && field.chars().any(char::is_alphanumeric)
            && !field.contains(['<', '>', '{', '}'])
    })
}
