//! Spreadsheet imports of events, resources and contacts for one organisation: the workshop's
//! French layouts and the hub's own CSV export columns, comma or semicolon, UTF-8 (with or
//! without BOM) or Windows-1252.
//!
//! Every row is checked first. A dry run reports every row's errors with its line number and
//! writes nothing; a real run writes nothing either when a row is bad, unless told to skip bad
//! rows; otherwise every good row is written in one transaction. Rows are matched to what a
//! previous import (or export) wrote, so importing a file twice creates nothing the second time.

mod cells;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::{Audience, EventStatus, Region, ResourceKind, Visibility};
use sea_orm::{DatabaseConnection, Iterable};
use uuid::Uuid;

use crate::domain::Invalid;
use crate::domain::contact::{ContactDraft, ContactFields};
use crate::domain::event::{EventDraft, EventFields, LocationDraft};
use crate::domain::resource::{ResourceDraft, ResourceFields};
use crate::domain::validate::cut;
use crate::error::{AppError, AppResult};
use crate::feeds::csv::Notice;
use crate::feeds::tabular::{Aliases, Columns, Table};
use crate::feeds::{self, ParseOptions};
use crate::store::imports::{self, Written};
use cells::{enum_value, list};

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
    pub timezone: Tz,
    /// Visibility of rows without a visibility column (default: public for events and
    /// resources, partners for contacts).
    pub visibility: Option<Visibility>,
    /// Who imports, as the audit log names them: kind, id and label.
    pub actor: crate::store::audit::Actor,
}

/// A problem with one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

/// What an import found and did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub rows: usize,
    pub valid: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: Vec<RowError>,
    pub warnings: Vec<String>,
    /// Whether anything was written (false for dry runs and refused files).
    pub written: bool,
}

enum Row {
    Event(String, EventFields),
    Resource(Option<String>, ResourceFields),
    Contact(Option<String>, ContactFields),
}

/// Checks `body` and, unless it is a dry run or a bad row stops it, writes it.
/// `progress(done, total)` is called as rows are written. `Err` only for a file that cannot be
/// read at all (no header, missing required columns) or a database failure.
pub async fn run(
    db: &DatabaseConnection,
    kind: Kind,
    body: &[u8],
    options: &Options,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
    changes: &crate::changes::Changes,
) -> AppResult<Report> {
    let mut report = Report::default();
    let rows = match kind {
        Kind::Events => events(body, options, &mut report)?,
        Kind::Resources => resources(body, options, &mut report)?,
        Kind::Contacts => contacts(body, options, &mut report)?,
    };
    report.errors.sort_by_key(|e| e.line);
    report.valid = rows.len();
    // A bad row may have several errors: count it once.
    let bad_lines: std::collections::HashSet<u64> = report.errors.iter().map(|e| e.line).collect();
    report.rows = report.valid + bad_lines.len();
    if options.dry_run || (!report.errors.is_empty() && !options.skip_invalid) || rows.is_empty() {
        return Ok(report);
    }
    let total = rows.len() as u64;
    let (mut created_events, mut updated_events) = (Vec::new(), Vec::new());
    let mut work = crate::store::unit::Work::begin(db).await?;
    for (done, row) in rows.into_iter().enumerate() {
        let org = options.organisation_id;
        let written = match row {
            Row::Event(uid, fields) => {
                let (written, id) = imports::upsert_event(work.txn(), org, &uid, fields).await?;
                match written {
                    Written::Created => created_events.push(id),
                    Written::Updated => updated_events.push(id),
                    Written::Unchanged => {}
                }
                written
            }
            Row::Resource(uid, fields) => imports::upsert_resource(work.txn(), org, uid.as_deref(), fields).await?,
            Row::Contact(uid, fields) => imports::upsert_contact(work.txn(), org, uid.as_deref(), fields).await?,
        };
        match written {
            Written::Created => report.created += 1,
            Written::Updated => report.updated += 1,
            Written::Unchanged => report.unchanged += 1,
        }
        progress(done as u64 + 1, total);
    }
    work.audit(crate::store::audit::Entry {
        actor: options.actor.clone(),
        subject: kind.subject(),
        entity_id: None,
        operation: "import",
        changed_fields: vec![
            format!("organisation:{}", options.organisation_id),
            format!("created:{}", report.created),
            format!("updated:{}", report.updated),
        ],
    })
    .await?;
    // Subscribers hear of imported events like of any other change, after commit.
    use crate::changes::{Change, EventChangeKind};
    let mut announced = Change::events(EventChangeKind::Created, &created_events);
    announced.extend(Change::events(EventChangeKind::Updated, &updated_events));
    work.announce(announced);
    work.commit(Some(changes)).await?;
    report.written = true;
    Ok(report)
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

/// The table of a file; `Err` when it has no header line.
fn read_table(body: &[u8]) -> AppResult<Table> {
    Table::read(body).map_err(|e| file_error(e.to_string()))
}

/// The rows of `table` that could be read, with their line; the others are errors.
fn readable<'t>(table: &'t Table, errors: &mut Vec<RowError>) -> Vec<(u64, &'t csv::StringRecord)> {
    let mut rows = Vec::new();
    for row in &table.rows {
        match &row.cells {
            Ok(cells) => rows.push((row.line, cells)),
            Err(error) => errors.push(RowError {
                line: row.line,
                message: format!("unreadable row ({error})"),
            }),
        }
    }
    rows
}

/// The importer's name of each field (its column target) beside the domain's (GraphQL's),
/// in the order a row's errors are listed.
type Names = &'static [(&'static str, &'static str)];

const EVENT_NAMES: Names = &[
    ("title", "title"),
    ("description", "description"),
    ("location.name", "location_name"),
    ("location.address", "address"),
    ("location.postalCode", "postal_code"),
    ("location.city", "city"),
    ("location.departement", "departement"),
    ("location.latitude", "latitude"),
    ("location.longitude", "longitude"),
    ("region", "region"),
    ("timezone", "timezone"),
    ("url", "url"),
    ("author", "author"),
    ("organiserName", "organiser"),
    ("audiences", "audiences"),
    ("tags", "tags"),
    ("visibility", "visibility"),
];

const RESOURCE_NAMES: Names = &[
    ("title", "title"),
    ("content", "content"),
    ("description", "description"),
    ("url", "url"),
    ("author", "author"),
    ("freeOfRights", "free_of_rights"),
    ("licence", "licence"),
    ("language", "language"),
    ("audiences", "audiences"),
    ("tags", "tags"),
    ("visibility", "visibility"),
];

const CONTACT_NAMES: Names = &[
    ("firstName", "first_name"),
    ("lastName", "last_name"),
    ("jobTitle", "job_title"),
    ("email", "email"),
    ("phone", "phone"),
    ("region", "region"),
    ("departement", "departement"),
    ("postalCode", "postal_code"),
    ("city", "city"),
    ("audiences", "audiences"),
    ("tags", "tags"),
    ("notes", "notes"),
    ("visibility", "visibility"),
    ("consentAt", "consent_at"),
];

/// A row's errors as "column: message", from the importer's own reading of its cells and
/// from the domain's rules, listed in the order of `names` whichever found them.
struct Checker<'a> {
    columns: &'a Columns<'a>,
    names: Names,
    line: u64,
    errors: Vec<(usize, RowError)>,
}

impl<'a> Checker<'a> {
    fn new(columns: &'a Columns<'a>, names: Names, line: u64) -> Self {
        Checker {
            columns,
            names,
            line,
            errors: Vec::new(),
        }
    }

    /// An error in the cell of `target` (the importer's name of the field).
    fn fail(&mut self, target: &str, message: String) {
        let rank = self
            .names
            .iter()
            .position(|(_, name)| *name == target)
            .unwrap_or(self.names.len());
        let column = self.columns.header(target).to_string();
        self.errors.push((
            rank,
            RowError {
                line: self.line,
                message: format!("{column}: {message}"),
            },
        ));
    }

    /// What the domain refused, its field names turned into the importer's.
    fn refused(&mut self, invalid: Invalid) {
        for error in invalid.into_errors() {
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
                    RowError {
                        line: self.line,
                        message: other.to_string(),
                    },
                )),
            }
        }
    }

    /// What the domain parsed when the row has no error, else every error of the row.
    fn finish<T>(mut self, parsed: Result<T, Invalid>) -> Result<T, Vec<RowError>> {
        match parsed {
            Ok(fields) if self.errors.is_empty() => Ok(fields),
            Ok(_) => Err(self.into_errors()),
            Err(invalid) => {
                self.refused(invalid);
                Err(self.into_errors())
            }
        }
    }

    fn into_errors(mut self) -> Vec<RowError> {
        // Stable: the errors of one field keep their order.
        self.errors.sort_by_key(|(rank, _)| *rank);
        self.errors.into_iter().map(|(_, e)| e).collect()
    }
}

fn audiences(c: &mut Checker, cell: Option<&str>) -> Vec<Audience> {
    let all: Vec<(Audience, &str)> = Audience::iter().map(|a| (a, a.as_str())).collect();
    let french = [
        ("collège", Audience::College),
        ("collégiens", Audience::College),
        ("lycée", Audience::Lycee),
        ("lycéens", Audience::Lycee),
        ("supérieur", Audience::HigherEducation),
        ("étudiants", Audience::HigherEducation),
        ("apprentis", Audience::Apprentices),
        ("parents", Audience::Parents),
        ("enseignants", Audience::Teachers),
        ("professeurs", Audience::Teachers),
        ("conseillers d'orientation", Audience::CareerAdvisers),
        ("demandeurs d'emploi", Audience::JobSeekers),
        ("salariés", Audience::Employees),
        ("entreprises", Audience::Companies),
        ("grand public", Audience::GeneralPublic),
    ];
    let mut out = Vec::new();
    for value in cell.map(list).unwrap_or_default() {
        match enum_value(value, &all, &french) {
            Some(a) => out.push(a),
            None => c.fail("audiences", format!("{value:?} is not an audience")),
        }
    }
    out
}

fn visibility(c: &mut Checker, cell: Option<&str>, default: Visibility) -> Visibility {
    let Some(value) = cell else { return default };
    let all: Vec<(Visibility, &str)> = Visibility::iter().map(|x| (x, x.as_str())).collect();
    let french = [
        ("public", Visibility::Public),
        ("partenaires", Visibility::Partners),
        ("organisation", Visibility::Organisation),
        ("interne", Visibility::Organisation),
    ];
    enum_value(value, &all, &french).unwrap_or_else(|| {
        c.fail(
            "visibility",
            format!("{value:?} is not PUBLIC, PARTNERS or ORGANISATION"),
        );
        default
    })
}

fn region(c: &mut Checker, cell: Option<&str>) -> Option<Region> {
    let value = cell?;
    let all: Vec<(Region, &str)> = Region::iter().map(|x| (x, x.as_str())).collect();
    let found = enum_value(value, &all, &[]);
    if found.is_none() {
        c.fail("region", format!("{value:?} is not a French région"));
    }
    found
}

/// The tags of a list cell.
fn tags(cell: Option<&str>) -> Vec<String> {
    cell.map(list)
        .unwrap_or_default()
        .into_iter()
        .map(str::to_string)
        .collect()
}

fn boolean(c: &mut Checker, cell: Option<&str>, target: &str) -> Option<bool> {
    let value = cell?;
    let parsed = crate::feeds::tabular::parse_bool(value);
    if parsed.is_none() {
        c.fail(target, format!("{value:?} is not Oui/Non"));
    }
    parsed
}

const EVENT_EXTRA: Aliases = &[
    ("visibility", &["visibility", "visibilite"]),
    ("audiences", &["audiences", "publics", "public", "cibles"]),
    ("region", &["region"]),
    ("departement", &["departement", "dept"]),
    ("tags", &["tags", "motscles"]),
];

/// Events are read once, as the CSV feed reads them (its columns, dates, zones and ids); the
/// columns only the hub has (visibility, audiences…) are read from the same rows.
fn events(body: &[u8], options: &Options, report: &mut Report) -> AppResult<Vec<Row>> {
    let mut parse_options = ParseOptions::around(Utc::now());
    parse_options.default_timezone = options.timezone;
    let refused = |e: anyhow::Error| file_error(format!("{e:#}"));
    let table = feeds::csv::table(body).map_err(refused)?;
    let read = feeds::csv::read(&table, &parse_options).map_err(refused)?;
    let extra = table.columns(EVENT_EXTRA);
    for notice in read.notices {
        match notice {
            Notice::Warning(warning) => report.warnings.push(warning),
            Notice::Rejected(rejected) => report.errors.push(RowError {
                line: rejected.line,
                message: rejected.detail(),
            }),
        }
    }
    let default_visibility = options.visibility.unwrap_or(Visibility::Public);
    let mut rows = Vec::new();
    for found in read.events {
        let (line, mut e) = (found.line, found.event);
        // As `feeds::parse` does for every format.
        feeds::text::clean(&mut e);
        let cell = |target: &str| cells::value(&extra, found.cells, target);
        let mut c = Checker::new(&extra, EVENT_NAMES, line);
        let mut tag_values = e.categories;
        tag_values.extend(tags(cell("tags")));
        let region = region(&mut c, cell("region"));
        let audiences = audiences(&mut c, cell("audiences"));
        let visibility = visibility(&mut c, cell("visibility"), default_visibility);
        let draft = EventDraft {
            title: e.title,
            description: e.description,
            location: LocationDraft {
                name: e.location_name,
                address: e.address,
                postal_code: e.postal_code,
                city: e.city,
                departement: cell("departement").map(str::to_string),
                region,
                latitude: e.latitude,
                longitude: e.longitude,
            },
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            all_day: e.all_day,
            // The reader always names a zone (the file's or the default one).
            timezone: Some(e.timezone),
            open_to_public: e.open_to_public.unwrap_or(false),
            url: e.url,
            author: e.author,
            organiser_id: Some(options.organisation_id),
            organiser_name: e.organiser,
            audiences,
            tags: tag_values,
            status: if e.cancelled {
                EventStatus::Cancelled
            } else {
                EventStatus::Scheduled
            },
            visibility,
        };
        match c.finish(EventFields::parse(draft)) {
            Ok(mut fields) => {
                if let Some(note) = fields.place_note() {
                    report.warnings.push(format!("line {line}: {note}"));
                }
                // An organiser column naming the organisation itself adds nothing.
                fields.organiser_name = fields.organiser_name.filter(|name| {
                    entity::organisation::name_key(name) != entity::organisation::name_key(&options.organisation_name)
                });
                rows.push(Row::Event(e.uid, fields));
            }
            Err(errors) => report.errors.extend(errors),
        }
    }
    Ok(rows)
}

const RESOURCE_COLUMNS: Aliases = &[
    ("uid", &["uid", "id", "identifiant"]),
    ("title", &["title", "titre", "nom", "intitule"]),
    ("kind", &["kind", "objet", "type", "format"]),
    ("content", &["content", "contenu"]),
    ("description", &["description", "resume"]),
    ("url", &["url", "lien", "link"]),
    ("author", &["author", "auteur", "auteure", "auteurrice"]),
    (
        "free_of_rights",
        &["freeofrights", "librededroit", "librededroits", "libredroits", "libre"],
    ),
    ("licence", &["licence", "license"]),
    ("language", &["language", "langue"]),
    ("audiences", &["audiences", "publics", "public", "cibles"]),
    ("tags", &["tags", "motscles", "themes"]),
    ("visibility", &["visibility", "visibilite"]),
];

/// What the workshop's "Objet" column says, in the words partners use.
fn resource_kind(value: &str) -> Option<ResourceKind> {
    let all: Vec<(ResourceKind, &str)> = ResourceKind::iter().map(|k| (k, k.as_str())).collect();
    let french = [
        ("vidéo", ResourceKind::Video),
        ("vidéos", ResourceKind::Video),
        ("film", ResourceKind::Video),
        ("ppt", ResourceKind::SlideDeck),
        ("powerpoint", ResourceKind::SlideDeck),
        ("diaporama", ResourceKind::SlideDeck),
        ("présentation", ResourceKind::SlideDeck),
        ("slides", ResourceKind::SlideDeck),
        ("plaquette", ResourceKind::Brochure),
        ("dépliant", ResourceKind::Brochure),
        ("flyer", ResourceKind::Brochure),
        ("livret", ResourceKind::Brochure),
        ("affiche", ResourceKind::Poster),
        ("mallette", ResourceKind::TeachingKit),
        ("mallette pédagogique", ResourceKind::TeachingKit),
        ("kit", ResourceKind::TeachingKit),
        ("kit pédagogique", ResourceKind::TeachingKit),
        ("exposition", ResourceKind::Exhibition),
        ("expo", ResourceKind::Exhibition),
        ("portraits", ResourceKind::Portrait),
        ("témoignage", ResourceKind::Portrait),
        ("site", ResourceKind::Website),
        ("site web", ResourceKind::Website),
        ("site internet", ResourceKind::Website),
        ("autre", ResourceKind::Other),
    ];
    enum_value(value, &all, &french)
}

/// The first `max` characters of `text`, with an ellipsis when it was longer.
fn abridged(text: &str, max: usize) -> String {
    if text.chars().count() > max {
        format!("{}…", cut(text, max))
    } else {
        text.to_string()
    }
}

fn resources(body: &[u8], options: &Options, report: &mut Report) -> AppResult<Vec<Row>> {
    let table = read_table(body)?;
    let columns = table.columns(RESOURCE_COLUMNS);
    if !["title", "content", "description", "url"]
        .iter()
        .any(|t| columns.has(t))
    {
        missing(&columns, &["title"])?;
    }
    let default_visibility = options.visibility.unwrap_or(Visibility::Public);
    let mut rows = Vec::new();
    for (line, r) in readable(&table, &mut report.errors) {
        let mut c = Checker::new(&columns, RESOURCE_NAMES, line);
        let get = |t: &str| cells::value(&columns, r, t);
        let kind = match get("kind") {
            None => ResourceKind::Other,
            Some(value) => resource_kind(value).unwrap_or_else(|| {
                report.warnings.push(format!(
                    "line {line}: {}: {value:?} read as OTHER",
                    columns.header("kind")
                ));
                ResourceKind::Other
            }),
        };
        // The workshop's layout has no title: the first words of the content stand for it.
        let title_source = get("title")
            .map(str::to_string)
            .or_else(|| get("content").map(|t| abridged(&crate::feeds::text::plain(t), 120)))
            .or_else(|| get("description").map(|t| abridged(&crate::feeds::text::plain(t), 120)))
            .or_else(|| get("url").map(str::to_string));
        let Some(title_source) = title_source else {
            c.fail("title", "the row has no title, content, description or link".into());
            report.errors.extend(c.into_errors());
            continue;
        };
        let free_of_rights = boolean(&mut c, get("free_of_rights"), "free_of_rights").unwrap_or(false);
        let audiences = audiences(&mut c, get("audiences"));
        let visibility = visibility(&mut c, get("visibility"), default_visibility);
        let draft = ResourceDraft {
            organisation_id: Some(options.organisation_id),
            kind,
            title: title_source,
            content: get("content").map(str::to_string),
            description: get("description").map(str::to_string),
            url: get("url").map(str::to_string),
            author: get("author").map(str::to_string),
            free_of_rights,
            licence: get("licence").map(str::to_string),
            language: get("language").map(str::to_string),
            audiences,
            tags: tags(get("tags")),
            visibility,
        };
        match c.finish(ResourceFields::parse(draft)) {
            Ok(fields) => rows.push(Row::Resource(get("uid").map(str::to_string), fields)),
            Err(errors) => report.errors.extend(errors),
        }
    }
    Ok(rows)
}

const CONTACT_COLUMNS: Aliases = &[
    ("uid", &["uid", "id", "identifiant"]),
    ("first_name", &["firstname", "prenom", "givenname"]),
    (
        "last_name",
        &["lastname", "nom", "nomdefamille", "familyname", "surname"],
    ),
    (
        "job_title",
        &["jobtitle", "role", "fonction", "poste", "titre", "title"],
    ),
    (
        "email",
        &[
            "email",
            "mail",
            "courriel",
            "adresseemail",
            "adressemail",
            "emailaddress",
        ],
    ),
    ("phone", &["phone", "telephone", "tel", "portable", "mobile"]),
    ("region", &["region"]),
    ("departement", &["departement", "dept", "dep"]),
    ("postal_code", &["postalcode", "codepostal", "cp", "zip", "zipcode"]),
    ("city", &["city", "ville", "commune"]),
    ("audiences", &["audiences", "publics", "public", "cibles"]),
    ("tags", &["tags", "motscles", "themes"]),
    ("notes", &["notes", "note", "remarques", "commentaire", "commentaires"]),
    ("visibility", &["visibility", "visibilite"]),
    (
        "consent_at",
        &["consentat", "consent", "consentement", "datedeconsentement"],
    ),
];

fn consent(c: &mut Checker, cell: Option<&str>) -> Option<DateTime<Utc>> {
    let value = cell?;
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Some(at.with_timezone(&Utc));
    }
    for format in ["%d/%m/%Y", "%Y-%m-%d"] {
        if let Ok(day) = NaiveDate::parse_from_str(value, format) {
            return day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        }
    }
    c.fail(
        "consent_at",
        format!("{value:?} is not a date (dd/mm/yyyy or RFC 3339)"),
    );
    None
}

fn contacts(body: &[u8], options: &Options, report: &mut Report) -> AppResult<Vec<Row>> {
    let table = read_table(body)?;
    let columns = table.columns(CONTACT_COLUMNS);
    missing(&columns, &["first_name", "last_name"])?;
    let default_visibility = options.visibility.unwrap_or(Visibility::Partners);
    let mut rows = Vec::new();
    for (line, r) in readable(&table, &mut report.errors) {
        let mut c = Checker::new(&columns, CONTACT_NAMES, line);
        let get = |t: &str| cells::value(&columns, r, t);
        let region = region(&mut c, get("region"));
        let audiences = audiences(&mut c, get("audiences"));
        let visibility = visibility(&mut c, get("visibility"), default_visibility);
        let consent_at = consent(&mut c, get("consent_at"));
        let draft = ContactDraft {
            organisation_id: Some(options.organisation_id),
            first_name: get("first_name").unwrap_or("").to_string(),
            last_name: get("last_name").unwrap_or("").to_string(),
            job_title: get("job_title").map(str::to_string),
            email: get("email").map(str::to_string),
            phone: get("phone").map(str::to_string),
            region,
            departement: get("departement").map(str::to_string),
            postal_code: get("postal_code")
                .and_then(|v| crate::places::postal_code_in(v).or(Some(v)))
                .map(str::to_string),
            city: get("city").map(str::to_string),
            audiences,
            tags: tags(get("tags")),
            notes: get("notes").map(str::to_string),
            visibility,
            consent_at,
        };
        match c.finish(ContactFields::parse(draft)) {
            Ok(fields) => {
                if let Some(code) = fields.postal_code.as_deref()
                    && fields.departement.is_none()
                {
                    report.warnings.push(format!(
                        "line {line}: {}",
                        crate::places::Note::UnknownPostalCode(code.into())
                    ));
                }
                rows.push(Row::Contact(get("uid").map(str::to_string), fields));
            }
            Err(errors) => report.errors.extend(errors),
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Options {
        Options {
            organisation_id: Uuid::now_v7(),
            organisation_name: "Elles Bougent".into(),
            dry_run: true,
            skip_invalid: false,
            timezone: chrono_tz::Europe::Paris,
            visibility: None,
            actor: crate::store::audit::Actor::System("test"),
        }
    }

    fn messages(report: &Report) -> Vec<&str> {
        report.errors.iter().map(|e| e.message.as_str()).collect()
    }

    #[test]
    fn a_row_lists_every_error_in_its_column_order_with_the_importer_names() {
        let body = "Prénom;Nom;E-mail;Région;Ville;Publics\r\n\
                    ;Durand;not-an-email;Atlantide;Lille;lycée\r\n\
                    Inès;Durand;ines@example.org;;;\r\n";
        let mut report = Report::default();
        let rows = contacts(body.as_bytes(), &options(), &mut report).expect("a table");
        assert_eq!(rows.len(), 1);
        assert_eq!(
            messages(&report),
            [
                "Prénom: first_name must not be empty",
                "E-mail: email must be a valid e-mail address",
                "Région: \"Atlantide\" is not a French région",
            ]
        );
        assert!(report.errors.iter().all(|e| e.line == 2));
    }

    #[test]
    fn event_errors_name_the_location_as_the_importer_does() {
        let long = "x".repeat(crate::domain::validate::TITLE_MAX + 1);
        let body = format!(
            "Titre;Date;Lieu;Code postal;Organisateur;Visibilité\r\n\
             Forum;14/03/2027;{long};250;{long};secret\r\n\
             Elles Bougent;15/03/2027;;;Elles Bougent;\r\n"
        );
        let mut report = Report::default();
        let rows = events(body.as_bytes(), &options(), &mut report).expect("a table");
        assert_eq!(
            messages(&report),
            [
                "location_name: location_name must be at most 200 characters",
                "postal_code: postal_code must be five digits",
                "organiser: organiser must be at most 200 characters",
                "Visibilité: \"secret\" is not PUBLIC, PARTNERS or ORGANISATION",
            ]
        );
        // An organiser column naming the importing organisation adds nothing.
        match rows.as_slice() {
            [Row::Event(_, fields)] => assert_eq!(fields.organiser_name, None),
            _ => panic!("one event"),
        }
    }
}
