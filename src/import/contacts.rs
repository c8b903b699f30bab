//! Contacts: the contacts export's columns (English or French headers) or a partner's own
//! French headers (`Prénom;Nom;Fonction;E-mail;Téléphone;Ville;Publics…`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use entity::Visibility;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::cells::{self, Cell};
use super::{
    Checker, Names, Options, Planned, Report, Seen, Write, audiences, given, joined, missing, other_organisation,
    read_table, readable, region, required, same_as, settle_row, tags, text, unless_same, unless_same_opt, upper,
    visibility, whose,
};
use crate::domain::Patch;
use crate::domain::contact::{ContactChange, ContactDraft, ContactFields, ContactPatch};
use crate::error::AppResult;
use crate::feeds::tabular::Aliases;
use crate::store::imports;

const COLUMNS: Aliases = &[
    ("uid", &["uid", "id", "identifiant"]),
    ("organisation", &["organisation", "organization"]),
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

const NAMES: Names = &[
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

/// When consent was given: an RFC 3339 instant, or a date (midnight UTC), or a date and time
/// (`dd/mm/yyyy HH:MM`, `yyyy-mm-dd HH:MM`) in the import's zone.
fn consent(c: &mut Checker, cell: Cell, zone: chrono_tz::Tz) -> Patch<DateTime<Utc>> {
    let value = match cell {
        Cell::Value(value) => value,
        Cell::Empty => return Patch::Clear,
        Cell::Absent => return Patch::Keep,
    };
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Patch::Set(at.with_timezone(&Utc));
    }
    for format in [
        "%d/%m/%Y %H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%d/%m/%Y %H:%M:%S",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(value, format) {
            return Patch::Set(crate::feeds::time::instant(zone, local));
        }
    }
    for format in ["%d/%m/%Y", "%Y-%m-%d"] {
        if let Ok(day) = NaiveDate::parse_from_str(value, format) {
            return Patch::Set(day.and_time(chrono::NaiveTime::MIN).and_utc());
        }
    }
    c.fail(
        "consent_at",
        format!("{value:?} is not a date (dd/mm/yyyy [HH:MM] or RFC 3339)"),
    );
    Patch::Keep
}

/// A contact's fields as the report shows them.
fn values(f: &ContactFields) -> super::Values {
    vec![
        ("firstName", Some(f.first_name.clone())),
        ("lastName", Some(f.last_name.clone())),
        ("jobTitle", text(f.job_title.as_deref())),
        ("email", text(f.email.as_deref())),
        ("phone", text(f.phone.as_deref())),
        ("region", f.region.and_then(|r| upper(r.as_str()))),
        ("departement", text(f.departement.as_deref())),
        ("postalCode", text(f.postal_code.as_deref())),
        ("city", text(f.city.as_deref())),
        ("audiences", joined(f.audiences.iter().map(|a| a.as_str()))),
        ("tags", joined(f.tags.iter().map(String::as_str))),
        ("notes", text(f.notes.as_deref())),
        ("visibility", upper(f.visibility.as_str())),
        ("consentAt", f.consent_at.and_then(super::instant)),
    ]
}

/// What of `patch` changes `stored`.
fn changing(p: ContactPatch, stored: &ContactFields) -> ContactPatch {
    ContactPatch {
        organisation_id: Patch::Keep,
        first_name: unless_same(p.first_name, &stored.first_name),
        last_name: unless_same(p.last_name, &stored.last_name),
        job_title: unless_same_opt(p.job_title, &stored.job_title),
        email: unless_same_opt(p.email, &stored.email),
        phone: unless_same_opt(p.phone, &stored.phone),
        region: unless_same_opt(p.region, &stored.region),
        departement: unless_same_opt(p.departement, &stored.departement),
        postal_code: unless_same_opt(p.postal_code, &stored.postal_code),
        city: unless_same_opt(p.city, &stored.city),
        audiences: unless_same(p.audiences, &stored.audiences),
        tags: unless_same(p.tags, &stored.tags),
        notes: unless_same_opt(p.notes, &stored.notes),
        visibility: unless_same(p.visibility, &stored.visibility),
        consent_at: unless_same_opt(p.consent_at, &stored.consent_at),
    }
}

pub(super) async fn plan(
    db: &impl ConnectionTrait,
    body: &[u8],
    options: &Options,
    report: &mut Report,
) -> AppResult<Vec<Planned>> {
    let table = read_table(body)?;
    let columns = table.columns(COLUMNS);
    missing(&columns, &["first_name", "last_name"])?;
    let all = [&columns];
    let org = options.organisation_id;
    let default_visibility = options.visibility.unwrap_or(Visibility::Partners);
    let mut planned = Vec::new();
    let mut seen = Seen::default();
    for (line, r) in readable(&table, report, &mut planned) {
        let cell = |t: &str| cells::cell(&columns, r, t);
        let (first, last) = (
            cell("first_name").value().unwrap_or_default(),
            cell("last_name").value().unwrap_or_default(),
        );
        let label = format!("{first} {last}").trim().to_string();
        if let Some(reason) = other_organisation(db, cell("organisation"), options, &mut seen).await? {
            planned.push(Planned::skipped(line, label, None, reason));
            continue;
        }
        let mut existing = None;
        if let Some(id) = cell("uid").value().and_then(|u| Uuid::parse_str(u).ok()) {
            match whose(imports::contact_by_id(db, org, id).await?) {
                Ok(found) => existing = found,
                Err(reason) => {
                    planned.push(Planned::skipped(line, label, Some(id), reason));
                    continue;
                }
            }
        }
        let email = cell("email").value();
        if existing.is_none() {
            existing = imports::contact_by_key(db, org, email, (first, last)).await?;
        }
        let key = match (&existing, email) {
            (Some(m), _) => m.id.to_string(),
            (None, Some(email)) => email.to_lowercase(),
            (None, None) => format!("{}\u{1f}{}", first.to_lowercase(), last.to_lowercase()),
        };
        if let Some(first_line) = seen.claim(key, line) {
            let id = existing.as_ref().map(|m| m.id);
            planned.push(Planned::skipped(line, label, id, same_as("contact", first_line)));
            continue;
        }
        let mut c = Checker::new(&all, NAMES, line);
        let patch = ContactPatch {
            organisation_id: Patch::Keep,
            first_name: required(cell("first_name")),
            last_name: required(cell("last_name")),
            job_title: cell("job_title").text(),
            email: cell("email").text(),
            phone: cell("phone").text(),
            region: region(&mut c, cell("region")),
            departement: cell("departement").text(),
            // « 69100 Villeurbanne » in a postal code cell: the code.
            postal_code: match cell("postal_code") {
                Cell::Value(v) => Patch::Set(crate::places::postal_code_in(v).unwrap_or(v).to_string()),
                other => other.text(),
            },
            city: cell("city").text(),
            audiences: audiences(&mut c, cell("audiences")),
            tags: tags(cell("tags")),
            notes: cell("notes").text(),
            visibility: visibility(&mut c, cell("visibility"), default_visibility),
            consent_at: consent(&mut c, cell("consent_at"), options.timezone),
        };
        let (stored, parsed) = match existing {
            None => {
                let draft = ContactDraft {
                    organisation_id: Some(org),
                    first_name: given(patch.first_name).unwrap_or_default(),
                    last_name: given(patch.last_name).unwrap_or_default(),
                    job_title: given(patch.job_title),
                    email: given(patch.email),
                    phone: given(patch.phone),
                    region: given(patch.region),
                    departement: given(patch.departement),
                    postal_code: given(patch.postal_code),
                    city: given(patch.city),
                    audiences: given(patch.audiences).unwrap_or_default(),
                    tags: given(patch.tags).unwrap_or_default(),
                    notes: given(patch.notes),
                    visibility: given(patch.visibility).unwrap_or(default_visibility),
                    consent_at: given(patch.consent_at),
                };
                (None, ContactFields::parse(draft))
            }
            Some(m) => {
                let stored = ContactFields::from(&m);
                let parsed = ContactChange::parse(changing(patch, &stored)).map(|change| {
                    let mut fields = stored.clone();
                    change.apply(&mut fields);
                    fields
                });
                (Some((m.id, stored)), parsed)
            }
        };
        if let Ok(fields) = &parsed
            && let Some(code) = fields.postal_code.as_deref()
            && fields.departement.is_none()
        {
            c.warn(
                "postal_code",
                crate::places::Note::UnknownPostalCode(code.into()).to_string(),
            );
        }
        planned.push(settle_row(
            c,
            report,
            (line, label),
            stored,
            parsed,
            values,
            |id, fields| Write::Contact { id, fields },
        ));
    }
    Ok(planned)
}
