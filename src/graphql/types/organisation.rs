use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::action::ActionConnection;
use super::contact::ContactConnection;
use super::enums::{ActionOrderBy, ContactOrderBy, EventOrderBy, OrganisationKind, Region, ResourceOrderBy};
use super::event::EventConnection;
use super::filters::{ActionFilter, ContactFilter, EventFilter, ResourceFilter};
use super::resource::ResourceConnection;
use super::{connection::connection, page_args};
use crate::graphql::error::IntoGql;
use crate::graphql::loaders::{loaders, nested_page};

/// A partner organisation: association, CMQ, company, school, public body or network.
#[derive(Clone)]
pub struct Organisation(pub std::sync::Arc<entity::organisation::Model>);

connection!(
    OrganisationConnection,
    OrganisationEdge,
    Organisation,
    entity::organisation::Model
);

#[Object]
impl Organisation {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Unique, URL-friendly name (`cmq-msi-bfc`).
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> OrganisationKind {
        self.0.kind.into()
    }
    async fn region(&self) -> Option<Region> {
        self.0.region.map(Into::into)
    }
    /// Département code (`25`, `2A`, `974`).
    async fn departement(&self) -> Option<&str> {
        self.0.departement.as_deref()
    }
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Events this organisation organises.
    #[graphql(complexity = "super::page_cost(first, last, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventFilter>,
        #[graphql(default_with = "EventOrderBy::StartsAtAsc")] order_by: EventOrderBy,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<EventConnection> {
        let l = loaders(ctx);
        let filter = super::scoped_filter(ctx, filter);
        let (page, count) = nested_page(
            &l.organisation_events,
            &l.organisation_events_count,
            self.0.id,
            filter,
            order_by.into(),
            page_args(ctx, first, after, last, before),
        )
        .await
        .gql()?;
        Ok(EventConnection { page, count })
    }

    /// Resources this organisation shares.
    #[graphql(complexity = "super::page_cost(first, last, child_complexity)")]
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
        let l = loaders(ctx);
        let filter = super::scoped_filter(ctx, filter);
        let (page, count) = nested_page(
            &l.organisation_resources,
            &l.organisation_resources_count,
            self.0.id,
            filter,
            order_by.into(),
            page_args(ctx, first, after, last, before),
        )
        .await
        .gql()?;
        Ok(ResourceConnection { page, count })
    }

    /// This organisation's contacts in the shared address book.
    #[graphql(complexity = "super::page_cost(first, last, child_complexity)")]
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
        let l = loaders(ctx);
        let filter = super::scoped_filter(ctx, filter);
        let (page, count) = nested_page(
            &l.organisation_contacts,
            &l.organisation_contacts_count,
            self.0.id,
            filter,
            order_by.into(),
            page_args(ctx, first, after, last, before),
        )
        .await
        .gql()?;
        Ok(ContactConnection { page, count })
    }

    /// Actions this organisation leads.
    #[graphql(complexity = "super::page_cost(first, last, child_complexity)")]
    async fn actions(
        &self,
        ctx: &Context<'_>,
        filter: Option<ActionFilter>,
        #[graphql(default_with = "ActionOrderBy::CreatedAtDesc")] order_by: ActionOrderBy,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ActionConnection> {
        let l = loaders(ctx);
        let filter = super::scoped_filter(ctx, filter);
        let (page, count) = nested_page(
            &l.organisation_actions,
            &l.organisation_actions_count,
            self.0.id,
            filter,
            order_by.into(),
            page_args(ctx, first, after, last, before),
        )
        .await
        .gql()?;
        Ok(ActionConnection { page, count })
    }
}
