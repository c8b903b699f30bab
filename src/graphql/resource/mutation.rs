use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use crate::domain::resource::{ResourceChange, ResourceDraft, ResourceFields, ResourcePatch};
use crate::error::AppResult;
use crate::graphql::enums::{Audience, Region, ResourceKind, Visibility, audiences};
use crate::graphql::error::{IntoGql, parse_id};
use crate::graphql::exec::viewer;
use crate::graphql::resource::Resource;
use crate::graphql::write::{create_record, default_owner, delete_record, opt_id, patch, patch_id, update_record};
use crate::store::audit::Subject;
type Resources = entity::resource::Entity;

/// A new resource. Texts are trimmed; a blank optional text is none. A field that breaks its
/// rule is refused with `BAD_USER_INPUT` and `extensions.field` naming it.
#[derive(InputObject)]
pub struct CreateResourceInput {
    /// What kind of resource it is.
    pub kind: ResourceKind,
    /// Its title, one line of 1 to 200 characters.
    pub title: String,
    /// What it holds: HTML or plain text, at most 20,000 characters once sanitised (see
    /// `CreateEventInput.description`).
    pub content: Option<String>,
    /// What it is for: HTML or plain text, sanitised in the same way.
    pub description: Option<String>,
    /// Where to find it: an absolute http or https URL.
    pub url: Option<String>,
    /// Who made it, one line of at most 200 characters.
    pub author: Option<String>,
    /// Whether it may be used freely; default false.
    #[graphql(default = false)]
    pub free_of_rights: bool,
    /// Its licence as written, one line of at most 100 characters.
    pub licence: Option<String>,
    /// Its language: an ISO 639 code, optionally with a region (`fr`, `en`, `fr-CA`);
    /// default `fr`.
    pub language: Option<String>,
    /// The région it is about or made for; none for the whole country.
    pub region: Option<Region>,
    /// Whom it is for (duplicates dropped); default none.
    #[graphql(default)]
    pub audiences: Vec<Audience>,
    /// Free tags: lowercased, duplicates dropped, at most 30 of at most 50 characters.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// The sharing organisation's id. Editors may leave it out (their own organisation) and
    /// may give only their own; administrators any (or none).
    pub organisation_id: Option<ID>,
    /// Who may read it; default `PUBLIC`.
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

impl CreateResourceInput {
    fn into_fields(self) -> AppResult<ResourceFields> {
        let draft = ResourceDraft {
            organisation_id: opt_id("organisationId", self.organisation_id)?,
            kind: self.kind.into(),
            title: self.title,
            content: self.content,
            description: self.description,
            url: self.url,
            author: self.author,
            free_of_rights: self.free_of_rights,
            licence: self.licence,
            language: self.language,
            region: self.region.map(Into::into),
            audiences: audiences(self.audiences),
            tags: self.tags,
            visibility: self.visibility.into(),
        };
        Ok(ResourceFields::parse(draft)?)
    }
}

/// A change to a resource: only the fields given change; `null` clears an optional field and
/// is refused for a required one. Each field follows the rule of its namesake in
/// `CreateResourceInput`.
#[derive(InputObject)]
pub struct UpdateResourceInput {
    /// Its kind (not null).
    pub kind: MaybeUndefined<ResourceKind>,
    /// Its title (not null).
    pub title: MaybeUndefined<String>,
    /// What it holds; null removes it.
    pub content: MaybeUndefined<String>,
    /// What it is for; null removes it.
    pub description: MaybeUndefined<String>,
    /// Where to find it; null removes it.
    pub url: MaybeUndefined<String>,
    /// Who made it; null removes it.
    pub author: MaybeUndefined<String>,
    /// Whether it may be used freely (not null).
    pub free_of_rights: MaybeUndefined<bool>,
    /// Its licence; null removes it.
    pub licence: MaybeUndefined<String>,
    /// Its language (not null).
    pub language: MaybeUndefined<String>,
    /// The région it is about or made for; `null` for the whole country, left out unchanged.
    pub region: MaybeUndefined<Region>,
    /// Whom it is for, replacing the old (not null; `[]` for none).
    pub audiences: MaybeUndefined<Vec<Audience>>,
    /// Its tags, replacing the old (not null; `[]` for none).
    pub tags: MaybeUndefined<Vec<String>>,
    /// The sharing organisation (editors: only their own); null leaves it to none
    /// (administrators only).
    pub organisation_id: MaybeUndefined<ID>,
    /// Who may read it (not null).
    pub visibility: MaybeUndefined<Visibility>,
}

impl UpdateResourceInput {
    fn apply(self, f: &mut ResourceFields) -> AppResult<()> {
        // The organisation comes after the other fields, as it always has: its id is read
        // once they are checked.
        let organisation_id = patch_id("organisationId", self.organisation_id);
        let change = ResourceChange::parse(ResourcePatch {
            kind: patch(self.kind, Into::into),
            title: patch(self.title, Into::into),
            content: patch(self.content, Into::into),
            description: patch(self.description, Into::into),
            url: patch(self.url, Into::into),
            author: patch(self.author, Into::into),
            free_of_rights: patch(self.free_of_rights, Into::into),
            licence: patch(self.licence, Into::into),
            language: patch(self.language, Into::into),
            region: patch(self.region, Into::into),
            audiences: patch(self.audiences, audiences),
            tags: patch(self.tags, Into::into),
            organisation_id: organisation_id.clone().unwrap_or_default(),
            visibility: patch(self.visibility, Into::into),
        })?;
        organisation_id?;
        change.apply(f);
        Ok(())
    }
}

/// What `createResource` did.
#[derive(SimpleObject)]
pub struct CreateResourcePayload {
    /// The resource as stored.
    pub resource: Resource,
}

/// What `updateResource` did.
#[derive(SimpleObject)]
pub struct UpdateResourcePayload {
    /// The resource as stored after the change.
    pub resource: Resource,
}

/// What `deleteResource` did.
#[derive(SimpleObject)]
pub struct DeleteResourcePayload {
    /// The id of the resource deleted.
    pub deleted_id: ID,
}

#[derive(Default)]
pub struct ResourceMutation;

#[Object]
impl ResourceMutation {
    /// Adds a resource, for the caller's organisation (editors) or any (administrators);
    /// logged in the audit log and indexed for search. `FORBIDDEN`, naming the organisation,
    /// for members and other organisations' editors.
    async fn create_resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new record.")] input: CreateResourceInput,
    ) -> Result<CreateResourcePayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let mut fields = input.into_fields().gql()?;
        default_owner(viewer, &mut fields.organisation_id);
        let model = create_record::<Resources>(ctx, Subject::Resource, fields, |v, f| {
            v.require_editor_of(f.organisation_id, crate::auth::Task::ChangeResources)
        })
        .await
        .gql()?;
        Ok(CreateResourcePayload {
            resource: Resource(std::sync::Arc::new(model)),
        })
    }

    /// Changes a resource of the caller's organisation (editors) or any (administrators), in
    /// one transaction, logged. A resource the caller may not see is `NOT_FOUND`; one it sees
    /// but may not change is `FORBIDDEN`, naming the organisation.
    async fn update_resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateResourceInput,
    ) -> Result<UpdateResourcePayload> {
        let id = parse_id("id", &id)?;
        let model = update_record::<Resources>(
            ctx,
            Subject::Resource,
            id,
            |f| input.apply(f),
            |v, before| v.require_editor_of(before.organisation_id, crate::auth::Task::ChangeResources),
            |v, after| v.require_editor_of(after.organisation_id, crate::auth::Task::ChangeResources),
        )
        .await
        .gql()?;
        Ok(UpdateResourcePayload {
            resource: Resource(std::sync::Arc::new(model)),
        })
    }

    /// Deletes a resource for good (editors of its organisation, administrators), logged.
    async fn delete_resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
    ) -> Result<DeleteResourcePayload> {
        let uuid = parse_id("id", &id)?;
        delete_record::<Resources>(ctx, Subject::Resource, uuid, |v, m| {
            v.require_editor_of(m.organisation_id, crate::auth::Task::ChangeResources)
        })
        .await
        .gql()?;
        Ok(DeleteResourcePayload { deleted_id: id })
    }
}
