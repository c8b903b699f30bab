//! CSV files of events, resources and contacts, written with the `csv` crate: UTF-8 with a
//! byte-order mark (so Excel reads the accents), one header row, and cells that a spreadsheet
//! would run as formulas neutralised. Every file names organisations the same way: by slug,
//! in an `organisation` column; an event also keeps the organiser's written name
//! (`organiser`).
//!
//! Two dialects, both read back by the importer: [`Dialect::Standard`] (comma-separated,
//! stable English headers, ISO 8601 dates, `true`/`false`, stored enum values) and
//! [`Dialect::ExcelFr`] for French Excel (`;`-separated, French headers, `dd/mm/yyyy` dates,
//! `dd/mm/yyyy HH:MM` times in the event's zone, `Oui`/`Non`, French words for the values).

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use super::Organisations;
use crate::domain::words;

/// How a file is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Standard,
    ExcelFr,
}

impl Dialect {
    /// The dialect a `format` query parameter names (`csv`, `excel-fr`).
    pub fn named(name: &str) -> Option<Dialect> {
        match name.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "csv" | "standard" => Some(Dialect::Standard),
            "excel-fr" | "excelfr" => Some(Dialect::ExcelFr),
            _ => None,
        }
    }

    fn french(self) -> bool {
        self == Dialect::ExcelFr
    }
}

/// Columns as (English header, French header).
type Columns = &'static [(&'static str, &'static str)];

pub const EVENT_COLUMNS: Columns = &[
    ("uid", "Identifiant"),
    ("title", "Titre"),
    ("description", "Description"),
    ("location_name", "Lieu"),
    ("address", "Adresse"),
    ("postal_code", "Code postal"),
    ("city", "Ville"),
    ("departement", "Département"),
    ("region", "Région"),
    ("starts_at", "Début"),
    ("ends_at", "Fin"),
    ("all_day", "Toute la journée"),
    ("timezone", "Fuseau horaire"),
    ("open_to_public", "Ouvert au public"),
    ("url", "Lien"),
    ("author", "Auteur"),
    ("organisation", "Organisation"),
    ("organiser", "Organisateur"),
    ("status", "Statut"),
    ("visibility", "Visibilité"),
    ("audiences", "Publics"),
    ("tags", "Mots-clés"),
];

pub const RESOURCE_COLUMNS: Columns = &[
    ("uid", "Identifiant"),
    ("title", "Titre"),
    ("kind", "Type"),
    ("content", "Contenu"),
    ("description", "Description"),
    ("url", "Lien"),
    ("author", "Auteur"),
    ("free_of_rights", "Libre de droits"),
    ("licence", "Licence"),
    ("language", "Langue"),
    ("region", "Région"),
    ("audiences", "Publics"),
    ("tags", "Mots-clés"),
    ("organisation", "Organisation"),
    ("visibility", "Visibilité"),
];

pub const CONTACT_COLUMNS: Columns = &[
    ("uid", "Identifiant"),
    ("first_name", "Prénom"),
    ("last_name", "Nom"),
    ("email", "E-mail"),
    ("phone", "Téléphone"),
    ("organisation", "Organisation"),
    ("role", "Fonction"),
    ("postal_code", "Code postal"),
    ("city", "Ville"),
    ("departement", "Département"),
    ("region", "Région"),
    ("audiences", "Publics"),
    ("tags", "Mots-clés"),
    ("notes", "Notes"),
    ("visibility", "Visibilité"),
    ("consent_at", "Consentement"),
];

/// The zone contacts' consent times are written in by the French dialect.
const FRENCH_ZONE: chrono_tz::Tz = chrono_tz::Europe::Paris;

/// A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
/// leading apostrophe (OWASP's advice against CSV injection).
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A file being written: the dialect's delimiter and its way of writing values.
struct Sheet {
    w: csv::Writer<Vec<u8>>,
    dialect: Dialect,
}

impl Sheet {
    fn new(dialect: Dialect, columns: Columns) -> Result<Sheet, csv::Error> {
        // The BOM tells Excel the file is UTF-8.
        let mut w = csv::WriterBuilder::new()
            .delimiter(if dialect.french() { b';' } else { b',' })
            .from_writer("\u{feff}".as_bytes().to_vec());
        w.write_record(columns.iter().map(|(en, fr)| if dialect.french() { *fr } else { *en }))?;
        Ok(Sheet { w, dialect })
    }

    fn row(&mut self, cells: Vec<String>) -> Result<(), csv::Error> {
        self.w.write_record(cells.iter().map(|c| neutralise(c).into_owned()))
    }

    fn finish(self) -> Result<Vec<u8>, csv::Error> {
        self.w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }

    fn flag(&self, value: bool) -> String {
        if self.dialect.french() {
            words::yes_no(value).to_string()
        } else {
            value.to_string()
        }
    }

    /// A stored enum value: its stored name, or its French word.
    fn value<T: PartialEq + Copy>(&self, value: T, stored: fn(T) -> &'static str, french: words::Words<T>) -> String {
        if self.dialect.french() {
            words::word(french, value).to_string()
        } else {
            stored(value).to_string()
        }
    }

    fn values<T: PartialEq + Copy>(
        &self,
        values: &[T],
        stored: fn(T) -> &'static str,
        french: words::Words<T>,
    ) -> String {
        let all: Vec<String> = values.iter().map(|v| self.value(*v, stored, french)).collect();
        all.join(if self.dialect.french() { " | " } else { "|" })
    }

    fn day(&self, day: NaiveDate) -> String {
        day.format(if self.dialect.french() { "%d/%m/%Y" } else { "%Y-%m-%d" })
            .to_string()
    }

    /// A time in `zone`: with its offset, or (French) `dd/mm/yyyy HH:MM`.
    fn local(&self, at: DateTime<Utc>, zone: chrono_tz::Tz) -> String {
        let local = at.with_timezone(&zone);
        if self.dialect.french() {
            local.format("%d/%m/%Y %H:%M").to_string()
        } else {
            local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        }
    }

    /// An instant: in UTC, or (French) `dd/mm/yyyy HH:MM` in Paris.
    fn instant(&self, at: DateTime<Utc>) -> String {
        if self.dialect.french() {
            self.local(at, FRENCH_ZONE)
        } else {
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        }
    }
}

fn opt(value: Option<&str>) -> String {
    value.unwrap_or_default().to_string()
}

fn list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().collect::<Vec<_>>().join("|")
}

/// The slug of organisation `id`, as every file names organisations.
fn slug(id: Option<uuid::Uuid>, organisations: &Organisations) -> String {
    opt(id.and_then(|id| organisations.get(&id)).map(|o| o.slug.as_str()))
}

/// `starts_at`/`ends_at` as the importer reads them: local date-times in the event's zone;
/// for all-day events the first and the last day (inclusive, as in a spreadsheet).
fn event_times(sheet: &Sheet, event: &entity::event::Model) -> (String, String) {
    let tz = event.timezone.parse::<chrono_tz::Tz>().unwrap_or(chrono_tz::Tz::UTC);
    if event.all_day {
        let first = event.starts_at.with_timezone(&tz).date_naive();
        let last = event.ends_at.map(|end| {
            let local = end.with_timezone(&tz);
            let day = local.date_naive();
            if local.time() == NaiveTime::MIN && day > first {
                day - Duration::days(1)
            } else {
                day
            }
        });
        (sheet.day(first), last.map(|d| sheet.day(d)).unwrap_or_default())
    } else {
        (
            sheet.local(event.starts_at, tz),
            event.ends_at.map(|end| sheet.local(end, tz)).unwrap_or_default(),
        )
    }
}

pub fn events(
    events: &[Arc<entity::event::Model>],
    organisations: &Organisations,
    dialect: Dialect,
) -> Result<Vec<u8>, csv::Error> {
    let mut sheet = Sheet::new(dialect, EVENT_COLUMNS)?;
    for e in events {
        let (starts_at, ends_at) = event_times(&sheet, e);
        let cells = vec![
            e.id.to_string(),
            e.title.clone(),
            opt(e.description.as_deref()),
            opt(e.location_name.as_deref()),
            opt(e.address.as_deref()),
            opt(e.postal_code.as_deref()),
            opt(e.city.as_deref()),
            opt(e.departement.as_deref()),
            e.region
                .map(|r| sheet.value(r, entity::Region::as_str, words::REGIONS))
                .unwrap_or_default(),
            starts_at,
            ends_at,
            sheet.flag(e.all_day),
            e.timezone.clone(),
            sheet.flag(e.open_to_public),
            opt(e.url.as_deref()),
            opt(e.author.as_deref()),
            slug(e.organiser_id, organisations),
            opt(e.organiser_name.as_deref()),
            sheet.value(e.status, entity::EventStatus::as_str, words::EVENT_STATUSES),
            sheet.value(e.visibility, entity::Visibility::as_str, words::VISIBILITIES),
            sheet.values(&e.audiences.0, entity::Audience::as_str, words::AUDIENCES),
            list(e.tags.0.iter().map(String::as_str)),
        ];
        sheet.row(cells)?;
    }
    sheet.finish()
}

pub fn resources(
    resources: &[Arc<entity::resource::Model>],
    organisations: &Organisations,
    dialect: Dialect,
) -> Result<Vec<u8>, csv::Error> {
    let mut sheet = Sheet::new(dialect, RESOURCE_COLUMNS)?;
    for r in resources {
        let cells = vec![
            r.id.to_string(),
            r.title.clone(),
            sheet.value(r.kind, entity::ResourceKind::as_str, words::RESOURCE_KINDS),
            opt(r.content.as_deref()),
            opt(r.description.as_deref()),
            opt(r.url.as_deref()),
            opt(r.author.as_deref()),
            sheet.flag(r.free_of_rights),
            opt(r.licence.as_deref()),
            r.language.clone(),
            r.region
                .map(|v| sheet.value(v, entity::Region::as_str, words::REGIONS))
                .unwrap_or_default(),
            sheet.values(&r.audiences.0, entity::Audience::as_str, words::AUDIENCES),
            list(r.tags.0.iter().map(String::as_str)),
            slug(r.organisation_id, organisations),
            sheet.value(r.visibility, entity::Visibility::as_str, words::VISIBILITIES),
        ];
        sheet.row(cells)?;
    }
    sheet.finish()
}

pub fn contacts(
    contacts: &[Arc<entity::contact::Model>],
    organisations: &Organisations,
    dialect: Dialect,
) -> Result<Vec<u8>, csv::Error> {
    let mut sheet = Sheet::new(dialect, CONTACT_COLUMNS)?;
    for c in contacts {
        let cells = vec![
            c.id.to_string(),
            c.first_name.clone(),
            c.last_name.clone(),
            opt(c.email.as_deref()),
            opt(c.phone.as_deref()),
            slug(c.organisation_id, organisations),
            opt(c.job_title.as_deref()),
            opt(c.postal_code.as_deref()),
            opt(c.city.as_deref()),
            opt(c.departement.as_deref()),
            c.region
                .map(|r| sheet.value(r, entity::Region::as_str, words::REGIONS))
                .unwrap_or_default(),
            sheet.values(&c.audiences.0, entity::Audience::as_str, words::AUDIENCES),
            list(c.tags.0.iter().map(String::as_str)),
            opt(c.notes.as_deref()),
            sheet.value(c.visibility, entity::Visibility::as_str, words::VISIBILITIES),
            c.consent_at.map(|at| sheet.instant(at)).unwrap_or_default(),
        ];
        sheet.row(cells)?;
    }
    sheet.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_formula_cells_only() {
        for cell in ["=1+1", "+33 1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(cell), format!("'{cell}"));
        }
        assert_eq!(neutralise("Atelier = soudure"), "Atelier = soudure");
        assert_eq!(neutralise(""), "");
    }
}
