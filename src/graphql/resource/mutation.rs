use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use crate::domain::validate as v;
use crate::error::AppResult;
use crate::graphql::enums::{Audience, ResourceKind, Visibility, audiences};
use crate::graphql::error::{IntoGql, parse_id};
use crate::graphql::exec::viewer;
use crate::graphql::resource::Resource;
use crate::graphql::write::{create_record, default_owner, delete_record, opt_id, same, set, set_opt, update_record};
use crate::store::audit::Subject;
type Resources = entity::resource::Entity;
use crate::store::resources::ResourceFields;

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
        Ok(ResourceFields {
            organisation_id: opt_id("organisationId", self.organisation_id)?,
            kind: self.kind.into(),
            title: v::text("title", &self.title, v::TITLE_MAX)?,
            content: v::opt_long_text("content", self.content)?,
            description: v::opt_long_text("description", self.description)?,
            url: v::opt_url("url", self.url)?,
            author: v::opt_text("author", self.author, v::TITLE_MAX)?,
            free_of_rights: self.free_of_rights,
            licence: v::opt_text("licence", self.licence, 100)?,
            language: v::language("language", self.language.as_deref().unwrap_or("fr"))?,
            audiences: audiences(self.audiences),
            tags: v::tags("tags", self.tags)?,
            visibility: self.visibility.into(),
        })
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
    pub audiences: MaybeUndefined<Vec<Audience>>,
    pub tags: MaybeUndefined<Vec<String>>,
    pub organisation_id: MaybeUndefined<ID>,
    pub visibility: MaybeUndefined<Visibility>,
}

impl UpdateResourceInput {
    fn apply(self, f: &mut ResourceFields) -> AppResult<()> {
        set("kind", &mut f.kind, self.kind, |x| Ok(x.into()))?;
        set("title", &mut f.title, self.title, |x| {
            v::text("title", &x, v::TITLE_MAX)
        })?;
        set_opt(&mut f.content, self.content, |x| v::opt_long_text("content", x))?;
        set_opt(&mut f.description, self.description, |x| {
            v::opt_long_text("description", x)
        })?;
        set_opt(&mut f.url, self.url, |x| v::opt_url("url", x))?;
        set_opt(&mut f.author, self.author, |x| v::opt_text("author", x, v::TITLE_MAX))?;
        set("freeOfRights", &mut f.free_of_rights, self.free_of_rights, same)?;
        set_opt(&mut f.licence, self.licence, |x| v::opt_text("licence", x, 100))?;
        set("language", &mut f.language, self.language, |x| {
            v::language("language", &x)
        })?;
        set("audiences", &mut f.audiences, self.audiences, |x| Ok(audiences(x)))?;
        set("tags", &mut f.tags, self.tags, |x| v::tags("tags", x))?;
        set_opt(&mut f.organisation_id, self.organisation_id, |x| {
            opt_id("organisationId", x)
        })?;
        set("visibility", &mut f.visibility, self.visibility, |x| Ok(x.into()))?;
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
