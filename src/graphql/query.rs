//! The root query: one field per record by id, one connection per list, and `node`.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};

use super::error::{IntoGql, parse_id, to_gql};
use super::exec::db;
use super::loaders::loaders;
use super::types::action::{Action, ActionConnection};
use super::types::connection::CountFn;
use super::types::contact::{Contact, ContactConnection};
use super::types::enums::{
    ActionOrderBy, ContactOrderBy, EventOrderBy, ExperienceReportOrderBy, OrganisationOrderBy, ResourceOrderBy,
};
use super::types::event::{Event, EventConnection};
use super::types::filters::{
    ActionFilter, ContactFilter, EventFilter, ExperienceReportFilter, OrganisationFilter, ResourceFilter,
};
use super::types::node::Node;
use super::types::organisation::{Organisation, OrganisationConnection};
use super::types::report::{ExperienceReport, ExperienceReportConnection};
use super::types::resource::{Resource, ResourceConnection};
use super::types::{page_args, scoped_filter};
use crate::error::AppError;
use crate::store;

/// One page of a root list, with a `totalCount` counted on the pool only when asked for.
pub(crate) async fn root_page<F: store::Listing>(
    ctx: &Context<'_>,
    filter: F,
    sort: F::Sort,
    args: crate::store::page::PageArgs,
) -> Result<(crate::store::page::Page<F::Model>, CountFn)> {
    let db = db(ctx).clone();
    let page = filter.page(&db, sort, &args).await.gql()?;
    let count: CountFn = Arc::new(move || {
        let (db, filter) = (db.clone(), filter.clone());
        Box::pin(async move { filter.count(&db).await })
    });
    Ok((page, count))
}

/// The root query: records and lists, accounts and the audit log.
#[derive(async_graphql::MergedObject, Default)]
pub struct Query(
    CoreQuery,
    super::account::AccountQuery,
    super::feed::FeedQuery,
    super::federation::EntityQuery,
    super::calendar::CalendarQuery,
    super::search::SearchQuery,
);

#[derive(Default)]
pub struct CoreQuery;

#[Object]
impl CoreQuery {
    /// Any object by its id (Relay).
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let id = parse_id("id", &id)?;
        let l = loaders(ctx);
        let node = match store::nodes::type_of(db(ctx), id).await.gql()? {
            Some("Organisation") => l
                .organisations
                .load_one(id)
                .await
                .gql()?
                .map(|m| Node::Organisation(Organisation(m))),
            Some("Contact") => l.contacts.load_one(id).await.gql()?.map(|m| Node::Contact(Contact(m))),
            Some("Resource") => l
                .resources
                .load_one(id)
                .await
                .gql()?
                .map(|m| Node::Resource(Resource(m))),
            Some("Event") => l.events.load_one(id).await.gql()?.map(|m| Node::Event(Event(m))),
            Some("Action") => l.actions.load_one(id).await.gql()?.map(|m| Node::Action(Action(m))),
            Some("ExperienceReport") => l
                .reports
                .load_one(id)
                .await
                .gql()?
                .map(|m| Node::ExperienceReport(ExperienceReport(m))),
            _ => None,
        };
        Ok(node)
    }

    /// One organisation, by `id` or by `slug` (give exactly one).
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> Result<Option<Organisation>> {
        match (id, slug) {
            (Some(id), None) => {
                let id = parse_id("id", &id)?;
                Ok(loaders(ctx).organisations.load_one(id).await.gql()?.map(Organisation))
            }
            (None, Some(slug)) => Ok(store::organisations::by_slug(db(ctx), &slug)
                .await
                .gql()?
                .map(|m| Organisation(Arc::new(m)))),
            _ => Err(to_gql(AppError::bad_input("id", "give exactly one of id and slug"))),
        }
    }

    /// Organisations, by default in name order.
    #[graphql(complexity = "super::types::page_cost(first, last, child_complexity)")]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrganisationFilter>,
        #[graphql(default_with = "OrganisationOrderBy::NameAsc")] order_by: OrganisationOrderBy,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<OrganisationConnection> {
        let filter: store::organisations::OrganisationFilter = scoped_filter(ctx, filter);
        let (page, count) = root_page(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await?;
        Ok(OrganisationConnection { page, count })
    }

    async fn event(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Event>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx).events.load_one(id).await.gql()?.map(Event))
    }

    /// Events, by default soonest first.
    #[graphql(complexity = "super::types::page_cost(first, last, child_complexity)")]
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
        let filter: store::events::EventFilter = scoped_filter(ctx, filter);
        let (page, count) = root_page(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await?;
        Ok(EventConnection { page, count })
    }

    async fn resource(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Resource>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx).resources.load_one(id).await.gql()?.map(Resource))
    }

    /// Resources, by default newest first.
    #[graphql(complexity = "super::types::page_cost(first, last, child_complexity)")]
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
        let filter: store::resources::ResourceFilter = scoped_filter(ctx, filter);
        let (page, count) = root_page(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await?;
        Ok(ResourceConnection { page, count })
    }

    async fn contact(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Contact>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx).contacts.load_one(id).await.gql()?.map(Contact))
    }

    /// The shared address book, by default in last-name order.
    #[graphql(complexity = "super::types::page_cost(first, last, child_complexity)")]
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
        let filter: store::contacts::ContactFilter = scoped_filter(ctx, filter);
        let (page, count) = root_page(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await?;
        Ok(ContactConnection { page, count })
    }

    async fn action(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Action>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx).actions.load_one(id).await.gql()?.map(Action))
    }

    /// Actions, by default newest first.
    #[graphql(complexity = "super::types::page_cost(first, last, child_complexity)")]
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
        let filter: store::actions::ActionFilter = scoped_filter(ctx, filter);
        let (page, count) = root_page(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await?;
        Ok(ActionConnection { page, count })
    }

    async fn experience_report(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ExperienceReport>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx).reports.load_one(id).await.gql()?.map(ExperienceReport))
    }

    /// Experience reports, by default most recent first.
    #[graphql(complexity = "super::types::page_cost(first, last, child_complexity)")]
    async fn experience_reports(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExperienceReportFilter>,
        #[graphql(default_with = "ExperienceReportOrderBy::ReportedOnDesc")] order_by: ExperienceReportOrderBy,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ExperienceReportConnection> {
        let filter: store::reports::ReportFilter = scoped_filter(ctx, filter);
        let (page, count) = root_page(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await?;
        Ok(ExperienceReportConnection { page, count })
    }
}
