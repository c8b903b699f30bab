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

#[derive(InputObject)]
pub struct CreateResourceInput {
    pub kind: ResourceKind,
    pub title: String,
    pub content: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub author: Option<String>,
    #[graphql(default = false)]
    pub free_of_rights: bool,
    pub licence: Option<String>,
    /// Language code; default `fr`.
    pub language: Option<String>,
    /// The région it is about or made for; none for the whole country.
    pub region: Option<Region>,
    #[graphql(default)]
    pub audiences: Vec<Audience>,
    #[graphql(default)]
    pub tags: Vec<String>,
    pub organisation_id: Option<ID>,
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

/// Only the fields given change; `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateResourceInput {
    pub kind: MaybeUndefined<ResourceKind>,
    pub title: MaybeUndefined<String>,
    pub content: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub url: MaybeUndefined<String>,
    pub author: MaybeUndefined<String>,
    pub free_of_rights: MaybeUndefined<bool>,
    pub licence: MaybeUndefined<String>,
    pub language: MaybeUndefined<String>,
    pub region: MaybeUndefined<Region>,
    pub audiences: MaybeUndefined<Vec<Audience>>,
    pub tags: MaybeUndefined<Vec<String>>,
    pub organisation_id: MaybeUndefined<ID>,
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

#[derive(SimpleObject)]
pub struct CreateResourcePayload {
    pub resource: Resource,
}

#[derive(SimpleObject)]
pub struct UpdateResourcePayload {
    pub resource: Resource,
}

#[derive(SimpleObject)]
pub struct DeleteResourcePayload {
    pub deleted_id: ID,
}

#[derive(Default)]
pub struct ResourceMutation;

#[Object]
impl ResourceMutation {
    async fn create_resource(&self, ctx: &Context<'_>, input: CreateResourceInput) -> Result<CreateResourcePayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let mut fields = input.into_fields().gql()?;
        default_owner(viewer, &mut fields.organisation_id);
        let model = create_record::<Resources>(ctx, Subject::Resource, fields, |v, f| {
            v.require_editor_of(f.organisation_id)
        })
        .await
        .gql()?;
        Ok(CreateResourcePayload {
            resource: Resource(std::sync::Arc::new(model)),
        })
    }

    async fn update_resource(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateResourceInput,
    ) -> Result<UpdateResourcePayload> {
        let id = parse_id("id", &id)?;
        let model = update_record::<Resources>(
            ctx,
            Subject::Resource,
            id,
            |f| input.apply(f),
            |v, before| v.require_editor_of(before.organisation_id),
            |v, after| v.require_editor_of(after.organisation_id),
        )
        .await
        .gql()?;
        Ok(UpdateResourcePayload {
            resource: Resource(std::sync::Arc::new(model)),
        })
    }

    async fn delete_resource(&self, ctx: &Context<'_>, id: ID) -> Result<DeleteResourcePayload> {
        let uuid = parse_id("id", &id)?;
        delete_record::<Resources>(ctx, Subject::Resource, uuid, |v, m| {
            v.require_editor_of(m.organisation_id)
        })
        .await
        .gql()?;
        Ok(DeleteResourcePayload { deleted_id: id })
    }
}
