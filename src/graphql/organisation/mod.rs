//! Organisations: the partners themselves, and their lists.

pub mod mutation;

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use super::action::ActionConnection;
use super::action::ActionFilter;
use super::connection::{connection, item_selections, nested_list, page_args, root_list, scoped, unread};
use super::contact::ContactConnection;
use super::contact::ContactFilter;
use super::enums::{
    ActionOrderBy, ContactOrderBy, EventOrderBy, OrganisationKind, OrganisationOrderBy, Region, ResourceOrderBy,
};
use super::event::EventConnection;
use super::event::EventFilter;
use super::kit::{KitConnection, KitFilter, KitLoanConnection, KitLoanFilter, KitLoanOrderBy, KitLoanSide, KitOrderBy};
use super::resource::ResourceConnection;
use super::resource::ResourceFilter;
use crate::error::AppError;
use crate::graphql::error::IntoGql;
use crate::graphql::error::parse_id;
use crate::graphql::error::to_gql;
use crate::graphql::exec::db;
use crate::graphql::loaders::loaders;
use crate::store;
use entity::organisation::{Column as C, Entity as Organisations};
use std::sync::Arc;

/// The columns each field of `Organisation` reads, when a read leaves out the others (see
/// `connection::unread`): a field that reads one of these columns must be listed with it.
pub(crate) const ORGANISATION_COLUMNS: &[(&str, &[C])] = &[
    ("region", &[C::Region]),
    ("departement", &[C::Departement]),
    ("postalCode", &[C::PostalCode]),
    ("city", &[C::City]),
    ("website", &[C::Website]),
    ("description", &[C::Description]),
];

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
    async fn postal_code(&self) -> Option<&str> {
        self.0.postal_code.as_deref()
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
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
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
        let filter = scoped(ctx, filter);
        let mut args = page_args(ctx, first, after, last, before);
        args.omit = unread::<entity::event::Entity>(&item_selections(ctx), super::event::EVENT_COLUMNS);
        nested_list(
            &loaders(ctx).organisation_events,
            self.0.id,
            filter,
            order_by.into(),
            args,
        )
        .await
    }

    /// Resources this organisation shares.
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
        let filter = scoped(ctx, filter);
        let args = page_args(ctx, first, after, last, before);
        nested_list(
            &loaders(ctx).organisation_resources,
            self.0.id,
            filter,
            order_by.into(),
            args,
        )
        .await
    }

    /// This organisation's contacts in the shared address book.
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
        let filter = scoped(ctx, filter);
        let args = page_args(ctx, first, after, last, before);
        nested_list(
            &loaders(ctx).organisation_contacts,
            self.0.id,
            filter,
            order_by.into(),
            args,
        )
        .await
    }

    /// Actions this organisation leads.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
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
        let filter = scoped(ctx, filter);
        let args = page_args(ctx, first, after, last, before);
        nested_list(
            &loaders(ctx).organisation_actions,
            self.0.id,
            filter,
            order_by.into(),
            args,
        )
        .await
    }

    /// The kits this organisation owns and lends.
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
        nested_list(
            &loaders(ctx).organisation_kits,
            self.0.id,
            filter,
            order_by.into(),
            args,
        )
        .await
    }

    /// The kit loans this organisation borrows (`side: BORROWER`, the default) or those of
    /// the kits it lends (`LENDER`), as the caller may see them.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn kit_loans(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "KitLoanSide::Borrower")] side: KitLoanSide,
        filter: Option<KitLoanFilter>,
        #[graphql(default_with = "KitLoanOrderBy::FromAsc")] order_by: KitLoanOrderBy,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<KitLoanConnection> {
        let filter = scoped(ctx, filter);
        let args = page_args(ctx, first, after, last, before);
        let nested = match side {
            KitLoanSide::Borrower => &loaders(ctx).organisation_borrowed_loans,
            KitLoanSide::Lender => &loaders(ctx).organisation_lent_loans,
        };
        nested_list(nested, self.0.id, filter, order_by.into(), args).await
    }
}

#[derive(InputObject, Default)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    pub region: Option<Region>,
}

impl From<OrganisationFilter> for store::organisations::OrganisationFilter {
    fn from(f: OrganisationFilter) -> Self {
        Self {
            kind: f.kind.map(Into::into),
            region: f.region.map(Into::into),
        }
    }
}

#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
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
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
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
        let filter: store::organisations::OrganisationFilter = scoped(ctx, filter);
        let mut args = page_args(ctx, first, after, last, before);
        args.omit = unread::<Organisations>(&item_selections(ctx), ORGANISATION_COLUMNS);
        root_list(ctx, filter, order_by.into(), args).await
    }
}
