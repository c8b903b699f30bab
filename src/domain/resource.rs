//! A resource's write rules: teaching kits, videos, posters, portraits and guides.

use entity::{Audience, Region, ResourceKind, Visibility};
use uuid::Uuid;

use super::validate::{self, TITLE_MAX};
use super::{Checks, Invalid, Patch, put};
use crate::error::AppResult;

/// The language of a resource that names none.
pub const DEFAULT_LANGUAGE: &str = "fr";
const LICENCE_MAX: usize = 100;

/// Every field of a resource a user can set, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceFields {
    pub organisation_id: Option<Uuid>,
    pub kind: ResourceKind,
    pub title: String,
    pub content: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub author: Option<String>,
    pub free_of_rights: bool,
    pub licence: Option<String>,
    pub language: String,
    /// The région it is about or made for (none: the whole country).
    pub region: Option<Region>,
    pub audiences: Vec<Audience>,
    pub tags: Vec<String>,
    pub visibility: Visibility,
}

impl From<&entity::resource::Model> for ResourceFields {
    fn from(m: &entity::resource::Model) -> Self {
        ResourceFields {
            organisation_id: m.organisation_id,
            kind: m.kind,
            title: m.title.clone(),
            content: m.content.clone(),
            description: m.description.clone(),
            url: m.url.clone(),
            author: m.author.clone(),
            free_of_rights: m.free_of_rights,
            licence: m.licence.clone(),
            language: m.language.clone(),
            region: m.region,
            audiences: m.audiences.0.clone(),
            tags: m.tags.0.clone(),
            visibility: m.visibility,
        }
    }
}

/// A new resource as an entry point has it.
#[derive(Clone, Debug)]
pub struct ResourceDraft {
    pub organisation_id: Option<Uuid>,
    pub kind: ResourceKind,
    pub title: String,
    pub content: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub author: Option<String>,
    pub free_of_rights: bool,
    pub licence: Option<String>,
    /// A language code; `DEFAULT_LANGUAGE` when absent.
    pub language: Option<String>,
    pub region: Option<Region>,
    pub audiences: Vec<Audience>,
    pub tags: Vec<String>,
    pub visibility: Visibility,
}

/// A change to a resource, field by field.
#[derive(Clone, Debug, Default)]
pub struct ResourcePatch {
    pub kind: Patch<ResourceKind>,
    pub title: Patch<String>,
    pub content: Patch<String>,
    pub description: Patch<String>,
    pub url: Patch<String>,
    pub author: Patch<String>,
    pub free_of_rights: Patch<bool>,
    pub licence: Patch<String>,
    pub language: Patch<String>,
    pub region: Patch<Region>,
    pub audiences: Patch<Vec<Audience>>,
    pub tags: Patch<Vec<String>>,
    pub organisation_id: Patch<Uuid>,
    pub visibility: Patch<Visibility>,
}

/// A validated change: the new value of each field it changes.
#[derive(Clone, Debug)]
pub struct ResourceChange {
    kind: Option<ResourceKind>,
    title: Option<String>,
    content: Option<Option<String>>,
    description: Option<Option<String>>,
    url: Option<Option<String>>,
    author: Option<Option<String>>,
    free_of_rights: Option<bool>,
    licence: Option<Option<String>>,
    language: Option<String>,
    region: Option<Option<Region>>,
    audiences: Option<Vec<Audience>>,
    tags: Option<Vec<String>>,
    organisation_id: Option<Option<Uuid>>,
    visibility: Option<Visibility>,
}

fn title(value: &str) -> AppResult<String> {
    validate::text("title", value, TITLE_MAX)
}

fn content(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_rich_text("content", value)
}

fn description(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_rich_text("description", value)
}

fn url(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_url("url", value)
}

fn author(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_text("author", value, TITLE_MAX)
}

fn licence(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_text("licence", value, LICENCE_MAX)
}

fn language(value: &str) -> AppResult<String> {
    validate::language("language", value)
}

fn audiences(values: Vec<Audience>) -> Vec<Audience> {
    validate::dedup(values)
}

fn tags(values: Vec<String>) -> AppResult<Vec<String>> {
    validate::tags("tags", values)
}

impl ResourceFields {
    /// A new resource, or every field it refuses.
    pub fn parse(d: ResourceDraft) -> Result<ResourceFields, Invalid> {
        let mut c = Checks::default();
        // Checked in the order written.
        let fields = ResourceFields {
            organisation_id: d.organisation_id,
            kind: d.kind,
            title: c.value(title(&d.title)),
            content: c.value(content(d.content)),
            description: c.value(description(d.description)),
            url: c.value(url(d.url)),
            author: c.value(author(d.author)),
            free_of_rights: d.free_of_rights,
            licence: c.value(licence(d.licence)),
            language: c.value(language(d.language.as_deref().unwrap_or(DEFAULT_LANGUAGE))),
            region: d.region,
            audiences: audiences(d.audiences),
            tags: c.value(tags(d.tags)),
            visibility: d.visibility,
        };
        c.finish(fields)
    }
}

impl ResourceChange {
    /// A change, or every field it refuses.
    pub fn parse(p: ResourcePatch) -> Result<ResourceChange, Invalid> {
        let mut c = Checks::default();
        // Checked in the order written.
        let change = ResourceChange {
            kind: c.required("kind", p.kind, Ok),
            title: c.required("title", p.title, |v| title(&v)),
            content: c.optional(p.content, content),
            description: c.optional(p.description, description),
            url: c.optional(p.url, url),
            author: c.optional(p.author, author),
            free_of_rights: c.required("freeOfRights", p.free_of_rights, Ok),
            licence: c.optional(p.licence, licence),
            language: c.required("language", p.language, |v| language(&v)),
            region: c.optional(p.region, Ok),
            audiences: c.required("audiences", p.audiences, |v| Ok(audiences(v))),
            tags: c.required("tags", p.tags, tags),
            organisation_id: c.optional(p.organisation_id, Ok),
            visibility: c.required("visibility", p.visibility, Ok),
        };
        c.finish(change)
    }

    pub fn apply(self, f: &mut ResourceFields) {
        put(&mut f.kind, self.kind);
        put(&mut f.title, self.title);
        put(&mut f.content, self.content);
        put(&mut f.description, self.description);
        put(&mut f.url, self.url);
        put(&mut f.author, self.author);
        put(&mut f.free_of_rights, self.free_of_rights);
        put(&mut f.licence, self.licence);
        put(&mut f.language, self.language);
        put(&mut f.region, self.region);
        put(&mut f.audiences, self.audiences);
        put(&mut f.tags, self.tags);
        put(&mut f.organisation_id, self.organisation_id);
        put(&mut f.visibility, self.visibility);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    fn draft() -> ResourceDraft {
        ResourceDraft {
            organisation_id: None,
            kind: ResourceKind::Video,
            title: "  Portrait d'une ingénieure  ".into(),
            content: Some("   ".into()),
            description: None,
            url: Some("https://example.org".into()),
            author: None,
            free_of_rights: true,
            licence: None,
            language: None,
            region: None,
            audiences: vec![Audience::Lycee, Audience::Lycee],
            tags: vec![" Vidéo ".into(), "vidéo".into()],
            visibility: Visibility::Public,
        }
    }

    fn fields(invalid: &Invalid) -> Vec<&str> {
        invalid
            .errors()
            .map(|e| match e {
                AppError::BadUserInput { field, .. } => field.as_str(),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_draft_is_normalised() {
        let f = ResourceFields::parse(draft()).expect("valid");
        assert_eq!(f.title, "Portrait d'une ingénieure");
        assert_eq!(f.content, None, "blank is absent");
        assert_eq!(f.url.as_deref(), Some("https://example.org/"));
        assert_eq!(f.language, DEFAULT_LANGUAGE);
        assert_eq!(f.audiences, [Audience::Lycee]);
        assert_eq!(f.tags, ["vidéo"]);
    }

    #[test]
    fn every_bad_field_is_refused_in_order() {
        let bad = ResourceDraft {
            title: " ".into(),
            url: Some("ftp://example.org".into()),
            licence: Some("x".repeat(LICENCE_MAX + 1)),
            language: Some("français".into()),
            ..draft()
        };
        let invalid = ResourceFields::parse(bad).expect_err("refused");
        assert_eq!(fields(&invalid), ["title", "url", "licence", "language"]);
    }

    #[test]
    fn a_change_refuses_null_on_required_fields_and_clears_optional_ones() {
        let mut f = ResourceFields::parse(draft()).expect("valid");
        let change = ResourceChange::parse(ResourcePatch {
            title: Patch::Set(" Nouveau titre ".into()),
            url: Patch::Clear,
            tags: Patch::Set(vec!["A".into()]),
            ..Default::default()
        })
        .expect("valid");
        change.apply(&mut f);
        assert_eq!((f.title.as_str(), f.url.as_deref()), ("Nouveau titre", None));
        assert_eq!((f.tags.as_slice(), f.free_of_rights), (&["a".to_string()][..], true));

        let refused = ResourceChange::parse(ResourcePatch {
            kind: Patch::Clear,
            title: Patch::Clear,
            language: Patch::Set("??".into()),
            ..Default::default()
        })
        .expect_err("refused");
        assert_eq!(fields(&refused), ["kind", "title", "language"]);
        assert_eq!(refused.first().to_string(), "kind cannot be null");
    }
}
