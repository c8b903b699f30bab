//! Resources: the shared file of teaching kits, videos, posters, portraits and guides.

pub mod mutation;

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, InputObject, Object, Result};

use super::connection::{connection, id_filter, nested_list, page_args, root_list, scoped};
use super::enums::{Audience, Region, ResourceKind, ResourceOrderBy, Visibility, audiences_out};
use super::kit::{KitConnection, KitFilter, KitOrderBy};
use super::organisation::Organisation;
use crate::graphql::error::IntoGql;
use crate::graphql::error::parse_id;
use crate::graphql::loaders::loaders;
use crate::store;

/// A shared resource: video, slide deck, brochure, poster, teaching kit, exhibition, portrait…
#[derive(Clone)]
pub struct Resource(pub std::sync::Arc<entity::resource::Model>);

connection!(ResourceConnection, ResourceEdge, Resource, entity::resource::Model);

/// A shared resource of the workshop's file: a video, a slide deck, a brochure, a poster, a
/// teaching kit, an exhibition, a portrait, a guide… Who may read it follows its `visibility`
/// and its organisation; that organisation's editors change it.
#[Object]
impl Resource {
    /// The resource's id (a UUID).
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What kind of resource it is (the workshop's « Objet »).
    async fn kind(&self) -> ResourceKind {
        self.0.kind.into()
    }
    /// Its title, one line of at most 200 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What the resource holds (the workshop's « Contenu »): an HTML fragment or plain text
    /// under the hub's one rule for long texts (see `Event.description`); null when none.
    async fn content(&self) -> Option<&str> {
        self.0.content.as_deref()
    }
    /// What it is for and how to use it: an HTML fragment or plain text under the same rule;
    /// null when none.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Where to find it (http or https); null when it has no address.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// Who made it, as written; null when not known.
    async fn author(&self) -> Option<&str> {
        self.0.author.as_deref()
    }
    /// Whether it may be used freely (the workshop's « Libre de droit »).
    async fn free_of_rights(&self) -> bool {
        self.0.free_of_rights
    }
    /// Its licence as written (`CC BY-SA 4.0`), at most 100 characters; null when not said.
    async fn licence(&self) -> Option<&str> {
        self.0.licence.as_deref()
    }
    /// Its language: an ISO 639 code, with a region when given (`fr`, `en`, `fr-CA`).
    async fn language(&self) -> &str {
        &self.0.language
    }
    /// The région it is about or made for; none for the whole country.
    async fn region(&self) -> Option<Region> {
        self.0.region.map(Into::into)
    }
    /// Whom it is for; empty when not said.
    async fn audiences(&self) -> Vec<Audience> {
        audiences_out(&self.0.audiences)
    }
    /// Free tags, lowercase, each at most 50 characters (at most 30 tags).
    async fn tags(&self) -> &[String] {
        &self.0.tags.0
    }
    /// The organisation that shares it; null for resources of no organisation (which only
    /// administrators change).
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.organisation_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).organisations.load_one(id).await.gql()?.map(Organisation))
    }
    /// Who may read it.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// When the hub first stored it.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }

    /// The physical copies of this resource (a teaching kit's 24 mallettes).
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn kits(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<KitFilter>,
        #[graphql(default_with = "KitOrderBy::InventoryCodeAsc", desc = "The order of the list.")] order_by: KitOrderBy,
        #[graphql(
            desc = "How many records to return from the start of the list (after `after`): 0 to 100; 20 when neither `first` nor `last` is given. Not with `last`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.endCursor`, or an edge's `cursor`): the page starts after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many records to return from the end of the list (before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.startCursor`): the page ends before it."
        )]
        before: Option<String>,
    ) -> Result<KitConnection> {
        let filter = scoped(ctx, filter);
        let args = page_args(ctx, first, after, last, before);
        nested_list(&loaders(ctx).resource_kits, self.0.id, filter, order_by.into(), args).await
    }
}

/// What a list of resources can be narrowed to; the conditions given all apply.
#[derive(InputObject, Default)]
pub struct ResourceFilter {
    /// Resources of this kind.
    pub kind: Option<ResourceKind>,
    /// Only resources free of rights (true), or only those that are not (false).
    pub free_of_rights: Option<bool>,
    /// Resources for this audience.
    pub audience: Option<Audience>,
    /// Resources with this tag (compared lowercase).
    pub tag: Option<String>,
    /// Resources this organisation shares (its id). An id that is not a UUID matches nothing.
    pub organisation_id: Option<ID>,
    /// Resources in this language (`fr`, `en`).
    pub language: Option<String>,
    /// Resources about or made for this région (not those for the whole country).
    pub region: Option<Region>,
}

impl From<ResourceFilter> for store::resources::ResourceFilter {
    fn from(f: ResourceFilter) -> Self {
        Self {
            scope: Default::default(),
            kind: f.kind.map(Into::into),
            free_of_rights: f.free_of_rights,
            audience: f.audience.map(Into::into),
            tag: f.tag,
            organisation_id: id_filter(f.organisation_id),
            language: f.language,
            region: f.region.map(Into::into),
        }
    }
}

#[derive(Default)]
pub struct ResourceQuery;

#[Object]
impl ResourceQuery {
    /// One resource, by id; null when there is none, or the caller may not see it.
    async fn resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource's id (a UUID; `BAD_USER_INPUT` otherwise).")] id: ID,
    ) -> Result<Option<Resource>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx).resources.load_one(id).await.gql()?.map(Resource))
    }

    /// The resources the caller may see (anonymous callers: `PUBLIC` ones), newest first by
    /// default.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn resources(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<ResourceFilter>,
        #[graphql(default_with = "ResourceOrderBy::CreatedAtDesc", desc = "The order of the list.")]
        order_by: ResourceOrderBy,
        #[graphql(
            desc = "How many records to return from the start of the list (after `after`): 0 to 100; 20 when neither `first` nor `last` is given. Not with `last`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.endCursor`, or an edge's `cursor`): the page starts after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many records to return from the end of the list (before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.startCursor`): the page ends before it."
        )]
        before: Option<String>,
    ) -> Result<ResourceConnection> {
        let filter: store::resources::ResourceFilter = scoped(ctx, filter);
        root_list(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await
    }
}
