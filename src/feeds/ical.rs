//! iCalendar (RFC 5545) feeds.
//!
//! The `icalendar` crate reads the component tree, unescapes TEXT values, splits text lists
//! and reads dates; its `rrule` re-export expands recurrences. What is written here is what
//! the crate does not do: repairing real-world documents before its strict parser sees them
//! (`normalise`), resolving `TZID`s to IANA zones (Windows names included), durations,
//! recurrence overrides and the mapping to [`FeedEvent`].

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::rrule::{RRule, RRuleSet, Tz as RuleTz, Unvalidated};
use icalendar::{CalendarComponent, CalendarDateTime, Component, DatePerhapsTime, Event, EventLike, Property};

use super::text::{self, NotUtf8};
use super::{FeedEvent, ParseOptions, Parsed, time, uid, windows_zones};

/// A series yielding more instances in the window than this is cut, with a warning.
const MAX_INSTANCES_PER_SERIES: usize = 5000;
/// Occurrences looked at per series (before the window included): bounds the work an
/// unbounded rule starting long before the window (or a `FREQ=SECONDLY`) can cause.
const MAX_OCCURRENCES_SCANNED: usize = 200_000;

/// Reads an iCalendar document: every VEVENT, recurrences expanded into the window.
pub fn parse(body: &[u8], options: &ParseOptions) -> anyhow::Result<Parsed> {
    let mut warnings = Vec::new();
    let text = unfolded_text(body, &mut warnings);
    let document = normalise(&text, &mut warnings)?;

    let mut zones = Zones::new(options);
    let mut vevents = Vec::new();
    for block in &document.blocks {
        // Each top-level component is parsed on its own so one the crate rejects costs
        // only itself.
        let component = match icalendar::parser::read_components(&block.text) {
            Ok(mut components) if !components.is_empty() => components.swap_remove(0),
            Ok(_) => continue,
            Err(error) => {
                let reason = error.lines().map(str::trim).find(|l| !l.is_empty() && *l != "error:");
                warnings.push(format!(
                    "{} starting on line {} could not be read and was skipped: {}",
                    block.kind,
                    block.line,
                    reason.unwrap_or("syntax error")
                ));
                continue;
            }
        };
        if block.kind == "VTIMEZONE" {
            zones.add_vtimezone(&component);
        } else if let CalendarComponent::Event(event) = CalendarComponent::from(component) {
            vevents.push((block.line, event));
        }
    }
    zones.set_calendar_zone(document.calendar_timezone.as_deref(), &mut warnings);

    let events = Reader {
        options,
        zones,
        warnings: &mut warnings,
    }
    .read(vevents);
    Ok(Parsed {
        events,
        warnings,
        ..Parsed::default()
    })
}

// ---------------------------------------------------------------------------------------
// Bytes to text

/// The document's text, unfolded. Unfolding works on bytes, before decoding, so a fold
/// splitting a multi-byte character (or an escape sequence) is joined first; only a UTF-16
/// document, whose line breaks are two bytes, is decoded before.
fn unfolded_text(body: &[u8], warnings: &mut Vec<String>) -> String {
    let utf16;
    let body = if body.starts_with(&[0xFF, 0xFE]) || body.starts_with(&[0xFE, 0xFF]) {
        utf16 = text::decode(body, NotUtf8::Replaced).text;
        utf16.as_bytes()
    } else {
        body
    };
    let decoded = text::decode(&unfold(body), NotUtf8::Replaced);
    if decoded.replaced {
        warnings.push("the calendar is not valid UTF-8: undecodable bytes were replaced by U+FFFD".to_string());
    }
    decoded.text
}

/// Joins folded lines; CRLF, LF and lone CR all end a line, and become LF.
fn unfold(body: &[u8]) -> Vec<u8> {
    let mut unfolded = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let byte = body[i];
        if byte != b'\r' && byte != b'\n' {
            unfolded.push(byte);
            i += 1;
            continue;
        }
        let break_len = if byte == b'\r' && body.get(i + 1) == Some(&b'\n') {
            2
        } else {
            1
        };
        if matches!(body.get(i + break_len), Some(b' ' | b'\t')) {
            i += break_len + 1;
        } else {
            unfolded.push(b'\n');
            i += break_len;
        }
    }
    unfolded
}

// ---------------------------------------------------------------------------------------
// Repairing the document for the crate's parser

/// The parts of a document the crate is given, rewritten as well-formed iCalendar.
struct Document {
    /// X-WR-TIMEZONE, the zone of floating times.
    calendar_timezone: Option<String>,
    /// Top-level VEVENTs and VTIMEZONEs, one well-formed component each.
    blocks: Vec<Block>,
}

struct Block {
    kind: &'static str,
    /// 1-based line (after unfolding) of its BEGIN, for warnings.
    line: usize,
    text: String,
}

/// Components that never nest: meeting one while another is open means an END is missing.
const TOP_LEVEL: [&str; 5] = ["VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE"];

/// The crate's parser fails the whole document on one malformed line, on content after
/// END:VCALENDAR, on a missing END or a bare VEVENT; so every line is tokenised here and
/// written back canonically (names upper-cased, parameter values quoted when needed),
/// structure errors are repaired, and only VEVENT and VTIMEZONE blocks are kept (VTODO,
/// VFREEBUSY, VALARM… are not events, and their own defects must not cost the events).
fn normalise(text: &str, warnings: &mut Vec<String>) -> anyhow::Result<Document> {
    let mut document = Document {
        calendar_timezone: None,
        blocks: Vec::new(),
    };
    let mut saw_calendar = false;
    let mut in_calendar = false;
    let mut after_calendar = false;
    let mut junk_before = false;
    let mut junk_after = false;
    let mut joined_lines = 0;
    let mut open: Option<OpenBlock> = None;

    for (number, line) in text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
    {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = content_line(line);
        if let Ok(ref content) = parsed
            && (content.name == "BEGIN" || content.name == "END")
        {
            let kind = content.value.trim().to_ascii_uppercase();
            if content.name == "BEGIN" {
                if kind == "VCALENDAR" {
                    close(&mut open, &mut document, warnings, true);
                    saw_calendar = true;
                    in_calendar = true;
                } else if open.is_some() && !TOP_LEVEL.contains(&kind.as_str()) {
                    if let Some(block) = open.as_mut() {
                        block.begin(&kind);
                    }
                } else {
                    close(&mut open, &mut document, warnings, true);
                    open = Some(OpenBlock::new(&kind, number));
                }
            } else if kind == "VCALENDAR" {
                close(&mut open, &mut document, warnings, true);
                in_calendar = false;
                after_calendar = true;
            } else if let Some(block) = open.as_mut() {
                if block.end(&kind, warnings) {
                    close(&mut open, &mut document, warnings, false);
                }
            } else {
                warnings.push(format!("line {number}: END:{kind} closes nothing; ignored"));
            }
            continue;
        }
        match (open.as_mut(), parsed) {
            (Some(block), parsed) if block.keeps_lines() => match parsed {
                Ok(content) => {
                    if let Some(repair) = &content.repair {
                        warnings.push(format!("{} starting on line {}: {repair}", block.kind, block.line));
                    }
                    block.lines.push(content.canonical());
                }
                Err(LineProblem::NoValue(name)) => warnings.push(format!(
                    "{} starting on line {}: {name} has no value; ignored",
                    block.kind, block.line
                )),
                Err(LineProblem::NotAContentLine) => {
                    // A line break the producer forgot to fold: part of the line before.
                    joined_lines += 1;
                    if let Some(last) = block.lines.last_mut() {
                        last.push_str(if is_text_property(last) { "\\n" } else { " " });
                        last.push_str(line);
                    }
                }
            },
            (Some(_), _) => {}
            (None, Ok(content)) if in_calendar => {
                if content.name == "X-WR-TIMEZONE" && !content.value.trim().is_empty() {
                    document.calendar_timezone = Some(content.value.trim().to_string());
                }
            }
            (None, _) if in_calendar => {}
            (None, _) if after_calendar => junk_after = true,
            (None, _) => junk_before = true,
        }
    }
    if let Some(block) = &open {
        warnings.push(format!(
            "{} starting on line {} is not closed by an END",
            block.kind, block.line
        ));
    }
    close(&mut open, &mut document, warnings, false);

    if !saw_calendar && document.blocks.iter().all(|b| b.kind != "VEVENT") {
        anyhow::bail!("not an iCalendar document: no BEGIN:VCALENDAR and no BEGIN:VEVENT");
    }
    if junk_before {
        warnings.push("content before the first BEGIN was ignored".to_string());
    }
    if junk_after {
        warnings.push("content after END:VCALENDAR was ignored".to_string());
    }
    if joined_lines > 0 {
        warnings.push(format!(
            "{joined_lines} line(s) that were not properties were joined to the property before (unfolded line breaks)"
        ));
    }
    Ok(document)
}

struct OpenBlock {
    kind: String,
    line: usize,
    /// Components open inside it (VTIMEZONE's STANDARD/DAYLIGHT, VEVENT's VALARM).
    nested: Vec<String>,
    lines: Vec<String>,
}

impl OpenBlock {
    fn new(kind: &str, line: usize) -> Self {
        OpenBlock {
            kind: kind.to_string(),
            line,
            nested: Vec::new(),
            lines: vec![format!("BEGIN:{kind}")],
        }
    }

    fn kept_kind(&self) -> Option<&'static str> {
        match self.kind.as_str() {
            "VEVENT" => Some("VEVENT"),
            "VTIMEZONE" => Some("VTIMEZONE"),
            _ => None,
        }
    }

    /// Lines are kept for VEVENT's own properties and everything inside a VTIMEZONE.
    fn keeps_lines(&self) -> bool {
        match self.kept_kind() {
            Some("VEVENT") => self.nested.is_empty(),
            Some(_) => true,
            None => false,
        }
    }

    fn begin(&mut self, kind: &str) {
        self.nested.push(kind.to_string());
        if self.kept_kind() == Some("VTIMEZONE") {
            self.lines.push(format!("BEGIN:{kind}"));
        }
    }

    /// Closes `kind` (and whatever is left open inside it); true when that ends the block.
    fn end(&mut self, kind: &str, warnings: &mut Vec<String>) -> bool {
        if kind == self.kind {
            return true;
        }
        match self.nested.iter().rposition(|k| k == kind) {
            Some(at) => {
                while self.nested.len() > at {
                    if let Some(closed) = self.nested.pop()
                        && self.kept_kind() == Some("VTIMEZONE")
                    {
                        self.lines.push(format!("END:{closed}"));
                    }
                }
            }
            None => warnings.push(format!(
                "{} starting on line {}: stray END:{kind} ignored",
                self.kind, self.line
            )),
        }
        false
    }
}

/// Finishes the open block; `interrupted` when something other than its END closes it.
fn close(open: &mut Option<OpenBlock>, document: &mut Document, warnings: &mut Vec<String>, interrupted: bool) {
    let Some(mut block) = open.take() else { return };
    if interrupted {
        warnings.push(format!(
            "{} starting on line {} has no END; closed at the next component",
            block.kind, block.line
        ));
    }
    let Some(kind) = block.kept_kind() else { return };
    if kind == "VTIMEZONE" {
        while let Some(nested) = block.nested.pop() {
            block.lines.push(format!("END:{nested}"));
        }
    }
    block.lines.push(format!("END:{kind}"));
    let mut text = block.lines.join("\n");
    text.push('\n');
    document.blocks.push(Block {
        kind,
        line: block.line,
        text,
    });
}

/// One content line, tokenised.
struct ContentLine {
    name: String,
    params: Vec<(String, Vec<String>)>,
    value: String,
    /// What was repaired to read it, for a warning.
    repair: Option<String>,
}

enum LineProblem {
    /// A name (and maybe parameters) but no `:value` (`ORGANIZER;CN=Sixt SE`).
    NoValue(String),
    /// Not `NAME[;PARAM=…]:value` at all.
    NotAContentLine,
}

/// Properties whose values are dates: they never contain `:`, so the value starts after
/// the line's last colon, which also reads an unquoted `TZID=(UTC-05:00) Eastern…`.
fn is_date_property(name: &str) -> bool {
    matches!(name, "DTSTART" | "DTEND" | "DUE" | "RECURRENCE-ID" | "EXDATE" | "RDATE")
}

fn is_text_property(line: &str) -> bool {
    ["SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT"]
        .iter()
        .any(|name| line.starts_with(name) && matches!(line.as_bytes().get(name.len()), Some(b':' | b';')))
}

fn content_line(line: &str) -> Result<ContentLine, LineProblem> {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(line.len());
    let name = line[..name_end].to_ascii_uppercase();
    let rest = &line[name_end..];
    if name.is_empty() {
        return Err(LineProblem::NotAContentLine);
    }
    match rest.as_bytes().first() {
        None => return Err(LineProblem::NoValue(name)),
        Some(b';' | b':') => {}
        Some(_) => return Err(LineProblem::NotAContentLine),
    }
    let value_colon = if is_date_property(&name) { rest.rfind(':') } else { None };
    let bytes = rest.as_bytes();
    let mut params: Vec<(String, Vec<String>)> = Vec::new();
    let mut repair = None;
    let mut i = 0;
    while bytes.get(i) == Some(&b';') {
        i += 1;
        let key_start = i;
        while i < bytes.len() && !matches!(bytes[i], b'=' | b';' | b':') {
            i += 1;
        }
        let key = rest[key_start..i].trim().to_ascii_uppercase();
        let mut values = Vec::new();
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            loop {
                if bytes.get(i) == Some(&b'"') {
                    let start = i + 1;
                    let end = rest[start..].find('"').map_or(rest.len(), |len| start + len);
                    values.push(rest[start..end].to_string());
                    i = (end + 1).min(rest.len());
                } else {
                    let start = i;
                    let single_valued = key == "TZID";
                    while i < bytes.len()
                        && !(bytes[i] == b';'
                            || (bytes[i] == b',' && !single_valued)
                            || (bytes[i] == b':' && value_colon.is_none_or(|at| at == i)))
                    {
                        i += 1;
                    }
                    values.push(rest[start..i].trim().to_string());
                }
                if bytes.get(i) == Some(&b',') {
                    i += 1;
                } else {
                    break;
                }
            }
        }
        params.push((key, values));
        // Junk after a closing quote (`CN="a"b:`): skip to the next delimiter.
        if i < bytes.len() && !matches!(bytes[i], b';' | b':') {
            let skip = rest[i..].find([';', ':']).unwrap_or(rest.len() - i);
            repair = Some(format!(
                "{name}: stray text {:?} in its parameters ignored",
                &rest[i..i + skip]
            ));
            i += skip;
        }
    }
    let value = if bytes.get(i) == Some(&b':') {
        rest[i + 1..].to_string()
    } else {
        // The value ran into a quoted parameter: `DTSTART;TZID="Zone:20200609T090000"`.
        let recovered = params.last_mut().and_then(|(key, values)| {
            let last = values.last_mut()?;
            let at = last.rfind(':')?;
            let value = last[at + 1..].trim().to_string();
            last.truncate(at);
            Some((key.clone(), last.clone(), value))
        });
        let Some((key, param, value)) = recovered else {
            return Err(LineProblem::NoValue(name));
        };
        repair = Some(format!(
            "{name} has no value after its parameters; read as {key}={param:?} and value {value:?}"
        ));
        value
    };
    Ok(ContentLine {
        name,
        params,
        value,
        repair,
    })
}

impl ContentLine {
    /// The line as the crate's parser reads it.
    fn canonical(&self) -> String {
        let mut line = self.name.clone();
        for (key, values) in &self.params {
            // The crate's parser rejects other characters in a parameter name.
            let valid_key = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !valid_key || values.iter().all(String::is_empty) {
                continue;
            }
            line.push(';');
            line.push_str(key);
            line.push('=');
            for (n, value) in values.iter().enumerate() {
                if n > 0 {
                    line.push(',');
                }
                let value = value.replace('"', "");
                let value = if key == "VALUE" {
                    value.to_ascii_uppercase()
                } else {
                    value
                };
                if value.contains([':', ';', ',']) {
                    let _ = write!(line, "\"{value}\"");
                } else {
                    line.push_str(&value);
                }
            }
        }
        line.push(':');
        line.push_str(&self.value);
        line
    }
}

// ---------------------------------------------------------------------------------------
// Time zones

struct VTimezone {
    /// X-LIC-LOCATION: the IANA name some producers add beside a custom TZID.
    location: Option<String>,
    standard_offset: Option<i32>,
    daylight_offset: Option<i32>,
}

/// Resolves TZIDs to IANA zones, once each.
struct Zones {
    default: Tz,
    /// Zone of floating times and dates: X-WR-TIMEZONE, else the default.
    floating: Tz,
    floating_source: &'static str,
    vtimezones: HashMap<String, VTimezone>,
    resolved: HashMap<String, Tz>,
    year: i32,
}

impl Zones {
    fn new(options: &ParseOptions) -> Self {
        Zones {
            default: options.default_timezone,
            floating: options.default_timezone,
            floating_source: "the default zone",
            vtimezones: HashMap::new(),
            resolved: HashMap::new(),
            year: options.window_start.year(),
        }
    }

    fn add_vtimezone(&mut self, component: &icalendar::parser::Component) {
        let Some(tzid) = component.find_prop("TZID").map(|p| p.val.as_str().trim().to_string()) else {
            return;
        };
        let offset_of = |kind: &str| {
            component
                .components
                .iter()
                .filter(|c| c.name.as_str() == kind)
                .filter_map(|c| c.find_prop("TZOFFSETTO"))
                .find_map(|p| parse_utc_offset(p.val.as_str()))
        };
        let vtimezone = VTimezone {
            location: component
                .find_prop("X-LIC-LOCATION")
                .map(|p| p.val.as_str().to_string()),
            standard_offset: offset_of("STANDARD"),
            daylight_offset: offset_of("DAYLIGHT"),
        };
        self.vtimezones.insert(tzid, vtimezone);
    }

    fn set_calendar_zone(&mut self, name: Option<&str>, warnings: &mut Vec<String>) {
        let Some(name) = name else { return };
        match resolve_zone_name(name).or_else(|| self.zone_of_vtimezone(name, warnings)) {
            Some(zone) => {
                self.floating = zone;
                self.floating_source = "X-WR-TIMEZONE";
            }
            None => warnings.push(format!(
                "unknown X-WR-TIMEZONE {name:?}: floating times are read in {}",
                self.default.name()
            )),
        }
    }

    /// The zone a TZID names; an unknown one falls back to the floating zone, with a warning.
    fn zone(&mut self, tzid: &str, warnings: &mut Vec<String>) -> Tz {
        if let Some(zone) = self.resolved.get(tzid) {
            return *zone;
        }
        let zone = resolve_zone_name(tzid)
            .or_else(|| self.zone_of_vtimezone(tzid, warnings))
            .unwrap_or_else(|| {
                warnings.push(format!(
                    "unknown time zone {tzid:?}: its times are read in {} ({})",
                    self.floating.name(),
                    self.floating_source
                ));
                self.floating
            });
        self.resolved.insert(tzid.to_string(), zone);
        zone
    }

    /// A custom TZID ("Customized Time Zone") read from its VTIMEZONE: X-LIC-LOCATION,
    /// else the first Windows-table zone with the same standard and daylight offsets.
    fn zone_of_vtimezone(&self, tzid: &str, warnings: &mut Vec<String>) -> Option<Tz> {
        let vtimezone = self.vtimezones.get(tzid.trim().trim_matches('"'))?;
        if let Some(zone) = vtimezone.location.as_deref().and_then(resolve_zone_name) {
            return Some(zone);
        }
        let standard = vtimezone.standard_offset?;
        let daylight = vtimezone.daylight_offset.filter(|d| *d != standard);
        let offset_in = |zone: &Tz, month: u32| {
            NaiveDate::from_ymd_opt(self.year, month, 15)
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .map(|noon| zone.offset_from_utc_datetime(&noon).fix().local_minus_utc())
        };
        let zone = windows_zones::ZONES
            .iter()
            .filter_map(|z| z.iana.parse::<Tz>().ok())
            .find(|zone| {
                let (january, july) = (offset_in(zone, 1), offset_in(zone, 7));
                match daylight {
                    None => january == Some(standard) && july == Some(standard),
                    Some(daylight) => {
                        (january, july) == (Some(standard), Some(daylight))
                            || (january, july) == (Some(daylight), Some(standard))
                    }
                }
            })?;
        warnings.push(format!(
            "time zone {tzid:?} is not a known name: read as {}, which has the offsets its VTIMEZONE gives",
            zone.name()
        ));
        Some(zone)
    }
}

/// An IANA name (legacy aliases such as `US/Central` included), a vendor-prefixed one
/// (`/mozilla.org/20050126_1/Europe/Berlin`) or a Windows id or display name.
fn resolve_zone_name(raw: &str) -> Option<Tz> {
    let name = raw.trim().trim_matches('"').trim();
    if name.is_empty() {
        return None;
    }
    if let Ok(zone) = name.parse::<Tz>() {
        return Some(zone);
    }
    if let Some(zone) = name
        .match_indices('/')
        .find_map(|(at, _)| name[at + 1..].parse::<Tz>().ok())
    {
        return Some(zone);
    }
    if let Some(zone) = windows_zones::iana(name).and_then(|iana| iana.parse::<Tz>().ok()) {
        return Some(zone);
    }
    chrono_tz::TZ_VARIANTS
        .iter()
        .find(|zone| zone.name().eq_ignore_ascii_case(name))
        .copied()
}

/// `+0100`, `-0500`, `+053000` → seconds east of UTC.
fn parse_utc_offset(value: &str) -> Option<i32> {
    let value = value.trim();
    let (sign, digits) = match value.as_bytes().first()? {
        b'+' => (1, &value[1..]),
        b'-' => (-1, &value[1..]),
        _ => (1, value),
    };
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| digits.get(range).and_then(|d| d.parse::<i32>().ok());
    let seconds = number(0..2)? * 3600 + number(2..4)? * 60 + number(4..6).unwrap_or(0);
    Some(sign * seconds)
}

// ---------------------------------------------------------------------------------------
// Events

/// A date or date-time read from a property, in the zone it was written in.
#[derive(Clone, Copy)]
struct Moment {
    at: DateTime<Tz>,
    all_day: bool,
}

/// How long each occurrence lasts.
#[derive(Clone, Copy)]
enum Length {
    /// From DTEND on a timed event: the same exact duration for every instance.
    Exact(Duration),
    /// Days are calendar days (a day across a DST change is 23 or 25 hours), then time.
    Nominal { days: i64, time: Duration },
}

impl Length {
    fn end(self, start: DateTime<Tz>) -> DateTime<Tz> {
        match self {
            Length::Exact(duration) => start + duration,
            Length::Nominal { days, time: exact } => {
                time::local(start.timezone(), start.naive_local() + Duration::days(days)) + exact
            }
        }
    }
}

struct Vevent {
    line: usize,
    event: Event,
    uid: String,
}

impl Vevent {
    fn label(&self) -> String {
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

struct Reader<'a> {
    options: &'a ParseOptions,
    zones: Zones,
    warnings: &'a mut Vec<String>,
}

impl Reader<'_> {
    fn read(mut self, vevents: Vec<(usize, Event)>) -> Vec<FeedEvent> {
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

    /// One master VEVENT and its overrides: a single event, or the instances in the window.
    fn series(&mut self, master: &Vevent, overrides: Vec<Vevent>, out: &mut Vec<FeedEvent>) {
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
    fn override_instance(
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

    fn start_of(&mut self, vevent: &Vevent) -> Option<Moment> {
        let property = vevent.event.properties().get("DTSTART")?;
        self.moment(property, vevent)
    }

    fn recurrence_id(&mut self, vevent: &Vevent) -> Option<Moment> {
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
    fn date_list(&mut self, vevent: &Vevent, key: &str, start: Moment) -> Vec<Moment> {
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
    fn length(&mut self, vevent: &Vevent, start: Moment) -> Option<Length> {
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
    fn details(&mut self, event: &Event, series: Option<&FeedEvent>) -> FeedEvent {
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

#[cfg(test)]
mod tests {
    use chrono_tz::{America, Europe};

    use super::*;

    /// Options whose window is `[from, to)` at midnight in `zone`.
    fn window(zone: Tz, from: (i32, u32, u32), to: (i32, u32, u32)) -> ParseOptions {
        let midnight = |(y, m, d): (i32, u32, u32)| {
            let date = NaiveDate::from_ymd_opt(y, m, d).expect("date");
            time::local(zone, date.and_time(chrono::NaiveTime::MIN)).with_timezone(&Utc)
        };
        ParseOptions {
            window_start: midnight(from),
            window_end: midnight(to),
            ..ParseOptions::around(Utc::now())
        }
    }

    fn read(body: &[u8], options: &ParseOptions) -> Parsed {
        parse(body, options).expect("the document parses")
    }

    fn zone_of(event: &FeedEvent) -> Tz {
        event.timezone.parse().expect("an IANA zone")
    }

    /// Start as local time and offset in the event's own zone: `2018-06-27 13:00 -04:00`.
    fn start(event: &FeedEvent) -> String {
        event
            .starts_at
            .with_timezone(&zone_of(event))
            .format("%Y-%m-%d %H:%M %:z")
            .to_string()
    }

    fn end(event: &FeedEvent) -> String {
        let ends_at = event.ends_at.expect("an end");
        ends_at
            .with_timezone(&zone_of(event))
            .format("%Y-%m-%d %H:%M %:z")
            .to_string()
    }

    fn titled<'a>(events: &'a [FeedEvent], title: &str) -> Vec<&'a FeedEvent> {
        events.iter().filter(|e| e.title == title).collect()
    }

    fn one<'a>(events: &'a [FeedEvent], title: &str) -> &'a FeedEvent {
        let found = titled(events, title);
        assert_eq!(found.len(), 1, "exactly one {title:?}");
        found[0]
    }

    fn dates(events: &[&FeedEvent]) -> Vec<String> {
        events.iter().map(|e| start(e)[..10].to_string()).collect()
    }

    #[test]
    fn tec_wordpress_tzid_without_vtimezone() {
        let body = include_bytes!("../../tests/fixtures/feeds/ics-tec-wordpress-ecp4-glwa-tzid-without-vtimezone.ics");
        let parsed = read(body, &ParseOptions::around(Utc::now()));
        let events = &parsed.events;
        assert_eq!(events.len(), 7);
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert!(
            events
                .iter()
                .all(|e| !e.uid.contains('#') && e.timezone == "America/Detroit")
        );
        assert!(
            events.iter().all(|e| !e.cancelled),
            "no STATUS, even on the \"(Cancelled)\" titles"
        );

        let first = &events[0];
        assert_eq!(first.title, "Legal Committee Meeting (Cancelled)");
        assert_eq!(first.uid, "6693-1530104400-1530108000@www.glwater.org");
        assert_eq!(
            (start(first).as_str(), end(first).as_str()),
            ("2018-06-27 13:00 -04:00", "2018-06-27 14:00 -04:00")
        );
        assert_eq!(
            first.url.as_deref(),
            Some("http://www.glwater.org/event/legal-committee-meeting-7/")
        );
        assert_eq!(
            first.location_name.as_deref(),
            Some("735 Randolph, 5th Floor Board Room, Detroit,, MI, 48226")
        );

        let last = &events[6];
        assert_eq!(last.title, "GLWA Board Meeting");
        assert_eq!(
            (start(last).as_str(), end(last).as_str()),
            ("2018-07-25 18:00 -04:00", "2018-07-25 20:00 -04:00")
        );
        assert_eq!(
            last.location_name.as_deref(),
            Some("300 E. Nine Mile Road, Ferndale, MI, 48220")
        );
    }

    #[test]
    fn google_yearly_rule_with_exdate_and_override() {
        let body = include_bytes!("../../tests/fixtures/feeds/ics-google-yearly-rrule-exdate-recurrence-id-crlf.ics");
        let parsed = read(body, &window(America::Los_Angeles, (2014, 1, 1), (2020, 1, 1)));
        let events = &parsed.events;
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(events.len(), 5);
        let starts: Vec<String> = events.iter().map(start).collect();
        assert_eq!(
            starts,
            [
                "2014-08-01 18:30 -07:00",
                "2015-08-01 19:00 -07:00",
                "2017-08-01 19:00 -07:00",
                "2018-08-01 19:00 -07:00",
                "2019-08-01 19:00 -07:00"
            ]
        );
        for event in events {
            assert_eq!(event.title, "Vespers for the Feast of St. Joseph");
            assert_eq!(event.ends_at.map(|e| e - event.starts_at), Some(Duration::hours(1)));
            assert!(event.uid.starts_with("aogpprh4bolu8ckmop49ca6404@google.com#"));
        }
        // The override is named after the start it replaces: 2014-08-01 19:00 PDT.
        assert_eq!(events[0].uid, "aogpprh4bolu8ckmop49ca6404@google.com#20140802T020000Z");
        assert_eq!(end(&events[0]), "2014-08-01 19:30 -07:00");
        assert_eq!(events[1].uid, "aogpprh4bolu8ckmop49ca6404@google.com#20150802T020000Z");
    }

    #[test]
    fn google_biweekly_with_exdate_list() {
        let body = include_bytes!("../../tests/fixtures/feeds/ics-google-biweekly-exdate-list-folded.ics");
        let parsed = read(body, &window(America::Chicago, (2017, 1, 1), (2018, 1, 1)));
        let first_series = titled(&parsed.events, "Example of comma-separated exdates");
        assert_eq!(first_series.len(), 21);
        assert!(first_series.iter().all(|e| e.timezone == "US/Central"));
        assert_eq!(start(first_series[0]), "2017-02-16 09:00 -06:00");
        assert_eq!(end(first_series[0]), "2017-02-16 19:00 -06:00");
        assert_eq!(start(first_series[20]), "2017-07-31 09:00 -05:00");
        for event in &first_series {
            let offset = if event.starts_at < Utc.with_ymd_and_hms(2017, 3, 12, 8, 0, 0).unwrap() {
                "-06:00"
            } else {
                "-05:00"
            };
            assert!(start(event).ends_with(&format!("09:00 {offset}")), "{}", start(event));
        }
        let days = dates(&first_series);
        for excluded in ["2017-07-06", "2017-07-17", "2017-07-20", "2017-08-03"] {
            assert!(!days.contains(&excluded.to_string()), "{excluded} is excluded");
        }
        let july: Vec<&String> = days.iter().filter(|d| d.starts_with("2017-07")).collect();
        assert_eq!(july, ["2017-07-03", "2017-07-31"]);

        // Floating and bare-date EXDATEs match no instance of the UTC series: nothing removed.
        let second_series = titled(&parsed.events, "Example of exdate with bad times");
        assert_eq!(
            second_series[0].starts_at,
            Utc.with_ymd_and_hms(2017, 8, 14, 14, 0, 0).unwrap()
        );
        assert!(second_series.iter().all(|e| e.timezone == "UTC"));
        let days = dates(&second_series);
        assert!(days.contains(&"2017-12-18".to_string()) && days.contains(&"2017-12-19".to_string()));
    }

    #[test]
    fn google_weekly_infinite_rule_across_dst() {
        let body = include_bytes!("../../tests/fixtures/feeds/ics-google-weekly-rrule-apple-structured-location.ics");
        let parsed = read(body, &window(Europe::Zurich, (2016, 10, 28), (2016, 11, 5)));
        let events = &parsed.events;
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let starts: Vec<String> = events.iter().map(start).collect();
        assert_eq!(
            starts,
            [
                "2016-10-28 14:00 +02:00",
                "2016-10-31 14:00 +01:00",
                "2016-11-01 14:00 +01:00",
                "2016-11-02 14:00 +01:00",
                "2016-11-03 14:00 +01:00",
                "2016-11-04 14:00 +01:00"
            ]
        );
        for event in events {
            assert_eq!(event.title, "Daily Sync");
            assert_eq!(event.timezone, "Europe/Zurich");
            assert_eq!(end(event)[11..16], *"14:30");
            assert_eq!(
                event.location_name.as_deref(),
                Some("Roadstar 16\n12764 Happyville\nDenmark")
            );
        }
    }

    #[test]
    fn outlook_all_day_holidays() {
        let body = include_bytes!("../../tests/fixtures/feeds/ics-outlook12-allday-holidays-crlf.ics");
        let options = ParseOptions {
            default_timezone: Europe::Berlin,
            ..ParseOptions::around(Utc::now())
        };
        let parsed = read(body, &options);
        let events = &parsed.events;
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(events.len(), 159);
        assert!(events.iter().all(|e| e.all_day && e.timezone == "Europe/Berlin"));
        assert!(
            events
                .iter()
                .all(|e| !e.uid.is_empty() && e.uid.bytes().all(|b| b.is_ascii_digit()))
        );
        assert_eq!(events.iter().map(|e| &e.uid).collect::<HashSet<_>>().len(), 159);

        let first = &events[0];
        assert_eq!(
            (first.uid.as_str(), first.title.as_str()),
            ("7", "Germany: New Years Day")
        );
        assert_eq!(
            (start(first).as_str(), end(first).as_str()),
            ("2008-01-01 00:00 +01:00", "2008-01-02 00:00 +01:00")
        );

        let last = &events[158];
        assert_eq!(
            (last.uid.as_str(), last.title.as_str()),
            ("22693", "Germany: St. Stephen's Day")
        );
        assert_eq!(start(last), "2020-12-26 00:00 +01:00");

        let epiphany = events.iter().find(|e| e.uid == "32").expect("UID 32");
        assert_eq!(epiphany.title, "Germany: Epiphany ");
        assert_eq!(start(epiphany), "2008-01-06 00:00 +01:00");
        let description = epiphany.description.clone().expect("a description");
        assert!(
            description.starts_with("Baden-W&#252;rttemberg, Bavaria, Saxony-Anhalt."),
            "{description}"
        );
        let mut cleaned = epiphany.clone();
        crate::feeds::text::clean(&mut cleaned);
        assert!(
            cleaned
                .description
                .expect("a description")
                .starts_with("Baden-Württemberg, ")
        );
    }

    #[test]
    fn exchange_owa_display_name_tzids_and_missing_uids() {
        let body = include_bytes!("../../tests/fixtures/feeds/ics-exchange-owa-nonstandard-quoted-tzid.ics");
        let options = window(America::New_York, (2020, 10, 1), (2022, 1, 1));
        let parsed = read(body, &options);
        let events = &parsed.events;
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);

        let sydney = one(events, " TEST Syd");
        assert_eq!(sydney.timezone, "Australia/Sydney");
        assert_eq!(
            (start(sydney).as_str(), end(sydney).as_str()),
            ("2020-10-28 13:30 +11:00", "2020-10-28 15:00 +11:00")
        );
        let test = one(events, " TEST");
        assert_eq!(
            (test.timezone.as_str(), start(test).as_str()),
            ("America/New_York", "2020-10-28 13:30 -04:00")
        );
        let test3 = one(events, " TEST 3");
        assert_eq!(start(test3), "2020-11-02 13:30 -05:00");

        // DTSTART (a Monday) does not match BYDAY=TH,FR: only the TH/FR instances are certain.
        let test2 = titled(events, " TEST2");
        let thursdays_fridays: Vec<_> = test2
            .iter()
            .filter(|e| {
                matches!(
                    e.starts_at.with_timezone(&America::New_York).weekday(),
                    chrono::Weekday::Thu | chrono::Weekday::Fri
                )
            })
            .collect();
        assert_eq!(thursdays_fridays.len(), 86);
        assert_eq!(start(thursdays_fridays[0]), "2020-11-05 13:30 -05:00");
        assert!(test2.iter().all(|e| start(e)[11..16] == *"13:30"));

        // No UID anywhere: generated, distinct, and the same on every read.
        let series_uid = |event: &FeedEvent| event.uid.split('#').next().unwrap_or_default().to_string();
        let uids: HashSet<String> = events.iter().map(series_uid).collect();
        assert_eq!(uids.len(), 4);
        assert!(uids.iter().all(|uid| uid.starts_with("ical-")));
        let again = read(body, &options);
        let first_uids: Vec<&String> = events.iter().map(|e| &e.uid).collect();
        assert_eq!(first_uids, again.events.iter().map(|e| &e.uid).collect::<Vec<_>>());
    }

    #[test]
    fn exchange_windows_zone_ids() {
        let body = include_bytes!("../../tests/fixtures/feeds/ics-exchange-windows-timezone-names.ics");
        let parsed = read(body, &window(America::Los_Angeles, (2020, 6, 1), (2020, 9, 10)));
        let events = &parsed.events;

        let test = one(events, "test");
        assert_eq!(test.timezone, "Europe/Berlin");
        assert_eq!(
            (start(test).as_str(), end(test).as_str()),
            ("2020-09-10 09:00 +02:00", "2020-09-10 09:30 +02:00")
        );
        assert_eq!(test.location_name.as_deref(), Some(""));

        let summary1 = one(events, "Not the actual summary 1");
        assert_eq!(summary1.timezone, "America/Los_Angeles");
        assert_eq!(
            (start(summary1).as_str(), end(summary1).as_str()),
            ("2020-09-15 08:30 -07:00", "2020-09-15 09:30 -07:00")
        );

        // `DTSTART;TZID="W. Europe Standard Time:20200609T090000"`: reported, then recovered.
        assert!(
            parsed
                .warnings
                .iter()
                .any(|w| w.contains("DTSTART") && w.contains("20200609T090000")),
            "{:?}",
            parsed.warnings
        );
        let jira = titled(events, "Log Yesterday's Jira time");
        assert_eq!(
            (start(jira[0]).as_str(), end(jira[0]).as_str()),
            ("2020-06-09 09:00 +02:00", "2020-06-09 09:30 +02:00")
        );

        let either = titled(events, "Not the actual summary either");
        assert_eq!(either.len(), 31);
        assert_eq!(start(either[0]), "2020-07-07 12:00 -07:00");
        assert!(
            either
                .iter()
                .all(|e| e.location_name.as_deref() == Some("https://bluejeans.com/7999979999"))
        );
        assert!(
            either
                .iter()
                .all(|e| start(e)[11..] == *"12:00 -07:00" && end(e)[11..] == *"12:30 -07:00")
        );
        let days = dates(&either);
        for excluded in [
            "2020-07-21",
            "2020-07-23",
            "2020-07-28",
            "2020-08-13",
            "2020-08-25",
            "2020-09-03",
        ] {
            assert!(!days.contains(&excluded.to_string()), "{excluded} is excluded");
        }
        assert_eq!(
            events.iter().filter(|e| !e.uid.contains('#')).count(),
            2,
            "two single events"
        );
    }

    #[test]
    fn meetup_folded_escaped() {
        let body = include_bytes!("../../tests/fixtures/feeds/ics-meetup-folded-escaped-vtimezone.ics");
        let parsed = read(body, &ParseOptions::around(Utc::now()));
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(parsed.events.len(), 1);
        let event = &parsed.events[0];
        assert_eq!(event.title, "Phoenix Drupal User Group Monthly Meetup");
        assert_eq!(event.uid, "event_nsmxnyppbfc@meetup.com");
        assert_eq!(event.timezone, "America/Phoenix");
        assert_eq!(
            (start(event).as_str(), end(event).as_str()),
            ("2011-11-09 19:00 -07:00", "2011-11-09 21:00 -07:00")
        );
        assert_eq!(
            event.url.as_deref(),
            Some("http://www.meetup.com/Phoenix-Drupal-User-Group/events/33627272/")
        );
        assert_eq!(
            event.location_name.as_deref(),
            Some("Open Source Project Tempe (1415 E University Dr. #103A, Tempe, AZ 85281)")
        );
        let description = event.description.as_deref().expect("a description");
        assert!(
            description
                .starts_with("Phoenix Drupal User Group\nWednesday, November 9 at 7:00 PM\n\nCustomizing node display"),
            "{description:?}"
        );
        assert_eq!((event.latitude, event.longitude), (Some(33.56), Some(-111.90)));
    }

    #[test]
    fn apple_status_and_organisers() {
        let body = include_bytes!("../../tests/fixtures/feeds/ics-apple-macos-status-tentative-cancelled.ics");
        let parsed = read(body, &ParseOptions::around(Utc::now()));
        let events = &parsed.events;
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(events.len(), 4);

        let tentative = one(events, "Tentative");
        assert_eq!(tentative.timezone, "UTC");
        assert_eq!(tentative.starts_at, Utc.with_ymd_and_hms(2022, 7, 4, 23, 0, 0).unwrap());
        assert_eq!(
            tentative.ends_at,
            Some(Utc.with_ymd_and_hms(2022, 7, 4, 23, 50, 0).unwrap())
        );
        assert!(!tentative.cancelled);
        assert_eq!(tentative.organiser.as_deref(), Some("tentative@example.com"));

        let confirmed = one(events, "Confirmed");
        assert_eq!(confirmed.timezone, "America/Vancouver");
        assert_eq!(
            (start(confirmed).as_str(), end(confirmed).as_str()),
            ("2022-07-05 09:00 -07:00", "2022-07-05 10:00 -07:00")
        );
        assert!(!confirmed.cancelled);
        assert_eq!(confirmed.organiser.as_deref(), Some("confirmed@example.com"));

        let cancelled = one(events, "Cancelled");
        assert_eq!(
            (start(cancelled).as_str(), end(cancelled).as_str()),
            ("2022-07-06 13:00 -07:00", "2022-07-06 14:00 -07:00")
        );
        assert!(cancelled.cancelled);
        assert_eq!(cancelled.organiser.as_deref(), Some("cancelled@example.com"));

        let no_status = one(events, "No Status");
        assert_eq!(
            (start(no_status).as_str(), end(no_status).as_str()),
            ("2022-07-07 09:00 -07:00", "2022-07-07 10:00 -07:00")
        );
        assert!(!no_status.cancelled);
        assert_eq!(no_status.organiser, None);
    }

    #[test]
    fn ai1ec_german_monthly_rule() {
        let body = include_bytes!("../../tests/fixtures/feeds/ics-wordpress-ai1ec-fablab-german-crlf.ics");
        let parsed = read(body, &window(Europe::Berlin, (2018, 1, 1), (2018, 7, 1)));
        let events = &parsed.events;
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let singles: Vec<&FeedEvent> = events.iter().filter(|e| !e.uid.contains('#')).collect();
        assert_eq!(singles.len(), 27);
        assert_eq!(singles.iter().filter(|e| e.all_day).count(), 1);
        assert!(
            singles
                .iter()
                .filter(|e| !e.all_day)
                .all(|e| e.timezone == "Europe/Berlin")
        );
        for event in events {
            let n = event
                .uid
                .strip_prefix("ai1ec-")
                .and_then(|rest| rest.split('@').next())
                .expect("ai1ec-<n>");
            assert!(
                n.bytes().all(|b| b.is_ascii_digit()) && event.uid.contains("@blog.fablab-cottbus.de"),
                "{}",
                event.uid
            );
        }

        let closed = one(events, "Lab geschlossen: Wir sind auf dem Karlstraßenfest");
        assert!(closed.all_day);
        assert_eq!(
            (start(closed).as_str(), end(closed).as_str()),
            ("2018-06-09 00:00 +02:00", "2018-06-10 00:00 +02:00")
        );
        assert_eq!(closed.location_name.as_deref(), Some("Karlstraßenfest"));

        // A one-off "Repair Café" in September is not part of the series.
        let repair: Vec<&FeedEvent> = titled(events, "Repair Café")
            .into_iter()
            .filter(|e| e.uid.contains('#'))
            .collect();
        let starts: Vec<String> = repair.iter().map(|e| start(e)).collect();
        assert_eq!(
            starts,
            [
                "2018-01-06 14:00 +01:00",
                "2018-02-03 14:00 +01:00",
                "2018-03-03 14:00 +01:00",
                "2018-04-07 14:00 +02:00",
                "2018-05-05 14:00 +02:00",
                "2018-06-02 14:00 +02:00"
            ]
        );
        for event in &repair {
            assert_eq!(end(event)[11..16], *"17:00");
            assert!(event.uid.contains('#'));
            assert_eq!(
                event.location_name.as_deref(),
                Some("FabLab Cottbus @ Walther-Pauer-Straße 5, 03044 Cottbus, Deutschland")
            );
        }
    }

    #[test]
    fn sixt_freebusy_is_not_an_event() {
        let body = include_bytes!("../../tests/fixtures/feeds/ics-sixt-french-accents-unfolded-long-lines.ics");
        let parsed = read(body, &ParseOptions::around(Utc::now()));
        assert_eq!(parsed.events.len(), 1);
        let event = &parsed.events[0];
        assert_eq!(event.title, "Sixt : détails de votre réservation");
        assert_eq!(event.uid, "SIXT_9879691160");
        assert_eq!(event.timezone, "UTC");
        assert_eq!(event.starts_at, Utc.with_ymd_and_hms(2019, 6, 24, 6, 30, 0).unwrap());
        assert_eq!(
            event.ends_at,
            Some(Utc.with_ymd_and_hms(2019, 6, 24, 16, 30, 0).unwrap())
        );
        assert_eq!(
            event.location_name.as_deref(),
            Some("Sixt Genève Aéroport secteur France, AP de Genève Cointrin Sect(F), 01210 Ferney-Voltaire, FR")
        );
    }

    #[test]
    fn tripit_escapes_all_day_utc_and_floating() {
        let body = include_bytes!("../../tests/fixtures/feeds/ics-tripit-escaped-commas-semicolons.ics");
        let options = ParseOptions {
            default_timezone: America::Los_Angeles,
            ..ParseOptions::around(Utc::now())
        };
        let parsed = read(body, &options);
        let events = &parsed.events;
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(events.len(), 47);
        assert!(events.iter().all(|e| !e.uid.contains('#')));
        assert_eq!(events.iter().filter(|e| e.all_day).count(), 6);
        assert_eq!(events.iter().filter(|e| !e.all_day && e.timezone == "UTC").count(), 39);
        let floating: Vec<&FeedEvent> = events.iter().filter(|e| !e.all_day && e.timezone != "UTC").collect();
        assert_eq!(floating.len(), 2);
        assert!(floating.iter().all(|e| e.timezone == "America/Los_Angeles"));

        let first = &events[0];
        assert_eq!(first.title, "South San Francisco, CA, October 2011;");
        assert!(first.all_day);
        assert_eq!(
            (start(first).as_str(), end(first).as_str()),
            ("2011-10-11 00:00 -07:00", "2011-10-14 00:00 -07:00")
        );
        assert_eq!(first.location_name.as_deref(), Some("South San Francisco, CA"));

        let second = &events[1];
        assert_eq!(
            second.title,
            "Directions from SFO to Embassy Suites San Francisco Airport - South San Francisco"
        );
        assert_eq!(
            (start(second).as_str(), end(second).as_str()),
            ("2011-10-11 10:05 -07:00", "2011-10-11 11:05 -07:00")
        );

        // The trip file holds the same flight on three days.
        let flight = titled(events, "US403 PHX to SFO")
            .into_iter()
            .find(|e| e.starts_at.date_naive() == NaiveDate::from_ymd_opt(2011, 10, 11).expect("date"))
            .expect("the flight of 2011-10-11");
        assert_eq!(flight.starts_at, Utc.with_ymd_and_hms(2011, 10, 11, 14, 45, 0).unwrap());
        assert_eq!(
            flight.ends_at,
            Some(Utc.with_ymd_and_hms(2011, 10, 11, 16, 55, 0).unwrap())
        );
    }

    #[test]
    fn thunderbird_overrides() {
        let body = include_bytes!("../../tests/fixtures/feeds/ics-thunderbird-recurrence-id-overrides-crlf.ics");
        let parsed = read(body, &window(Europe::Berlin, (2019, 3, 1), (2019, 4, 1)));
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let mut events: Vec<&FeedEvent> = parsed.events.iter().collect();
        events.sort_by_key(|e| e.starts_at);
        let seen: Vec<(String, String, String)> = events
            .iter()
            .map(|e| (e.title.clone(), start(e), end(e)[11..16].to_string()))
            .collect();
        let expected = [
            ("New Event", "2019-03-07 02:00 +01:00", "03:00"),
            ("New Event", "2019-03-08 01:00 +01:00", "02:00"),
            ("New Event", "2019-03-09 03:00 +01:00", "04:00"),
            ("New Event", "2019-03-10 02:00 +01:00", "03:00"),
            ("test7", "2019-03-18 04:00 +01:00", "05:00"),
            ("test7 - edited", "2019-03-19 04:00 +01:00", "05:00"),
            ("test7", "2019-03-20 04:00 +01:00", "05:00"),
        ];
        let expected: Vec<(String, String, String)> = expected
            .iter()
            .map(|(t, s, e)| (t.to_string(), s.to_string(), e.to_string()))
            .collect();
        assert_eq!(seen, expected);
        assert_eq!(
            one(&parsed.events, "test7 - edited").location_name.as_deref(),
            Some("location")
        );
        // Moved instances keep the uid of the start they replace.
        let moved = events
            .iter()
            .find(|e| start(e) == "2019-03-08 01:00 +01:00")
            .expect("moved");
        assert_eq!(moved.uid, "a0c78729-30b1-4ba3-a86e-6aedd995d788#20190308T010000Z");
    }

    // ---- Small inline documents

    const EVENT: &str = "BEGIN:VEVENT\nUID:1@test\nDTSTART;TZID=Europe/Paris:20240105T140000\nDTEND;TZID=Europe/Paris:20240105T153000\nSUMMARY:Atelier\nEND:VEVENT";

    fn inline(text: &str) -> Parsed {
        read(text.as_bytes(), &window(Europe::Paris, (2024, 1, 1), (2025, 1, 1)))
    }

    #[test]
    fn bare_vevent_without_calendar_or_final_newline() {
        let parsed = inline(EVENT);
        assert_eq!(parsed.events.len(), 1);
        assert_eq!(parsed.events[0].title, "Atelier");
        assert_eq!(start(&parsed.events[0]), "2024-01-05 14:00 +01:00");
        assert_eq!(end(&parsed.events[0]), "2024-01-05 15:30 +01:00");
    }

    #[test]
    fn generated_uids_are_stable_ids() {
        // Stored ids: the hash of DTSTART (parameters and value), SUMMARY, LOCATION and
        // RECURRENCE-ID, which later reads of the same feed must find again.
        let parsed = inline(&EVENT.replace("UID:1@test\n", ""));
        assert_eq!(parsed.events[0].uid, "ical-fb7dcb12b68a30ff596b95dda1a34197");
    }

    #[test]
    fn junk_after_the_calendar_is_ignored_with_a_warning() {
        let parsed = inline(&format!(
            "BEGIN:VCALENDAR\r\n{}\r\nEND:VCALENDAR\r\n<html>oops</html>\r\n\0\0",
            EVENT.replace('\n', "\r\n")
        ));
        assert_eq!(parsed.events.len(), 1);
        assert!(
            parsed.warnings.iter().any(|w| w.contains("after END:VCALENDAR")),
            "{:?}",
            parsed.warnings
        );
    }

    #[test]
    fn lf_crlf_and_cr_read_alike() {
        let lf = format!("BEGIN:VCALENDAR\n{EVENT}\nEND:VCALENDAR\n");
        let crlf = lf.replace('\n', "\r\n");
        let cr = lf.replace('\n', "\r");
        let expected = inline(&lf).events;
        assert_eq!(expected.len(), 1);
        assert_eq!(inline(&crlf).events, expected);
        assert_eq!(inline(&cr).events, expected);
    }

    #[test]
    fn garbage_is_an_error() {
        let options = ParseOptions::around(Utc::now());
        assert!(parse(b"", &options).is_err());
        assert!(parse(b"\xff\xfe\x00\x01\x9c\x80\xc3garbage\x00\x17", &options).is_err());
        assert!(
            parse(
                &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d],
                &options
            )
            .is_err()
        );
        assert!(parse(b"<html><body>Not found</body></html>", &options).is_err());
        // A calendar without events is readable, and empty.
        let empty = parse(b"BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n", &options).expect("readable");
        assert!(empty.events.is_empty());
    }

    #[test]
    fn invalid_utf8_inside_a_calendar_is_decoded_lossily() {
        let body = [
            b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:20240105T140000Z\nSUMMARY:Caf\xe9 ".as_slice(),
            b"\nEND:VEVENT\nEND:VCALENDAR\n",
        ]
        .concat();
        let parsed = read(&body, &ParseOptions::around(Utc::now()));
        assert_eq!(parsed.events[0].title, "Caf\u{FFFD} ");
        assert!(parsed.warnings.iter().any(|w| w.contains("UTF-8")));
    }

    #[test]
    fn folds_may_split_characters_and_escapes() {
        // The fold splits "é" (C3 A9) and the `\,` and `\n` escapes.
        let body = b"BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20240105T140000Z\r\nSUMMARY:Caf\xc3\r\n \xa9 \\\r\n , ici\\\r\n\tn2\\;3\\\\\r\nEND:VEVENT";
        let parsed = read(body, &ParseOptions::around(Utc::now()));
        assert_eq!(parsed.events[0].title, "Café , ici\n2;3\\");
    }

    #[test]
    fn windows_display_name_and_quoted_tzid() {
        let parsed = inline(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:w\nDTSTART;TZID=\"(UTC+01:00) Brussels, Copenhagen, Madrid, Paris\":20240705T100000\nSUMMARY:x\nEND:VEVENT\nBEGIN:VEVENT\nUID:v\nDTSTART;TZID=(UTC-05:00) Eastern Time (US & Canada):20240705T100000\nSUMMARY:y\nEND:VEVENT\nEND:VCALENDAR",
        );
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(
            (parsed.events[0].timezone.as_str(), start(&parsed.events[0]).as_str()),
            ("Europe/Paris", "2024-07-05 10:00 +02:00")
        );
        // Unquoted, with a colon inside: the value still starts after the last colon.
        assert_eq!(
            (parsed.events[1].timezone.as_str(), start(&parsed.events[1]).as_str()),
            ("America/New_York", "2024-07-05 10:00 -04:00")
        );
    }

    #[test]
    fn unknown_tzid_falls_back_to_calendar_zone_then_default() {
        let body = "BEGIN:VCALENDAR\nX-WR-TIMEZONE:America/Chicago\nBEGIN:VEVENT\nUID:u\nDTSTART;TZID=Mars/Olympus:20240705T100000\nSUMMARY:x\nEND:VEVENT\nBEGIN:VEVENT\nUID:f\nDTSTART:20240705T100000\nSUMMARY:floating\nEND:VEVENT\nEND:VCALENDAR";
        let parsed = inline(body);
        assert_eq!(parsed.events[0].timezone, "America/Chicago");
        assert_eq!(
            parsed.events[1].timezone, "America/Chicago",
            "floating times follow X-WR-TIMEZONE"
        );
        assert!(
            parsed.warnings.iter().any(|w| w.contains("Mars/Olympus")),
            "{:?}",
            parsed.warnings
        );

        let parsed = inline(&body.replace("X-WR-TIMEZONE:America/Chicago\n", ""));
        assert_eq!(parsed.events[0].timezone, "Europe/Paris");
        assert_eq!(start(&parsed.events[0]), "2024-07-05 10:00 +02:00");
    }

    #[test]
    fn custom_tzid_read_from_its_vtimezone() {
        let body = "BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Customized Time Zone\nBEGIN:STANDARD\nDTSTART:16010101T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nEND:STANDARD\nBEGIN:DAYLIGHT\nDTSTART:16010101T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nEND:DAYLIGHT\nEND:VTIMEZONE\nBEGIN:VEVENT\nUID:c\nDTSTART;TZID=Customized Time Zone:20240705T100000\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR";
        let parsed = inline(body);
        assert_eq!(start(&parsed.events[0]), "2024-07-05 10:00 +02:00");
        assert_eq!(parsed.events[0].timezone, "Europe/Berlin");
    }

    #[test]
    fn missing_dtstart_is_skipped_with_a_warning() {
        let parsed = inline(&format!(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:none\nSUMMARY:No start\nEND:VEVENT\n{EVENT}\nEND:VCALENDAR"
        ));
        assert_eq!(parsed.events.len(), 1);
        assert!(
            parsed
                .warnings
                .iter()
                .any(|w| w.contains("none") && w.contains("DTSTART")),
            "{:?}",
            parsed.warnings
        );
    }

    #[test]
    fn structure_errors_are_repaired() {
        // A VEVENT without its END, a stray END, a VALARM left open, a property without value.
        let body = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20240105T100000Z\nSUMMARY:first\nBEGIN:VALARM\nTRIGGER:-PT15M\nBEGIN:VEVENT\nUID:b\nDTSTART:20240106T100000Z\nSUMMARY:second\nEND:VTODO\nORGANIZER;CN=Nobody\nEND:VEVENT\nEND:VCALENDAR";
        let parsed = inline(body);
        let titles: Vec<&str> = parsed.events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["first", "second"]);
        assert!(parsed.warnings.len() >= 3, "{:?}", parsed.warnings);
    }

    #[test]
    fn duration_all_day_and_cancelled() {
        let body = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:d\nDTSTART;TZID=Europe/Paris:20240330T230000\nDURATION:P1DT1H\nSUMMARY:across DST\nSTATUS:cancelled\nEND:VEVENT\nBEGIN:VEVENT\nUID:e\nDTSTART;VALUE=DATE:20240330\nSUMMARY:one day\nCATEGORIES:Atelier,Visite\\, guidée\nEND:VEVENT\nBEGIN:VEVENT\nUID:both\nDTSTART:20240105T100000Z\nDTEND:20240105T110000Z\nDURATION:PT0S\nSUMMARY:DTEND wins\nEND:VEVENT\nEND:VCALENDAR";
        let parsed = inline(body);
        let across = one(&parsed.events, "across DST");
        // A nominal day keeps the wall clock across the change, then an exact hour.
        assert_eq!(end(across), "2024-04-01 00:00 +02:00");
        assert!(across.cancelled);
        let day = one(&parsed.events, "one day");
        assert!(day.all_day);
        assert_eq!(
            (start(day).as_str(), end(day).as_str()),
            ("2024-03-30 00:00 +01:00", "2024-03-31 00:00 +01:00")
        );
        assert_eq!(day.categories, ["Atelier", "Visite, guidée"]);
        let both = one(&parsed.events, "DTEND wins");
        assert_eq!(both.ends_at, Some(Utc.with_ymd_and_hms(2024, 1, 5, 11, 0, 0).unwrap()));
    }

    #[test]
    fn times_in_a_gap_move_forward_by_its_length() {
        // RFC 5545 §3.3.5: a nonexistent local time is read with the offset before the gap.
        // Paris skips an hour, Lord Howe Island half an hour.
        let body = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:paris\nDTSTART;TZID=Europe/Paris:20270328T023000\nSUMMARY:Paris\nEND:VEVENT\nBEGIN:VEVENT\nUID:howe\nDTSTART;TZID=Australia/Lord_Howe:20271003T021500\nSUMMARY:Lord Howe\nEND:VEVENT\nBEGIN:VEVENT\nUID:twice\nDTSTART;TZID=Europe/Paris:20271031T023000\nSUMMARY:twice\nEND:VEVENT\nEND:VCALENDAR";
        let parsed = inline(body);
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(start(one(&parsed.events, "Paris")), "2027-03-28 03:30 +02:00");
        assert_eq!(start(one(&parsed.events, "Lord Howe")), "2027-10-03 02:45 +11:00");
        // An ambiguous time is the first of the two.
        assert_eq!(start(one(&parsed.events, "twice")), "2027-10-31 02:30 +02:00");
    }

    #[test]
    fn unbounded_rules_are_capped() {
        let body = "BEGIN:VEVENT\nUID:daily\nDTSTART:20000101T100000Z\nRRULE:FREQ=DAILY\nSUMMARY:every day\nEND:VEVENT";
        let options = ParseOptions {
            window_start: Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap(),
            window_end: Utc.with_ymd_and_hms(2040, 1, 1, 0, 0, 0).unwrap(),
            ..ParseOptions::around(Utc::now())
        };
        let parsed = read(body.as_bytes(), &options);
        assert_eq!(parsed.events.len(), MAX_INSTANCES_PER_SERIES);
        assert!(
            parsed.warnings.iter().any(|w| w.contains("5000")),
            "{:?}",
            parsed.warnings
        );
    }

    #[test]
    fn floating_and_date_until_and_all_day_series() {
        let body = "BEGIN:VEVENT\nUID:w\nDTSTART;VALUE=DATE:20240101\nRRULE:FREQ=WEEKLY;UNTIL=20240115;X-NAME=1\nSUMMARY:weekly\nEXDATE;VALUE=DATE:20240108\nEND:VEVENT";
        let parsed = inline(body);
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let days = dates(&parsed.events.iter().collect::<Vec<_>>());
        assert_eq!(days, ["2024-01-01", "2024-01-15"]);
        assert!(parsed.events.iter().all(|e| e.all_day));
        assert_eq!(parsed.events[0].uid, "w#20231231T230000Z");
    }

    #[test]
    fn odd_lines_duplicates_rdates_and_orphan_overrides() {
        let body = "begin:vcalendar\nbegin:vevent\nuid:low\ndtstart;tzid=Europe/Paris:20240105T100000\nsummary:lower case\n\
            item1.X-LABEL:grouped\nLOCATION;X BAD=1:Salle 2\nDESCRIPTION:Ligne 1\nLigne 2 sans pli\nSEQUENCE:0\nend:vevent\n\
            BEGIN:VEVENT\nUID:low\nSEQUENCE:2\nDTSTART;TZID=Europe/Paris:20240106T100000\nSUMMARY:lower case, updated\nEND:VEVENT\n\
            BEGIN:VEVENT\nUID:r\nDTSTART:20240110T090000Z\nRDATE:20240112T090000Z,20240115T090000Z\nSUMMARY:rdates\nEND:VEVENT\n\
            BEGIN:VEVENT\nUID:orphan\nRECURRENCE-ID:20240120T090000Z\nDTSTART:20240121T090000Z\nSUMMARY:moved\nEND:VEVENT\n\
            END:VCALENDAR";
        let parsed = inline(body);
        let updated = one(&parsed.events, "lower case, updated");
        assert_eq!(
            (updated.uid.as_str(), start(updated).as_str()),
            ("low", "2024-01-06 10:00 +01:00")
        );
        assert!(
            titled(&parsed.events, "lower case").is_empty(),
            "the lower SEQUENCE is dropped"
        );
        assert!(
            parsed.warnings.iter().any(|w| w.contains("SEQUENCE")),
            "{:?}",
            parsed.warnings
        );

        let rdates: Vec<String> = titled(&parsed.events, "rdates").iter().map(|e| e.uid.clone()).collect();
        assert_eq!(
            rdates,
            ["r#20240110T090000Z", "r#20240112T090000Z", "r#20240115T090000Z"]
        );

        let moved = one(&parsed.events, "moved");
        assert_eq!(moved.uid, "orphan#20240120T090000Z");
        assert_eq!(moved.starts_at, Utc.with_ymd_and_hms(2024, 1, 21, 9, 0, 0).unwrap());

        let first = inline(
            &body
                .replace("SEQUENCE:2", "SEQUENCE:0")
                .replace("SEQUENCE:0\nend", "SEQUENCE:5\nend"),
        );
        let kept = one(&first.events, "lower case");
        assert_eq!(kept.location_name.as_deref(), Some("Salle 2"));
        assert_eq!(kept.description.as_deref(), Some("Ligne 1\nLigne 2 sans pli"));
    }
}
