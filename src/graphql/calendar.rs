//! Private links: calendars (`calendarSubscriptions`, `createCalendarSubscription`,
//! `revokeCalendarSubscription`) and address books (`addressBookSubscriptions`,
//! `createAddressBookSubscription`, `revokeAddressBookSubscription`).

use crate::store::audit::Subject;
use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::PrivateLinkKind;

use super::contact::ContactFilter;
use super::error::{IntoGql, parse_id};
use super::event::EventFilter;
use super::exec::{db, viewer};
use super::write::{audit, in_transaction};
use crate::auth::accounts;
use crate::error::AppError;
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
            async fn id(&self) -> ID {
                ID(self.0.id.to_string())
            }
            async fn name(&self) -> &str {
                &self.0.name
            }
            async fn created_at(&self) -> DateTime<Utc> {
                self.0.created_at
            }
            /// When an application last read the link.
            async fn last_used_at(&self) -> Option<DateTime<Utc>> {
                self.0.last_used_at
            }
            $($field)*
        }
    };
}

link_type!(
    /// A private calendar link: the events its creator may see, narrowed by a filter. The link
    /// itself is shown once, at creation.
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
    /// A private address-book link (vCard): the contacts its creator may see, as they may see
    /// them, narrowed by a filter. The link itself is shown once, at creation.
    AddressBookSubscription {}
);

#[derive(SimpleObject)]
pub struct CreateCalendarSubscriptionPayload {
    pub subscription: CalendarSubscription,
    /// Shown once: the private `.ics` address to give a calendar application. It reads the
    /// events you may see at the time it is read; keep it secret.
    pub url: String,
}

#[derive(SimpleObject)]
pub struct UpdateCalendarSubscriptionPayload {
    pub subscription: CalendarSubscription,
}

#[derive(SimpleObject)]
pub struct RevokeCalendarSubscriptionPayload {
    pub subscription: CalendarSubscription,
}

#[derive(SimpleObject)]
pub struct CreateAddressBookSubscriptionPayload {
    pub subscription: AddressBookSubscription,
    /// Shown once: the private `.vcf` address to give an address-book application (no
    /// `Authorization` header needed). It reads the contacts you may see at the time it is
    /// read, notes included where you may read them; keep it secret.
    pub url: String,
}

#[derive(SimpleObject)]
pub struct RevokeAddressBookSubscriptionPayload {
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
    async fn calendar_subscriptions(&self, ctx: &Context<'_>) -> Result<Vec<CalendarSubscription>> {
        let links = live_links(ctx, PrivateLinkKind::Calendar).await?;
        Ok(links.into_iter().map(CalendarSubscription).collect())
    }

    /// The caller's live address-book links, newest first.
    async fn address_book_subscriptions(&self, ctx: &Context<'_>) -> Result<Vec<AddressBookSubscription>> {
        let links = live_links(ctx, PrivateLinkKind::AddressBook).await?;
        Ok(links.into_iter().map(AddressBookSubscription).collect())
    }
}

#[derive(Default)]
pub struct CalendarMutation;

#[Object]
impl CalendarMutation {
    /// Creates a private calendar link over the events the caller may see (signed-in accounts).
    async fn create_calendar_subscription(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventFilter>,
        name: Option<String>,
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
        id: ID,
        kit_loans: Option<bool>,
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
        id: ID,
    ) -> Result<RevokeCalendarSubscriptionPayload> {
        let link = revoke_link(ctx, Subject::CalendarSubscription, PrivateLinkKind::Calendar, id).await?;
        Ok(RevokeCalendarSubscriptionPayload {
            subscription: CalendarSubscription(link),
        })
    }

    /// Creates a private address-book link (`/contacts/<token>.vcf`) over the contacts the
    /// caller may see (signed-in accounts), for an address-book application to subscribe to.
    async fn create_address_book_subscription(
        &self,
        ctx: &Context<'_>,
        filter: Option<ContactFilter>,
        name: Option<String>,
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
        id: ID,
    ) -> Result<RevokeAddressBookSubscriptionPayload> {
        let link = revoke_link(ctx, Subject::AddressBookSubscription, PrivateLinkKind::AddressBook, id).await?;
        Ok(RevokeAddressBookSubscriptionPayload {
            subscription: AddressBookSubscription(link),
        })
    }
}
