//! Partner feeds: fetching with politeness and an SSRF guard (`fetch`), one pure parser per
//! wire format, and the kernels the formats share rather than borrow from one another: the
//! rule for local times and the ISO 8601 dates (`time`), generated and instance ids (`uid`),
//! the decoding of bytes and the clean-up every parsed event goes through (`text`), and
//! spreadsheets as tables (`tabular`, also read by the importer).
//!
//! Every parser is a pure `parse(&[u8], &ParseOptions) -> anyhow::Result<Parsed>`: it reads
//! the bytes, maps what it finds to [`FeedEvent`]s and reports what it skipped in
//! `Parsed::warnings`. An `Err` means the document as a whole is unreadable (wrong format,
//! garbage); a bad item inside a readable document is a warning, not an error (and, when the
//! item is refused, a [`Rejected`] too).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub mod csv;
pub mod detect;
pub mod fetch;
pub mod ical;
pub mod jsonld;
pub mod openagenda;
pub mod rss;
pub mod tabular;
pub mod text;
pub mod time;
pub mod uid;
pub mod windows_zones;
pub mod wp;

/// The wire formats a feed can be read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Detected from the content type and the content ([`detect::detect`]).
    Auto,
    Ical,
    Rss,
    Atom,
    JsonFeed,
    /// WordPress "The Events Calendar" REST API (`/wp-json/tribe/events/v1/events`).
    WpEventsCalendar,
    /// schema.org `Event` JSON-LD embedded in HTML pages (or a bare JSON-LD document).
    JsonLd,
    /// OpenAgenda API v2 event lists.
    OpenAgenda,
    Csv,
}

/// Settings that change how a document is read.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// Zone of floating times and of dates written without an offset or zone.
    pub default_timezone: Tz,
    /// Recurrences are expanded into instances starting in `[window_start, window_end)`.
    /// Single events are kept whatever their date: the window bounds only recurrences.
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    /// RSS, Atom and JSON Feed: take items that carry no event dates at their publication
    /// date (otherwise such items are skipped with a warning).
    pub use_publication_date: bool,
    /// CSV: extra header mapping, source column name (compared case- and
    /// accent-insensitively) to one of the target fields named in [`csv::FIELDS`].
    pub csv_columns: BTreeMap<String, String>,
}

impl ParseOptions {
    /// The default window: 30 days back to 365 days ahead of `now`, Europe/Paris.
    pub fn around(now: DateTime<Utc>) -> Self {
        ParseOptions {
            default_timezone: chrono_tz::Europe::Paris,
            window_start: now - chrono::Duration::days(30),
            window_end: now + chrono::Duration::days(365),
            use_publication_date: false,
            csv_columns: BTreeMap::new(),
        }
    }
}

/// One event read from a feed, before it is cleaned ([`text`]) and stored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FeedEvent {
    /// Stable identifier in the source. Generated from stable content when the source has
    /// none; for a recurrence instance, the series uid + `#` + the instance's original start
    /// in UTC (`20240105T130000Z`), so each instance is its own stored event.
    pub uid: String,
    pub title: String,
    /// HTML or plain text, as found (entities may still be encoded); sanitised later.
    pub description: Option<String>,
    /// Place name, or the whole location text when the source has one free-text field.
    pub location_name: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub starts_at: DateTime<Utc>,
    /// Exclusive end; for all-day events, midnight after the last day, in `timezone`.
    pub ends_at: Option<DateTime<Utc>>,
    /// All-day events start at midnight in `timezone`.
    pub all_day: bool,
    /// IANA name of the zone the times were written in (`"UTC"` for UTC times, the default
    /// zone for floating ones).
    pub timezone: String,
    pub url: Option<String>,
    pub author: Option<String>,
    pub organiser: Option<String>,
    pub open_to_public: Option<bool>,
    pub cancelled: bool,
    pub categories: Vec<String>,
}

/// What a parser read from one document.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub events: Vec<FeedEvent>,
    /// Items skipped or read with a fallback, one human-readable line each.
    pub warnings: Vec<String>,
    /// Paginated APIs: the next page to fetch (WordPress `next_rest_url`).
    pub next_page: Option<String>,
    /// Items that could not be read at all (also in `warnings`, as text), for importers that
    /// refuse a document with bad rows.
    pub rejected: Vec<Rejected>,
}

/// An item a parser could not read at all: where it is, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The line of the document it starts on.
    pub line: u64,
    /// The column at fault, as its header is written, when the problem is one cell's.
    pub column: Option<String>,
    pub message: String,
}

impl Rejected {
    /// The problem without its line: `column: message`, or the message alone.
    pub fn detail(&self) -> String {
        match &self.column {
            Some(column) => format!("{column}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// `line 4: Date: "32/13/2024" is not a date`, as warnings say it.
impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.detail())
    }
}

/// Reads `body` as `format`; `Auto` detects the format from `content_type` and the content.
pub fn parse(
    format: Format,
    content_type: Option<&str>,
    body: &[u8],
    options: &ParseOptions,
) -> anyhow::Result<Parsed> {
    let format = match format {
        Format::Auto => detect::detect(content_type, body)
            .ok_or_else(|| anyhow::anyhow!("the format of the document could not be recognised"))?,
        other => other,
    };
    // These formats are UTF-8 by definition (RFC 5545 §3.1.4, RFC 8259 §8.1): invalid bytes
    // mean a broken or truncated document, which must not replace the events read last time.
    if matches!(
        format,
        Format::Ical | Format::JsonFeed | Format::WpEventsCalendar | Format::OpenAgenda
    ) && let Err(e) = std::str::from_utf8(body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body))
    {
        anyhow::bail!(
            "the document is not valid UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        );
    }
    let mut parsed = match format {
        Format::Auto => anyhow::bail!("the format of the document could not be recognised"),
        Format::Ical => ical::parse(body, options)?,
        Format::Rss | Format::Atom | Format::JsonFeed => rss::parse(body, options)?,
        Format::WpEventsCalendar => wp::parse(body, options)?,
        Format::JsonLd => jsonld::parse(body, options)?,
        Format::OpenAgenda => openagenda::parse(body, options)?,
        Format::Csv => csv::parse(body, options)?,
    };
    for event in &mut parsed.events {
        text::clean(event);
    }
    Ok(parsed)
}
