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
//!
//! `columns` maps headers to target fields, `row` reads one row into an event, `dates` the
//! dates and times cells hold.

mod columns;
mod dates;
mod row;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use anyhow::{Context, bail};

use super::tabular::{Columns, HeaderError, Table};
use super::{FeedEvent, ParseOptions, Parsed, Rejected};
pub use columns::MissingColumns;
use columns::columns;
use row::Row;

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

/// Reads a CSV document; see the module documentation.
pub fn parse(body: &[u8], options: &ParseOptions) -> anyhow::Result<Parsed> {
    let table = table(body)?;
    let read = read(&table, options, Cells::Lenient).map_err(|e| match e.downcast_ref::<MissingColumns>() {
        Some(missing) => anyhow::anyhow!("{missing} (map others with csvColumns)"),
        None => e,
    })?;
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
        Err(HeaderError::Missing) => bail!("the document has no header line"),
        Err(HeaderError::Unreadable(error)) => Err(error).context("the header line is unreadable"),
        Err(error @ HeaderError::Workbook(_)) => bail!("{error}"),
    }
}

/// What [`read`] found in a table, for readers who need the rows behind the events (the
/// importer reads its own columns from them).
pub struct Read<'t> {
    /// Which column holds which target field (see [`FIELDS`]).
    pub columns: Columns<'t>,
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

/// What a cell that cannot be used does to its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cells {
    /// A feed's: the value is dropped with a warning and the event kept (the partner is not
    /// there to correct it).
    Lenient,
    /// The importer's: the row is refused with every such cell, since the person importing
    /// can correct the file and nothing is stored that the file did not say.
    Strict,
}

/// The events of `table`; `Err` when its header has no usable title or start column (a
/// [`MissingColumns`]).
pub fn read<'t>(table: &'t Table, options: &ParseOptions, cells_rule: Cells) -> anyhow::Result<Read<'t>> {
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
            strict: cells_rule == Cells::Strict,
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
            Err(rejected) => notices.extend(rejected.into_iter().map(Notice::Rejected)),
        }
    }
    Ok(Read {
        columns,
        events,
        notices,
    })
}
