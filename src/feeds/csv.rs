//! Events from spreadsheets exported as CSV: the partner workshop's French layout
//! (`Nom de l'événement;Lieu;…;Date;Ouvert;Lien`, often Windows-1252 with semicolons, as Excel
//! writes it in France), our own English export names and City Bureau scraper exports.
//!
//! Headers are matched against built-in aliases ([`target_of_header`]) after
//! `ParseOptions::csv_columns` (explicit mapping, which wins). Dates are read as `dd/mm/yyyy`,
//! `dd/mm/yy`, ISO `yyyy-mm-dd` or RFC 3339, with an optional time (`14:30`, `14h30`,
//! `14:30:00`); a date without a time is an all-day event. A bad row is skipped with a warning
//! naming its line and column; the document is an `Err` only when it has no usable header.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use super::{FeedEvent, ParseOptions, Parsed};

/// Target fields a CSV column can be mapped to (the values of `ParseOptions::csv_columns`):
///
/// - `uid`: the event's identifier in the source; without it, a hash of title + start + place.
/// - `title`: required.
/// - `description`: HTML or text.
/// - `location_name`, `address`, `postal_code`, `city`: the place.
/// - `latitude`, `longitude`: decimal degrees (`48.85` or `48,85`).
/// - `start`: start date or date-time (required, unless `date` or a full `start_time` is given).
/// - `end`: end date (last day, inclusive, for all-day events) or date-time.
/// - `date`: the day, when times are in separate columns; read as `start` when there is none.
/// - `start_time`, `end_time`: a bare time of day (`14:30`) combined with the start/end date,
///   or a whole date-time (City Bureau exports).
/// - `all_day`: yes/no; a start without a time is all-day anyway.
/// - `timezone`: IANA zone of the row's times (default: `ParseOptions::default_timezone`).
/// - `url`, `author`, `organiser`.
/// - `open_to_public`: yes/no (`Oui`/`Non`, `yes`/`no`, `true`/`false`, `1`/`0`, `o`/`n`, `x`).
/// - `status`: `cancelled`/`canceled`/`annulé` mark the event cancelled; other values are kept
///   as scheduled.
/// - `categories`: one or more labels, separated by `,`, `;` or `|`.
pub const FIELDS: &[&str] = &[
    "uid",
    "title",
    "description",
    "location_name",
    "address",
    "postal_code",
    "city",
    "latitude",
    "longitude",
    "start",
    "end",
    "date",
    "start_time",
    "end_time",
    "all_day",
    "timezone",
    "url",
    "author",
    "organiser",
    "open_to_public",
    "status",
    "categories",
];

/// Built-in header aliases per target, written normalised (see [`normalise_header`]: lower
/// case, no accent, letters and digits only): French workshop names, our English export names,
/// City Bureau scraper columns, and common spreadsheet variants.
const ALIASES: &[(&str, &[&str])] = &[
    ("uid", &["uid", "id", "identifiant", "guid", "eventid"]),
    (
        "title",
        &[
            "title",
            "titre",
            "nom",
            "name",
            "nomdelevenement",
            "nomevenement",
            "evenement",
            "intitule",
            "summary",
            "eventname",
            "event",
        ],
    ),
    ("description", &["description", "desc", "details", "resume", "contenu"]),
    (
        "location_name",
        &[
            "locationname",
            "lieu",
            "location",
            "nomdulieu",
            "salle",
            "venue",
            "place",
        ],
    ),
    (
        "address",
        &[
            "address",
            "adresse",
            "locationaddress",
            "adressepostale",
            "streetaddress",
            "rue",
        ],
    ),
    (
        "postal_code",
        &["postalcode", "codepostal", "cp", "zip", "zipcode", "postcode"],
    ),
    ("city", &["city", "ville", "commune", "locality"]),
    ("latitude", &["latitude", "lat"]),
    ("longitude", &["longitude", "lon", "lng", "long"]),
    (
        "start",
        &[
            "start",
            "startsat",
            "startdate",
            "startdatetime",
            "date",
            "datededebut",
            "datedebut",
            "debut",
            "dtstart",
            "begin",
        ],
    ),
    (
        "end",
        &[
            "end",
            "endsat",
            "enddate",
            "enddatetime",
            "fin",
            "datedefin",
            "datefin",
            "dtend",
        ],
    ),
    ("date", &["jour", "day"]),
    (
        "start_time",
        &["starttime", "heure", "heurededebut", "heuredebut", "horaire", "time"],
    ),
    ("end_time", &["endtime", "heuredefin", "heurefin"]),
    ("all_day", &["allday", "journeeentiere", "toutelajournee"]),
    ("timezone", &["timezone", "tz", "fuseauhoraire", "fuseau"]),
    (
        "url",
        &["url", "lien", "link", "website", "siteweb", "sourceurl", "eventurl"],
    ),
    ("author", &["author", "auteur", "auteure", "auteurrice", "createdby"]),
    (
        "organiser",
        &[
            "organiser",
            "organizer",
            "organisateur",
            "organisatrice",
            "organisateurrice",
            "organisme",
            "agencyname",
        ],
    ),
    ("open_to_public", &["opentopublic", "ouvert", "ouvertaupublic"]),
    ("status", &["status", "statut", "etat"]),
    (
        "categories",
        &[
            "categories",
            "category",
            "categorie",
            "tags",
            "tag",
            "motscles",
            "themes",
            "theme",
            "classification",
        ],
    ),
];

const DATE_HINT: &str = "dd/mm/yyyy [HH:MM]";
const TIME_HINT: &str = "HH:MM";

/// Reads a CSV document; see the module documentation.
pub fn parse(body: &[u8], options: &ParseOptions) -> anyhow::Result<Parsed> {
    let text = decode(body);
    let (text, first_line, forced_delimiter) = strip_sep_line(&text);
    let delimiter = forced_delimiter.unwrap_or_else(|| sniff_delimiter(text));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = loop {
        match records.next() {
            None => bail!("the CSV document has no header line"),
            Some(Err(error)) => return Err(error).context("the CSV header line is unreadable"),
            Some(Ok(record)) if is_blank(&record) => continue,
            Some(Ok(record)) => break record,
        }
    };
    let mut parsed = Parsed::default();
    let columns = Columns::map(&header, &options.csv_columns, &mut parsed.warnings)?;
    // Identical rows give identical uids: keep the first, report the others.
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line()) + first_line - 1;
                parsed
                    .warnings
                    .push(format!("line {line}: unreadable row skipped ({error})"));
                continue;
            }
        };
        if is_blank(&record) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line()) + first_line - 1;
        let row = Row {
            record: &record,
            columns: &columns,
            line,
        };
        row.check_width(&mut parsed.warnings);
        match row.event(options, &mut parsed.warnings) {
            Ok(event) => match seen.get(&event.uid) {
                Some(first) => parsed.warnings.push(format!(
                    "line {line}: same event as line {first} (uid {}), duplicate skipped",
                    event.uid
                )),
                None => {
                    seen.insert(event.uid.clone(), line);
                    parsed.events.push(event);
                }
            },
            Err(warning) => parsed.warnings.push(warning),
        }
    }
    Ok(parsed)
}

/// UTF-8 (with or without BOM), UTF-16 with a BOM, or else Windows-1252: what Excel writes.
fn decode(body: &[u8]) -> String {
    if let Some((encoding, bom_length)) = encoding_rs::Encoding::for_bom(body) {
        let (text, _) = encoding.decode_without_bom_handling(&body[bom_length..]);
        return text.into_owned();
    }
    match std::str::from_utf8(body) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(body)
            .0
            .into_owned(),
    }
}

/// Excel's `sep=;` first line names the delimiter. Returns the rest, the line number it
/// starts at, and the delimiter if one was named.
fn strip_sep_line(text: &str) -> (&str, u64, Option<u8>) {
    let first = text.lines().next().unwrap_or_default().trim();
    if let Some(separator) = first.strip_prefix("sep=")
        && let [delimiter] = separator.as_bytes()
    {
        let rest = text.find('\n').map_or("", |i| &text[i + 1..]);
        return (rest, 2, Some(*delimiter));
    }
    (text, 1, None)
}

/// The delimiter used most often outside quotes in the first non-blank line; `;` wins ties
/// (French Excel), `,` is the default.
fn sniff_delimiter(text: &str) -> u8 {
    let counts = first_line_delimiters(text);
    let mut best = (b',', 0);
    for (delimiter, count) in [(b';', counts[0]), (b',', counts[1]), (b'\t', counts[2])] {
        if count > best.1 {
            best = (delimiter, count);
        }
    }
    best.0
}

/// How many `;`, `,` and tabs the first non-blank line holds outside double quotes (a quoted
/// field may span lines).
pub(crate) fn first_line_delimiters(text: &str) -> [usize; 3] {
    let mut counts = [0; 3];
    let mut in_quotes = false;
    let mut started = false;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' | '\r' if !in_quotes => {
                if started {
                    break;
                }
            }
            ';' if !in_quotes => counts[0] += 1,
            ',' if !in_quotes => counts[1] += 1,
            '\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
        if !c.is_whitespace() {
            started = true;
        }
    }
    counts
}

fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|field| field.trim().is_empty())
}

/// Lower case, accents dropped, letters and digits only: `Nom de l'événement` → `nomdelevenement`.
fn normalise_header(name: &str) -> String {
    name.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The built-in target of a header, if any.
fn target_of_header(header: &str) -> Option<&'static str> {
    let normalised = normalise_header(header);
    ALIASES
        .iter()
        .find(|(_, aliases)| aliases.contains(&normalised.as_str()))
        .map(|(target, _)| *target)
}

/// Which column holds which target field.
struct Columns {
    headers: Vec<String>,
    by_target: BTreeMap<&'static str, usize>,
    /// Whether the document names the zone of its times (then instants keep that zone's name).
    has_timezone: bool,
}

impl Columns {
    fn map(
        header: &csv::StringRecord,
        overrides: &BTreeMap<String, String>,
        warnings: &mut Vec<String>,
    ) -> anyhow::Result<Self> {
        let headers: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
        let mut by_target: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut taken = vec![false; headers.len()];
        // Explicit mappings first, so they win over the aliases.
        for (source, target) in overrides {
            let Some(target) = FIELDS.iter().copied().find(|field| *field == target.trim()) else {
                bail!(
                    "csv_columns maps \"{source}\" to \"{target}\", which is not a target field (one of: {})",
                    FIELDS.join(", ")
                );
            };
            let wanted = normalise_header(source);
            match headers.iter().position(|h| normalise_header(h) == wanted) {
                Some(index) => {
                    by_target.insert(target, index);
                    taken[index] = true;
                }
                None => warnings.push(format!("csv_columns: no column named \"{source}\" in this document")),
            }
        }
        for (index, name) in headers.iter().enumerate() {
            if taken[index] {
                continue;
            }
            let Some(target) = target_of_header(name) else { continue };
            if let Some(&first) = by_target.get(target) {
                warnings.push(format!(
                    "column \"{name}\" ignored: \"{}\" is already read as {target}",
                    headers[first]
                ));
                continue;
            }
            by_target.insert(target, index);
        }
        let has_start = ["start", "date", "start_time"]
            .iter()
            .any(|t| by_target.contains_key(t));
        let has_title = by_target.contains_key("title");
        if !has_title || !has_start {
            let missing = match (has_title, has_start) {
                (false, false) => {
                    "a title column (Titre, Nom de l'événement, title, name) and a start column (Date, Début, start, start_time)"
                }
                (false, true) => "a title column (Titre, Nom de l'événement, title, name)",
                _ => "a start column (Date, Début, start, start_time)",
            };
            bail!(
                "the CSV header has no {missing}; columns found: {} (map others with csv_columns)",
                headers
                    .iter()
                    .map(|h| format!("\"{h}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let has_timezone = by_target.contains_key("timezone");
        Ok(Columns {
            headers,
            by_target,
            has_timezone,
        })
    }
}

/// One data row, read through the column mapping.
struct Row<'a> {
    record: &'a csv::StringRecord,
    columns: &'a Columns,
    line: u64,
}

impl Row<'_> {
    /// The trimmed value of `target`, `None` when absent, empty or a placeholder (`N/A`, `-`).
    fn get(&self, target: &str) -> Option<&str> {
        let index = *self.columns.by_target.get(target)?;
        let value = self.record.get(index)?.trim();
        (!is_placeholder(value)).then_some(value)
    }

    fn header<'s>(&'s self, target: &'s str) -> &'s str {
        self.columns
            .by_target
            .get(target)
            .and_then(|&i| self.columns.headers.get(i))
            .map_or(target, String::as_str)
    }

    fn bad(&self, target: &str, value: &str, what: &str) -> String {
        format!("line {}: {}: \"{value}\" {what}", self.line, self.header(target))
    }

    /// Short rows read as empty cells, extra cells are ignored; both are reported, except
    /// extra empty cells (trailing delimiters).
    fn check_width(&self, warnings: &mut Vec<String>) {
        let expected = self.columns.headers.len();
        let found = self.record.len();
        if found < expected {
            warnings.push(format!(
                "line {}: {found} fields where the header has {expected}; the missing ones are read as empty",
                self.line
            ));
        } else if self.record.iter().skip(expected).any(|f| !f.trim().is_empty()) {
            warnings.push(format!(
                "line {}: {found} fields where the header has {expected}; the extra ones are ignored",
                self.line
            ));
        }
    }

    /// The event of this row, or the warning saying why it is skipped.
    fn event(&self, options: &ParseOptions, warnings: &mut Vec<String>) -> Result<FeedEvent, String> {
        let line = self.line;
        let Some(title) = self.get("title") else {
            return Err(format!("line {line}: {}: no title, row skipped", self.header("title")));
        };
        let zone = match self.get("timezone") {
            None => options.default_timezone,
            Some(name) => match name.parse::<Tz>() {
                Ok(zone) => zone,
                Err(_) => {
                    warnings.push(format!(
                        "{}; read in {}",
                        self.bad("timezone", name, "is not an IANA time zone"),
                        options.default_timezone.name()
                    ));
                    options.default_timezone
                }
            },
        };
        let start = self.start()?;
        let all_day_flag = self.boolean("all_day", warnings);
        let all_day = matches!(start, When::Day(_)) || all_day_flag == Some(true);
        let end = match self.end(&start) {
            Ok(end) => end,
            Err(warning) => {
                warnings.push(format!("{warning}; end ignored"));
                None
            }
        };
        let (starts_at, mut ends_at) = if all_day {
            let first_day = start.day();
            let starts_at = midnight(zone, first_day).ok_or_else(|| self.nonexistent("start"))?;
            // The last day is inclusive in a spreadsheet; the stored end is the midnight after.
            let last_day = end.map_or(first_day, |end| end.day());
            (starts_at, last_day.succ_opt().and_then(|d| midnight(zone, d)))
        } else {
            let starts_at = start.instant(zone).ok_or_else(|| self.nonexistent("start"))?;
            let ends_at = end.and_then(|end| match end {
                // A timed event ending on a bare day ends at the end of that day.
                When::Day(day) => day.succ_opt().and_then(|d| midnight(zone, d)),
                other => other.instant(zone),
            });
            (starts_at, ends_at)
        };
        if ends_at.is_some_and(|end| end < starts_at) {
            warnings.push(format!("line {line}: the end is before the start; end ignored"));
            ends_at = None;
        }
        let timezone = match start {
            When::Instant(instant) if !self.columns.has_timezone && instant.offset().local_minus_utc() == 0 => {
                "UTC".to_string()
            }
            _ => zone.name().to_string(),
        };
        let location_name = self.get("location_name").map(str::to_string);
        let uid = match self.get("uid") {
            Some(uid) => uid.to_string(),
            None => stable_uid(title, starts_at, location_name.as_deref()),
        };
        let cancelled = self.get("status").is_some_and(|status| {
            let status = normalise_header(status);
            status.contains("cancel") || status.contains("annul")
        });
        Ok(FeedEvent {
            uid,
            title: title.to_string(),
            description: self.text("description"),
            location_name,
            address: self.text("address"),
            postal_code: self.text("postal_code"),
            city: self.text("city"),
            latitude: self.coordinate("latitude", 90.0, warnings),
            longitude: self.coordinate("longitude", 180.0, warnings),
            starts_at,
            ends_at,
            all_day,
            timezone,
            url: self.text("url"),
            author: self.text("author"),
            organiser: self.text("organiser"),
            open_to_public: self.boolean("open_to_public", warnings),
            cancelled,
            categories: self
                .get("categories")
                .map(|c| {
                    c.split([',', ';', '|'])
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    fn text(&self, target: &str) -> Option<String> {
        self.get(target).map(str::to_string)
    }

    /// The start, from `start` (or `date`) and `start_time`.
    fn start(&self) -> Result<When, String> {
        let day_column = if self.columns.by_target.contains_key("start") {
            "start"
        } else {
            "date"
        };
        let day = self
            .get(day_column)
            .map(|value| {
                parse_when(value).ok_or_else(|| self.bad(day_column, value, &format!("is not a date ({DATE_HINT})")))
            })
            .transpose()?;
        match (day, self.get("start_time")) {
            (Some(day), None) => Ok(day),
            (Some(day), Some(time)) => self.with_time(day, "start_time", time),
            (None, Some(time)) => match parse_when(time) {
                Some(when) => Ok(when),
                None if parse_time(time).is_some() => {
                    Err(self.bad("start_time", time, "is a time but the row has no date"))
                }
                None => Err(self.bad("start_time", time, &format!("is not a date ({DATE_HINT})"))),
            },
            (None, None) => Err(format!(
                "line {}: {}: no start date, row skipped",
                self.line,
                self.header(day_column)
            )),
        }
    }

    /// The end, from `end` and `end_time`; a bare end time falls on the start's day (or the
    /// next one when it is earlier than the start: an evening running past midnight).
    fn end(&self, start: &When) -> Result<Option<When>, String> {
        let day = self
            .get("end")
            .map(|value| {
                parse_when(value).ok_or_else(|| self.bad("end", value, &format!("is not a date ({DATE_HINT})")))
            })
            .transpose()?;
        match (day, self.get("end_time")) {
            (day, None) => Ok(day),
            (Some(day), Some(time)) => self.with_time(day, "end_time", time).map(Some),
            (None, Some(time)) => {
                if let Some(time) = parse_time(time) {
                    let day = match start {
                        When::Local(start) if time < start.time() => start.date().succ_opt().unwrap_or(start.date()),
                        other => other.day(),
                    };
                    return Ok(Some(When::Local(day.and_time(time))));
                }
                parse_when(time)
                    .map(Some)
                    .ok_or_else(|| self.bad("end_time", time, &format!("is not a time ({TIME_HINT})")))
            }
        }
    }

    /// `day` with the time of `time_column`: a bare time sets the time of day (Excel often
    /// writes date cells with `00:00`), a whole date-time completes a bare day.
    fn with_time(&self, day: When, time_column: &str, time: &str) -> Result<When, String> {
        if let Some(time) = parse_time(time) {
            return Ok(match day {
                When::Instant(_) => day,
                other => When::Local(other.day().and_time(time)),
            });
        }
        match (day, parse_when(time)) {
            (When::Day(_), Some(when)) => Ok(when),
            (day, Some(_)) => Ok(day),
            (_, None) => Err(self.bad(time_column, time, &format!("is not a time ({TIME_HINT})"))),
        }
    }

    fn nonexistent(&self, target: &str) -> String {
        format!(
            "line {}: {}: the time does not exist in this time zone, row skipped",
            self.line,
            self.header(target)
        )
    }

    /// A yes/no cell; an unrecognised value is reported and read as unknown.
    fn boolean(&self, target: &str, warnings: &mut Vec<String>) -> Option<bool> {
        let value = self.get(target)?;
        let parsed = parse_bool(value);
        if parsed.is_none() {
            warnings.push(format!(
                "{}; left unknown",
                self.bad(target, value, "is not yes/no (Oui/Non)")
            ));
        }
        parsed
    }

    fn coordinate(&self, target: &str, limit: f64, warnings: &mut Vec<String>) -> Option<f64> {
        let value = self.get(target)?;
        // French spreadsheets write decimal commas.
        match value.replace(',', ".").parse::<f64>() {
            Ok(number) if number.is_finite() && number.abs() <= limit => Some(number),
            _ => {
                warnings.push(format!("{}; ignored", self.bad(target, value, "is not a coordinate")));
                None
            }
        }
    }
}

fn is_placeholder(value: &str) -> bool {
    value.is_empty()
        || value == "-"
        || value == "—"
        || value.eq_ignore_ascii_case("n/a")
        || value.eq_ignore_ascii_case("na")
}

/// Yes/no in French and English; `x` is a ticked box.
fn parse_bool(value: &str) -> Option<bool> {
    match normalise_header(value).as_str() {
        "oui" | "o" | "yes" | "y" | "true" | "vrai" | "1" | "x" => Some(true),
        "non" | "n" | "no" | "false" | "faux" | "0" => Some(false),
        _ => None,
    }
}

/// A date as written in a cell.
#[derive(Clone, Copy, Debug, PartialEq)]
enum When {
    /// A day without a time: all-day.
    Day(NaiveDate),
    /// A wall-clock time in the row's zone.
    Local(NaiveDateTime),
    /// A time with an explicit offset.
    Instant(DateTime<FixedOffset>),
}

impl When {
    fn day(&self) -> NaiveDate {
        match self {
            When::Day(day) => *day,
            When::Local(local) => local.date(),
            When::Instant(instant) => instant.date_naive(),
        }
    }

    fn instant(&self, zone: Tz) -> Option<DateTime<Utc>> {
        match self {
            When::Day(day) => midnight(zone, *day),
            When::Local(local) => local_to_utc(zone, *local),
            When::Instant(instant) => Some(instant.with_timezone(&Utc)),
        }
    }
}

fn midnight(zone: Tz, day: NaiveDate) -> Option<DateTime<Utc>> {
    local_to_utc(zone, day.and_time(NaiveTime::MIN))
}

/// A wall-clock time in `zone`: the earlier of two in the autumn overlap, and in the spring gap
/// the time read with the offset before the gap (RFC 5545's rule: 02:30 becomes 03:30).
fn local_to_utc(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    zone.from_local_datetime(&local)
        .earliest()
        .or_else(|| zone.from_local_datetime(&(local + Duration::hours(1))).earliest())
        .map(|t| t.with_timezone(&Utc))
}

/// `dd/mm/yyyy`, `dd/mm/yy`, `dd.mm.yyyy`, `yyyy-mm-dd` or `yyyy/mm/dd`, optionally followed
/// (after a space, `T` or ` à `) by a time with an optional offset (`Z`, `+02:00`, `+0200`).
fn parse_when(value: &str) -> Option<When> {
    let value = value.trim();
    if let Ok(instant) = DateTime::parse_from_rfc3339(value) {
        return Some(When::Instant(instant));
    }
    let split = value.find([' ', 'T']).unwrap_or(value.len());
    let day = parse_day(&value[..split])?;
    let mut rest = value[split..].trim_start_matches([' ', 'T']).trim();
    for prefix in ["à ", "a ", "at "] {
        if let Some(stripped) = rest.strip_prefix(prefix) {
            rest = stripped.trim();
        }
    }
    if rest.is_empty() {
        return Some(When::Day(day));
    }
    let (time, offset) = split_offset(rest)?;
    let local = day.and_time(parse_time(time)?);
    match offset {
        None => Some(When::Local(local)),
        Some(offset) => offset.from_local_datetime(&local).single().map(When::Instant),
    }
}

fn parse_day(value: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = value.split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else { return None };
    if ![a, b, c]
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let number = |s: &str| s.parse::<u32>().ok();
    if a.len() == 4 {
        return NaiveDate::from_ymd_opt(a.parse().ok()?, number(b)?, number(c)?);
    }
    if a.len() > 2 || b.len() > 2 {
        return None;
    }
    let year: i32 = match c.len() {
        4 => c.parse().ok()?,
        // Two-digit years in event lists are this century's.
        2 => 2000 + c.parse::<i32>().ok()?,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year, number(a)?, number(b)?)
}

/// Splits a trailing `Z` or numeric offset from a time.
fn split_offset(value: &str) -> Option<(&str, Option<FixedOffset>)> {
    if let Some(time) = value.strip_suffix(['Z', 'z']) {
        return Some((time.trim(), FixedOffset::east_opt(0)));
    }
    let Some(at) = value.rfind(['+', '-']) else {
        return Some((value, None));
    };
    let (time, offset) = (value[..at].trim(), &value[at..]);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits: String = offset[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 && digits.len() != 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = if digits.len() == 4 {
        digits[2..].parse().ok()?
    } else {
        0
    };
    Some((time, Some(FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))?)))
}

/// A time of day: `14:30`, `14:30:00`, `14:30:00.000`, `14h30`, `14h`, `9H05`.
fn parse_time(value: &str) -> Option<NaiveTime> {
    let value = value.trim();
    let parts: Vec<&str> = value.split([':', 'h', 'H']).collect();
    let number = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    match parts.as_slice() {
        [hours, minutes] if value.contains(['h', 'H']) && minutes.is_empty() => {
            NaiveTime::from_hms_opt(number(hours)?, 0, 0)
        }
        [hours, minutes] => NaiveTime::from_hms_opt(number(hours)?, number(minutes)?, 0),
        [hours, minutes, seconds] if value.contains(':') => {
            let whole = seconds.split('.').next().unwrap_or_default();
            NaiveTime::from_hms_opt(number(hours)?, number(minutes)?, number(whole)?)
        }
        _ => None,
    }
}

/// The same title, start and place give the same uid on every import.
fn stable_uid(title: &str, starts_at: DateTime<Utc>, location: Option<&str>) -> String {
    let mut hasher = Sha256::new();
    for part in [title, &starts_at.to_rfc3339(), location.unwrap_or_default()] {
        hasher.update(part.as_bytes());
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        hasher.update([0x1f]);
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("csv-{hex}")
}
