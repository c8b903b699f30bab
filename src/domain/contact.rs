//! A contact's write rules: the pooled address book.

use chrono::{DateTime, Utc};
use entity::{Audience, Region, Visibility};
use uuid::Uuid;

use super::validate::{self, NAME_MAX, TITLE_MAX};
use super::{Checks, Invalid, Patch, put};
use crate::error::AppResult;

/// Every field of a contact a user can set, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct ContactFields {
    pub organisation_id: Option<Uuid>,
    pub first_name: String,
    pub last_name: String,
    pub job_title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub region: Option<Region>,
    /// Département code (`25`, `2A`, `974`).
    pub departement: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub audiences: Vec<Audience>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    pub visibility: Visibility,
    pub consent_at: Option<DateTime<Utc>>,
}

impl From<&entity::contact::Model> for ContactFields {
    fn from(m: &entity::contact::Model) -> Self {
        ContactFields {
            organisation_id: m.organisation_id,
            first_name: m.first_name.clone(),
            last_name: m.last_name.clone(),
            job_title: m.job_title.clone(),
            email: m.email.clone(),
            phone: m.phone.clone(),
            region: m.region,
            departement: m.departement.clone(),
            postal_code: m.postal_code.clone(),
            city: m.city.clone(),
            audiences: m.audiences.0.clone(),
            tags: m.tags.0.clone(),
            notes: m.notes.clone(),
            visibility: m.visibility,
            consent_at: m.consent_at,
        }
    }
}

/// A new contact as an entry point has it. The département and région it lacks are filled
/// from its postal code or city (`places`).
#[derive(Clone, Debug)]
pub struct ContactDraft {
    pub organisation_id: Option<Uuid>,
    pub first_name: String,
    pub last_name: String,
    pub job_title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub region: Option<Region>,
    pub departement: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub audiences: Vec<Audience>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    pub visibility: Visibility,
    pub consent_at: Option<DateTime<Utc>>,
}

/// A change to a contact, field by field.
#[derive(Clone, Debug, Default)]
pub struct ContactPatch {
    pub organisation_id: Patch<Uuid>,
    pub first_name: Patch<String>,
    pub last_name: Patch<String>,
    pub job_title: Patch<String>,
    pub email: Patch<String>,
    pub phone: Patch<String>,
    pub region: Patch<Region>,
    pub departement: Patch<String>,
    pub postal_code: Patch<String>,
    pub city: Patch<String>,
    pub audiences: Patch<Vec<Audience>>,
    pub tags: Patch<Vec<String>>,
    pub notes: Patch<String>,
    pub visibility: Patch<Visibility>,
    pub consent_at: Patch<DateTime<Utc>>,
}

/// A validated change: the new value of each field it changes.
#[derive(Clone, Debug)]
pub struct ContactChange {
    organisation_id: Option<Option<Uuid>>,
    first_name: Option<String>,
    last_name: Option<String>,
    job_title: Option<Option<String>>,
    email: Option<Option<String>>,
    phone: Option<Option<String>>,
    region: Option<Option<Region>>,
    departement: Option<Option<String>>,
    postal_code: Option<Option<String>>,
    city: Option<Option<String>>,
    audiences: Option<Vec<Audience>>,
    tags: Option<Vec<String>>,
    notes: Option<Option<String>>,
    visibility: Option<Visibility>,
    consent_at: Option<Option<DateTime<Utc>>>,
}

fn first_name(value: &str) -> AppResult<String> {
    validate::text("firstName", value, NAME_MAX)
}

fn last_name(value: &str) -> AppResult<String> {
    validate::text("lastName", value, NAME_MAX)
}

fn job_title(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_text("jobTitle", value, TITLE_MAX)
}

fn email(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_email("email", value)
}

fn phone(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_phone("phone", value)
}

fn city(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_text("city", value, TITLE_MAX)
}

fn departement(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_departement("departement", value)
}

fn postal_code(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_postal_code("postalCode", value)
}

fn audiences(values: Vec<Audience>) -> Vec<Audience> {
    validate::dedup(values)
}

fn tags(values: Vec<String>) -> AppResult<Vec<String>> {
    validate::tags("tags", values)
}

fn notes(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_rich_text("notes", value)
}

impl ContactFields {
    /// A new contact, or every field it refuses.
    pub fn parse(d: ContactDraft) -> Result<ContactFields, Invalid> {
        let mut c = Checks::default();
        // Checked in the order written.
        let mut fields = ContactFields {
            organisation_id: d.organisation_id,
            first_name: c.value(first_name(&d.first_name)),
            last_name: c.value(last_name(&d.last_name)),
            job_title: c.value(job_title(d.job_title)),
            email: c.value(email(d.email)),
            phone: c.value(phone(d.phone)),
            region: d.region,
            departement: c.value(departement(d.departement)),
            postal_code: c.value(postal_code(d.postal_code)),
            city: c.value(city(d.city)),
            audiences: audiences(d.audiences),
            tags: c.value(tags(d.tags)),
            notes: c.value(notes(d.notes)),
            visibility: d.visibility,
            consent_at: d.consent_at,
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

impl ContactChange {
    /// A change, or every field it refuses.
    pub fn parse(p: ContactPatch) -> Result<ContactChange, Invalid> {
        let mut c = Checks::default();
        // Checked in the order written.
        let change = ContactChange {
            organisation_id: c.optional(p.organisation_id, Ok),
            first_name: c.required("firstName", p.first_name, |v| first_name(&v)),
            last_name: c.required("lastName", p.last_name, |v| last_name(&v)),
            job_title: c.optional(p.job_title, job_title),
            email: c.optional(p.email, email),
            phone: c.optional(p.phone, phone),
            region: c.optional(p.region, Ok),
            departement: c.optional(p.departement, departement),
            postal_code: c.optional(p.postal_code, postal_code),
            city: c.optional(p.city, city),
            audiences: c.required("audiences", p.audiences, |v| Ok(audiences(v))),
            tags: c.required("tags", p.tags, tags),
            notes: c.optional(p.notes, notes),
            visibility: c.required("visibility", p.visibility, Ok),
            consent_at: c.optional(p.consent_at, Ok),
        };
        c.finish(change)
    }

    /// Applies the change. A new postal code or city it gives places the contact again: the
    /// département and région it does not give follow the new place.
    pub fn apply(mut self, f: &mut ContactFields) {
        super::moved(&self.postal_code, &self.city, &mut self.departement, &mut self.region);
        put(&mut f.organisation_id, self.organisation_id);
        put(&mut f.first_name, self.first_name);
        put(&mut f.last_name, self.last_name);
        put(&mut f.job_title, self.job_title);
        put(&mut f.email, self.email);
        put(&mut f.phone, self.phone);
        put(&mut f.region, self.region);
        put(&mut f.departement, self.departement);
        put(&mut f.postal_code, self.postal_code);
        put(&mut f.city, self.city);
        put(&mut f.audiences, self.audiences);
        put(&mut f.tags, self.tags);
        put(&mut f.notes, self.notes);
        put(&mut f.visibility, self.visibility);
        put(&mut f.consent_at, self.consent_at);
        f.complete_place();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    fn draft() -> ContactDraft {
        ContactDraft {
            organisation_id: None,
            first_name: " Camille ".into(),
            last_name: "Martin".into(),
            job_title: None,
            email: Some("Camille.Martin@Example.ORG".into()),
            phone: Some("+33 1  99 00 12 34".into()),
            region: None,
            departement: None,
            postal_code: None,
            city: Some("".into()),
            audiences: Vec::new(),
            tags: Vec::new(),
            notes: None,
            visibility: Visibility::Partners,
            consent_at: None,
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
        let f = ContactFields::parse(draft()).expect("valid");
        assert_eq!(f.first_name, "Camille");
        assert_eq!(f.email.as_deref(), Some("Camille.Martin@example.org"));
        assert_eq!(f.phone.as_deref(), Some("+33 1 99 00 12 34"));
        assert_eq!(f.city, None);
    }

    #[test]
    fn names_are_required_and_every_bad_field_is_refused_in_order() {
        let bad = ContactDraft {
            first_name: "".into(),
            last_name: "x".repeat(NAME_MAX + 1),
            email: Some("not-an-email".into()),
            phone: Some("12".into()),
            ..draft()
        };
        let invalid = ContactFields::parse(bad).expect_err("refused");
        assert_eq!(fields(&invalid), ["firstName", "lastName", "email", "phone"]);
        assert_eq!(invalid.first().to_string(), "firstName must not be empty");
    }

    #[test]
    fn a_contact_is_placed_by_its_city_or_postal_code_and_moves_with_them() {
        let mut f = ContactFields::parse(ContactDraft {
            city: Some("Besançon".into()),
            ..draft()
        })
        .expect("valid");
        assert_eq!(
            (f.departement.as_deref(), f.region, f.postal_code.as_deref()),
            (Some("25"), Some(Region::BourgogneFrancheComte), Some("25000"))
        );
        ContactChange::parse(ContactPatch {
            postal_code: Patch::Set("97400".into()),
            city: Patch::Clear,
            ..Default::default()
        })
        .expect("valid")
        .apply(&mut f);
        assert_eq!(
            (f.departement.as_deref(), f.region, f.city.as_deref()),
            (Some("974"), Some(Region::LaReunion), Some("Saint-Denis"))
        );
        // A département given with the change is kept.
        ContactChange::parse(ContactPatch {
            postal_code: Patch::Set("20000".into()),
            departement: Patch::Set("2B".into()),
            ..Default::default()
        })
        .expect("valid")
        .apply(&mut f);
        assert_eq!((f.departement.as_deref(), f.region), (Some("2B"), Some(Region::Corse)));
        let refused = ContactFields::parse(ContactDraft {
            postal_code: Some("2500".into()),
            departement: Some("20".into()),
            ..draft()
        })
        .expect_err("refused");
        assert_eq!(fields(&refused), ["departement", "postalCode"]);
    }

    #[test]
    fn a_change_refuses_null_names_and_clears_the_rest() {
        let mut f = ContactFields::parse(draft()).expect("valid");
        ContactChange::parse(ContactPatch {
            email: Patch::Clear,
            job_title: Patch::Set("Ingénieure".into()),
            ..Default::default()
        })
        .expect("valid")
        .apply(&mut f);
        assert_eq!((f.email.as_deref(), f.job_title.as_deref()), (None, Some("Ingénieure")));
        let refused = ContactChange::parse(ContactPatch {
            last_name: Patch::Clear,
            ..Default::default()
        })
        .expect_err("refused");
        assert_eq!(refused.first().to_string(), "lastName cannot be null");
    }
}
