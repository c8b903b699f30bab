//! schema.org `Event` JSON-LD, embedded in HTML pages (`<script type="application/ld+json">`
//! blocks) or served as a bare JSON-LD document.
//!
//! Dates are read by [`Moment`] and [`times`], shared with RSS and OpenAgenda in
//! [`super::time`], which also says how the zone of a date written with an offset is named.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use html5ever::TokenizerResult;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};
use serde_json::{Map, Value};

use super::text::{NotUtf8, decode};
use super::time::{Moment, times};
use super::{FeedEvent, ParseOptions, Parsed, uid};

/// `Event` and its schema.org subtypes.
const EVENT_TYPES: &[&str] = &[
    "Event",
    "BroadcastEvent",
    "BusinessEvent",
    "ChildrensEvent",
    "ComedyEvent",
    "CourseInstance",
    "DanceEvent",
    "DeliveryEvent",
    "EducationEvent",
    "EventSeries",
    "ExhibitionEvent",
    "Festival",
    "FoodEvent",
    "Hackathon",
    "LiteraryEvent",
    "MusicEvent",
    "OnDemandEvent",
    "PublicationEvent",
    "SaleEvent",
    "ScreeningEvent",
    "SocialEvent",
    "SportsEvent",
    "TheaterEvent",
    "VisualArtsEvent",
];

pub fn parse(body: &[u8], options: &ParseOptions) -> anyhow::Result<Parsed> {
    // What browsers do: the BOM's encoding, else UTF-8, else windows-1252 (which they read
    // `iso-8859-1` pages as).
    let text = decode(body, NotUtf8::Windows1252).text;
    let trimmed = text.trim_start();
    let mut parsed = Parsed::default();
    let mut documents = Vec::new();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        // A bare JSON-LD document: unreadable JSON means an unreadable document.
        documents.push(read_json(trimmed).map_err(|e| anyhow::anyhow!("not a JSON-LD document: {e}"))?);
    } else {
        let page = script_blocks(&text);
        if !page.saw_tag {
            anyhow::bail!("neither an HTML page nor a JSON-LD document");
        }
        if page.blocks.is_empty() {
            parsed.warnings.push("the page holds no JSON-LD block".into());
        }
        for (index, block) in page.blocks.iter().enumerate() {
            match read_json(block) {
                Ok(value) => documents.push(value),
                Err(e) => parsed
                    .warnings
                    .push(format!("JSON-LD block {} skipped, not valid JSON: {e}", index + 1)),
            }
        }
    }

    let mut nodes = Vec::new();
    for document in &documents {
        collect_events(document, &mut nodes);
    }
    // Repeated nodes (same uid, same start) are dropped, and further events sharing an
    // `@id`/`url` (one page listing several dates of a show) become instances.
    let mut seen: HashSet<(String, DateTime<Utc>)> = HashSet::new();
    let mut uids: HashSet<String> = HashSet::new();
    for node in nodes {
        let Some(mut event) = to_event(node, options, &mut parsed.warnings) else {
            continue;
        };
        if !seen.insert((event.uid.clone(), event.starts_at)) {
            continue;
        }
        if !uids.insert(event.uid.clone()) {
            event.uid = uid::instance(&event.uid, event.starts_at);
        }
        parsed.events.push(event);
    }
    Ok(parsed)
}

/// JSON as found in the wild: HTML comment or CDATA wrappers around the block are dropped, and
/// raw line breaks or tabs inside strings (invalid JSON, common in CMS output) become spaces.
fn read_json(block: &str) -> Result<Value, serde_json::Error> {
    let mut text = block.trim();
    for (open, close) in [("<!--", "-->"), ("//<![CDATA[", "//]]>"), ("<![CDATA[", "]]>")] {
        if let Some(inner) = text.strip_prefix(open).and_then(|t| t.strip_suffix(close)) {
            text = inner.trim();
        }
    }
    serde_json::from_str(text).or_else(|error| {
        let spaced: String = text.chars().map(|c| if c < ' ' { ' ' } else { c }).collect();
        serde_json::from_str(&spaced).map_err(|_| error)
    })
}

struct Page {
    blocks: Vec<String>,
    /// Whether any tag was seen: a page without a single tag is not HTML.
    saw_tag: bool,
}

/// The JSON-LD `<script>` blocks of a page, found with html5ever's tokenizer rather than a text
/// search, so commented-out blocks and `<script` text inside other scripts are not taken.
fn script_blocks(html: &str) -> Page {
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(ScriptSink::default(), TokenizerOpts::default());
    // The sink never pauses the tokenizer (no `Script` result), but loop in case it does.
    while !matches!(tokenizer.feed(&queue), TokenizerResult::Done) {}
    tokenizer.end();
    let sink = tokenizer.sink;
    Page {
        blocks: sink.blocks.into_inner(),
        saw_tag: sink.saw_tag.get(),
    }
}

#[derive(Default)]
struct ScriptSink {
    /// Inside a JSON-LD `<script>`: its text so far.
    current: RefCell<Option<String>>,
    blocks: RefCell<Vec<String>>,
    saw_tag: Cell<bool>,
}

impl TokenSink for ScriptSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => {
                self.saw_tag.set(true);
                let name: &str = &tag.name;
                match (tag.kind, name) {
                    (TagKind::StartTag, "script") if !tag.self_closing => {
                        let json_ld = tag.attrs.iter().any(|attr| {
                            &*attr.name.local == "type"
                                && attr
                                    .value
                                    .split(';')
                                    .next()
                                    .map(|t| t.trim().to_ascii_lowercase())
                                    .as_deref()
                                    == Some("application/ld+json")
                        });
                        *self.current.borrow_mut() = json_ld.then(String::new);
                        // What the tree builder would do: script content is raw text.
                        return TokenSinkResult::RawData(RawKind::ScriptData);
                    }
                    (TagKind::EndTag, "script") => {
                        if let Some(block) = self.current.borrow_mut().take() {
                            self.blocks.borrow_mut().push(block);
                        }
                    }
                    (TagKind::StartTag, "style") if !tag.self_closing => {
                        return TokenSinkResult::RawData(RawKind::Rawtext);
                    }
                    (TagKind::StartTag, "title" | "textarea") if !tag.self_closing => {
                        return TokenSinkResult::RawData(RawKind::Rcdata);
                    }
                    _ => {}
                }
            }
            Token::CharacterTokens(text) => {
                if let Some(block) = self.current.borrow_mut().as_mut() {
                    block.push_str(&text);
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// The Event nodes of a JSON-LD document, in document order: top-level items, `@graph`
/// members, and events nested in other nodes (`mainEntity`, `ItemList` items...). A series
/// with `subEvent`s stands for its sub-events.
fn collect_events<'a>(value: &'a Value, out: &mut Vec<&'a Map<String, Value>>) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| collect_events(item, out)),
        Value::Object(node) if is_event(node) => {
            let at = out.len();
            for key in ["subEvent", "subEvents"] {
                if let Some(sub) = node.get(key) {
                    collect_events(sub, out);
                }
            }
            if out.len() == at {
                out.push(node);
            }
        }
        Value::Object(node) => node.values().for_each(|child| collect_events(child, out)),
        _ => {}
    }
}

fn is_event(node: &Map<String, Value>) -> bool {
    let is_event_type = |name: &str| {
        // `Event`, `schema:Event`, `https://schema.org/Event`.
        let short = name.trim().rsplit(['/', ':', '#']).next().unwrap_or_default();
        EVENT_TYPES.iter().any(|t| t.eq_ignore_ascii_case(short))
    };
    match node.get("@type") {
        Some(Value::String(name)) => is_event_type(name),
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).any(is_event_type),
        _ => false,
    }
}

fn to_event(node: &Map<String, Value>, options: &ParseOptions, warnings: &mut Vec<String>) -> Option<FeedEvent> {
    let title = text(node.get("name"));
    let label = title
        .clone()
        .or_else(|| text(node.get("@id")))
        .unwrap_or_else(|| "(untitled)".into());
    let Some(start_text) = text(node.get("startDate")) else {
        warnings.push(format!("event {label:?} skipped: it has no startDate"));
        return None;
    };
    let Some(start) = Moment::parse(&start_text) else {
        warnings.push(format!("event {label:?} skipped: unreadable startDate {start_text:?}"));
        return None;
    };
    let Some(title) = title else {
        warnings.push(format!("event starting {start_text} skipped: it has no name"));
        return None;
    };
    let end = match text(node.get("endDate")) {
        Some(end_text) => {
            let end = Moment::parse(&end_text);
            if end.is_none() {
                warnings.push(format!("event {label:?}: unreadable endDate {end_text:?} ignored"));
            }
            end
        }
        None => None,
    };
    // schema.org dates name the last day of the event, not the day after.
    let times = times(start, end, options.default_timezone, true)?;

    let mut event = FeedEvent {
        title,
        description: text(node.get("description")),
        starts_at: times.starts_at,
        ends_at: times.ends_at,
        all_day: times.all_day,
        timezone: times.timezone,
        url: text(node.get("url")),
        organiser: node
            .get("organizer")
            .or_else(|| node.get("organiser"))
            .and_then(name_of),
        cancelled: text(node.get("eventStatus")).is_some_and(|s| s.to_ascii_lowercase().contains("cancel")),
        ..FeedEvent::default()
    };
    if let Some(location) = node.get("location") {
        read_location(location, &mut event);
    }
    event.uid = text(node.get("@id")).or_else(|| event.url.clone()).unwrap_or_else(|| {
        uid::stable(&[
            &event.title,
            &start_text,
            event.location_name.as_deref().unwrap_or_default(),
        ])
    });
    Some(event)
}

/// A `Place` (name, `PostalAddress` or address text, `geo`), a list of places (the first
/// one), or location text.
fn read_location(value: &Value, event: &mut FeedEvent) {
    match value {
        Value::String(_) => event.location_name = text(Some(value)),
        Value::Array(items) => {
            let first = items.iter().find(|item| item.is_object()).or_else(|| items.first());
            if let Some(first) = first {
                read_location(first, event);
            }
        }
        Value::Object(place) => {
            event.location_name = text(place.get("name"));
            match place.get("address") {
                Some(Value::Object(address)) => {
                    event.address = text(address.get("streetAddress"));
                    event.postal_code = text(address.get("postalCode"));
                    event.city = text(address.get("addressLocality"));
                }
                Some(Value::Array(addresses)) => {
                    if let Some(Value::Object(address)) = addresses.first() {
                        event.address = text(address.get("streetAddress"));
                        event.postal_code = text(address.get("postalCode"));
                        event.city = text(address.get("addressLocality"));
                    } else {
                        event.address = text(addresses.first());
                    }
                }
                other => event.address = text(other),
            }
            // Coordinates under `geo`, or on the place itself.
            let geo = place.get("geo").and_then(Value::as_object).unwrap_or(place);
            let latitude = number(geo.get("latitude")).filter(|l| (-90.0..=90.0).contains(l));
            let longitude = number(geo.get("longitude")).filter(|l| (-180.0..=180.0).contains(l));
            if let (Some(latitude), Some(longitude)) = (latitude, longitude) {
                event.latitude = Some(latitude);
                event.longitude = Some(longitude);
            }
        }
        _ => {}
    }
}

/// The name of an organiser: an object's `name`, the first of a list, or the text itself.
fn name_of(value: &Value) -> Option<String> {
    match value {
        Value::Object(node) => text(node.get("name")),
        Value::Array(items) => items.iter().find_map(name_of),
        _ => text(Some(value)),
    }
}

/// The text of a JSON-LD value: a string, a number, a `@value` object, the first of a list.
/// `false`, `null` and blank strings (WordPress writes `"url": false`) are no value.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => (!s.trim().is_empty()).then(|| s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(node) => text(node.get("@value")).or_else(|| text(node.get("@id"))),
        Value::Array(items) => items.iter().find_map(|item| text(Some(item))),
        Value::Bool(_) | Value::Null => None,
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
    use chrono::TimeZone;

    use super::*;
    use crate::feeds::text;

    fn options() -> ParseOptions {
        ParseOptions::around(Utc.with_ymd_and_hms(2019, 1, 1, 0, 0, 0).single().expect("a date"))
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("RFC 3339").with_timezone(&Utc)
    }

    fn cleaned(mut event: FeedEvent) -> FeedEvent {
        text::clean(&mut event);
        event
    }

    #[test]
    fn tec_single_event_page() {
        let parsed = parse(
            include_bytes!("../../tests/fixtures/feeds/html-tec-single-event-jsonld-hacc.html"),
            &options(),
        )
        .expect("parses");
        assert_eq!(parsed.events.len(), 1, "{:?}", parsed.warnings);
        let event = cleaned(parsed.events[0].clone());
        assert_eq!(event.title, "Entrepreneurship Boot Camp Session 2, Marketing Plan");
        assert_eq!(event.starts_at, utc("2018-05-11T15:00:00Z"));
        assert_eq!(event.ends_at, Some(utc("2018-05-11T17:00:00Z")));
        assert_eq!(event.timezone, "UTC");
        assert!(!event.all_day);
        assert_eq!(event.location_name.as_deref(), Some("Turlington West Community Room"));
        assert_eq!(event.address.as_deref(), Some("15306 S. Robey Ave."));
        assert_eq!(event.postal_code.as_deref(), Some("60426"));
        assert_eq!(event.city.as_deref(), Some("Harvey"));
        assert_eq!(event.organiser.as_deref(), Some("Family Self Sufficiency"));
        let url = "http://thehacc.org/event/entrepreneurship-boot-camp-session-2-marketing-analysis/";
        assert_eq!(event.url.as_deref(), Some(url));
        assert_eq!(event.uid, url);
        // The escaped HTML description comes out as sanitised HTML.
        assert!(event.description.expect("parses").starts_with("<p>Learn how to start"));
    }

    #[test]
    fn tec_month_view_seven_events() {
        let parsed = parse(
            include_bytes!("../../tests/fixtures/feeds/html-tec-month-view-jsonld-7-events.html"),
            &options(),
        )
        .expect("parses");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let events: Vec<FeedEvent> = parsed.events.into_iter().map(cleaned).collect();
        // Same titles, starts and ends as the 7 VEVENTs of the TEC iCalendar export.
        let expected = [
            (
                "Legal Committee Meeting (Cancelled)",
                "2018-06-27T13:00:00-04:00",
                "2018-06-27T14:00:00-04:00",
            ),
            (
                "GLWA Board Meeting (Cancelled)",
                "2018-06-27T14:00:00-04:00",
                "2018-06-27T16:00:00-04:00",
            ),
            (
                "Operations and Resources Committee Meeting (CANCELLED)",
                "2018-07-11T11:00:00-04:00",
                "2018-07-11T13:00:00-04:00",
            ),
            (
                "GLWA Board Workshop Meeting (Cancelled)",
                "2018-07-11T13:00:00-04:00",
                "2018-07-11T15:00:00-04:00",
            ),
            (
                "Audit Committee Meeting",
                "2018-07-20T08:00:00-04:00",
                "2018-07-20T10:00:00-04:00",
            ),
            (
                "Legal Committee Meeting",
                "2018-07-25T17:00:00-04:00",
                "2018-07-25T18:00:00-04:00",
            ),
            (
                "GLWA Board Meeting",
                "2018-07-25T18:00:00-04:00",
                "2018-07-25T20:00:00-04:00",
            ),
        ];
        assert_eq!(events.len(), expected.len());
        for (event, (title, start, end)) in events.iter().zip(expected) {
            assert_eq!(event.title, title);
            assert_eq!(event.starts_at, utc(start), "{title}");
            assert_eq!(event.ends_at, Some(utc(end)), "{title}");
            // -04:00 is not Paris's offset: the whole-hour Etc zone keeps the local time.
            assert_eq!(event.timezone, "Etc/GMT+4");
            // "(Cancelled)" is only in the title: no eventStatus.
            assert!(!event.cancelled);
        }
        assert_eq!(events[0].location_name.as_deref(), Some("Water Board Building"));
        assert_eq!(
            events[0].url.as_deref(),
            Some("http://www.glwater.org/event/legal-committee-meeting-7/")
        );
        assert_eq!(events[6].location_name.as_deref(), Some("Ferndale City Hall"));
        assert_eq!(events[6].address.as_deref(), Some("300 E. Nine Mile Road"));
        assert_eq!(events[6].postal_code.as_deref(), Some("48220"));
    }

    #[test]
    fn tec_list_view_skips_the_yoast_graph() {
        let parsed = parse(
            include_bytes!("../../tests/fixtures/feeds/html-tec-list-view-jsonld-3-events.html"),
            &options(),
        )
        .expect("parses");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let events: Vec<FeedEvent> = parsed.events.into_iter().map(cleaned).collect();
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].title, "Housing Authority of Cook County Board Meeting");
        assert_eq!(events[0].starts_at, utc("2019-10-17T14:00:00-05:00"));
        assert_eq!(events[0].ends_at, Some(utc("2019-10-17T16:00:00-05:00")));
        assert_eq!(events[0].location_name.as_deref(), Some("HACC Downtown"));
        assert_eq!(events[0].address.as_deref(), Some("175 W Jackson Blvd"));
        assert_eq!(events[0].city.as_deref(), Some("Chicago"));
        // `"url": false` on the place is no value, and takes nothing down with it.
        assert_eq!(
            events[0].url.as_deref(),
            Some("http://thehacc.org/event/housing-authority-of-cook-county-board-meeting-2-2-2-2-4/")
        );
        assert_eq!(events[1].title, "Landlord Workshop – Nuts and Bolts of the HCV Program");
        assert_eq!(events[1].starts_at, utc("2019-10-10T13:00:00-05:00"));
        assert_eq!(events[1].ends_at, Some(utc("2019-10-10T14:30:00-05:00")));
        assert_eq!(events[1].location_name.as_deref(), Some("Turlington West Apts."));
        assert_eq!(events[2].title, "Landlord Workshop – HQS Inspections");
        assert_eq!(events[2].starts_at, utc("2019-10-24T13:00:00-05:00"));
        assert_eq!(events[2].ends_at, Some(utc("2019-10-24T14:30:00-05:00")));
    }

    #[test]
    fn songkick_music_event() {
        let parsed = parse(
            include_bytes!("../../tests/fixtures/feeds/html-songkick-musicevent-jsonld-single.html"),
            &options(),
        )
        .expect("parses");
        assert_eq!(parsed.events.len(), 1, "{:?}", parsed.warnings);
        let event = cleaned(parsed.events[0].clone());
        assert_eq!(event.title, "Tove Styrke");
        // `+0100`, no colon.
        assert_eq!(event.starts_at, utc("2017-06-12T19:00:00Z"));
        assert_eq!(event.ends_at, None);
        assert_eq!(event.timezone, "Etc/GMT-1");
        assert_eq!(event.location_name.as_deref(), Some("Hoxton Square Bar & Kitchen"));
        assert_eq!(event.address.as_deref(), Some("2-4 Hoxton Square"));
        assert_eq!(event.city.as_deref(), Some("London"));
        assert_eq!(event.postal_code.as_deref(), Some("N1 6NU"));
        assert_eq!(event.latitude, Some(51.527476));
        assert_eq!(event.longitude, Some(-0.081657));
        assert!(
            event
                .url
                .expect("parses")
                .starts_with("https://www.songkick.com/concerts/30166884-tove-styrke")
        );
    }

    #[test]
    fn graph_invalid_block_and_typed_arrays() {
        let page = br#"<!doctype html><html><head>
            <script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
                {"@type": "WebPage", "@id": "https://ex.org/#page"},
                {"@type": ["schema:Thing", "https://schema.org/EducationEvent"], "@id": "https://ex.org/forum",
                 "name": "Forum des m&eacute;tiers", "startDate": "2024-03-02",
                 "endDate": "2024-03-03", "eventStatus": "https://schema.org/EventCancelled",
                 "location": ["Lyon", {"@type": "Place", "name": "Halle", "address": "1 rue X, Lyon",
                    "geo": {"latitude": "45.75", "longitude": "4.85"}}],
                 "organizer": [{"@type": "Organization", "name": "Elles bougent"}]}]}
            </script>
            <script type="application/ld+json">{"@type": "Event", "name": broken}</script>
            <!-- <script type="application/ld+json">{"@type": "Event", "name": "Commented out", "startDate": "2024-01-01"}</script> -->
            <script type="text/javascript">var s = '<script type="application/ld+json">';</script>
            <script type="application/ld+json">
            [{"@type": "Event", "name": "Atelier", "startDate": "2024-03-05T14:00"},
             {"@type": "Event", "name": "No date"},
             {"@type": "Organization", "name": "Not an event", "startDate": "2024-01-01"}]
            </script></head><body></body></html>"#;
        let parsed = parse(page, &options()).expect("parses");
        assert_eq!(parsed.events.len(), 2, "{:?}", parsed);
        assert_eq!(parsed.warnings.len(), 2, "{:?}", parsed.warnings);
        assert!(parsed.warnings[0].contains("block 2"), "{:?}", parsed.warnings);
        assert!(parsed.warnings[1].contains("No date"), "{:?}", parsed.warnings);

        let forum = cleaned(parsed.events[0].clone());
        assert_eq!(forum.uid, "https://ex.org/forum");
        assert_eq!(forum.title, "Forum des métiers");
        assert!(forum.all_day && forum.cancelled);
        assert_eq!(forum.starts_at, utc("2024-03-01T23:00:00Z"));
        // The end date is the last day: the event ends at midnight after it.
        assert_eq!(forum.ends_at, Some(utc("2024-03-03T23:00:00Z")));
        assert_eq!(forum.timezone, "Europe/Paris");
        assert_eq!(forum.location_name.as_deref(), Some("Halle"));
        assert_eq!(forum.address.as_deref(), Some("1 rue X, Lyon"));
        assert_eq!((forum.latitude, forum.longitude), (Some(45.75), Some(4.85)));
        assert_eq!(forum.organiser.as_deref(), Some("Elles bougent"));

        let workshop = &parsed.events[1];
        // Floating time, default zone; no @id and no url: a stable hash.
        assert_eq!(workshop.starts_at, utc("2024-03-05T13:00:00Z"));
        assert_eq!(workshop.uid.len(), 32);
        // A stored id: the hash of name, startDate as written and place.
        assert_eq!(workshop.uid, "f715b8f7e4cb1accb8a38ab5a46ed128");
        assert_eq!(parse(page, &options()).expect("parses").events[1].uid, workshop.uid);
    }

    #[test]
    fn bare_documents_and_shared_urls() {
        let doc = br#"[{"@type": "TheaterEvent", "name": "Play", "url": "https://ex.org/play", "startDate": "2024-05-01T20:00:00+02:00"},
                       {"@type": "TheaterEvent", "name": "Play", "url": "https://ex.org/play", "startDate": "2024-05-02T20:00:00+02:00"},
                       {"@type": "TheaterEvent", "name": "Play", "url": "https://ex.org/play", "startDate": "2024-05-02T20:00:00+02:00"}]"#;
        let parsed = parse(doc, &options()).expect("parses");
        let uids: Vec<&str> = parsed.events.iter().map(|e| e.uid.as_str()).collect();
        assert_eq!(uids, ["https://ex.org/play", "https://ex.org/play#20240502T180000Z"]);
        assert!(parse(b"{\"@type\": ", &options()).is_err());
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"\x00\x01\x02 garbage \xff\xfe", &options()).is_err());
        assert!(parse(b"", &options()).is_err());
        // A page without JSON-LD is readable, with nothing in it.
        let empty = parse(b"<html><body><p>Nothing</p></body></html>", &options()).expect("parses");
        assert!(empty.events.is_empty());
        assert_eq!(empty.warnings.len(), 1);
    }
}
