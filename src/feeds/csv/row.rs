//! One data row read into an event, through the column mapping.

use chrono_tz::Tz;

use super::dates::{When, parse_time, parse_when};
use crate::feeds::tabular::{BOOLEAN_HINT, Columns, is_placeholder, normalise_header, parse_bool};
use crate::feeds::{FeedEvent, ParseOptions, Rejected, time, uid};

const DATE_HINT: &str = "dd/mm/yyyy [HH:MM]";
const TIME_HINT: &str = "HH:MM";

/// One data row, read through the column mapping.
pub(super) struct Row<'a> {
    pub(super) cells: &'a csv::StringRecord,
    pub(super) columns: &'a Columns<'a>,
    pub(super) line: u64,
    /// Cells that cannot be used refuse the row (`super::Cells::Strict`).
    pub(super) strict: bool,
}

/// What reading a row found besides its event: warnings, and in strict mode the cells that
/// refuse it.
pub(super) struct Notes<'w> {
    pub(super) warnings: &'w mut Vec<String>,
    refused: Vec<Rejected>,
}

impl<'w> Notes<'w> {
    pub(super) fn new(warnings: &'w mut Vec<String>) -> Self {
        Notes {
            warnings,
            refused: Vec::new(),
        }
    }
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
    pub(super) fn check_width(&self, warnings: &mut Vec<String>) {
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

    /// A cell that cannot be used: in strict mode it refuses the row, else the warning says
    /// what was done instead (`fallback`).
    fn unusable(&self, notes: &mut Notes, problem: Rejected, fallback: &str) {
        if self.strict {
            notes.refused.push(problem);
        } else {
            notes.warnings.push(format!("{problem}; {fallback}"));
        }
    }

    /// The event of this row, or why it gives none (every unusable cell, in strict mode).
    pub(super) fn event(&self, options: &ParseOptions, warnings: &mut Vec<String>) -> Result<FeedEvent, Vec<Rejected>> {
        let mut notes = Notes::new(warnings);
        let event = self
            .read_event(options, &mut notes)
            .map_err(|rejected| vec![rejected])?;
        if notes.refused.is_empty() {
            Ok(event)
        } else {
            Err(notes.refused)
        }
    }

    fn read_event(&self, options: &ParseOptions, notes: &mut Notes) -> Result<FeedEvent, Rejected> {
        let Some(title) = self.get("title") else {
            return Err(self.problem("title", "no title, row skipped".into()));
        };
        let zone = match self.get("timezone") {
            None => options.default_timezone,
            Some(name) => match name.parse::<Tz>() {
                Ok(zone) => zone,
                Err(_) => {
                    let fallback = format!("read in {}", options.default_timezone.name());
                    self.unusable(
                        notes,
                        self.bad("timezone", name, "is not an IANA time zone (Europe/Paris…)"),
                        &fallback,
                    );
                    options.default_timezone
                }
            },
        };
        let start = self.start()?;
        let all_day_flag = self.boolean("all_day", notes);
        let all_day = matches!(start, When::Day(_)) || all_day_flag == Some(true);
        let end = match self.end(&start) {
            Ok(end) => end,
            Err(problem) => {
                self.unusable(notes, problem, "end ignored");
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
            let column = if self.columns.has("end") { "end" } else { "end_time" };
            self.unusable(
                notes,
                self.problem(column, "the end is before the start".into()),
                "end ignored",
            );
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
            latitude: self.coordinate("latitude", 90.0, notes),
            longitude: self.coordinate("longitude", 180.0, notes),
            starts_at,
            ends_at,
            all_day,
            timezone,
            url: self.text("url"),
            author: self.text("author"),
            organiser: self.text("organiser"),
            open_to_public: self.boolean("open_to_public", notes),
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
    fn boolean(&self, target: &str, notes: &mut Notes) -> Option<bool> {
        let value = self.get(target)?;
        let parsed = parse_bool(value);
        if parsed.is_none() {
            self.unusable(notes, self.bad(target, value, BOOLEAN_HINT), "left unknown");
        }
        parsed
    }

    fn coordinate(&self, target: &str, limit: f64, notes: &mut Notes) -> Option<f64> {
        let value = self.get(target)?;
        // French spreadsheets write decimal commas.
        match value.replace(',', ".").parse::<f64>() {
            Ok(number) if number.is_finite() && number.abs() <= limit => Some(number),
            _ => {
                let what = format!("is not a coordinate (decimal degrees, at most {limit})");
                self.unusable(notes, self.bad(target, value, &what), "ignored");
                None
            }
        }
    }
}
