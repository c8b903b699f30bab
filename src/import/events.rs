//! Events: read once, as the CSV feed reads them (its columns, dates, zones and ids, every
//! unusable cell refusing its row); the columns only the hub has (visibility, audiences,
//! région, status, organisation…) are read from the same rows.

use chrono::Utc;
use entity::{EventStatus, Visibility};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::cells::{self, Cell};
use super::{
    Checker, Names, Notice, Options, Planned, Report, Seen, Write, audiences, boolean, enum_cell, flag, given, instant,
    joined, link, other_organisation, read_table, region, same_as, settle_row, text, unless_same, unless_same_opt,
    upper, visibility, whose,
};
use crate::domain::Patch;
use crate::domain::event::{EventChange, EventDraft, EventFields, EventPatch, LocationDraft};
use crate::domain::words::EVENT_STATUSES;
use crate::error::AppResult;
use crate::feeds::csv::{Cells, Notice as ReadNotice};
use crate::feeds::tabular::{Aliases, Columns};
use crate::feeds::{self, FeedEvent, ParseOptions};
use crate::store::imports;

/// The columns the CSV feed's reader leaves to the importer.
const EXTRA: Aliases = &[
    ("organisation", &["organisation", "organization"]),
    ("visibility", &["visibility", "visibilite"]),
    ("audiences", &["audiences", "publics", "public", "cibles"]),
    ("region", &["region"]),
    ("departement", &["departement", "dept"]),
];

const NAMES: Names = &[
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
    ("endsAt", "end"),
    ("timezone", "timezone"),
    ("openToPublic", "open_to_public"),
    ("url", "url"),
    ("author", "author"),
    ("organiserName", "organiser"),
    ("audiences", "audiences"),
    ("tags", "categories"),
    ("status", "status"),
    ("visibility", "visibility"),
];

/// An event's fields as the report shows them.
fn values(f: &EventFields) -> super::Values {
    vec![
        ("title", Some(f.title.clone())),
        ("description", text(f.description.as_deref())),
        ("location.name", text(f.location_name.as_deref())),
        ("location.address", text(f.address.as_deref())),
        ("location.postalCode", text(f.postal_code.as_deref())),
        ("location.city", text(f.city.as_deref())),
        ("location.departement", text(f.departement.as_deref())),
        ("location.region", f.region.and_then(|r| upper(r.as_str()))),
        ("location.latitude", f.latitude.map(|v| v.to_string())),
        ("location.longitude", f.longitude.map(|v| v.to_string())),
        ("startsAt", instant(f.starts_at)),
        ("endsAt", f.ends_at.and_then(instant)),
        ("allDay", flag(f.all_day)),
        ("timezone", Some(f.timezone.clone())),
        ("openToPublic", flag(f.open_to_public)),
        ("url", text(f.url.as_deref())),
        ("author", text(f.author.as_deref())),
        ("organiserName", text(f.organiser_name.as_deref())),
        ("audiences", joined(f.audiences.iter().map(|a| a.as_str()))),
        ("tags", joined(f.tags.iter().map(String::as_str))),
        ("status", upper(f.status.as_str())),
        ("visibility", upper(f.visibility.as_str())),
    ]
}

/// An all-day event that ends the day it starts is stored without an end, however the
/// spreadsheet wrote it (no end, or the same date as the start).
fn one_day(mut fields: EventFields) -> EventFields {
    if fields.all_day
        && let Some(end) = fields.ends_at
    {
        let hours = (end - fields.starts_at).num_hours();
        // 23 to 25 hours: one calendar day, across a change of time included.
        if (23..=25).contains(&hours) {
            fields.ends_at = None;
        }
    }
    fields
}

/// `fields` when its times agree (the domain's rule across fields).
fn timed(fields: EventFields) -> Result<EventFields, crate::domain::Invalid> {
    fields.check_times()?;
    Ok(fields)
}

/// What of `patch` changes `stored`. The location is one value in the domain's patch: it is
/// left out when it is the stored one.
fn changing(p: EventPatch, stored: &EventFields) -> EventPatch {
    let location = match p.location {
        Patch::Set(l)
            if l.name == stored.location_name
                && l.address == stored.address
                && l.postal_code == stored.postal_code
                && l.city == stored.city
                && l.departement == stored.departement
                && l.region == stored.region
                && l.latitude == stored.latitude
                && l.longitude == stored.longitude =>
        {
            Patch::Keep
        }
        other => other,
    };
    EventPatch {
        title: unless_same(p.title, &stored.title),
        description: unless_same_opt(p.description, &stored.description),
        location,
        starts_at: unless_same(p.starts_at, &stored.starts_at),
        ends_at: unless_same_opt(p.ends_at, &stored.ends_at),
        all_day: unless_same(p.all_day, &stored.all_day),
        timezone: unless_same(p.timezone, &stored.timezone),
        open_to_public: unless_same(p.open_to_public, &stored.open_to_public),
        url: unless_same_opt(p.url, &stored.url),
        author: unless_same_opt(p.author, &stored.author),
        organiser_id: Patch::Keep,
        organiser_name: unless_same_opt(p.organiser_name, &stored.organiser_name),
        audiences: unless_same(p.audiences, &stored.audiences),
        tags: unless_same(p.tags, &stored.tags),
        status: unless_same(p.status, &stored.status),
        visibility: unless_same(p.visibility, &stored.visibility),
    }
}

/// A field the reader read: absent without its column, cleared when the cell gave nothing.
fn read<T>(columns: &Columns, target: &str, value: Option<T>) -> Patch<T> {
    match (columns.has(target), value) {
        (false, _) => Patch::Keep,
        (true, Some(v)) => Patch::Set(v),
        (true, None) => Patch::Clear,
    }
}

/// The whole location: what the row's columns say, the stored values for the columns it has
/// not (the domain replaces a location as a whole).
fn location(
    columns: &Columns,
    extra_departement: Patch<String>,
    extra_region: Patch<entity::Region>,
    e: &FeedEvent,
    stored: Option<&EventFields>,
) -> Patch<LocationDraft> {
    let targets = [
        "location_name",
        "address",
        "postal_code",
        "city",
        "latitude",
        "longitude",
    ];
    let any = targets.iter().any(|t| columns.has(t))
        || !matches!(extra_departement, Patch::Keep)
        || !matches!(extra_region, Patch::Keep);
    if !any {
        return Patch::Keep;
    }
    fn pick<T: Clone>(patch: Patch<T>, stored: Option<&T>) -> Option<T> {
        match patch {
            Patch::Keep => stored.cloned(),
            Patch::Clear => None,
            Patch::Set(v) => Some(v),
        }
    }
    let s = stored;
    Patch::Set(LocationDraft {
        name: pick(
            read(columns, "location_name", e.location_name.clone()),
            s.and_then(|s| s.location_name.as_ref()),
        ),
        address: pick(
            read(columns, "address", e.address.clone()),
            s.and_then(|s| s.address.as_ref()),
        ),
        postal_code: pick(
            read(columns, "postal_code", e.postal_code.clone()),
            s.and_then(|s| s.postal_code.as_ref()),
        ),
        city: pick(read(columns, "city", e.city.clone()), s.and_then(|s| s.city.as_ref())),
        departement: pick(extra_departement, s.and_then(|s| s.departement.as_ref())),
        region: pick(extra_region, s.and_then(|s| s.region.as_ref())),
        latitude: pick(
            read(columns, "latitude", e.latitude),
            s.and_then(|s| s.latitude.as_ref()),
        ),
        longitude: pick(
            read(columns, "longitude", e.longitude),
            s.and_then(|s| s.longitude.as_ref()),
        ),
    })
}

/// The organiser cell: written name of who organises. One naming the importing organisation
/// itself adds nothing (the event is its own), unless the event already carries that name.
fn organiser(columns: &Columns, e: &FeedEvent, options: &Options, stored: Option<&EventFields>) -> Patch<String> {
    let key = entity::organisation::name_key;
    match read(columns, "organiser", e.organiser.clone()) {
        Patch::Set(name) if key(&name) == key(&options.organisation_name) => {
            match stored.and_then(|s| s.organiser_name.as_deref()) {
                Some(written) if key(written) == key(&name) => Patch::Keep,
                _ => Patch::Clear,
            }
        }
        other => other,
    }
}

/// Reads the reader's warnings into notices: `line N: …` on row N, the others on the header.
fn reader_warning(text: String, header_line: u64) -> Notice {
    let numbered = text.strip_prefix("line ").and_then(|rest| {
        let (number, message) = rest.split_once(": ")?;
        Some((number.parse::<u64>().ok()?, message.to_string()))
    });
    match numbered {
        Some((line, message)) => Notice {
            line,
            column: None,
            message,
        },
        None => Notice {
            line: header_line,
            column: None,
            message: text,
        },
    }
}

pub(super) async fn plan(
    db: &impl ConnectionTrait,
    body: &[u8],
    options: &Options,
    report: &mut Report,
) -> AppResult<Vec<Planned>> {
    let mut parse_options = ParseOptions::around(Utc::now());
    parse_options.default_timezone = options.timezone;
    let table = read_table(body)?;
    let read_file =
        feeds::csv::read(&table, &parse_options, Cells::Strict).map_err(|e| super::file_error(format!("{e:#}")))?;
    let columns = &read_file.columns;
    let extra = table.columns(EXTRA);
    let all = [columns, &extra];
    let org = options.organisation_id;
    let default_visibility = options.visibility.unwrap_or(Visibility::Public);
    let mut planned = Vec::new();
    let mut refused_lines = std::collections::BTreeSet::new();
    let mut duplicates = std::collections::BTreeMap::new();
    for notice in read_file.notices {
        match notice {
            ReadNotice::Warning(warning) => {
                let notice = reader_warning(warning, table.header_line);
                if notice.message.starts_with("same uid as line") {
                    duplicates.insert(notice.line, notice.message.clone());
                }
                report.warnings.push(notice);
            }
            ReadNotice::Rejected(rejected) => {
                refused_lines.insert(rejected.line);
                report.errors.push(Notice {
                    line: rejected.line,
                    column: rejected.column,
                    message: rejected.message,
                });
            }
        }
    }
    // Rows the reader refused, and rows it skipped as the same as an earlier one. The cells
    // only the importer reads are checked too, so that the row lists every error.
    for row in &table.rows {
        let label = row
            .cells
            .as_ref()
            .ok()
            .and_then(|cells| cells::value(columns, cells, "title"))
            .unwrap_or_default()
            .to_string();
        if refused_lines.contains(&row.line) {
            if let Ok(cells) = &row.cells {
                let mut c = Checker::new(&all, NAMES, row.line);
                let cell = |t: &str| cells::cell(&extra, cells, t);
                region(&mut c, cell("region"));
                audiences(&mut c, cell("audiences"));
                visibility(&mut c, cell("visibility"), default_visibility);
                status(&mut c, cells::cell(columns, cells, "status"));
                if let Patch::Set(url) = link(&mut c, cells::cell(columns, cells, "url"))
                    && let Err(error) = crate::domain::validate::opt_url("url", Some(url))
                {
                    c.domain_error(error);
                }
                c.warnings.clear();
                c.report(report);
            }
            planned.push(Planned::refused(row.line, label));
        } else if let Some(reason) = duplicates.get(&row.line) {
            planned.push(Planned::skipped(row.line, label, None, reason.clone()));
        }
    }
    let mut seen = Seen::default();
    for found in read_file.events {
        let (line, mut e) = (found.line, found.event);
        // The link as written: the cleaning below drops what is no http(s) link, which the
        // importer refuses or completes instead, saying so.
        let written_url = cells::cell(columns, found.cells, "url");
        // As `feeds::parse` does for every format.
        feeds::text::clean(&mut e);
        let label = e.title.clone();
        let cell = |t: &str| cells::cell(&extra, found.cells, t);
        if let Some(reason) = other_organisation(db, cell("organisation"), options, &mut seen).await? {
            planned.push(Planned::skipped(line, label, None, reason));
            continue;
        }
        let mut existing = None;
        if let Ok(id) = Uuid::parse_str(&e.uid) {
            match whose(imports::event_by_id(db, org, id).await?) {
                Ok(found) => existing = found,
                Err(reason) => {
                    planned.push(Planned::skipped(line, label, Some(id), reason));
                    continue;
                }
            }
        }
        if existing.is_none() {
            existing = imports::event_by_key(db, org, &e.uid).await?;
        }
        let key = existing.as_ref().map_or_else(|| e.uid.clone(), |m| m.id.to_string());
        if let Some(first_line) = seen.claim(key, line) {
            let id = existing.as_ref().map(|m| m.id);
            planned.push(Planned::skipped(line, label, id, same_as("event", first_line)));
            continue;
        }
        let stored = existing.as_ref().map(|m| one_day(EventFields::from(m)));
        let mut c = Checker::new(&all, NAMES, line);
        let region = region(&mut c, cell("region"));
        let departement = cell("departement").text();
        // All-day events always carry their end (the day after their last); timed ones only
        // when the file has an end.
        let has_end = columns.has("end") || columns.has("end_time") || e.all_day;
        let patch = EventPatch {
            title: Patch::Set(e.title.clone()),
            description: read(columns, "description", e.description.clone()),
            location: location(columns, departement, region, &e, stored.as_ref()),
            starts_at: Patch::Set(e.starts_at),
            ends_at: if has_end {
                e.ends_at.map_or(Patch::Clear, Patch::Set)
            } else {
                Patch::Keep
            },
            all_day: Patch::Set(e.all_day),
            // The zone the start was read in.
            timezone: Patch::Set(e.timezone.clone()),
            open_to_public: boolean(
                &mut c,
                "open_to_public",
                cells::cell(columns, found.cells, "open_to_public"),
                true,
            ),
            url: link(&mut c, written_url),
            author: read(columns, "author", e.author.clone()),
            organiser_id: Patch::Keep,
            organiser_name: organiser(columns, &e, options, stored.as_ref()),
            audiences: audiences(&mut c, cell("audiences")),
            tags: read(columns, "categories", Some(e.categories.clone())),
            status: status(&mut c, cells::cell(columns, found.cells, "status")),
            visibility: visibility(&mut c, cell("visibility"), default_visibility),
        };
        let (stored, parsed) = match (existing, stored) {
            (Some(m), Some(stored)) => {
                let parsed = EventChange::parse(changing(patch, &stored)).and_then(|change| {
                    let mut fields = stored.clone();
                    change.apply(&mut fields);
                    timed(one_day(fields))
                });
                (Some((m.id, stored)), parsed)
            }
            _ => {
                let location = match patch.location {
                    Patch::Set(l) => l,
                    _ => LocationDraft::default(),
                };
                let draft = EventDraft {
                    title: e.title.clone(),
                    description: given(patch.description),
                    location,
                    starts_at: e.starts_at,
                    ends_at: given(patch.ends_at),
                    all_day: e.all_day,
                    timezone: Some(e.timezone.clone()),
                    open_to_public: given(patch.open_to_public).unwrap_or(true),
                    url: given(patch.url),
                    author: given(patch.author),
                    organiser_id: Some(org),
                    organiser_name: given(patch.organiser_name),
                    audiences: given(patch.audiences).unwrap_or_default(),
                    tags: given(patch.tags).unwrap_or_default(),
                    status: given(patch.status).unwrap_or(EventStatus::Scheduled),
                    visibility: given(patch.visibility).unwrap_or(default_visibility),
                };
                (
                    None,
                    EventFields::parse(draft).and_then(|fields| timed(one_day(fields))),
                )
            }
        };
        if let Ok(fields) = &parsed
            && let Some(note) = fields.place_note()
        {
            c.warn("postal_code", note.to_string());
        }
        let uid = e.uid;
        planned.push(settle_row(
            c,
            report,
            (line, label),
            stored,
            parsed,
            values,
            |id, fields| Write::Event { id, uid, fields },
        ));
    }
    Ok(planned)
}

/// The status cell: a stored name or a French word; anything saying « annulé » or
/// « cancelled » is cancelled.
fn status(c: &mut Checker, cell: Cell) -> Patch<EventStatus> {
    if let Cell::Value(value) = cell {
        let n = crate::feeds::tabular::normalise_header(value);
        if n.contains("annul") || n.contains("cancel") {
            return Patch::Set(EventStatus::Cancelled);
        }
    }
    enum_cell(
        c,
        "status",
        cell,
        EventStatus::as_str,
        EVENT_STATUSES,
        EventStatus::Scheduled,
        "a status (SCHEDULED, CANCELLED, REMOVED_UPSTREAM; prévu, annulé, retiré de sa source)",
    )
}
