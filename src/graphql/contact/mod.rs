//! Contacts: the shared address book, under its visibility rules.

pub mod mutation;

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, InputObject, Object, Result};

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

/// A person in the pooled address book, and the audiences they reach. Who may read the
/// contact follows its `visibility` and its organisation; anonymous callers never see an
/// e-mail address or a phone number, and only the organisation's members (and
/// administrators) see its `notes`. An organisation holds one contact per e-mail address.
#[Object]
impl Contact {
    /// The contact's id (a UUID).
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The organisation whose address book holds the contact; null for contacts of no
    /// organisation (which only administrators change).
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.organisation_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).organisations.load_one(id).await.gql()?.map(Organisation))
    }
    /// First name, one line of at most 100 characters.
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }
    /// Last name, one line of at most 100 characters.
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }
    /// What the person does (`Chargée de mission égalité`); null when not said.
    async fn job_title(&self) -> Option<&str> {
        self.0.job_title.as_deref()
    }
    /// E-mail address; null for anonymous callers, whatever the contact's visibility, and
    /// when not known. Unique within the organisation, whatever its case.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        if crate::graphql::exec::viewer(ctx).is_anonymous() {
            return None;
        }
        self.0.email.as_deref()
    }
    /// Phone number as written (`+33 1 99 00 12 34`); null for anonymous callers, and when not
    /// known.
    async fn phone(&self, ctx: &Context<'_>) -> Option<&str> {
        if crate::graphql::exec::viewer(ctx).is_anonymous() {
            return None;
        }
        self.0.phone.as_deref()
    }
    /// The région the person works in; null when not said.
    async fn region(&self) -> Option<Region> {
        self.0.region.map(Into::into)
    }
    /// Département code (`25`, `2A`, `974`), as typed or completed from the postal code;
    /// null when not known.
    async fn departement(&self) -> Option<&str> {
        self.0.departement.as_deref()
    }
    /// French postal code, five digits; null when not known.
    async fn postal_code(&self) -> Option<&str> {
        self.0.postal_code.as_deref()
    }
    /// The city the person works in; null when not said.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    /// Audiences this contact reaches (collège, lycée, parents…); empty when not said.
    async fn audiences(&self) -> Vec<Audience> {
        audiences_out(&self.0.audiences)
    }
    /// Free tags, lowercase, each at most 50 characters (at most 30 tags).
    async fn tags(&self) -> &[String] {
        &self.0.tags.0
    }
    /// Private notes, an HTML fragment or plain text under the hub's one rule for long texts
    /// (see `Event.description`): null for anyone but the owning organisation's members (its
    /// accounts and API keys) and administrators, on every path (lists, `node`, search,
    /// exports), and when there are none.
    async fn notes(&self, ctx: &Context<'_>) -> Option<&str> {
        if !crate::graphql::exec::viewer(ctx).may_read_contact_notes(self.0.organisation_id) {
            return None;
        }
        self.0.notes.as_deref()
    }
    /// Who may read the contact (its e-mail and phone stay hidden from anonymous callers).
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// When the person agreed to be listed; null when not recorded.
    async fn consent_at(&self) -> Option<DateTime> {
        self.0.consent_at.map(Into::into)
    }
    /// When the hub first stored the contact.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When the contact last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

/// What a list of contacts can be narrowed to; the conditions given all apply.
#[derive(InputObject, Default)]
pub struct ContactFilter {
    /// Contacts of this organisation (its id). An id that is not a UUID matches nothing.
    pub organisation_id: Option<ID>,
    /// Contacts in this région.
    pub region: Option<Region>,
    /// Contacts who reach this audience.
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
    /// One contact, by id; null when there is none, or the caller may not see it.
    async fn contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact's id (a UUID; `BAD_USER_INPUT` otherwise).")] id: ID,
    ) -> Result<Option<Contact>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx).contacts.load_one(id).await.gql()?.map(Contact))
    }

    /// The shared address book as the caller may see it, by last name by default: anonymous
    /// callers see `PUBLIC` contacts without e-mail or phone; members also `PARTNERS` ones
    /// and their organisation's `ORGANISATION` ones.
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
        let filter: store::contacts::ContactFilter = scoped(ctx, filter);
        root_list(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await
    }
}
