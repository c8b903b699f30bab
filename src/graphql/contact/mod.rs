//! Contacts: the shared address book, under its visibility rules.

pub mod mutation;

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use super::connection::{connection, id_filter, page_args, root_list, scoped};
use super::enums::{Audience, ContactOrderBy, Region, Visibility, audiences_out};
use super::organisation::Organisation;
use crate::graphql::error::IntoGql;
use crate::graphql::error::parse_id;
use crate::graphql::loaders::loaders;
use crate::store;

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
    /// Département code (`25`, `2A`, `974`).
    async fn departement(&self) -> Option<&str> {
        self.0.departement.as_deref()
    }
    async fn postal_code(&self) -> Option<&str> {
        self.0.postal_code.as_deref()
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

#[derive(InputObject, Default)]
pub struct ContactFilter {
    pub organisation_id: Option<ID>,
    pub region: Option<Region>,
    pub audience: Option<Audience>,
}

impl From<ContactFilter> for store::contacts::ContactFilter {
    fn from(f: ContactFilter) -> Self {
        Self {
            scope: Default::default(),
            organisation_id: id_filter(f.organisation_id),
            region: f.region.map(Into::into),
            audience: f.audience.map(Into::into),
        }
    }
}

#[derive(Default)]
pub struct ContactQuery;

#[Object]
impl ContactQuery {
    async fn contact(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Contact>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx).contacts.load_one(id).await.gql()?.map(Contact))
    }

    /// The shared address book, by default in last-name order.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        filter: Option<ContactFilter>,
        #[graphql(default_with = "ContactOrderBy::LastNameAsc")] order_by: ContactOrderBy,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ContactConnection> {
        let filter: store::contacts::ContactFilter = scoped(ctx, filter);
        root_list(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await
    }
}
