//! CSV files of events, resources and contacts, written with the `csv` crate: UTF-8 with a
//! byte-order mark (so Excel reads the accents), comma-separated, one header row of stable
//! English names, and cells that a spreadsheet would run as formulas neutralised.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveTime, Utc};

use super::Organisations;

pub const EVENT_COLUMNS: &[&str] = &[
    "uid",
    "title",
    "description",
    "location_name",
    "address",
    "postal_code",
    "city",
    "departement",
    "region",
    "starts_at",
    "ends_at",
    "all_day",
    "timezone",
    "open_to_public",
    "url",
    "author",
    "organiser",
    "status",
    "visibility",
    "audiences",
    "tags",
];

pub const RESOURCE_COLUMNS: &[&str] = &[
    "uid",
    "title",
    "kind",
    "content",
    "description",
    "url",
    "author",
    "free_of_rights",
    "licence",
    "language",
    "audiences",
    "tags",
    "organisation",
    "visibility",
];

pub const CONTACT_COLUMNS: &[&str] = &[
    "uid",
    "first_name",
    "last_name",
    "email",
    "phone",
    "organisation",
    "role",
    "postal_code",
    "city",
    "departement",
    "region",
    "audiences",
    "tags",
    "notes",
    "visibility",
    "consent_at",
];

/// A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
/// leading apostrophe (OWASP's advice against CSV injection).
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

fn writer() -> csv::Writer<Vec<u8>> {
    // The BOM tells Excel the file is UTF-8.
    csv::WriterBuilder::new().from_writer("\u{feff}".as_bytes().to_vec())
}

fn write_row(w: &mut csv::Writer<Vec<u8>>, cells: Vec<String>) -> Result<(), csv::Error> {
    w.write_record(cells.iter().map(|c| neutralise(c).into_owned()))
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, csv::Error> {
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

fn opt(value: Option<&str>) -> String {
    value.unwrap_or_default().to_string()
}

fn flag(value: bool) -> String {
    if value { "true" } else { "false" }.to_string()
}

fn list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().collect::<Vec<_>>().join("|")
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `starts_at`/`ends_at` as the CSV importer reads them: local date-times with their offset;
/// for all-day events the first and the last day (inclusive, as in a spreadsheet).
fn event_times(event: &entity::event::Model) -> (String, String) {
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
        (
            first.format("%Y-%m-%d").to_string(),
            last.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        )
    } else {
        let local = |at: DateTime<Utc>| {
            at.with_timezone(&tz)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        };
        (local(event.starts_at), event.ends_at.map(local).unwrap_or_default())
    }
}

pub fn events(events: &[Arc<entity::event::Model>], organisations: &Organisations) -> Result<Vec<u8>, csv::Error> {
    let mut w = writer();
    w.write_record(EVENT_COLUMNS)?;
    for e in events {
        let (starts_at, ends_at) = event_times(e);
        write_row(
            &mut w,
            vec![
                e.id.to_string(),
                e.title.clone(),
                opt(e.description.as_deref()),
                opt(e.location_name.as_deref()),
                opt(e.address.as_deref()),
                opt(e.postal_code.as_deref()),
                opt(e.city.as_deref()),
                opt(e.departement.as_deref()),
                opt(e.region.map(|r| r.as_str())),
                starts_at,
                ends_at,
                flag(e.all_day),
                e.timezone.clone(),
                flag(e.open_to_public),
                opt(e.url.as_deref()),
                opt(e.author.as_deref()),
                super::organiser_name(e, organisations).unwrap_or_default(),
                e.status.as_str().to_string(),
                e.visibility.as_str().to_string(),
                list(e.audiences.0.iter().map(|a| a.as_str())),
                list(e.tags.0.iter().map(String::as_str)),
            ],
        )?;
    }
    finish(w)
}

pub fn resources(
    resources: &[Arc<entity::resource::Model>],
    organisations: &Organisations,
) -> Result<Vec<u8>, csv::Error> {
    let mut w = writer();
    w.write_record(RESOURCE_COLUMNS)?;
    for r in resources {
        write_row(
            &mut w,
            vec![
                r.id.to_string(),
                r.title.clone(),
                r.kind.as_str().to_string(),
                opt(r.content.as_deref()),
                opt(r.description.as_deref()),
                opt(r.url.as_deref()),
                opt(r.author.as_deref()),
                flag(r.free_of_rights),
                opt(r.licence.as_deref()),
                r.language.clone(),
                list(r.audiences.0.iter().map(|a| a.as_str())),
                list(r.tags.0.iter().map(String::as_str)),
                opt(r
                    .organisation_id
                    .and_then(|id| organisations.get(&id))
                    .map(|o| o.slug.as_str())),
                r.visibility.as_str().to_string(),
            ],
        )?;
    }
    finish(w)
}

pub fn contacts(
    contacts: &[Arc<entity::contact::Model>],
    organisations: &Organisations,
) -> Result<Vec<u8>, csv::Error> {
    let mut w = writer();
    w.write_record(CONTACT_COLUMNS)?;
    for c in contacts {
        write_row(
            &mut w,
            vec![
                c.id.to_string(),
                c.first_name.clone(),
                c.last_name.clone(),
                opt(c.email.as_deref()),
                opt(c.phone.as_deref()),
                opt(c
                    .organisation_id
                    .and_then(|id| organisations.get(&id))
                    .map(|o| o.slug.as_str())),
                opt(c.job_title.as_deref()),
                opt(c.postal_code.as_deref()),
                opt(c.city.as_deref()),
                opt(c.departement.as_deref()),
                opt(c.region.map(|r| r.as_str())),
                list(c.audiences.0.iter().map(|a| a.as_str())),
                list(c.tags.0.iter().map(String::as_str)),
                opt(c.notes.as_deref()),
                c.visibility.as_str().to_string(),
                c.consent_at.map(instant).unwrap_or_default(),
            ],
        )?;
    }
    finish(w)
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
