//! Private calendar links: `calendarSubscriptions`, `createCalendarSubscription`,
//! `revokeCalendarSubscription`.

use crate::store::audit::Subject;
use std::sync::Arc;

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::error::{IntoGql, alone, parse_id};
use super::event::EventFilter;
use super::exec::{own, viewer};
use super::write::{audit, in_transaction};
use crate::auth::accounts;
use crate::error::AppError;
use crate::store::calendar_subscriptions::{self as links, SavedEventFilter};

/// A private calendar link: the events its creator may see, narrowed by a filter. The link
/// itself is shown once, at creation.
#[derive(Clone)]
pub struct CalendarSubscription(pub Arc<entity::calendar_subscription::Model>);

/// A private calendar link: an `.ics` address showing the events its creator may see, through
/// the filter saved with it. The address is shown once, at creation (only a hash of its
/// secret is kept); its creator (and administrators) list and revoke it.
#[Object]
impl CalendarSubscription {
    /// The link's id (a UUID; not its secret).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its name, as its creator gave it (the calendar's name in applications).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When a calendar application last read the link.
    async fn last_used_at(&self) -> Option<DateTime> {
        self.0.last_used_at.map(Into::into)
    }
    /// Whether the link also shows the kit loans of its creator's organisation (lent or
    /// borrowed, requested, confirmed or out, not yet over); see
    /// `updateCalendarSubscription`.
    async fn kit_loans(&self) -> bool {
        SavedEventFilter::from_stored(&self.0.filter).is_some_and(|f| f.shows_kit_loans())
    }
}

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

#[derive(Default)]
pub struct CalendarQuery;

#[Object]
impl CalendarQuery {
    /// The caller's live calendar links, newest first.
    async fn calendar_subscriptions(&self, ctx: &Context<'_>) -> Result<Option<Vec<CalendarSubscription>>> {
        let read = async |db: &sea_orm::DatabaseConnection, user| links::of_user(db, user).await;
        alone(ctx, own(ctx, read, |l| CalendarSubscription(Arc::new(l)))).await
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
        let viewer = viewer(ctx);
        let filter: crate::store::events::EventFilter = filter.unwrap_or_default().into();
        let saved = SavedEventFilter::from(&filter);
        let (link, token) = in_transaction(ctx, async |txn| {
            let created = accounts::create_calendar_subscription(txn, viewer, name.as_deref(), saved).await?;
            let fields = vec!["name".into(), "filter".into()];
            audit(
                txn,
                viewer,
                Subject::CalendarSubscription,
                Some(created.0.id),
                "create",
                fields,
            )
            .await?;
            Ok(created)
        })
        .await
        .gql()?;
        let base = super::exec::base_url(ctx);
        Ok(CreateCalendarSubscriptionPayload {
            subscription: CalendarSubscription(Arc::new(link)),
            url: format!("{base}/calendar/{token}.ics"),
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
                .filter(|l| l.revoked_at.is_none())
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
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let id = parse_id("id", &id)?;
        let link = in_transaction(ctx, async |txn| {
            let link = links::by_id(txn, id)
                .await?
                .filter(|l| viewer.is_admin() || Some(l.user_id) == viewer.user_id())
                // Another account's links behave as absent.
                .ok_or(AppError::NotFound("calendar subscription"))?;
            let link = links::revoke(txn, link.id).await?;
            audit(
                txn,
                viewer,
                Subject::CalendarSubscription,
                Some(id),
                "revoke",
                Vec::new(),
            )
            .await?;
            Ok(link)
        })
        .await
        .gql()?;
        Ok(RevokeCalendarSubscriptionPayload {
            subscription: CalendarSubscription(Arc::new(link)),
        })
    }
}
