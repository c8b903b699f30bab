//! Writes the events of one feed sync: insert the new, update the changed, mark the vanished
//! `REMOVED_UPSTREAM`. Keyed by (feed, source uid), so running it twice changes nothing.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::EventStatus;
use entity::event::{ActiveModel, Column as C, Entity as Events, Model};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use super::events::EventFields;
use super::record::WriteFields;
use crate::error::AppResult;

/// One event as the feed gives it now.
#[derive(Clone, Debug)]
pub struct Incoming {
    pub uid: String,
    pub fields: EventFields,
    pub source_url: Option<String>,
}

/// What a sync changed: the ids of the events, per kind of change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub created: Vec<Uuid>,
    /// Changed events, except those the change cancelled.
    pub updated: Vec<Uuid>,
    /// Events the feed now marks cancelled.
    pub cancelled: Vec<Uuid>,
    /// Events that left the feed and became `REMOVED_UPSTREAM`.
    pub removed: Vec<Uuid>,
}

/// Applies `items` (unique uids) to the events of `feed_id`. Stored events the feed no longer
/// gives become `REMOVED_UPSTREAM`, except those `keep_unseen` spares (recurrence instances
/// that only left the expansion window). Call it inside the sync's transaction.
pub async fn apply(
    db: &impl ConnectionTrait,
    feed_id: Uuid,
    items: Vec<Incoming>,
    seen_at: DateTime<Utc>,
    keep_unseen: impl Fn(&Model) -> bool,
) -> AppResult<Applied> {
    let mut existing: HashMap<String, Model> = Events::find()
        .filter(C::FeedId.eq(feed_id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| m.source_uid.clone().map(|uid| (uid, m)))
        .collect();
    let mut applied = Applied::default();
    let mut inserts = Vec::new();
    let mut seen_ids = Vec::new();
    let mut seen_uids = HashSet::new();
    for mut item in items {
        seen_uids.insert(item.uid.clone());
        match existing.remove(&item.uid) {
            Some(model) => {
                // Who may see an event and whom it is for are the hub's curation, not the
                // feed's: the feed's defaults apply to new events, and later edits stay.
                item.fields.visibility = model.visibility;
                item.fields.audiences = model.audiences.0.clone();
                seen_ids.push(model.id);
                if EventFields::from(&model) == item.fields && model.source_url == item.source_url {
                    continue;
                }
                let id = model.id;
                if item.fields.status == EventStatus::Cancelled && model.status != EventStatus::Cancelled {
                    applied.cancelled.push(id);
                } else {
                    applied.updated.push(id);
                }
                let mut am = model.into_active_model();
                item.fields.write(&mut am);
                am.source_url = Set(item.source_url);
                am.last_seen_at = Set(Some(seen_at));
                am.updated_at = Set(seen_at);
                am.update(db).await?;
            }
            None => {
                let id = Uuid::now_v7();
                applied.created.push(id);
                let mut am = ActiveModel {
                    id: Set(id),
                    feed_id: Set(Some(feed_id)),
                    source_uid: Set(Some(item.uid)),
                    source_url: Set(item.source_url),
                    last_seen_at: Set(Some(seen_at)),
                    created_at: Set(seen_at),
                    updated_at: Set(seen_at),
                    ..Default::default()
                };
                item.fields.write(&mut am);
                inserts.push(am);
            }
        }
    }
    let mut rest = inserts;
    while !rest.is_empty() {
        let tail = rest.split_off(rest.len().min(super::INSERT_CHUNK));
        Events::insert_many(rest).exec(db).await?;
        rest = tail;
    }
    for chunk in seen_ids.chunks(super::ID_CHUNK) {
        Events::update_many()
            .col_expr(C::LastSeenAt, Expr::value(seen_at))
            .filter(C::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    let vanished: Vec<Uuid> = existing
        .values()
        .filter(|m| m.status != EventStatus::RemovedUpstream && !keep_unseen(m))
        .map(|m| m.id)
        .collect();
    for chunk in vanished.chunks(super::ID_CHUNK) {
        Events::update_many()
            .col_expr(C::Status, Expr::value(EventStatus::RemovedUpstream.as_str()))
            .col_expr(C::UpdatedAt, Expr::value(seen_at))
            .filter(C::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    applied.removed = vanished;
    for ids in [&applied.created, &applied.updated, &applied.cancelled, &applied.removed] {
        super::outbox::enqueue(db, crate::search::RecordType::Event, ids).await?;
    }
    Ok(applied)
}

/// The events a feed brought.
pub async fn events_of_feed(db: &impl ConnectionTrait, feed_id: Uuid) -> AppResult<Vec<Model>> {
    Ok(Events::find().filter(C::FeedId.eq(feed_id)).all(db).await?)
}

/// Detaches the events of a deleted feed (they stay, as typed-in events), or deletes them.
pub async fn release_feed_events(db: &impl ConnectionTrait, feed_id: Uuid, delete: bool) -> AppResult<u64> {
    let affected = if delete {
        let ids: Vec<Uuid> = Events::find()
            .select_only()
            .column(C::Id)
            .filter(C::FeedId.eq(feed_id))
            .into_tuple()
            .all(db)
            .await?;
        super::outbox::enqueue(db, crate::search::RecordType::Event, &ids).await?;
        Events::delete_many()
            .filter(C::FeedId.eq(feed_id))
            .exec(db)
            .await?
            .rows_affected
    } else {
        Events::update_many()
            .col_expr(C::FeedId, Expr::value(Option::<Uuid>::None))
            .filter(C::FeedId.eq(feed_id))
            .exec(db)
            .await?
            .rows_affected
    };
    Ok(affected)
}
