//! Private links: calendars (`calendarSubscriptions`, `createCalendarSubscription`,
//! `revokeCalendarSubscription`) and address books (`addressBookSubscriptions`,
//! `createAddressBookSubscription`, `revokeAddressBookSubscription`).

use crate::store::audit::Subject;
use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use entity::PrivateLinkKind;

use super::contact::ContactFilter;
use super::error::{IntoGql, alone, parse_id};
use super::event::EventFilter;
use super::exec::{db, viewer};
use super::write::{audit, in_transaction};
use crate::auth::accounts;
use crate::error::AppError;
use crate::graphql::scalars::DateTime;
use crate::store::calendar_subscriptions::{self as links, SavedContactFilter, SavedEventFilter, SavedFilter};

/// Declares the GraphQL type of one kind of private link: its id, name and use.
macro_rules! link_type {
    ($(#[$doc:meta])* $name:ident { $($field:item)* }) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(pub Arc<entity::calendar_subscription::Model>);

        $(#[$doc])*
        #[Object]
        impl $name {
            /// The link's id (a UUID; not its secret).
            async fn id(&self) -> ID {
                ID(self.0.id.to_string())
            }
            /// Its name, as its creator gave it (the calendar's or address book's name in
            /// applications).
            async fn name(&self) -> &str {
                &self.0.name
            }
            /// When it was created.
            async fn created_at(&self) -> DateTime {
                self.0.created_at.into()
            }
            /// When an application last read the link.
            async fn last_used_at(&self) -> Option<DateTime> {
                self.0.last_used_at.map(Into::into)
            }
            $($field)*
        }
    };
}

link_type!(
    /// A private calendar link: an `.ics` address showing the events its creator may see,
    /// through the filter saved with it. The address is shown once, at creation (only a hash of
    /// its secret is kept); its creator (and administrators) list and revoke it.
    CalendarSubscription {
        /// Whether the link also shows the kit loans of its creator's organisation (lent or
        /// borrowed, requested, confirmed or out, not yet over); see
        /// `updateCalendarSubscription`.
        async fn kit_loans(&self) -> bool {
            SavedEventFilter::from_stored(&self.0.filter).is_some_and(|f| f.shows_kit_loans())
        }
    }
);

link_type!(
    /// A private address-book link: a vCard (`.vcf`) address showing the contacts its creator
    /// may see, as they may see them, through the filter saved with it. The address is shown
    /// once, at creation (only a hash of its secret is kept); its creator (and administrators)
    /// list and revoke it.
    AddressBookSubscription {}
);

/// What `createCalendarSubscription` did.
#[derive(SimpleObject)]
pub struct CreateCalendarSubscriptionPayload {
    /// The link (without its address).
    pub subscription: CalendarSubscription,
    /// Shown once: the private `.ics` address to give a calendar application. It reads the
    /// events you may see at the time it is read; keep it secret.
    pub url: String,
}

/// What `updateCalendarSubscription` did.
#[derive(SimpleObject)]
pub struct UpdateCalendarSubscriptionPayload {
    /// The link after the change.
    pub subscription: CalendarSubscription,
}

/// What `revokeCalendarSubscription` did.
#[derive(SimpleObject)]
pub struct RevokeCalendarSubscriptionPayload {
    /// The link revoked: its address answers 404 from now on.
    pub subscription: CalendarSubscription,
}

/// What `createAddressBookSubscription` did.
#[derive(SimpleObject)]
pub struct CreateAddressBookSubscriptionPayload {
    /// The link (without its address).
    pub subscription: AddressBookSubscription,
    /// Shown once: the private `.vcf` address to give an address-book application (no
    /// `Authorization` header needed). It reads the contacts you may see at the time it is
    /// read, notes included where you may read them; keep it secret.
    pub url: String,
}

/// What `revokeAddressBookSubscription` did.
#[derive(SimpleObject)]
pub struct RevokeAddressBookSubscriptionPayload {
    /// The link revoked: its address answers 404 from now on.
    pub subscription: AddressBookSubscription,
}

/// The caller's live links of `kind`.
async fn live_links(
    ctx: &Context<'_>,
    kind: PrivateLinkKind,
) -> Result<Vec<Arc<entity::calendar_subscription::Model>>> {
    let viewer = viewer(ctx);
    viewer.require_signed_in().gql()?;
    let Some(user_id) = viewer.user_id() else {
        return Ok(Vec::new());
    };
    Ok(links::of_user(db(ctx), user_id, kind)
        .await
        .gql()?
        .into_iter()
        .map(Arc::new)
        .collect())
}

/// Creates a link over `filter` and returns it with its address, `<base>/<path>/<token>.<ext>`.
async fn create_link(
    ctx: &Context<'_>,
    subject: Subject,
    filter: SavedFilter,
    name: Option<String>,
    path: &str,
) -> Result<(Arc<entity::calendar_subscription::Model>, String)> {
    let viewer = viewer(ctx);
    let (link, token) = in_transaction(ctx, async |txn| {
        let created = accounts::create_private_link(txn, viewer, name.as_deref(), filter).await?;
        let fields = vec!["name".into(), "filter".into()];
        audit(txn, viewer, subject, Some(created.0.id), "create", fields).await?;
        Ok(created)
    })
    .await
    .gql()?;
    let base = super::exec::base_url(ctx);
    let (dir, ext) = path.split_once('.').unwrap_or((path, ""));
    Ok((Arc::new(link), format!("{base}/{dir}/{token}.{ext}")))
}

/// Revokes one of the caller's links of `kind` at once (admins: anyone's).
async fn revoke_link(
    ctx: &Context<'_>,
    subject: Subject,
    kind: PrivateLinkKind,
    id: ID,
) -> Result<Arc<entity::calendar_subscription::Model>> {
    let viewer = viewer(ctx);
    viewer.require_signed_in().gql()?;
    let id = parse_id("id", &id)?;
    let link = in_transaction(ctx, async |txn| {
        let link = links::by_id(txn, id)
            .await?
            .filter(|l| l.kind == kind && (viewer.is_admin() || Some(l.user_id) == viewer.user_id()))
            // Another account's links, and links of the other kind, behave as absent.
            .ok_or(AppError::NotFound(match kind {
                PrivateLinkKind::Calendar => "calendar subscription",
                PrivateLinkKind::AddressBook => "address book subscription",
            }))?;
        let link = links::revoke(txn, link.id).await?;
        audit(txn, viewer, subject, Some(id), "revoke", Vec::new()).await?;
        Ok(link)
    })
    .await
    .gql()?;
    Ok(Arc::new(link))
}

#[derive(Default)]
pub struct CalendarQuery;

#[Object]
impl CalendarQuery {
    /// The caller's live calendar links, newest first.
    async fn calendar_subscriptions(&self, ctx: &Context<'_>) -> Result<Option<Vec<CalendarSubscription>>> {
        let links = alone(ctx, live_links(ctx, PrivateLinkKind::Calendar)).await?;
        Ok(links.map(|l| l.into_iter().map(CalendarSubscription).collect()))
    }

    /// The caller's live address-book links, newest first.
    async fn address_book_subscriptions(&self, ctx: &Context<'_>) -> Result<Option<Vec<AddressBookSubscription>>> {
        let links = alone(ctx, live_links(ctx, PrivateLinkKind::AddressBook)).await?;
        Ok(links.map(|l| l.into_iter().map(AddressBookSubscription).collect()))
    }
}

#[derive(Default)]
pub struct CalendarMutation;

#[Object]
impl CalendarMutation {
    /// Creates a private calendar link over the events the caller may see (signed-in persons;
    /// an API key is `FORBIDDEN`), logged. The link shows what its creator may see on the day
    /// it is read, and stops when the creator's account is disabled.
    async fn create_calendar_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The events the link shows, read at each download with the creator's rights of that day (as `events` reads the filter); left out, every event the creator may see."
        )]
        filter: Option<EventFilter>,
        #[graphql(desc = "Its name, one line of at most 200 characters; default `Passerelle`.")] name: Option<String>,
    ) -> Result<CreateCalendarSubscriptionPayload> {
        let filter: crate::store::events::EventFilter = filter.unwrap_or_default().into();
        let saved = SavedFilter::Events(SavedEventFilter::from(&filter));
        let (link, url) = create_link(ctx, Subject::CalendarSubscription, saved, name, "calendar.ics").await?;
        Ok(CreateCalendarSubscriptionPayload {
            subscription: CalendarSubscription(link),
            url,
        })
    }

    /// Changes one of the caller's calendar links (admins: anyone's): whether it shows the kit
    /// loans of its creator's organisation beside the events (links do, from their creation).
    async fn update_calendar_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The link's id.")] id: ID,
        #[graphql(desc = "Whether the link shows the kit loans too; left out, unchanged.")] kit_loans: Option<bool>,
    ) -> Result<UpdateCalendarSubscriptionPayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let id = parse_id("id", &id)?;
        let link = in_transaction(ctx, async |txn| {
            let link = links::by_id(txn, id)
                .await?
                .filter(|l| l.kind == PrivateLinkKind::Calendar && l.revoked_at.is_none())
                .filter(|l| viewer.is_admin() || Some(l.user_id) == viewer.user_id())
                .ok_or(AppError::NotFound("calendar subscription"))?;
            let mut fields = Vec::new();
            let link = match kit_loans {
                Some(show) => {
                    fields.push("kitLoans".to_string());
                    links::show_kit_loans(txn, &link, show).await?
                }
                None => link,
            };
            audit(txn, viewer, Subject::CalendarSubscription, Some(id), "update", fields).await?;
            Ok(link)
        })
        .await
        .gql()?;
        Ok(UpdateCalendarSubscriptionPayload {
            subscription: CalendarSubscription(Arc::new(link)),
        })
    }

    /// Revokes one of the caller's calendar links at once (admins: anyone's).
    async fn revoke_calendar_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The link's id.")] id: ID,
    ) -> Result<RevokeCalendarSubscriptionPayload> {
        let link = revoke_link(ctx, Subject::CalendarSubscription, PrivateLinkKind::Calendar, id).await?;
        Ok(RevokeCalendarSubscriptionPayload {
            subscription: CalendarSubscription(link),
        })
    }

    /// Creates a private address-book link (`/contacts/<token>.vcf`) over the contacts the
    /// caller may see (signed-in persons; an API key is `FORBIDDEN`), logged, for an
    /// address-book application to subscribe to. The link shows what its creator may see on
    /// the day it is read, and stops when the creator's account is disabled.
    async fn create_address_book_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The contacts the link shows, read at each download with the creator's rights of that day (as `contacts` reads the filter); left out, every contact the creator may see."
        )]
        filter: Option<ContactFilter>,
        #[graphql(desc = "Its name, one line of at most 200 characters; default `Passerelle`.")] name: Option<String>,
    ) -> Result<CreateAddressBookSubscriptionPayload> {
        let filter: crate::store::contacts::ContactFilter = filter.unwrap_or_default().into();
        let saved = SavedFilter::Contacts(SavedContactFilter::from(&filter));
        let (link, url) = create_link(ctx, Subject::AddressBookSubscription, saved, name, "contacts.vcf").await?;
        Ok(CreateAddressBookSubscriptionPayload {
            subscription: AddressBookSubscription(link),
            url,
        })
    }

    /// Revokes one of the caller's address-book links at once (admins: anyone's).
    async fn revoke_address_book_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The link's id.")] id: ID,
    ) -> Result<RevokeAddressBookSubscriptionPayload> {
        let link = revoke_link(ctx, Subject::AddressBookSubscription, PrivateLinkKind::AddressBook, id).await?;
        Ok(RevokeAddressBookSubscriptionPayload {
            subscription: AddressBookSubscription(link),
        })
    }
}
