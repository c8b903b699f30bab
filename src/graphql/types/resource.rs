use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::connection::connection;
use super::enums::{Audience, ResourceKind, Visibility, audiences_out};
use super::organisation::Organisation;
use crate::graphql::error::IntoGql;
use crate::graphql::loaders::loaders;

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
}
