//! Resources: the workshop's layout (`Objet;Contenu;Description;Lien;Auteur;Libre de droit`,
//! no title: the content stands for it) or the resources export's columns.

use entity::{ResourceKind, Visibility};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::cells::{self, Cell};
use super::{
    Checker, Names, Options, Planned, Report, Seen, Write, audiences, boolean, flag, given, joined, link, missing,
    other_organisation, read_table, readable, region, same_as, settle_row, tags, text, unless_same, unless_same_opt,
    upper, visibility, whose,
};
use crate::domain::Patch;
use crate::domain::resource::{DEFAULT_LANGUAGE, ResourceChange, ResourceDraft, ResourceFields, ResourcePatch};
use crate::domain::validate::cut;
use crate::domain::words::RESOURCE_KINDS;
use crate::error::AppResult;
use crate::feeds::tabular::Aliases;
use crate::store::imports;

const COLUMNS: Aliases = &[
    ("uid", &["uid", "id", "identifiant"]),
    ("organisation", &["organisation", "organization"]),
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
    ("region", &["region"]),
    ("audiences", &["audiences", "publics", "public", "cibles"]),
    ("tags", &["tags", "motscles", "themes"]),
    ("visibility", &["visibility", "visibilite"]),
];

const NAMES: Names = &[
    ("title", "title"),
    ("content", "content"),
    ("description", "description"),
    ("url", "url"),
    ("author", "author"),
    ("freeOfRights", "free_of_rights"),
    ("licence", "licence"),
    ("language", "language"),
    ("region", "region"),
    ("audiences", "audiences"),
    ("tags", "tags"),
    ("visibility", "visibility"),
];

/// The first `max` characters of `text`, with an ellipsis when it was longer.
fn abridged(text: &str, max: usize) -> String {
    if text.chars().count() > max {
        format!("{}…", cut(text, max))
    } else {
        text.to_string()
    }
}

/// The kind a cell names. Partners write free text in « Objet »: a word the hub does not know
/// is a warning, and the kind stays what it is (`OTHER` for a new resource).
fn kind(c: &mut Checker, cell: Cell, creating: bool) -> Patch<ResourceKind> {
    match cell {
        Cell::Absent => Patch::Keep,
        Cell::Empty => {
            c.defaulted("kind", "read as OTHER");
            Patch::Set(ResourceKind::Other)
        }
        Cell::Value(value) => match super::cells::enum_value(value, ResourceKind::as_str, RESOURCE_KINDS) {
            Some(kind) => Patch::Set(kind),
            None if creating => {
                c.warn(
                    "kind",
                    format!("{value:?} is not a kind the hub knows: stored as OTHER"),
                );
                Patch::Set(ResourceKind::Other)
            }
            None => {
                c.warn(
                    "kind",
                    format!("{value:?} is not a kind the hub knows: the kind is kept"),
                );
                Patch::Keep
            }
        },
    }
}

/// A resource's fields as the report shows them.
fn values(f: &ResourceFields) -> super::Values {
    vec![
        ("kind", upper(f.kind.as_str())),
        ("title", Some(f.title.clone())),
        ("content", text(f.content.as_deref())),
        ("description", text(f.description.as_deref())),
        ("url", text(f.url.as_deref())),
        ("author", text(f.author.as_deref())),
        ("freeOfRights", flag(f.free_of_rights)),
        ("licence", text(f.licence.as_deref())),
        ("language", Some(f.language.clone())),
        ("region", f.region.and_then(|r| upper(r.as_str()))),
        ("audiences", joined(f.audiences.iter().map(|a| a.as_str()))),
        ("tags", joined(f.tags.iter().map(String::as_str))),
        ("visibility", upper(f.visibility.as_str())),
    ]
}

/// What of `patch` changes `stored`.
fn changing(p: ResourcePatch, stored: &ResourceFields) -> ResourcePatch {
    ResourcePatch {
        kind: unless_same(p.kind, &stored.kind),
        title: unless_same(p.title, &stored.title),
        content: unless_same_opt(p.content, &stored.content),
        description: unless_same_opt(p.description, &stored.description),
        url: unless_same_opt(p.url, &stored.url),
        author: unless_same_opt(p.author, &stored.author),
        free_of_rights: unless_same(p.free_of_rights, &stored.free_of_rights),
        licence: unless_same_opt(p.licence, &stored.licence),
        language: unless_same(p.language, &stored.language),
        region: unless_same_opt(p.region, &stored.region),
        audiences: unless_same(p.audiences, &stored.audiences),
        tags: unless_same(p.tags, &stored.tags),
        organisation_id: Patch::Keep,
        visibility: unless_same(p.visibility, &stored.visibility),
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
    if !["title", "content", "description", "url"]
        .iter()
        .any(|t| columns.has(t))
    {
        missing(&columns, &["title"])?;
    }
    let all = [&columns];
    let org = options.organisation_id;
    let default_visibility = options.visibility.unwrap_or(Visibility::Public);
    let mut planned = Vec::new();
    let mut seen = Seen::default();
    for (line, r) in readable(&table, report, &mut planned) {
        let cell = |t: &str| cells::cell(&columns, r, t);
        let mut c = Checker::new(&all, NAMES, line);
        // The workshop's layout has no title: the first words of the content stand for it.
        let title = match cell("title") {
            Cell::Value(title) => Some(title.to_string()),
            _ => cell("content")
                .value()
                .or(cell("description").value())
                .map(|t| abridged(&crate::feeds::text::plain(t), 120))
                .or_else(|| cell("url").value().map(str::to_string)),
        };
        let Some(title) = title else {
            c.fail("title", "the row has no title, content, description or link".into());
            c.report(report);
            planned.push(Planned::refused(line, String::new()));
            continue;
        };
        let label = title.clone();
        if let Some(reason) = other_organisation(db, cell("organisation"), options, &mut seen).await? {
            planned.push(Planned::skipped(line, label, None, reason));
            continue;
        }
        let mut existing = None;
        if let Some(id) = cell("uid").value().and_then(|u| Uuid::parse_str(u).ok()) {
            match whose(imports::resource_by_id(db, org, id).await?) {
                Ok(found) => existing = found,
                Err(reason) => {
                    planned.push(Planned::skipped(line, label, Some(id), reason));
                    continue;
                }
            }
        }
        if existing.is_none() {
            existing = imports::resource_by_title(db, org, &title).await?;
        }
        let key = match &existing {
            Some(m) => m.id.to_string(),
            None => title.trim().to_lowercase(),
        };
        if let Some(first_line) = seen.claim(key, line) {
            let id = existing.as_ref().map(|m| m.id);
            planned.push(Planned::skipped(line, label, id, same_as("resource", first_line)));
            continue;
        }
        let patch = ResourcePatch {
            kind: kind(&mut c, cell("kind"), existing.is_none()),
            title: Patch::Set(title),
            content: cell("content").text(),
            description: cell("description").text(),
            url: link(&mut c, cell("url")),
            author: cell("author").text(),
            free_of_rights: boolean(&mut c, "free_of_rights", cell("free_of_rights"), false),
            licence: cell("licence").text(),
            language: match cell("language") {
                Cell::Empty => {
                    c.defaulted("language", &format!("read as {DEFAULT_LANGUAGE}"));
                    Patch::Set(DEFAULT_LANGUAGE.to_string())
                }
                other => other.text(),
            },
            region: region(&mut c, cell("region")),
            audiences: audiences(&mut c, cell("audiences")),
            tags: tags(cell("tags")),
            organisation_id: Patch::Keep,
            visibility: visibility(&mut c, cell("visibility"), default_visibility),
        };
        let (stored, parsed) = match existing {
            None => {
                let draft = ResourceDraft {
                    organisation_id: Some(org),
                    kind: given(patch.kind).unwrap_or(ResourceKind::Other),
                    title: given(patch.title).unwrap_or_default(),
                    content: given(patch.content),
                    description: given(patch.description),
                    url: given(patch.url),
                    author: given(patch.author),
                    free_of_rights: given(patch.free_of_rights).unwrap_or(false),
                    licence: given(patch.licence),
                    language: given(patch.language),
                    region: given(patch.region),
                    audiences: given(patch.audiences).unwrap_or_default(),
                    tags: given(patch.tags).unwrap_or_default(),
                    visibility: given(patch.visibility).unwrap_or(default_visibility),
                };
                (None, ResourceFields::parse(draft))
            }
            Some(m) => {
                let stored = ResourceFields::from(&m);
                let parsed = ResourceChange::parse(changing(patch, &stored)).map(|change| {
                    let mut fields = stored.clone();
                    change.apply(&mut fields);
                    fields
                });
                (Some((m.id, stored)), parsed)
            }
        };
        planned.push(settle_row(
            c,
            report,
            (line, label),
            stored,
            parsed,
            values,
            |id, fields| Write::Resource { id, fields },
        ));
    }
    Ok(planned)
}
