//! Spreadsheet imports of events, resources and contacts for one organisation: the workshop's
//! French layouts and the hub's own CSV exports (English or French headers), as CSV (comma or
//! semicolon, UTF-8 with or without BOM, or Windows-1252) or as a workbook (`.xlsx`, `.ods`).
//!
//! **What a row changes.** A column the file does not have never changes a field. An empty
//! cell (or `-`, `N/A`) in a column it has means "no value": an optional field is cleared, a
//! list emptied, and a field that always has a value takes its default, the one GraphQL's
//! create gives it (`Ouvert`: Oui, `Libre de droits`: Non, the visibility of the import, `fr`,
//! `SCHEDULED`), said in a warning; a required one (title, start, names) refuses the row. A
//! cell that cannot be used refuses its row, with its line and column; a link written without
//! `https://` is read with it, and a warning says so.
//!
//! **Whose rows.** A row whose id names a record of another organisation, or whose
//! `organisation` column names another, is reported and skipped: an import never copies
//! another organisation's records, and never touches a record's provenance (its feed).
//!
//! **Plan, then write.** Every row is matched to what it stands for (an exported id; else an
//! event's title, start and place, a resource's title, a contact's e-mail or name) and its
//! outcome planned: created, updated (each field's old and new value), unchanged, skipped or
//! refused. A dry run plans on the database as it is and writes nothing, so it says what the
//! real run would do; the real run plans the same way inside its transaction, then writes
//! every created or updated record with one audit entry each, unless a refused row stops it
//! (`skip_invalid` writes the others).

mod cells;
mod contacts;
mod events;
mod resources;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::Visibility;
use sea_orm::{ConnectionTrait, DatabaseConnection, Iterable};
use uuid::Uuid;

use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::feeds::tabular::{Columns, Table};
use crate::store::imports;
use cells::Cell;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Events,
    Resources,
    Contacts,
}

impl Kind {
    /// What the audit log names the imported records.
    fn subject(self) -> crate::store::audit::Subject {
        match self {
            Kind::Events => crate::store::audit::Subject::Event,
            Kind::Resources => crate::store::audit::Subject::Resource,
            Kind::Contacts => crate::store::audit::Subject::Contact,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Events => "events",
            Kind::Resources => "resources",
            Kind::Contacts => "contacts",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    pub organisation_id: Uuid,
    /// Its name: an organiser column naming the organisation itself adds nothing.
    pub organisation_name: String,
    /// Check and report, write nothing.
    pub dry_run: bool,
    /// Write the good rows even when some are bad.
    pub skip_invalid: bool,
    /// Zone of dates and times written without one.
    pub timezone: chrono_tz::Tz,
    /// Visibility of new records without a visibility cell (default: public for events and
    /// resources, partners for contacts).
    pub visibility: Option<Visibility>,
    /// Who imports, as the audit log names them: kind, id and label.
    pub actor: crate::store::audit::Actor,
}

/// A problem or a remark about one cell or one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The line in the file, or the row in the sheet (the header is the first).
    pub line: u64,
    /// The column, as its header is written, when the notice is about one cell.
    pub column: Option<String>,
    pub message: String,
}

impl Notice {
    /// `column: message`, or the message alone.
    pub fn detail(&self) -> String {
        match &self.column {
            Some(column) => format!("{column}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// What an import did, or would do, with one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    /// Another organisation's, or the same record as an earlier row: left alone.
    Skipped,
    /// A cell or a rule refused it: see the errors of its line.
    Refused,
}

/// One field a row sets or changes, with its old and new value as text (`None`: empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    /// The field's GraphQL name (`location.city`, `openToPublic`).
    pub field: &'static str,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What became of one row.
#[derive(Clone, Debug)]
pub struct RowReport {
    pub line: u64,
    pub outcome: Outcome,
    /// The record it matched or created (none yet for a dry run's creations).
    pub id: Option<Uuid>,
    /// The row's title or name.
    pub label: String,
    /// For created rows the fields set, for updated ones the fields changed.
    pub changes: Vec<FieldChange>,
    /// Why a row was skipped.
    pub reason: Option<String>,
}

/// What an import found and did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Data rows in the file (blank ones aside), each counted once.
    pub rows: usize,
    /// Rows without errors (skipped ones included).
    pub valid: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: usize,
    /// Rows with at least one error.
    pub refused: usize,
    pub errors: Vec<Notice>,
    pub warnings: Vec<Notice>,
    /// Every row, in the order of the file.
    pub lines: Vec<RowReport>,
    /// Whether anything was written (false for dry runs and refused files).
    pub written: bool,
}

/// A planned write: the fields of a new record (`id: None`) or of record `id` (boxed: a file's
/// plan holds one per row).
enum Write {
    Event {
        id: Option<Uuid>,
        uid: String,
        fields: Box<crate::domain::event::EventFields>,
    },
    Resource {
        id: Option<Uuid>,
        fields: Box<crate::domain::resource::ResourceFields>,
    },
    Contact {
        id: Option<Uuid>,
        fields: Box<crate::domain::contact::ContactFields>,
    },
}

/// A row's plan: its report, and what to write.
struct Planned {
    report: RowReport,
    write: Option<Write>,
}

impl Planned {
    fn refused(line: u64, label: String) -> Planned {
        Planned {
            report: RowReport {
                line,
                outcome: Outcome::Refused,
                id: None,
                label,
                changes: Vec::new(),
                reason: None,
            },
            write: None,
        }
    }

    fn skipped(line: u64, label: String, id: Option<Uuid>, reason: String) -> Planned {
        Planned {
            report: RowReport {
                line,
                outcome: Outcome::Skipped,
                id,
                label,
                changes: Vec::new(),
                reason: Some(reason),
            },
            write: None,
        }
    }

    /// A row matched to `existing` (or creating when `None`), whose fields go from `before`
    /// to `after` (as [`values`] lists them).
    fn matched(
        line: u64,
        label: String,
        id: Option<Uuid>,
        before: Option<Values>,
        after: Values,
        write: Write,
    ) -> Planned {
        let (outcome, changes) = match before {
            None => (
                Outcome::Created,
                after
                    .into_iter()
                    .filter(|(_, v)| v.is_some())
                    .map(|(field, after)| FieldChange {
                        field,
                        before: None,
                        after,
                    })
                    .collect(),
            ),
            Some(before) => {
                let changes: Vec<FieldChange> = before
                    .into_iter()
                    .zip(after)
                    .filter(|((_, b), (_, a))| b != a)
                    .map(|((field, before), (_, after))| FieldChange { field, before, after })
                    .collect();
                let outcome = if changes.is_empty() {
                    Outcome::Unchanged
                } else {
                    Outcome::Updated
                };
                (outcome, changes)
            }
        };
        let write = matches!(outcome, Outcome::Created | Outcome::Updated).then_some(write);
        Planned {
            report: RowReport {
                line,
                outcome,
                id,
                label,
                changes,
                reason: None,
            },
            write,
        }
    }
}

/// A record's fields as text, by GraphQL name, for the report's old → new.
type Values = Vec<(&'static str, Option<String>)>;

/// The rows of a file already claimed by an earlier row: a second row for the same record is
/// skipped rather than written over the first.
#[derive(Default)]
struct Seen {
    lines: HashMap<String, u64>,
    /// Whether each `organisation` cell met so far names the importing organisation (an
    /// export names one or two, on every row).
    organisations: HashMap<String, bool>,
}

impl Seen {
    /// The earlier line that claimed `key`, or claims it for `line`.
    fn claim(&mut self, key: String, line: u64) -> Option<u64> {
        match self.lines.get(&key) {
            Some(first) => Some(*first),
            None => {
                self.lines.insert(key, line);
                None
            }
        }
    }
}

/// Checks `body` and plans every row; unless it is a dry run or a refused row stops it,
/// writes them. `progress(done, total)` is called as rows are written. `Err` only for a file
/// that cannot be read at all (no header, missing required columns) or a database failure.
pub async fn run(
    db: &DatabaseConnection,
    kind: Kind,
    body: &[u8],
    options: &Options,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
    changes: &crate::changes::Changes,
) -> AppResult<Report> {
    let mut report = Report::default();
    if options.dry_run {
        let planned = plan(db, kind, body, options, &mut report).await?;
        finish(&mut report, planned);
        return Ok(report);
    }
    let mut work = crate::store::unit::Work::begin(db).await?;
    let planned = plan(work.txn(), kind, body, options, &mut report).await?;
    let stop = !report.errors.is_empty() && !options.skip_invalid;
    let total = planned.iter().filter(|p| p.write.is_some()).count() as u64;
    if stop || total == 0 {
        // Nothing to write: the transaction is rolled back when dropped.
        finish(&mut report, planned);
        return Ok(report);
    }
    let (mut created_events, mut updated_events) = (Vec::new(), Vec::new());
    let mut rows = Vec::with_capacity(planned.len());
    let mut done = 0;
    for mut p in planned {
        if let Some(write) = p.write.take() {
            let (id, operation) = written(work.txn(), write, &mut created_events, &mut updated_events).await?;
            p.report.id = Some(id);
            work.audit(crate::store::audit::Entry {
                actor: options.actor.clone(),
                subject: kind.subject(),
                entity_id: Some(id),
                operation,
                changed_fields: p.report.changes.iter().map(|c| c.field.to_string()).collect(),
            })
            .await?;
            done += 1;
            progress(done, total);
        }
        rows.push(p);
    }
    // Subscribers hear of imported events like of any other change, after commit.
    use crate::changes::{Change, EventChangeKind};
    let mut announced = Change::events(EventChangeKind::Created, &created_events);
    announced.extend(Change::events(EventChangeKind::Updated, &updated_events));
    work.announce(announced);
    work.commit(Some(changes)).await?;
    report.written = true;
    finish(&mut report, rows);
    Ok(report)
}

/// Writes one planned row; its id and the audit log's operation. Records are created and
/// updated as every writer does (`store::record`: the rules that need the database, the search
/// outbox); an event typed in from a file keeps the key it was imported under.
async fn written(
    db: &impl ConnectionTrait,
    write: Write,
    created_events: &mut Vec<Uuid>,
    updated_events: &mut Vec<Uuid>,
) -> AppResult<(Uuid, &'static str)> {
    use crate::store::record;
    use entity::{contact, event, resource};
    async fn update<E>(db: &impl ConnectionTrait, id: Uuid, fields: E::Fields) -> AppResult<(Uuid, &'static str)>
    where
        E: record::Record,
        E::Model: sea_orm::IntoActiveModel<E::ActiveModel> + sea_orm::FromQueryResult + Send + Sync,
        E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
    {
        let all = crate::domain::Scope::All;
        let set = |f: &mut E::Fields| {
            *f = fields;
            Ok(())
        };
        record::update::<E>(db, all, id, set, |_| Ok(()), |_| Ok(())).await?;
        Ok((id, UPDATE))
    }
    Ok(match write {
        Write::Event { id: None, uid, fields } => {
            let id = imports::insert_event(db, &uid, *fields).await?;
            created_events.push(id);
            (id, CREATE)
        }
        Write::Event {
            id: Some(id), fields, ..
        } => {
            updated_events.push(id);
            update::<event::Entity>(db, id, *fields).await?
        }
        Write::Resource { id: None, fields } => (record::create::<resource::Entity>(db, *fields).await?.id, CREATE),
        Write::Resource { id: Some(id), fields } => update::<resource::Entity>(db, id, *fields).await?,
        Write::Contact { id: None, fields } => (record::create::<contact::Entity>(db, *fields).await?.id, CREATE),
        Write::Contact { id: Some(id), fields } => update::<contact::Entity>(db, id, *fields).await?,
    })
}

/// The audit log's operations for imported records (with the fields set or changed).
const CREATE: &str = "import_create";
const UPDATE: &str = "import_update";

async fn plan(
    db: &impl ConnectionTrait,
    kind: Kind,
    body: &[u8],
    options: &Options,
    report: &mut Report,
) -> AppResult<Vec<Planned>> {
    match kind {
        Kind::Events => events::plan(db, body, options, report).await,
        Kind::Resources => resources::plan(db, body, options, report).await,
        Kind::Contacts => contacts::plan(db, body, options, report).await,
    }
}

/// The counts of the planned rows, in the order of the file.
fn finish(report: &mut Report, mut planned: Vec<Planned>) {
    planned.sort_by_key(|p| p.report.line);
    report.errors.sort_by_key(|e| e.line);
    report.warnings.sort_by_key(|w| w.line);
    report.rows = planned.len();
    for p in &planned {
        match p.report.outcome {
            Outcome::Created => report.created += 1,
            Outcome::Updated => report.updated += 1,
            Outcome::Unchanged => report.unchanged += 1,
            Outcome::Skipped => report.skipped += 1,
            Outcome::Refused => report.refused += 1,
        }
    }
    report.valid = report.rows - report.refused;
    report.lines = planned.into_iter().map(|p| p.report).collect();
}

fn file_error(message: impl Into<String>) -> AppError {
    AppError::bad_input("file", message)
}

fn missing(columns: &Columns, needed: &[&str]) -> Result<(), AppError> {
    let absent: Vec<&str> = needed.iter().copied().filter(|t| !columns.has(t)).collect();
    if absent.is_empty() {
        return Ok(());
    }
    Err(file_error(format!(
        "the file has no column for {}; its columns are: {}",
        absent.join(", "),
        columns.headers().join(", ")
    )))
}

/// The table of a file; `Err` when it has no header line or is an archive but no workbook.
fn read_table(body: &[u8]) -> AppResult<Table> {
    Table::read(body).map_err(|e| file_error(e.to_string()))
}

/// The rows of `table` that could be read, with their line; the others are refused.
fn readable<'t>(
    table: &'t Table,
    report: &mut Report,
    planned: &mut Vec<Planned>,
) -> Vec<(u64, &'t csv::StringRecord)> {
    let mut rows = Vec::new();
    for row in &table.rows {
        match &row.cells {
            Ok(cells) => rows.push((row.line, cells)),
            Err(error) => {
                report.errors.push(Notice {
                    line: row.line,
                    column: None,
                    message: format!("unreadable row ({error})"),
                });
                planned.push(Planned::refused(row.line, String::new()));
            }
        }
    }
    rows
}

/// The importer's name of each field (its column target) beside the domain's (GraphQL's),
/// in the order a row's errors are listed.
type Names = &'static [(&'static str, &'static str)];

/// A row's errors and warnings as "column: message", from the importer's own reading of its
/// cells and from the domain's rules, errors listed in the order of `names` whichever found
/// them.
struct Checker<'a> {
    columns: &'a [&'a Columns<'a>],
    names: Names,
    line: u64,
    errors: Vec<(usize, Notice)>,
    warnings: Vec<Notice>,
}

impl<'a> Checker<'a> {
    fn new(columns: &'a [&'a Columns<'a>], names: Names, line: u64) -> Self {
        Checker {
            columns,
            names,
            line,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The header `target` is read from, or the target's own name.
    fn header(&self, target: &str) -> String {
        self.columns
            .iter()
            .find(|c| c.has(target))
            .map_or(target, |c| c.header(target))
            .to_string()
    }

    fn notice(&self, target: &str, message: String) -> Notice {
        Notice {
            line: self.line,
            column: Some(self.header(target)),
            message,
        }
    }

    /// An error in the cell of `target` (the importer's name of the field).
    fn fail(&mut self, target: &str, message: String) {
        let rank = self
            .names
            .iter()
            .position(|(_, name)| *name == target)
            .unwrap_or(self.names.len());
        let notice = self.notice(target, message);
        self.errors.push((rank, notice));
    }

    /// A remark on the cell of `target`: what was read and stored.
    fn warn(&mut self, target: &str, message: String) {
        let notice = self.notice(target, message);
        self.warnings.push(notice);
    }

    /// An empty cell of `target` read as its default.
    fn defaulted(&mut self, target: &str, default: &str) {
        self.warn(target, format!("empty: {default} (the default)"));
    }

    /// What the domain refused, its field names turned into the importer's.
    fn refused(&mut self, invalid: Invalid) {
        for error in invalid.into_errors() {
            self.domain_error(error);
        }
    }

    fn domain_error(&mut self, error: AppError) {
        match error {
            AppError::BadUserInput { field, message } => {
                let name = self
                    .names
                    .iter()
                    .find(|(domain, _)| *domain == field)
                    .map_or(field.as_str(), |(_, name)| name);
                // The domain's messages name the field as GraphQL does.
                let message = message.replace(field.as_str(), name);
                self.fail(name, message);
            }
            other => self.errors.push((
                self.names.len(),
                Notice {
                    line: self.line,
                    column: None,
                    message: other.to_string(),
                },
            )),
        }
    }

    /// Hands the row's notices to the report; whether it had errors.
    fn report(mut self, report: &mut Report) -> bool {
        // Stable: the errors of one field keep their order.
        self.errors.sort_by_key(|(rank, _)| *rank);
        let refused = !self.errors.is_empty();
        report.errors.extend(self.errors.into_iter().map(|(_, e)| e));
        report.warnings.extend(self.warnings);
        refused
    }
}

/// A list of stored enum values (audiences), each cell read by its stored name or French word.
fn enum_list<T: Iterable + Copy + PartialEq>(
    c: &mut Checker,
    target: &str,
    cell: Cell,
    stored: fn(T) -> &'static str,
    words: crate::domain::words::Words<T>,
    what: &str,
) -> crate::domain::Patch<Vec<T>> {
    use crate::domain::Patch;
    match cell {
        Cell::Absent => Patch::Keep,
        Cell::Empty => Patch::Set(Vec::new()),
        Cell::Value(value) => {
            let mut out = Vec::new();
            for item in cells::list(value) {
                match cells::enum_value(item, stored, words) {
                    Some(v) => out.push(v),
                    None => c.fail(target, format!("{item:?} is not {what}")),
                }
            }
            Patch::Set(out)
        }
    }
}

/// One stored enum value; an empty cell is `default` (said in a warning).
fn enum_cell<T: Iterable + Copy + PartialEq>(
    c: &mut Checker,
    target: &str,
    cell: Cell,
    stored: fn(T) -> &'static str,
    words: crate::domain::words::Words<T>,
    default: T,
    what: &str,
) -> crate::domain::Patch<T> {
    use crate::domain::Patch;
    match cell {
        Cell::Absent => Patch::Keep,
        Cell::Empty => {
            c.defaulted(target, &format!("read as {}", stored(default).to_uppercase()));
            Patch::Set(default)
        }
        Cell::Value(value) => match cells::enum_value(value, stored, words) {
            Some(v) => Patch::Set(v),
            None => {
                c.fail(target, format!("{value:?} is not {what}"));
                Patch::Keep
            }
        },
    }
}

fn visibility(c: &mut Checker, cell: Cell, default: Visibility) -> crate::domain::Patch<Visibility> {
    enum_cell(
        c,
        "visibility",
        cell,
        Visibility::as_str,
        crate::domain::words::VISIBILITIES,
        default,
        "PUBLIC, PARTNERS or ORGANISATION (public, partenaires, organisation)",
    )
}

fn region(c: &mut Checker, cell: Cell) -> crate::domain::Patch<entity::Region> {
    use crate::domain::Patch;
    match cell {
        Cell::Absent => Patch::Keep,
        Cell::Empty => Patch::Clear,
        Cell::Value(value) => match cells::enum_value(value, entity::Region::as_str, crate::domain::words::REGIONS) {
            Some(r) => Patch::Set(r),
            None => {
                c.fail("region", format!("{value:?} is not a French région"));
                Patch::Keep
            }
        },
    }
}

fn audiences(c: &mut Checker, cell: Cell) -> crate::domain::Patch<Vec<entity::Audience>> {
    enum_list(
        c,
        "audiences",
        cell,
        entity::Audience::as_str,
        crate::domain::words::AUDIENCES,
        "an audience",
    )
}

/// The tags of a list cell.
fn tags(cell: Cell) -> crate::domain::Patch<Vec<String>> {
    use crate::domain::Patch;
    match cell {
        Cell::Absent => Patch::Keep,
        Cell::Empty => Patch::Set(Vec::new()),
        Cell::Value(v) => Patch::Set(cells::list(v).into_iter().map(str::to_string).collect()),
    }
}

/// A yes/no cell; an empty one is `default` (said in a warning), one that says neither
/// refuses the row.
fn boolean(c: &mut Checker, target: &str, cell: Cell, default: bool) -> crate::domain::Patch<bool> {
    use crate::domain::Patch;
    match cell {
        Cell::Absent => Patch::Keep,
        Cell::Empty => {
            c.defaulted(target, &format!("read as {}", crate::domain::words::yes_no(default)));
            Patch::Set(default)
        }
        Cell::Value(value) => match crate::feeds::tabular::parse_bool(value) {
            Some(b) => Patch::Set(b),
            None => {
                c.fail(target, format!("{value:?} {}", crate::feeds::tabular::BOOLEAN_HINT));
                Patch::Keep
            }
        },
    }
}

/// A link cell (see [`cells::link`]); the URL rule is the domain's.
fn link(c: &mut Checker, cell: Cell) -> crate::domain::Patch<String> {
    use crate::domain::Patch;
    match cell {
        Cell::Value(value) => {
            let (read, note) = cells::link(value);
            if let Some(note) = note {
                c.warn("url", note);
            }
            Patch::Set(read)
        }
        other => other.text(),
    }
}

/// A change that leaves out what equals the stored value, so that a value the hub already
/// holds (a feed's, cut to fit) is never refused for a row that does not change it.
fn unless_same<T: PartialEq>(patch: crate::domain::Patch<T>, stored: &T) -> crate::domain::Patch<T> {
    use crate::domain::Patch;
    match patch {
        Patch::Set(v) if v == *stored => Patch::Keep,
        other => other,
    }
}

/// [`unless_same`] for an optional field.
fn unless_same_opt<T: PartialEq>(patch: crate::domain::Patch<T>, stored: &Option<T>) -> crate::domain::Patch<T> {
    use crate::domain::Patch;
    match (patch, stored) {
        (Patch::Set(v), Some(s)) if v == *s => Patch::Keep,
        (Patch::Clear, None) => Patch::Keep,
        (other, _) => other,
    }
}

/// What a new record takes from a change: its value, or none.
fn given<T>(patch: crate::domain::Patch<T>) -> Option<T> {
    match patch {
        crate::domain::Patch::Set(v) => Some(v),
        _ => None,
    }
}

/// Field values as text, for the report's old → new.
fn text(value: Option<&str>) -> Option<String> {
    value.map(str::to_string)
}

fn joined<'a>(items: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let all: Vec<&str> = items.into_iter().collect();
    (!all.is_empty()).then(|| all.join(", "))
}

fn upper(value: &str) -> Option<String> {
    Some(value.to_uppercase())
}

fn instant(at: DateTime<Utc>) -> Option<String> {
    Some(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn flag(value: bool) -> Option<String> {
    Some(value.to_string())
}

/// A required text field's change: absent keeps it, an empty cell is given to the rule, which
/// refuses it.
fn required(cell: Cell) -> crate::domain::Patch<String> {
    use crate::domain::Patch;
    match cell {
        Cell::Absent => Patch::Keep,
        Cell::Empty => Patch::Set(String::new()),
        Cell::Value(v) => Patch::Set(v.to_string()),
    }
}

/// The fields the domain parsed when the row has no error (its notices go to the report),
/// else `None`.
fn settled<T>(mut c: Checker, report: &mut Report, parsed: Result<T, Invalid>) -> Option<T> {
    let parsed = match parsed {
        Ok(fields) => Some(fields),
        Err(invalid) => {
            c.refused(invalid);
            None
        }
    };
    let refused = c.report(report);
    parsed.filter(|_| !refused)
}

/// The plan of a row whose fields were parsed: for a new record (`stored` is `None`) or over
/// the stored record `(id, fields)`.
fn settle_row<F>(
    c: Checker,
    report: &mut Report,
    (line, label): (u64, String),
    stored: Option<(Uuid, F)>,
    parsed: Result<F, Invalid>,
    values: fn(&F) -> Values,
    write: impl FnOnce(Option<Uuid>, Box<F>) -> Write,
) -> Planned {
    let Some(fields) = settled(c, report, parsed) else {
        return Planned::refused(line, label);
    };
    let after = values(&fields);
    match stored {
        None => Planned::matched(line, label, None, None, after, write(None, Box::new(fields))),
        Some((id, before)) => Planned::matched(
            line,
            label,
            Some(id),
            Some(values(&before)),
            after,
            write(Some(id), Box::new(fields)),
        ),
    }
}

/// The record a row's id names, when it is the importing organisation's; why the row is
/// skipped when it is another's.
fn whose<M>(found: imports::Found<M>) -> Result<Option<M>, String> {
    match found {
        imports::Found::Own(m) => Ok(Some(m)),
        imports::Found::Foreign(name) => Err(foreign(name)),
        imports::Found::None => Ok(None),
    }
}

/// What a skipped row of another organisation's record says.
fn foreign(name: Option<String>) -> String {
    match name {
        Some(name) => format!("belongs to « {name} », not to the importing organisation: skipped"),
        None => "belongs to no organisation, not to the importing one: skipped".into(),
    }
}

/// Whether a row's `organisation` cell names another organisation than the importing one:
/// the reason it is skipped.
async fn other_organisation(
    db: &impl ConnectionTrait,
    cell: Cell<'_>,
    options: &Options,
    seen: &mut Seen,
) -> AppResult<Option<String>> {
    let Some(named) = cell.value() else {
        return Ok(None);
    };
    let own = match seen.organisations.get(named) {
        Some(own) => *own,
        None => {
            let own = imports::names_organisation(db, named, options.organisation_id).await?;
            seen.organisations.insert(named.to_string(), own);
            own
        }
    };
    Ok((!own).then(|| format!("organisation \"{named}\" is not the importing organisation: skipped")))
}

/// The row already claimed by an earlier line: the reason it is skipped.
fn same_as(what: &str, first: u64) -> String {
    format!("the same {what} as line {first}: skipped")
}

#[cfg(test)]
mod tests;
