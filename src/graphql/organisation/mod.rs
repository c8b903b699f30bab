//! Organisations: the partners themselves, and their lists.

pub mod mutation;

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, InputObject, Object, Result};

use super::action::ActionConnection;
use super::action::ActionFilter;
use super::connection::{
    ColumnsRead, connection, item_selections, nested_list, page_args, root_list, scoped, unread, unread_once,
};
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
use entity::organisation::Column as C;
use std::sync::Arc;

/// The columns each field of `Organisation` reads, when a read leaves out the others (see
/// `connection::unread`): a field that reads one of these columns must be listed with it.
pub(crate) static ORGANISATION_COLUMNS: std::sync::LazyLock<ColumnsRead> = std::sync::LazyLock::new(|| {
    ColumnsRead::of::<entity::organisation::Entity>(
        &[
            ("slug", &[C::Slug]),
            ("kind", &[C::Kind]),
            ("region", &[C::Region]),
            ("departement", &[C::Departement]),
            ("postalCode", &[C::PostalCode]),
            ("city", &[C::City]),
            ("website", &[C::Website]),
            ("description", &[C::Description]),
            ("createdAt", &[C::CreatedAt]),
            ("updatedAt", &[C::UpdatedAt]),
        ],
        // No field reads the name's sort and uniqueness keys.
        &[C::NameSort, C::NameKey],
    )
});

/// A partner organisation: association, CMQ, company, school, public body or network.
#[derive(Clone)]
pub struct Organisation(pub std::sync::Arc<entity::organisation::Model>);

connection!(
    OrganisationConnection,
    OrganisationEdge,
    Organisation,
    entity::organisation::Model,
    fast
);

impl super::fast::Plain for Organisation {
    fn ready(&self, ctx: &Context<'_>) -> bool {
        matches!(
            ctx.item.node.name.node.as_str(),
            "id" | "slug"
                | "name"
                | "kind"
                | "region"
                | "departement"
                | "postalCode"
                | "city"
                | "website"
                | "description"
                | "createdAt"
                | "updatedAt"
        )
    }
}

/// A partner organisation: association, CMQ, company, school, public body or network.
/// Organisations are public: anyone may read them. Administrators create and delete them;
/// an organisation's editors change its profile. Its lists (`events`, `resources`,
/// `contacts`, `actions`) hold only what the caller may see.
#[Object]
impl Organisation {
    /// The organisation's id (a UUID).
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Unique, URL-friendly name (`cmq-msi-bfc`): 2 to 64 lowercase letters or digits in
    /// words joined by single hyphens. The exports and the command line name organisations
    /// by it.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The name people know it by (`Capital Filles`), unique whatever its case, accents or
    /// spacing.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What it is.
    async fn kind(&self) -> OrganisationKind {
        self.0.kind.into()
    }
    /// Its région; null when not said.
    async fn region(&self) -> Option<Region> {
        self.0.region.map(Into::into)
    }
    /// Département code (`25`, `2A`, `974`); null when not said.
    async fn departement(&self) -> Option<&str> {
        self.0.departement.as_deref()
    }
    /// French postal code, five digits; null when not said.
    async fn postal_code(&self) -> Option<&str> {
        self.0.postal_code.as_deref()
    }
    /// Its city; null when not said.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    /// Its website (http or https); null when not said.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// What it does: an HTML fragment or plain text under the hub's one rule for long texts
    /// (see `Event.description`); null when there is none.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// When the hub first stored it.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When its profile last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }

    /// Events this organisation organises that the caller may see, soonest first by default;
    /// without those their feed removed unless `filter.status` asks for them.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<EventFilter>,
        #[graphql(default_with = "EventOrderBy::StartsAtAsc", desc = "The order of the list.")] order_by: EventOrderBy,
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
    ) -> Result<EventConnection> {
        let filter = super::event::listed(ctx, filter);
        let mut args = page_args(ctx, first, after, last, before);
        args.omit = unread_once(ctx, &super::event::EVENT_COLUMNS, || item_selections(ctx));
        nested_list(
            &loaders(ctx).organisation_events,
            self.0.id,
            filter,
            order_by.into(),
            args,
        )
        .await
    }

    /// Resources this organisation shares that the caller may see, newest first by default.
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

    /// This organisation's contacts in the shared address book that the caller may see
    /// (anonymous callers: public ones, without e-mail or phone), by last name by default.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<ContactFilter>,
        #[graphql(default_with = "ContactOrderBy::LastNameAsc", desc = "The order of the list.")]
        order_by: ContactOrderBy,
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

    /// Actions this organisation leads that the caller may see, newest first by default.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn actions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<ActionFilter>,
        #[graphql(default_with = "ActionOrderBy::CreatedAtDesc", desc = "The order of the list.")]
        order_by: ActionOrderBy,
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
        #[graphql(
            default_with = "KitLoanSide::Borrower",
            desc = "Which loans: borrowed (the default) or lent."
        )]
        side: KitLoanSide,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<KitLoanFilter>,
        #[graphql(default_with = "KitLoanOrderBy::FromAsc", desc = "The order of the list.")] order_by: KitLoanOrderBy,
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

/// What a list of organisations can be narrowed to; the conditions given all apply.
#[derive(InputObject, Default)]
pub struct OrganisationFilter {
    /// Organisations of this kind.
    pub kind: Option<OrganisationKind>,
    /// Organisations in this région.
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
    /// One organisation, by `id` or by `slug` (give exactly one: `BAD_USER_INPUT`
    /// otherwise); null when there is none.
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's id (a UUID).")] id: Option<ID>,
        #[graphql(desc = "The organisation's slug (`capital-filles`).")] slug: Option<String>,
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

    /// The organisations (they are public), by name by default.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<OrganisationFilter>,
        #[graphql(default_with = "OrganisationOrderBy::NameAsc", desc = "The order of the list.")]
        order_by: OrganisationOrderBy,
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
    ) -> Result<OrganisationConnection> {
        let filter: store::organisations::OrganisationFilter = scoped(ctx, filter);
        let mut args = page_args(ctx, first, after, last, before);
        args.omit = unread(&item_selections(ctx), &ORGANISATION_COLUMNS);
        root_list(ctx, filter, order_by.into(), args).await
    }
}
