//! Resources: the shared file of teaching kits, videos, posters, portraits and guides.

pub mod mutation;

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use super::connection::{connection, id_filter, nested_list, page_args, root_list, scoped};
use super::enums::{Audience, ResourceKind, ResourceOrderBy, Visibility, audiences_out};
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

#[Object]
impl Resource {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> ResourceKind {
        self.0.kind.into()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What the resource holds (the workshop's "Contenu" column).
    async fn content(&self) -> Option<&str> {
        self.0.content.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    async fn author(&self) -> Option<&str> {
        self.0.author.as_deref()
    }
    /// Free of rights ("Libre de droit").
    async fn free_of_rights(&self) -> bool {
        self.0.free_of_rights
    }
    async fn licence(&self) -> Option<&str> {
        self.0.licence.as_deref()
    }
    /// Language code (`fr`).
    async fn language(&self) -> &str {
        &self.0.language
    }
    async fn audiences(&self) -> Vec<Audience> {
        audiences_out(&self.0.audiences)
    }
    async fn tags(&self) -> &[String] {
        &self.0.tags.0
    }
    /// The organisation that shares it.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.organisation_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).organisations.load_one(id).await.gql()?.map(Organisation))
    }
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The physical copies of this resource (a teaching kit's 24 mallettes).
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn kits(
        &self,
        ctx: &Context<'_>,
        filter: Option<KitFilter>,
        #[graphql(default_with = "KitOrderBy::InventoryCodeAsc")] order_by: KitOrderBy,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<KitConnection> {
        let filter = scoped(ctx, filter);
        let args = page_args(ctx, first, after, last, before);
        nested_list(&loaders(ctx).resource_kits, self.0.id, filter, order_by.into(), args).await
    }
}

#[derive(InputObject, Default)]
pub struct ResourceFilter {
    pub kind: Option<ResourceKind>,
    pub free_of_rights: Option<bool>,
    pub audience: Option<Audience>,
    pub tag: Option<String>,
    pub organisation_id: Option<ID>,
    /// Language code such as `fr`.
    pub language: Option<String>,
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
        }
    }
}

#[derive(Default)]
pub struct ResourceQuery;

#[Object]
impl ResourceQuery {
    async fn resource(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Resource>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx).resources.load_one(id).await.gql()?.map(Resource))
    }

    /// Resources, by default newest first.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn resources(
        &self,
        ctx: &Context<'_>,
        filter: Option<ResourceFilter>,
        #[graphql(default_with = "ResourceOrderBy::CreatedAtDesc")] order_by: ResourceOrderBy,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ResourceConnection> {
        let filter: store::resources::ResourceFilter = scoped(ctx, filter);
        root_list(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await
    }
}
