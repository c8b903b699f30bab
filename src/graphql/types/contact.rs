use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::connection::connection;
use super::enums::{Audience, Region, Visibility, audiences_out};
use super::organisation::Organisation;
use crate::graphql::error::IntoGql;
use crate::graphql::loaders::loaders;

/// A person in the pooled address book, and the audiences they reach.
#[derive(Clone)]
pub struct Contact(pub std::sync::Arc<entity::contact::Model>);

connection!(ContactConnection, ContactEdge, Contact, entity::contact::Model);

#[Object]
impl Contact {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.organisation_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).organisations.load_one(id).await.gql()?.map(Organisation))
    }
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }
    async fn job_title(&self) -> Option<&str> {
        self.0.job_title.as_deref()
    }
    /// Shown to signed-in partners only.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        if crate::graphql::exec::viewer(ctx).is_anonymous() {
            return None;
        }
        self.0.email.as_deref()
    }
    /// Shown to signed-in partners only.
    async fn phone(&self, ctx: &Context<'_>) -> Option<&str> {
        if crate::graphql::exec::viewer(ctx).is_anonymous() {
            return None;
        }
        self.0.phone.as_deref()
    }
    async fn region(&self) -> Option<Region> {
        self.0.region.map(Into::into)
    }
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    /// Audiences this contact reaches (collège, lycée, parents…).
    async fn audiences(&self) -> Vec<Audience> {
        audiences_out(&self.0.audiences)
    }
    async fn tags(&self) -> &[String] {
        &self.0.tags.0
    }
    /// Private notes: shown to the owning organisation's members and administrators only.
    async fn notes(&self, ctx: &Context<'_>) -> Option<&str> {
        if !crate::graphql::exec::viewer(ctx).may_read_contact_notes(self.0.organisation_id) {
            return None;
        }
        self.0.notes.as_deref()
    }
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// When the person agreed to be listed.
    async fn consent_at(&self) -> Option<DateTime<Utc>> {
        self.0.consent_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
