use crate::graphql::scalars::DateTime;
use crate::store::audit::Subject;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use crate::domain::contact::{ContactChange, ContactDraft, ContactFields, ContactPatch};
use crate::error::AppResult;
use crate::graphql::contact::Contact;
use crate::graphql::enums::{Audience, Region, Visibility, audiences};
use crate::graphql::error::{IntoGql, parse_id};
use crate::graphql::exec::viewer;
use crate::graphql::write::{create_record, default_owner, delete_record, opt_id, patch, patch_id, update_record};
type Contacts = entity::contact::Entity;

/// A new contact. Texts are trimmed; a blank optional text is none. A field that breaks its
/// rule is refused with `BAD_USER_INPUT` and `extensions.field` naming it.
#[derive(InputObject)]
pub struct CreateContactInput {
    /// The organisation whose address book holds the contact. Editors may leave it out
    /// (their own organisation) and may give only their own; administrators any (or none).
    pub organisation_id: Option<ID>,
    /// First name, one line of 1 to 100 characters.
    pub first_name: String,
    /// Last name, one line of 1 to 100 characters.
    pub last_name: String,
    /// What the person does, one line of at most 200 characters.
    pub job_title: Option<String>,
    /// E-mail address (its domain lowercased). An organisation holds one contact per address,
    /// whatever its case: another contact of the organisation with it is `CONFLICT`, naming
    /// that contact.
    pub email: Option<String>,
    /// Phone number: 6 to 15 digits, an optional leading `+`, spaces, dots, hyphens and
    /// brackets.
    pub phone: Option<String>,
    /// The région the person works in; completed from the postal code or the city when left
    /// out.
    pub region: Option<Region>,
    /// Département code (`01`–`95`, `2A`, `2B`, `971`–`976`); completed from the postal code
    /// or the city when left out.
    pub departement: Option<String>,
    /// French postal code: five digits.
    pub postal_code: Option<String>,
    /// The city the person works in, one line of at most 200 characters.
    pub city: Option<String>,
    /// Audiences the person reaches (duplicates dropped); default none.
    #[graphql(default)]
    pub audiences: Vec<Audience>,
    /// Free tags: lowercased, duplicates dropped, at most 30 of at most 50 characters.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Private notes for the organisation's members: HTML or plain text, sanitised (see
    /// `CreateEventInput.description`).
    pub notes: Option<String>,
    /// Who may read the contact; default `PARTNERS`.
    #[graphql(default_with = "Visibility::Partners")]
    pub visibility: Visibility,
    /// When the person agreed to be listed (a date alone: midnight, Paris time).
    pub consent_at: Option<DateTime>,
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
            consent_at: self.consent_at.map(DateTime::instant),
        };
        Ok(ContactFields::parse(draft)?)
    }
}

/// A change to a contact: only the fields given change; `null` clears an optional field and
/// is refused for a required one. Each field follows the rule of its namesake in
/// `CreateContactInput`.
#[derive(InputObject)]
pub struct UpdateContactInput {
    /// The organisation whose address book holds it (editors: only their own); null leaves it
    /// to none (administrators only).
    pub organisation_id: MaybeUndefined<ID>,
    /// First name (not null).
    pub first_name: MaybeUndefined<String>,
    /// Last name (not null).
    pub last_name: MaybeUndefined<String>,
    /// What the person does; null removes it.
    pub job_title: MaybeUndefined<String>,
    /// E-mail address (one per address within the organisation: `CONFLICT`); null removes it.
    pub email: MaybeUndefined<String>,
    /// Phone number; null removes it.
    pub phone: MaybeUndefined<String>,
    /// Région; null removes it.
    pub region: MaybeUndefined<Region>,
    /// Département; null removes it.
    pub departement: MaybeUndefined<String>,
    /// A new postal code (or city) places the contact again: the département and région not
    /// given with it follow the new place; null removes it.
    pub postal_code: MaybeUndefined<String>,
    /// City; null removes it.
    pub city: MaybeUndefined<String>,
    /// Audiences, replacing the old (not null; `[]` for none).
    pub audiences: MaybeUndefined<Vec<Audience>>,
    /// Tags, replacing the old (not null; `[]` for none).
    pub tags: MaybeUndefined<Vec<String>>,
    /// Private notes; null removes them.
    pub notes: MaybeUndefined<String>,
    /// Who may read it (not null).
    pub visibility: MaybeUndefined<Visibility>,
    /// When the person agreed to be listed; null removes it.
    pub consent_at: MaybeUndefined<DateTime>,
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
            consent_at: patch(self.consent_at, DateTime::instant),
        })?;
        change.apply(f);
        Ok(())
    }
}

/// What `createContact` did.
#[derive(SimpleObject)]
pub struct CreateContactPayload {
    /// The contact as stored.
    pub contact: Contact,
}

/// What `updateContact` did.
#[derive(SimpleObject)]
pub struct UpdateContactPayload {
    /// The contact as stored after the change.
    pub contact: Contact,
}

/// What `deleteContact` did.
#[derive(SimpleObject)]
pub struct DeleteContactPayload {
    /// The id of the contact deleted.
    pub deleted_id: ID,
}

#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    /// Adds a contact to the caller's organisation's address book (editors) or any
    /// (administrators), logged in the audit log. `CONFLICT` when the organisation already
    /// has a contact with this e-mail address.
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new record.")] input: CreateContactInput,
    ) -> Result<CreateContactPayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let mut fields = input.into_fields().gql()?;
        default_owner(viewer, &mut fields.organisation_id);
        let model = create_record::<Contacts>(ctx, Subject::Contact, fields, |v, f| {
            v.require_editor_of(f.organisation_id, crate::auth::Task::ChangeContacts)
        })
        .await
        .gql()?;
        Ok(CreateContactPayload {
            contact: Contact(std::sync::Arc::new(model)),
        })
    }

    /// Changes a contact of the caller's organisation (editors) or any (administrators), in
    /// one transaction, logged. A contact the caller may not see is `NOT_FOUND`; one it sees
    /// but may not change is `FORBIDDEN`, naming the organisation.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateContactInput,
    ) -> Result<UpdateContactPayload> {
        let id = parse_id("id", &id)?;
        let model = update_record::<Contacts>(
            ctx,
            Subject::Contact,
            id,
            |f| input.apply(f),
            |v, before| v.require_editor_of(before.organisation_id, crate::auth::Task::ChangeContacts),
            |v, after| v.require_editor_of(after.organisation_id, crate::auth::Task::ChangeContacts),
        )
        .await
        .gql()?;
        Ok(UpdateContactPayload {
            contact: Contact(std::sync::Arc::new(model)),
        })
    }

    /// Erases a contact for good (editors of its organisation, administrators): its row is
    /// deleted and it leaves the search index; the audit log keeps only that it was deleted.
    async fn delete_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
    ) -> Result<DeleteContactPayload> {
        let uuid = parse_id("id", &id)?;
        delete_record::<Contacts>(ctx, Subject::Contact, uuid, |v, m| {
            v.require_editor_of(m.organisation_id, crate::auth::Task::ChangeContacts)
        })
        .await
        .gql()?;
        Ok(DeleteContactPayload { deleted_id: id })
    }
}
