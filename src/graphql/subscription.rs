//! Subscriptions: changes to events and the end of feed syncs, as the subscriber may see them.
//!
//! Every notification of the change bus is checked against the subscriber's scope (and
//! filter) through the store before anything is sent: a change to a hidden record is never
//! delivered, nor is the deletion of an event the subscriber could not see.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::{Context, Enum, ID, Result, SimpleObject, Subscription as SubscriptionObject};
use futures_util::Stream;
use sea_orm::DatabaseConnection;
use tokio::sync::{broadcast, oneshot};
use uuid::Uuid;

use super::connection::scoped;
use super::error::{IntoGql, parse_id, to_gql};
use super::event::Event;
use super::event::EventFilter;
use super::exec::{db, viewer};
use super::feed::FeedRun;
use super::loaders::loaders;
use crate::changes::{self, Change, Changes};
use crate::domain::Scope;
use crate::error::{AppError, AppResult};
use crate::store::{self, record};

/// How an event changed.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum EventChangeKind {
    /// Added to the agenda (typed in, imported, or brought by a feed).
    Created,
    /// Any change but a cancellation.
    Updated,
    /// Its status became `CANCELLED`.
    Cancelled,
    /// Deleted (then `event` is null), or marked `REMOVED_UPSTREAM` by its feed.
    Removed,
}

impl From<changes::EventChangeKind> for EventChangeKind {
    fn from(kind: changes::EventChangeKind) -> Self {
        match kind {
            changes::EventChangeKind::Created => EventChangeKind::Created,
            changes::EventChangeKind::Updated => EventChangeKind::Updated,
            changes::EventChangeKind::Cancelled => EventChangeKind::Cancelled,
            changes::EventChangeKind::Removed => EventChangeKind::Removed,
        }
    }
}

/// One change to an event.
#[derive(SimpleObject)]
pub struct EventChange {
    /// How it changed.
    pub kind: EventChangeKind,
    /// The event's id (given even when it was deleted).
    pub event_id: ID,
    /// The event as it is now; null when it was deleted.
    pub event: Option<Event>,
}

/// Put in a subscription's request by the WebSocket layer: fired once the subscription
/// listens to the bus, so that the connection handles its next message only then (a change
/// made after a client's `subscribe` and `ping` is never missed).
pub struct Listening(Mutex<Option<oneshot::Sender<()>>>);

impl Listening {
    pub fn new() -> (Listening, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        (Listening(Mutex::new(Some(tx))), rx)
    }
}

fn listening(ctx: &Context<'_>) {
    if let Some(Listening(tx)) = ctx.data_opt::<Listening>()
        && let Some(tx) = tx.lock().unwrap_or_else(PoisonError::into_inner).take()
    {
        let _ = tx.send(());
    }
}

fn bus<'a>(ctx: &Context<'a>) -> &'a Changes {
    super::exec::changes(ctx)
}

/// The next notification; `None` when the bus is gone. A subscriber that fell behind misses
/// what it could not keep up with, and says so in the log.
async fn next_change(rx: &mut broadcast::Receiver<Arc<Change>>) -> Option<Arc<Change>> {
    loop {
        match rx.recv().await {
            Ok(change) => return Some(change),
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "a subscriber fell behind and missed change notifications");
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        }
    }
}

/// What `change` means for a subscriber reading through `filter` (which carries its scope).
async fn event_changes(
    db: &DatabaseConnection,
    filter: &store::events::EventFilter,
    change: &Change,
) -> AppResult<Vec<EventChange>> {
    match change {
        Change::Events { kind, ids } => {
            let mut found: std::collections::HashMap<Uuid, entity::event::Model> =
                store::events::matching(db, filter, ids)
                    .await?
                    .into_iter()
                    .map(|m| (m.id, m))
                    .collect();
            Ok(ids
                .iter()
                .filter_map(|id| found.remove(id))
                .map(|m| EventChange {
                    kind: (*kind).into(),
                    event_id: ID(m.id.to_string()),
                    event: Some(Event(Arc::new(m))),
                })
                .collect())
        }
        Change::EventDeleted { id, facts } if filter.matches(facts) => Ok(vec![EventChange {
            kind: EventChangeKind::Removed,
            event_id: ID(id.to_string()),
            event: None,
        }]),
        _ => Ok(Vec::new()),
    }
}

/// The run `run_id` of `feed_id`, when `scope` may still see the feed.
async fn visible_run(
    db: &DatabaseConnection,
    scope: Scope,
    feed_id: Uuid,
    run_id: Uuid,
) -> AppResult<Option<entity::feed_run::Model>> {
    match record::find::<entity::feed::Entity>(db, scope, feed_id).await {
        Ok(_) => store::feeds::run(db, run_id).await,
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

#[derive(Default)]
pub struct Subscription;

/// Live changes over WebSocket (`graphql-transport-ws`, on `/graphql` or `/graphql/ws`):
/// each subscriber hears only what it could read with a query, re-read through its scope
/// when delivered.
#[SubscriptionObject]
impl Subscription {
    /// Events created, updated, cancelled or removed from now on, among those the caller may
    /// see and `filter` selects (the filter of `events`, applied to the changed event).
    async fn event_changed<'ctx>(
        &self,
        ctx: &Context<'ctx>,
        #[graphql(
            desc = "Only changes to the events this filter lets through, as `events` reads it (without its default leaving out `REMOVED_UPSTREAM`: removals are announced); left out, every event the subscriber may see."
        )]
        filter: Option<EventFilter>,
    ) -> Result<impl Stream<Item = Result<EventChange>>> {
        let filter: store::events::EventFilter = scoped(ctx, filter);
        let rx = bus(ctx).subscribe();
        listening(ctx);
        let db = db(ctx).clone();
        let loaders = loaders(ctx);
        let state = (rx, VecDeque::<EventChange>::new(), filter, db);
        Ok(futures_util::stream::unfold(
            state,
            move |(mut rx, mut pending, filter, db)| async move {
                loop {
                    if let Some(change) = pending.pop_front() {
                        loaders.clear();
                        return Some((Ok(change), (rx, pending, filter, db)));
                    }
                    let change = next_change(&mut rx).await?;
                    match event_changes(&db, &filter, &change).await {
                        Ok(changes) => pending.extend(changes),
                        Err(e) => return Some((Err(to_gql(e)), (rx, pending, filter, db))),
                    }
                }
            },
        ))
    }

    /// The runs of feed `feedId` as each sync of it ends, for members of its organisation and
    /// administrators (`NOT_FOUND` for anyone else, as for `feed`).
    async fn feed_run_finished<'ctx>(
        &self,
        ctx: &Context<'ctx>,
        #[graphql(desc = "The feed's id.")] feed_id: ID,
    ) -> Result<impl Stream<Item = Result<FeedRun>>> {
        let feed_id = parse_id("feedId", &feed_id)?;
        let scope = viewer(ctx).scope();
        let db = db(ctx).clone();
        // Listening before the check: a run that ends meanwhile is not missed.
        let rx = bus(ctx).subscribe();
        record::find::<entity::feed::Entity>(&db, scope, feed_id).await.gql()?;
        listening(ctx);
        let loaders = loaders(ctx);
        Ok(futures_util::stream::unfold((rx, db), move |(mut rx, db)| async move {
            loop {
                let change = next_change(&mut rx).await?;
                let Change::FeedRunFinished { feed_id: id, run_id } = *change else {
                    continue;
                };
                if id != feed_id {
                    continue;
                }
                match visible_run(&db, scope, feed_id, run_id).await {
                    Ok(Some(run)) => {
                        loaders.clear();
                        return Some((Ok(FeedRun(Arc::new(run))), (rx, db)));
                    }
                    Ok(None) => continue,
                    Err(e) => return Some((Err(to_gql(e)), (rx, db))),
                }
            }
        }))
    }
}
