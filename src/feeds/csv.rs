//! Events from spreadsheets exported as CSV: the partner workshop's French layout
//! (`Nom de l'événement;Lieu;…;Date;Ouvert;Lien`, often Windows-1252 with semicolons, as Excel
//! writes it in France), our own English export names and City Bureau scraper exports.
//!
//! The document is read as a table by [`super::tabular`] (encoding, delimiter, lines). Headers
//! are matched against built-in aliases (`ALIASES`) after `ParseOptions::csv_columns`
//! (explicit mapping, which wins). Dates are read as `dd/mm/yyyy`, `dd/mm/yy`, ISO
//! `yyyy-mm-dd` or RFC 3339, with an optional time (`14:30`, `14h30`, `14:30:00`), in the
//! row's zone by the rule of [`super::time`]; a date without a time is an all-day event. A bad
//! row is skipped and reported as [`Rejected`] with its line and column; the document is an
//! `Err` only when it has no usable header.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, bail};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::tabular::{Aliases, Columns, HeaderError, Table, is_placeholder, normalise_header, parse_bool};
use super::{FeedEvent, ParseOptions, Parsed, Rejected, time, uid};

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
const ALIASES: Aliases = &[
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
    let table = table(body)?;
    let read = read(&table, options)?;
    let mut parsed = Parsed::default();
    for notice in read.notices {
        match notice {
            Notice::Warning(warning) => parsed.warnings.push(warning),
            Notice::Rejected(rejected) => {
                parsed.warnings.push(rejected.to_string());
                parsed.rejected.push(rejected);
            }
        }
    }
    parsed.events = read.events.into_iter().map(|row| row.event).collect();
    Ok(parsed)
}

/// The table of a CSV document; `Err` when it has no header line.
pub fn table(body: &[u8]) -> anyhow::Result<Table> {
    match Table::read(body) {
        Ok(table) => Ok(table),
        Err(HeaderError::Missing) => bail!("the CSV document has no header line"),
        Err(HeaderError::Unreadable(error)) => Err(error).context("the CSV header line is unreadable"),
    }
}

/// What [`read`] found in a table, for readers who need the rows behind the events (the
/// importer reads its own columns from them).
pub struct Read<'t> {
    /// The events, in the order of their rows.
    pub events: Vec<RowEvent<'t>>,
    /// What was reported, in the order of the document.
    pub notices: Vec<Notice>,
}

/// An event and the row it was read from.
pub struct RowEvent<'t> {
    pub line: u64,
    pub cells: &'t csv::StringRecord,
    pub event: FeedEvent,
}

/// Something [`read`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A value ignored or read with a fallback, a duplicate row skipped.
    Warning(String),
    /// A row that gives no event.
    Rejected(Rejected),
}

/// The events of `table`; `Err` when its header has no usable title or start column.
pub fn read<'t>(table: &'t Table, options: &ParseOptions) -> anyhow::Result<Read<'t>> {
    let mut warnings = Vec::new();
    let columns = columns(&table.headers, &options.csv_columns, &mut warnings)?;
    let mut notices: Vec<Notice> = warnings.into_iter().map(Notice::Warning).collect();
    let mut events = Vec::new();
    // Identical rows give identical uids (and a uid column may repeat): keep the first row,
    // report the others, rather than letting the store overwrite one event with another.
    let mut seen: HashMap<String, u64> = HashMap::new();
    for found in &table.rows {
        let line = found.line;
        let cells = match &found.cells {
            Ok(cells) => cells,
            Err(error) => {
                notices.push(Notice::Rejected(Rejected {
                    line,
                    column: None,
                    message: format!("unreadable row skipped ({error})"),
                }));
                continue;
            }
        };
        let row = Row {
            cells,
            columns: &columns,
            line,
        };
        let mut warnings = Vec::new();
        row.check_width(&mut warnings);
        let event = row.event(options, &mut warnings);
        notices.extend(warnings.into_iter().map(Notice::Warning));
        match event {
            Ok(event) => match seen.get(&event.uid) {
                Some(first) => notices.push(Notice::Warning(format!(
                    "line {line}: same uid as line {first} ({}): a duplicate, skipped",
                    event.uid
                ))),
                None => {
                    seen.insert(event.uid.clone(), line);
                    events.push(RowEvent { line, cells, event });
                }
            },
            Err(rejected) => notices.push(Notice::Rejected(rejected)),
        }
    }
    Ok(Read { events, notices })
}

/// Which column holds which target field: `csv_columns` first, so an explicit mapping wins
/// over the aliases; `Err` when no column holds the title or the start.
fn columns<'t>(
    headers: &'t [String],
    overrides: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Columns<'t>> {
    let mut columns = Columns::new(headers);
    for (source, target) in overrides {
        let Some(target) = FIELDS.iter().copied().find(|field| *field == target.trim()) else {
            bail!(
                "csv_columns maps \"{source}\" to \"{target}\", which is not a target field (one of: {})",
                FIELDS.join(", ")
            );
        };
        if !columns.name(target, source) {
            warnings.push(format!("csv_columns: no column named \"{source}\" in this document"));
        }
    }
    columns.aliases(ALIASES, |target, column, first| {
        warnings.push(format!(
            "column \"{}\" ignored: \"{}\" is already read as {target}",
            headers[column], headers[first]
        ));
    });
    let has_start = ["start", "date", "start_time"].iter().any(|t| columns.has(t));
    let has_title = columns.has("title");
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
    Ok(columns)
}

/// One data row, read through the column mapping.
struct Row<'a> {
    cells: &'a csv::StringRecord,
    columns: &'a Columns<'a>,
    line: u64,
}

impl Row<'_> {
    /// The trimmed value of `target`, `None` when absent, empty or a placeholder (`N/A`, `-`).
    fn get(&self, target: &str) -> Option<&str> {
        self.columns
            .cell(self.cells, target)
            .filter(|value| !is_placeholder(value))
    }

    fn header<'s>(&'s self, target: &'s str) -> &'s str {
        self.columns.header(target)
    }

    /// A problem with the cell of `target`.
    fn problem(&self, target: &str, message: String) -> Rejected {
        Rejected {
            line: self.line,
            column: Some(self.header(target).to_string()),
            message,
        }
    }

    /// `value`, the cell of `target`, is not what it should be.
    fn bad(&self, target: &str, value: &str, what: &str) -> Rejected {
        self.problem(target, format!("\"{value}\" {what}"))
    }

    /// Short rows read as empty cells, extra cells are ignored; both are reported, except
    /// extra empty cells (trailing delimiters).
    fn check_width(&self, warnings: &mut Vec<String>) {
        let expected = self.columns.headers().len();
        let found = self.cells.len();
        if found < expected {
            warnings.push(format!(
                "line {}: {found} fields where the header has {expected}; the missing ones are read as empty",
                self.line
            ));
        } else if self.cells.iter().skip(expected).any(|f| !f.trim().is_empty()) {
            warnings.push(format!(
                "line {}: {found} fields where the header has {expected}; the extra ones are ignored",
                self.line
            ));
        }
    }

    /// The event of this row, or why it gives none.
    fn event(&self, options: &ParseOptions, warnings: &mut Vec<String>) -> Result<FeedEvent, Rejected> {
        let line = self.line;
        let Some(title) = self.get("title") else {
            return Err(self.problem("title", "no title, row skipped".into()));
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
            // The last day is inclusive in a spreadsheet; the stored end is the midnight after.
            let last_day = end.map_or(first_day, |end| end.day());
            (
                time::midnight(zone, first_day),
                last_day.succ_opt().map(|d| time::midnight(zone, d)),
            )
        } else {
            let ends_at = end.and_then(|end| match end {
                // A timed event ending on a bare day ends at the end of that day.
                When::Day(day) => day.succ_opt().map(|d| time::midnight(zone, d)),
                other => Some(other.instant(zone)),
            });
            (start.instant(zone), ends_at)
        };
        if ends_at.is_some_and(|end| end < starts_at) {
            warnings.push(format!("line {line}: the end is before the start; end ignored"));
            ends_at = None;
        }
        let timezone = match start {
            When::Instant(instant) if !self.columns.has("timezone") && instant.offset().local_minus_utc() == 0 => {
                "UTC".to_string()
            }
            _ => zone.name().to_string(),
        };
        let location_name = self.get("location_name").map(str::to_string);
        let uid = match self.get("uid") {
            Some(uid) => uid.to_string(),
            // The same title, start and place give the same uid on every import.
            None => format!(
                "csv-{}",
                uid::stable(&[
                    title,
                    &starts_at.to_rfc3339(),
                    location_name.as_deref().unwrap_or_default()
                ])
            ),
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
    fn start(&self) -> Result<When, Rejected> {
        // `date` stands in for `start` when the row has no start value.
        let day_column = if self.get("start").is_some() || !self.columns.has("date") {
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
            (None, None) => {
                // Name the start column the document has (the header check ensures one).
                let column = ["start", "date", "start_time"]
                    .into_iter()
                    .find(|target| self.columns.has(target))
                    .unwrap_or("start");
                Err(self.problem(column, "no start date, row skipped".into()))
            }
        }
    }

    /// The end, from `end` and `end_time`; a bare end time falls on the start's day (or the
    /// next one when it is earlier than the start: an evening running past midnight).
    fn end(&self, start: &When) -> Result<Option<When>, Rejected> {
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
    fn with_time(&self, day: When, time_column: &str, time: &str) -> Result<When, Rejected> {
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

    /// The instant, a wall-clock time read in `zone` by the one rule of [`time::local`].
    fn instant(&self, zone: Tz) -> DateTime<Utc> {
        match self {
            When::Day(day) => time::midnight(zone, *day),
            When::Local(local) => time::instant(zone, *local),
            When::Instant(instant) => instant.with_timezone(&Utc),
        }
    }
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
    NaiveDate::from_ymd_opt(year, number(b)?, number(a)?)
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const BUILDINGS: &[u8] =
        include_bytes!("../../tests/fixtures/feeds/csv-meetings-chi-buildings-crlf-quoted-commas.csv");
    const ANIMAL: &[u8] = include_bytes!("../../tests/fixtures/feeds/csv-meetings-chi-animal-small.csv");

    fn options() -> ParseOptions {
        ParseOptions::around(
            Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0)
                .single()
                .expect("valid test value"),
        )
    }

    fn at(zone: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        zone.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("valid test value")
            .with_timezone(&Utc)
    }

    fn utc(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("valid test value")
            .with_timezone(&Utc)
    }

    const WORKSHOP_HEADER: &str = "Nom de l'événement;Lieu;Description;Auteur;Organisateur;Date;Ouvert;Lien";

    #[test]
    fn city_bureau_buildings_export_with_crlf_and_quoted_commas() {
        let parsed = parse(BUILDINGS, &options()).expect("parses");
        assert_eq!(parsed.events.len(), 20, "{:?}", parsed.warnings);
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let first = &parsed.events[0];
        assert_eq!(first.title, "Board Meeting \u{2013} March 13, 2018");
        assert_eq!(first.uid, "chi_buildings/201803131430/x/board_meeting_march_13_2018");
        // 14:30 in Chicago in March 2018 is CDT (-05:00): DST began on March 11.
        assert_eq!(first.starts_at, utc("2018-03-13T14:30:00-05:00"));
        assert_eq!(first.ends_at, Some(utc("2018-03-13T15:30:00-05:00")));
        assert_eq!(first.timezone, "America/Chicago");
        assert!(!first.all_day);
        assert!(!first.cancelled);
        assert_eq!(
            first.location_name.as_deref(),
            Some("Second Floor Board Room, Richard J. Daley Center")
        );
        assert_eq!(
            first.address.as_deref(),
            Some("50 W. Washington Street Chicago, IL 60602")
        );
        assert_eq!(first.description, None, "N/A is a placeholder");
        assert_eq!(
            first.organiser.as_deref(),
            Some("Public Building Commission of Chicago")
        );
        assert_eq!(
            first.url.as_deref(),
            Some("http://www.pbcchicago.com/events/event/board-meeting-march-13-2018/")
        );
        assert_eq!(first.categories, vec!["Board Meeting".to_string()]);
        let last = &parsed.events[19];
        assert_eq!(last.title, "Bid Opening \u{2013} Chicago Park District Group B");
        assert_eq!(last.starts_at, utc("2018-03-20T11:00:00-05:00"));
        assert_eq!(last.location_name.as_deref(), Some("Pbc Board Room"));
        // November is back on CST (-06:00).
        let november = parsed
            .events
            .iter()
            .find(|e| e.title.contains("November 13"))
            .expect("valid test value");
        assert_eq!(november.starts_at, utc("2018-11-13T14:30:00-06:00"));
    }

    #[test]
    fn city_bureau_animal_export_without_end_times() {
        let parsed = parse(ANIMAL, &options()).expect("parses");
        assert_eq!(parsed.events.len(), 5, "{:?}", parsed.warnings);
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let first = &parsed.events[0];
        assert_eq!(first.title, "Commission meeting");
        assert_eq!(first.uid, "chi_animal/201803150830/x/commission_meeting");
        assert_eq!(first.starts_at, utc("2018-03-15T08:30:00-05:00"));
        assert_eq!(first.ends_at, None);
        assert_eq!(first.timezone, "America/Chicago");
        assert_eq!(first.location_name.as_deref(), Some("David R. Lee Animal Care Center"));
        assert_eq!(first.address.as_deref(), Some("2741 S. Western Ave, Chicago, IL 60608"));
        let uids: Vec<&str> = parsed.events.iter().map(|e| e.uid.as_str()).collect();
        assert_eq!(
            uids,
            [
                "chi_animal/201803150830/x/commission_meeting",
                "chi_animal/201805171830/x/commission_meeting",
                "chi_animal/201807190830/x/commission_meeting",
                "chi_animal/201809200830/x/commission_meeting",
                "chi_animal/201811150830/x/commission_meeting",
            ]
        );
        assert_eq!(parsed.events[4].starts_at, utc("2018-11-15T08:30:00-06:00"));
    }

    #[test]
    fn french_workshop_layout_in_windows_1252_with_semicolons() {
        let text = format!(
            "{WORKSHOP_HEADER}\r\n\
             Atelier soudure;Fablab de Rennes;Découvrir la soudure à l'arc;Élodie Martin;Elles bougent;12/03/2024;Oui;https://example.org/soudure\r\n\
             \"Visite d'usine; ligne d'assemblage\";Usine Renault, Flins;\"Visite guidée\r\nsur deux lignes\";;Femmes & Industrie;05/04/2024 14:30;Non;\r\n\
             Forum des métiers;Lycée Curie;N/A;-;;06/04/24 9h15;x;\r\n\r\n"
        );
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&bytes).is_err(), "the test needs non-UTF-8 bytes");
        let parsed = parse(&bytes, &options()).expect("parses");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(parsed.events.len(), 3);

        let paris = chrono_tz::Europe::Paris;
        let soudure = &parsed.events[0];
        assert_eq!(soudure.title, "Atelier soudure");
        assert_eq!(soudure.location_name.as_deref(), Some("Fablab de Rennes"));
        assert_eq!(soudure.description.as_deref(), Some("Découvrir la soudure à l'arc"));
        assert_eq!(soudure.author.as_deref(), Some("Élodie Martin"));
        assert_eq!(soudure.organiser.as_deref(), Some("Elles bougent"));
        assert!(soudure.all_day, "a date without a time is all-day");
        assert_eq!(soudure.starts_at, at(paris, 2024, 3, 12, 0, 0));
        assert_eq!(soudure.ends_at, Some(at(paris, 2024, 3, 13, 0, 0)));
        assert_eq!(soudure.timezone, "Europe/Paris");
        assert_eq!(soudure.open_to_public, Some(true));
        assert_eq!(soudure.url.as_deref(), Some("https://example.org/soudure"));
        assert!(soudure.uid.starts_with("csv-"));

        let visite = &parsed.events[1];
        assert_eq!(visite.title, "Visite d'usine; ligne d'assemblage");
        assert_eq!(visite.location_name.as_deref(), Some("Usine Renault, Flins"));
        assert_eq!(visite.description.as_deref(), Some("Visite guidée\r\nsur deux lignes"));
        assert_eq!(visite.author, None);
        assert_eq!(visite.organiser.as_deref(), Some("Femmes & Industrie"));
        assert!(!visite.all_day);
        // 5 April 2024 is summer time in Paris (+02:00).
        assert_eq!(visite.starts_at, utc("2024-04-05T14:30:00+02:00"));
        assert_eq!(visite.ends_at, None);
        assert_eq!(visite.open_to_public, Some(false));
        assert_eq!(visite.url, None);

        let forum = &parsed.events[2];
        assert_eq!(forum.starts_at, utc("2024-04-06T09:15:00+02:00"), "dd/mm/yy HHhMM");
        assert_eq!(forum.description, None);
        assert_eq!(forum.author, None);
        assert_eq!(forum.open_to_public, Some(true));
    }

    #[test]
    fn uids_are_stable_across_imports_and_identical_rows_are_merged() {
        let text = format!(
            "{WORKSHOP_HEADER}\nAtelier;Lab;;;;12/03/2024 10:00;Oui;\nAtelier;Lab;;;;12/03/2024 10:00;Oui;\nAtelier;Lab;;;;13/03/2024 10:00;Oui;\n"
        );
        let first = parse(text.as_bytes(), &options()).expect("parses");
        let again = parse(text.as_bytes(), &options()).expect("parses");
        assert_eq!(first.events.len(), 2);
        assert_eq!(first.events, again.events);
        assert_ne!(first.events[0].uid, first.events[1].uid);
        // Stored ids: a hash of the title, the start (RFC 3339, UTC) and the place, which
        // earlier imports wrote and later ones must find again.
        assert_eq!(first.events[0].uid, "csv-a44eefd9e408e80447ac70e00cba026c");
        assert_eq!(first.events[1].uid, "csv-8b1a6490135db85968007ee4d89e3aab");
        assert_eq!(first.warnings.len(), 1, "{:?}", first.warnings);
        assert!(
            first.warnings[0].starts_with("line 3: same uid as line 2"),
            "{:?}",
            first.warnings
        );
    }

    #[test]
    fn comma_separated_utf8_with_bom_and_english_names() {
        let text = "\u{feff}title,starts_at,ends_at,location_name,city,postal_code,open_to_public,status,categories,all_day\r\n\
                    \"Coding night, edition 3\",2024-03-12 18:00,2024-03-12 21:30,Le Hub,Nantes,44000,yes,,\"robotique, code\",\r\n\
                    Salon,2024-03-20,2024-03-22,Parc Expo,Paris,75015,no,annulé,,\r\n\
                    Webinaire,2024-03-25T10:00:00Z,,,,,true,cancelled,,0\r\n\
                    Stage,2024-03-26 09:00,,,,,1,,,Oui\r\n";
        let parsed = parse(text.as_bytes(), &options()).expect("parses");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(parsed.events.len(), 4);
        let paris = chrono_tz::Europe::Paris;

        let night = &parsed.events[0];
        assert_eq!(
            night.title, "Coding night, edition 3",
            "the BOM is not part of the first header"
        );
        assert_eq!(night.starts_at, at(paris, 2024, 3, 12, 18, 0));
        assert_eq!(night.ends_at, Some(at(paris, 2024, 3, 12, 21, 30)));
        assert_eq!(night.city.as_deref(), Some("Nantes"));
        assert_eq!(night.postal_code.as_deref(), Some("44000"));
        assert_eq!(night.categories, vec!["robotique".to_string(), "code".to_string()]);
        assert!(!night.cancelled);

        let salon = &parsed.events[1];
        assert!(salon.all_day);
        assert!(salon.cancelled, "annulé");
        assert_eq!(salon.starts_at, at(paris, 2024, 3, 20, 0, 0));
        // The last day is inclusive: the stored end is the midnight after 22 March.
        assert_eq!(salon.ends_at, Some(at(paris, 2024, 3, 23, 0, 0)));

        let webinar = &parsed.events[2];
        assert_eq!(webinar.starts_at, utc("2024-03-25T10:00:00Z"));
        assert_eq!(webinar.timezone, "UTC");
        assert!(webinar.cancelled);
        assert!(!webinar.all_day);

        let stage = &parsed.events[3];
        assert!(stage.all_day, "the all_day column");
        assert_eq!(stage.starts_at, at(paris, 2024, 3, 26, 0, 0));
        assert_eq!(stage.ends_at, Some(at(paris, 2024, 3, 27, 0, 0)));
    }

    #[test]
    fn separate_date_and_time_columns() {
        let text = "Titre,Date,Heure de début,Heure de fin,Fuseau horaire\n\
                    Conférence,2024-07-01,18:30,20:00,America/Montreal\n\
                    Soirée,02/07/2024,22h00,01h00,\n";
        let parsed = parse(text.as_bytes(), &options()).expect("parses");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let conference = &parsed.events[0];
        assert_eq!(conference.starts_at, utc("2024-07-01T18:30:00-04:00"));
        assert_eq!(conference.ends_at, Some(utc("2024-07-01T20:00:00-04:00")));
        assert_eq!(conference.timezone, "America/Montreal");
        let evening = &parsed.events[1];
        assert_eq!(evening.starts_at, utc("2024-07-02T22:00:00+02:00"));
        // An end time earlier than the start time is on the next day.
        assert_eq!(evening.ends_at, Some(utc("2024-07-03T01:00:00+02:00")));
    }

    #[test]
    fn csv_columns_maps_unknown_headers() {
        let text = "Intitulé de l'atelier;Quand;Où\nAtelier drone;15/05/2024 14:00;Hangar 12\n";
        let mut options = options();
        // Without a mapping the document has no start column.
        let error = parse(text.as_bytes(), &options).expect_err("is refused").to_string();
        assert!(error.contains("start column"), "{error}");
        assert!(error.contains("\"Quand\""), "{error}");
        options.csv_columns.insert("quand".into(), "start".into());
        options.csv_columns.insert("OU".into(), "location_name".into());
        options
            .csv_columns
            .insert("Intitule de l'atelier".into(), "title".into());
        let parsed = parse(text.as_bytes(), &options).expect("parses");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(parsed.events[0].title, "Atelier drone");
        assert_eq!(parsed.events[0].location_name.as_deref(), Some("Hangar 12"));
        assert_eq!(parsed.events[0].starts_at, utc("2024-05-15T14:00:00+02:00"));

        // An explicit mapping wins over the built-in alias.
        let text = "Titre;Date;Date de publication\nA;01/06/2024;02/05/2024\n";
        let mut options = self::tests::options();
        options.csv_columns.insert("Date de publication".into(), "start".into());
        let parsed = parse(text.as_bytes(), &options).expect("parses");
        assert_eq!(
            parsed.events[0].starts_at,
            at(chrono_tz::Europe::Paris, 2024, 5, 2, 0, 0)
        );
        assert_eq!(
            parsed.warnings,
            vec!["column \"Date\" ignored: \"Date de publication\" is already read as start"]
        );

        options.csv_columns.insert("Titre".into(), "name".into());
        let error = parse(text.as_bytes(), &options).expect_err("is refused").to_string();
        assert!(error.contains("\"name\", which is not a target field"), "{error}");
    }

    #[test]
    fn bad_rows_are_reported_with_their_line_and_column_and_good_rows_kept() {
        let text = format!(
            "{WORKSHOP_HEADER}\n\
             Bon atelier;Lab;;;;12/03/2024;Oui;\n\
             ;Lab;Sans titre;;;13/03/2024;Oui;\n\
             Mauvaise date;Lab;;;;32/13/2024;Oui;\n\
             Sans date;Lab;;;;;Oui;\n\
             Heure fausse;Lab;;;;14/03/2024 25:00;peut-être;\n\
             Court;Lab\n\
             Long;Lab;;;;15/03/2024;Non;;en trop\n\
             Peut-être;Lab;;;;16/03/2024;peut-être;\n\
             \n\
             ;;;;;;;\n"
        );
        let parsed = parse(text.as_bytes(), &options()).expect("parses");
        let titles: Vec<&str> = parsed.events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["Bon atelier", "Long", "Peut-être"]);
        assert_eq!(parsed.events[2].open_to_public, None);
        assert_eq!(
            parsed.warnings,
            [
                "line 3: Nom de l'événement: no title, row skipped",
                "line 4: Date: \"32/13/2024\" is not a date (dd/mm/yyyy [HH:MM])",
                "line 5: Date: no start date, row skipped",
                "line 6: Date: \"14/03/2024 25:00\" is not a date (dd/mm/yyyy [HH:MM])",
                "line 7: 2 fields where the header has 8; the missing ones are read as empty",
                "line 7: Date: no start date, row skipped",
                "line 8: 9 fields where the header has 8; the extra ones are ignored",
                "line 9: Ouvert: \"peut-être\" is not yes/no (Oui/Non); left unknown",
            ]
        );
        // The rows skipped, for importers, with their line and column apart.
        let rejected: Vec<(u64, Option<&str>)> =
            parsed.rejected.iter().map(|r| (r.line, r.column.as_deref())).collect();
        assert_eq!(
            rejected,
            [
                (3, Some("Nom de l'événement")),
                (4, Some("Date")),
                (5, Some("Date")),
                (6, Some("Date")),
                (7, Some("Date"))
            ]
        );
        assert_eq!(
            parsed.rejected[1].message,
            "\"32/13/2024\" is not a date (dd/mm/yyyy [HH:MM])"
        );
        assert_eq!(parsed.rejected[0].detail(), "Nom de l'événement: no title, row skipped");
    }

    #[test]
    fn documents_without_the_needed_columns_are_errors() {
        let error = parse(b"foo;bar\n1;2\n", &options())
            .expect_err("is refused")
            .to_string();
        assert!(error.contains("no a title column"), "{error}");
        assert!(error.contains("\"foo\", \"bar\""), "{error}");
        assert!(parse(b"", &options()).is_err());
        assert!(parse(b"\r\n\r\n", &options()).is_err());
    }

    #[test]
    fn excel_sep_line_and_tabs() {
        let parsed = parse(b"sep=,\r\nTitre,Date\r\nA;B,01/02/2024\r\n", &options()).expect("valid test value");
        assert_eq!(parsed.events[0].title, "A;B");
        let parsed = parse(b"Titre\tDate\tLieu\nA\t01/02/2024\tSalle 1\n", &options()).expect("parses");
        assert_eq!(parsed.events[0].location_name.as_deref(), Some("Salle 1"));
    }

    #[test]
    fn dates_and_times() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid test value");
        assert_eq!(parse_when("12/03/2024"), Some(When::Day(day(2024, 3, 12))));
        assert_eq!(parse_when("1/3/24"), Some(When::Day(day(2024, 3, 1))));
        assert_eq!(parse_when("2024-03-12"), Some(When::Day(day(2024, 3, 12))));
        assert_eq!(
            parse_when("12/03/2024 à 14h30"),
            Some(When::Local(
                day(2024, 3, 12).and_hms_opt(14, 30, 0).expect("valid test value")
            ))
        );
        assert_eq!(
            parse_when("2024-03-12T14:30:15"),
            Some(When::Local(
                day(2024, 3, 12).and_hms_opt(14, 30, 15).expect("valid test value")
            ))
        );
        assert_eq!(
            parse_when("2024-03-12 14:30+0100").map(|w| w.instant(chrono_tz::UTC)),
            Some(utc("2024-03-12T13:30:00Z"))
        );
        for bad in [
            "32/13/2024",
            "12/03",
            "2024-02-30",
            "hier",
            "12/03/2024 14h30 demain",
            "12/03/2024 24:00",
        ] {
            assert_eq!(parse_when(bad), None, "{bad}");
        }
        assert_eq!(parse_time("9h"), NaiveTime::from_hms_opt(9, 0, 0));
        assert_eq!(parse_time("09:05:00"), NaiveTime::from_hms_opt(9, 5, 0));
        assert_eq!(parse_time("2024"), None);
        // The spring-forward gap in Paris: 02:30 does not exist, read as 03:30 CEST.
        let gap = When::Local(day(2024, 3, 31).and_hms_opt(2, 30, 0).expect("valid test value"));
        assert_eq!(gap.instant(chrono_tz::Europe::Paris), utc("2024-03-31T01:30:00Z"));
    }

    #[test]
    fn headers_are_matched_without_case_accents_or_punctuation() {
        let target_of_header = |header: &str| crate::feeds::tabular::target_of(ALIASES, header);
        assert_eq!(target_of_header("Nom de l'Événement"), Some("title"));
        assert_eq!(target_of_header(" OUVERT AU PUBLIC "), Some("open_to_public"));
        assert_eq!(target_of_header("Date de début"), Some("start"));
        assert_eq!(target_of_header("Code_postal"), Some("postal_code"));
        assert_eq!(target_of_header("location_url"), None);
        // Every alias targets a known field and appears once.
        let mut seen = std::collections::HashSet::new();
        for (target, aliases) in ALIASES {
            assert!(FIELDS.contains(target), "{target}");
            for alias in *aliases {
                assert_eq!(normalise_header(alias), *alias);
                assert!(seen.insert(*alias), "{alias} twice");
            }
        }
    }
}
