//! An organisation's write rules: the partners of the hub.

use entity::{OrganisationKind, Region};

use super::validate::{self, TITLE_MAX};
use super::{Checks, Invalid, Patch, put};
use crate::error::AppResult;

/// Every field of an organisation a user can set, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct OrganisationFields {
    pub slug: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub region: Option<Region>,
    pub departement: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub website: Option<String>,
    pub description: Option<String>,
}

impl From<&entity::organisation::Model> for OrganisationFields {
    fn from(m: &entity::organisation::Model) -> Self {
        OrganisationFields {
            slug: m.slug.clone(),
            name: m.name.clone(),
            kind: m.kind,
            region: m.region,
            departement: m.departement.clone(),
            postal_code: m.postal_code.clone(),
            city: m.city.clone(),
            website: m.website.clone(),
            description: m.description.clone(),
        }
    }
}

/// A new organisation as an entry point has it. The département and région it lacks are
/// filled from its postal code or city (`places`).
#[derive(Clone, Debug)]
pub struct OrganisationDraft {
    pub slug: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub region: Option<Region>,
    pub departement: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub website: Option<String>,
    pub description: Option<String>,
}

/// A change to an organisation, field by field.
#[derive(Clone, Debug, Default)]
pub struct OrganisationPatch {
    pub slug: Patch<String>,
    pub name: Patch<String>,
    pub kind: Patch<OrganisationKind>,
    pub region: Patch<Region>,
    pub departement: Patch<String>,
    pub postal_code: Patch<String>,
    pub city: Patch<String>,
    pub website: Patch<String>,
    pub description: Patch<String>,
}

/// A validated change: the new value of each field it changes.
#[derive(Clone, Debug)]
pub struct OrganisationChange {
    slug: Option<String>,
    name: Option<String>,
    kind: Option<OrganisationKind>,
    region: Option<Option<Region>>,
    departement: Option<Option<String>>,
    postal_code: Option<Option<String>>,
    city: Option<Option<String>>,
    website: Option<Option<String>>,
    description: Option<Option<String>>,
}

fn slug(value: &str) -> AppResult<String> {
    validate::slug("slug", value)
}

fn name(value: &str) -> AppResult<String> {
    validate::text("name", value, TITLE_MAX)
}

fn departement(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_departement("departement", value)
}

fn postal_code(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_postal_code("postalCode", value)
}

fn city(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_text("city", value, TITLE_MAX)
}

fn website(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_url("website", value)
}

fn description(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_rich_text("description", value)
}

impl OrganisationFields {
    /// A new organisation, or every field it refuses.
    pub fn parse(d: OrganisationDraft) -> Result<OrganisationFields, Invalid> {
        let mut c = Checks::default();
        // Checked in the order written.
        let mut fields = OrganisationFields {
            slug: c.value(slug(&d.slug)),
            name: c.value(name(&d.name)),
            kind: d.kind,
            region: d.region,
            departement: c.value(departement(d.departement)),
            postal_code: c.value(postal_code(d.postal_code)),
            city: c.value(city(d.city)),
            website: c.value(website(d.website)),
            description: c.value(description(d.description)),
        };
        fields.complete_place();
        c.finish(fields)
    }

    /// Fills the postal code, city, département and région it lacks (`places::complete`).
    pub fn complete_place(&mut self) -> Option<crate::places::Note> {
        super::complete_place(
            &mut self.postal_code,
            &mut self.city,
            &mut self.departement,
            &mut self.region,
        )
    }
}

impl OrganisationChange {
    /// A change, or every field it refuses.
    pub fn parse(p: OrganisationPatch) -> Result<OrganisationChange, Invalid> {
        let mut c = Checks::default();
        // Checked in the order written.
        let change = OrganisationChange {
            slug: c.required("slug", p.slug, |v| slug(&v)),
            name: c.required("name", p.name, |v| name(&v)),
            kind: c.required("kind", p.kind, Ok),
            region: c.optional(p.region, Ok),
            departement: c.optional(p.departement, departement),
            postal_code: c.optional(p.postal_code, postal_code),
            city: c.optional(p.city, city),
            website: c.optional(p.website, website),
            description: c.optional(p.description, description),
        };
        c.finish(change)
    }

    /// Applies the change. A new postal code or city it gives places the organisation again:
    /// the département and région it does not give follow the new place.
    pub fn apply(mut self, f: &mut OrganisationFields) {
        super::moved(&self.postal_code, &self.city, &mut self.departement, &mut self.region);
        put(&mut f.slug, self.slug);
        put(&mut f.name, self.name);
        put(&mut f.kind, self.kind);
        put(&mut f.region, self.region);
        put(&mut f.departement, self.departement);
        put(&mut f.postal_code, self.postal_code);
        put(&mut f.city, self.city);
        put(&mut f.website, self.website);
        put(&mut f.description, self.description);
        f.complete_place();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> OrganisationDraft {
        OrganisationDraft {
            slug: " cmq-msi ".into(),
            name: "Campus des métiers MSI".into(),
            kind: OrganisationKind::Cmq,
            region: None,
            departement: Some("2a".into()),
            postal_code: None,
            city: None,
            website: None,
            description: Some("".into()),
        }
    }

    #[test]
    fn a_draft_is_normalised() {
        let f = OrganisationFields::parse(draft()).expect("valid");
        assert_eq!((f.slug.as_str(), f.departement.as_deref()), ("cmq-msi", Some("2A")));
        assert_eq!(f.description, None);
    }

    #[test]
    fn bad_fields_are_refused_and_null_only_clears_optional_ones() {
        let invalid = OrganisationFields::parse(OrganisationDraft {
            slug: "Bad Slug".into(),
            website: Some("javascript:alert(1)".into()),
            ..draft()
        })
        .expect_err("refused");
        let messages: Vec<String> = invalid.errors().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "slug must be 2 to 64 lowercase letters or digits separated by single hyphens",
                "website must be an absolute http or https URL"
            ]
        );
        let refused = OrganisationChange::parse(OrganisationPatch {
            name: Patch::Clear,
            ..Default::default()
        })
        .expect_err("refused");
        assert_eq!(refused.first().to_string(), "name cannot be null");
        let mut f = OrganisationFields::parse(draft()).expect("valid");
        OrganisationChange::parse(OrganisationPatch {
            departement: Patch::Clear,
            ..Default::default()
        })
        .expect("valid")
        .apply(&mut f);
        assert_eq!(f.departement, None);
    }
}
