use crate::store::audit::Subject;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::validate as v;
use crate::error::AppResult;
use crate::graphql::contact::Contact;
use crate::graphql::enums::{Audience, Region, Visibility, audiences};
use crate::graphql::error::{IntoGql, parse_id};
use crate::graphql::exec::viewer;
use crate::graphql::write::{create_record, default_owner, delete_record, opt_id, same, set, set_opt, update_record};
type Contacts = entity::contact::Entity;
use crate::store::contacts::ContactFields;

#[derive(InputObject)]
pub struct CreateContactInput {
    pub organisation_id: Option<ID>,
    pub first_name: String,
    pub last_name: String,
    pub job_title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub region: Option<Region>,
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
        Ok(ContactFields {
            organisation_id: opt_id("organisationId", self.organisation_id)?,
            first_name: v::text("firstName", &self.first_name, v::NAME_MAX)?,
            last_name: v::text("lastName", &self.last_name, v::NAME_MAX)?,
            job_title: v::opt_text("jobTitle", self.job_title, v::TITLE_MAX)?,
            email: v::opt_email("email", self.email)?,
            phone: v::opt_phone("phone", self.phone)?,
            region: self.region.map(Into::into),
            city: v::opt_text("city", self.city, v::TITLE_MAX)?,
            audiences: audiences(self.audiences),
            tags: v::tags("tags", self.tags)?,
            notes: v::opt_long_text("notes", self.notes)?,
            visibility: self.visibility.into(),
            consent_at: self.consent_at,
        })
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
    pub city: MaybeUndefined<String>,
    pub audiences: MaybeUndefined<Vec<Audience>>,
    pub tags: MaybeUndefined<Vec<String>>,
    pub notes: MaybeUndefined<String>,
    pub visibility: MaybeUndefined<Visibility>,
    pub consent_at: MaybeUndefined<DateTime<Utc>>,
}

impl UpdateContactInput {
    fn apply(self, f: &mut ContactFields) -> AppResult<()> {
        set_opt(&mut f.organisation_id, self.organisation_id, |x| {
            opt_id("organisationId", x)
        })?;
        set("firstName", &mut f.first_name, self.first_name, |x| {
            v::text("firstName", &x, v::NAME_MAX)
        })?;
        set("lastName", &mut f.last_name, self.last_name, |x| {
            v::text("lastName", &x, v::NAME_MAX)
        })?;
        set_opt(&mut f.job_title, self.job_title, |x| {
            v::opt_text("jobTitle", x, v::TITLE_MAX)
        })?;
        set_opt(&mut f.email, self.email, |x| v::opt_email("email", x))?;
        set_opt(&mut f.phone, self.phone, |x| v::opt_phone("phone", x))?;
        set_opt(&mut f.region, self.region, |x| same(x.map(Into::into)))?;
        set_opt(&mut f.city, self.city, |x| v::opt_text("city", x, v::TITLE_MAX))?;
        set("audiences", &mut f.audiences, self.audiences, |x| Ok(audiences(x)))?;
        set("tags", &mut f.tags, self.tags, |x| v::tags("tags", x))?;
        set_opt(&mut f.notes, self.notes, |x| v::opt_long_text("notes", x))?;
        set("visibility", &mut f.visibility, self.visibility, |x| Ok(x.into()))?;
        set_opt(&mut f.consent_at, self.consent_at, same)?;
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
