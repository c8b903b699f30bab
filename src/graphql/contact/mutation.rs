use crate::store::audit::Subject;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::contact::{ContactChange, ContactDraft, ContactFields, ContactPatch};
use crate::error::AppResult;
use crate::graphql::contact::Contact;
use crate::graphql::enums::{Audience, Region, Visibility, audiences};
use crate::graphql::error::{IntoGql, parse_id};
use crate::graphql::exec::viewer;
use crate::graphql::write::{create_record, default_owner, delete_record, opt_id, patch, patch_id, update_record};
type Contacts = entity::contact::Entity;

#[derive(InputObject)]
pub struct CreateContactInput {
    pub organisation_id: Option<ID>,
    pub first_name: String,
    pub last_name: String,
    pub job_title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Filled from the postal code or city when left out.
    pub region: Option<Region>,
    /// Département code (`25`, `2A`, `974`); filled from the postal code or city when left out.
    pub departement: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    #[graphql(default)]
    pub audiences: Vec<Audience>,
    #[graphql(default)]
    pub tags: Vec<String>,
    pub notes: Option<String>,
    #[graphql(default_with = "Visibility::Partners")]
    pub visibility: Visibility,
    pub consent_at: Option<DateTime<Utc>>,
}

impl CreateContactInput {
    fn into_fields(self) -> AppResult<ContactFields> {
        let draft = ContactDraft {
            organisation_id: opt_id("organisationId", self.organisation_id)?,
            first_name: self.first_name,
            last_name: self.last_name,
            job_title: self.job_title,
            email: self.email,
            phone: self.phone,
            region: self.region.map(Into::into),
            departement: self.departement,
            postal_code: self.postal_code,
            city: self.city,
            audiences: audiences(self.audiences),
            tags: self.tags,
            notes: self.notes,
            visibility: self.visibility.into(),
            consent_at: self.consent_at,
        };
        Ok(ContactFields::parse(draft)?)
    }
}

/// Only the fields given change; `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateContactInput {
    pub organisation_id: MaybeUndefined<ID>,
    pub first_name: MaybeUndefined<String>,
    pub last_name: MaybeUndefined<String>,
    pub job_title: MaybeUndefined<String>,
    pub email: MaybeUndefined<String>,
    pub phone: MaybeUndefined<String>,
    pub region: MaybeUndefined<Region>,
    pub departement: MaybeUndefined<String>,
    /// A new postal code (or city) places the contact again: the département and région not
    /// given with it follow the new place.
    pub postal_code: MaybeUndefined<String>,
    pub city: MaybeUndefined<String>,
    pub audiences: MaybeUndefined<Vec<Audience>>,
    pub tags: MaybeUndefined<Vec<String>>,
    pub notes: MaybeUndefined<String>,
    pub visibility: MaybeUndefined<Visibility>,
    pub consent_at: MaybeUndefined<DateTime<Utc>>,
}

impl UpdateContactInput {
    fn apply(self, f: &mut ContactFields) -> AppResult<()> {
        let change = ContactChange::parse(ContactPatch {
            organisation_id: patch_id("organisationId", self.organisation_id)?,
            first_name: patch(self.first_name, Into::into),
            last_name: patch(self.last_name, Into::into),
            job_title: patch(self.job_title, Into::into),
            email: patch(self.email, Into::into),
            phone: patch(self.phone, Into::into),
            region: patch(self.region, Into::into),
            departement: patch(self.departement, Into::into),
            postal_code: patch(self.postal_code, Into::into),
            city: patch(self.city, Into::into),
            audiences: patch(self.audiences, audiences),
            tags: patch(self.tags, Into::into),
            notes: patch(self.notes, Into::into),
            visibility: patch(self.visibility, Into::into),
            consent_at: patch(self.consent_at, Into::into),
        })?;
        change.apply(f);
        Ok(())
    }
}

#[derive(SimpleObject)]
pub struct CreateContactPayload {
    pub contact: Contact,
}

#[derive(SimpleObject)]
pub struct UpdateContactPayload {
    pub contact: Contact,
}

#[derive(SimpleObject)]
pub struct DeleteContactPayload {
    pub deleted_id: ID,
}

#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    async fn create_contact(&self, ctx: &Context<'_>, input: CreateContactInput) -> Result<CreateContactPayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let mut fields = input.into_fields().gql()?;
        default_owner(viewer, &mut fields.organisation_id);
        let model = create_record::<Contacts>(ctx, Subject::Contact, fields, |v, f| {
            v.require_editor_of(f.organisation_id)
        })
        .await
        .gql()?;
        Ok(CreateContactPayload {
            contact: Contact(std::sync::Arc::new(model)),
        })
    }

    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateContactInput,
    ) -> Result<UpdateContactPayload> {
        let id = parse_id("id", &id)?;
        let model = update_record::<Contacts>(
            ctx,
            Subject::Contact,
            id,
            |f| input.apply(f),
            |v, before| v.require_editor_of(before.organisation_id),
            |v, after| v.require_editor_of(after.organisation_id),
        )
        .await
        .gql()?;
        Ok(UpdateContactPayload {
            contact: Contact(std::sync::Arc::new(model)),
        })
    }

    /// Erases a contact for good.
    async fn delete_contact(&self, ctx: &Context<'_>, id: ID) -> Result<DeleteContactPayload> {
        let uuid = parse_id("id", &id)?;
        delete_record::<Contacts>(ctx, Subject::Contact, uuid, |v, m| {
            v.require_editor_of(m.organisation_id)
        })
        .await
        .gql()?;
        Ok(DeleteContactPayload { deleted_id: id })
    }
}
