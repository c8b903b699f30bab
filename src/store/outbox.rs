//! The search outbox: what the search index must catch up with.
//!
//! Every write to a searchable record calls `enqueue` in its own transaction, so the outbox
//! row exists exactly when the write is committed. The indexer (`jobs::index_search`) leases
//! a shard, reads its due rows, indexes the records as they are now, and deletes the rows
//! only after the engine confirmed; a failed batch stays, with a later `not_before`.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::search_outbox::{ActiveModel as OutboxRow, Column as O, Entity as Outbox, Model as OutboxModel};
use entity::search_shard::{Column as S, Entity as Shards};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::now;
use crate::error::AppResult;
use crate::search::RecordType;

/// The outbox shard of a record: always the same for one record (UUIDv7 ends in random bits).
pub fn shard_of(id: Uuid) -> i32 {
    (id.as_u128() % migration::SEARCH_SHARDS as u128) as i32
}

/// Records that `ids` of type `ty` changed (created, updated or deleted). Call it in the
/// writing transaction.
pub async fn enqueue(db: &impl ConnectionTrait, ty: RecordType, ids: &[Uuid]) -> AppResult<()> {
    let at = now();
    for chunk in ids.chunks(super::INSERT_CHUNK) {
        let rows = chunk.iter().map(|id| OutboxRow {
            record_type: Set(ty.as_str().to_string()),
            record_id: Set(*id),
            shard: Set(shard_of(*id)),
            attempts: Set(0),
            not_before: Set(at),
            last_error: Set(None),
            created_at: Set(at),
            ..Default::default()
        });
        Outbox::insert_many(rows).exec_without_returning(db).await?;
    }
    Ok(())
}

/// The ids of the records that embed organisation `org` (its name is in their documents).
async fn records_of_organisation(db: &impl ConnectionTrait, org: Uuid) -> AppResult<Vec<(RecordType, Vec<Uuid>)>> {
    use entity::{action, contact, event, resource};
    Ok(vec![
        (
            RecordType::Event,
            ids(
                db,
                event::Entity::find().filter(event::Column::OrganiserId.eq(org)),
                event::Column::Id,
            )
            .await?,
        ),
        (
            RecordType::Resource,
            ids(
                db,
                resource::Entity::find().filter(resource::Column::OrganisationId.eq(org)),
                resource::Column::Id,
            )
            .await?,
        ),
        (
            RecordType::Contact,
            ids(
                db,
                contact::Entity::find().filter(contact::Column::OrganisationId.eq(org)),
                contact::Column::Id,
            )
            .await?,
        ),
        (
            RecordType::Action,
            ids(
                db,
                action::Entity::find().filter(action::Column::OrganisationId.eq(org)),
                action::Column::Id,
            )
            .await?,
        ),
    ])
}

async fn ids<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: sea_orm::Select<E>,
    id: E::Column,
) -> AppResult<Vec<Uuid>> {
    Ok(select.select_only().column(id).into_tuple::<Uuid>().all(db).await?)
}

/// Queues the records embedding organisation `org`, after a change of its name.
pub async fn enqueue_organisation_records(db: &impl ConnectionTrait, org: Uuid) -> AppResult<()> {
    for (ty, ids) in records_of_organisation(db, org).await? {
        enqueue(db, ty, &ids).await?;
    }
    Ok(())
}

/// Queues every searchable record (an index created empty is filled this way).
pub async fn enqueue_all(db: &impl ConnectionTrait) -> AppResult<u64> {
    let mut total = 0;
    for ty in RecordType::ALL {
        let mut after = None;
        loop {
            let page = super::documents::id_page(db, ty, after, 5000).await?;
            let Some(last) = page.last().copied() else { break };
            enqueue(db, ty, &page).await?;
            total += page.len() as u64;
            after = Some(last);
        }
    }
    Ok(total)
}

/// The shards of the outbox.
pub async fn shards(db: &impl ConnectionTrait) -> AppResult<Vec<i32>> {
    Ok(Shards::find()
        .select_only()
        .column(S::Shard)
        .order_by_asc(S::Shard)
        .into_tuple::<i32>()
        .all(db)
        .await?)
}

/// The shards with rows due now (an idle indexer reads this, and leases nothing).
pub async fn due_shards(db: &impl ConnectionTrait) -> AppResult<Vec<i32>> {
    Ok(Outbox::find()
        .select_only()
        .column(O::Shard)
        .filter(O::NotBefore.lte(now()))
        .group_by(O::Shard)
        .order_by_asc(O::Shard)
        .into_tuple::<i32>()
        .all(db)
        .await?)
}

/// Takes (or renews) the lease of `shard` for `owner` until `until`; false when another
/// owner holds a live lease.
pub async fn lease_shard(db: &impl ConnectionTrait, shard: i32, owner: &str, until: DateTime<Utc>) -> AppResult<bool> {
    let at = now();
    let res = Shards::update_many()
        .col_expr(S::LeaseOwner, Expr::value(owner))
        .col_expr(S::LeaseExpiresAt, Expr::value(until))
        .filter(S::Shard.eq(shard))
        .filter(
            Condition::any()
                .add(S::LeaseOwner.is_null())
                .add(S::LeaseExpiresAt.lt(at))
                .add(S::LeaseOwner.eq(owner)),
        )
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Gives the lease of `shard` back, if `owner` still holds it.
pub async fn release_shard(db: &impl ConnectionTrait, shard: i32, owner: &str) -> AppResult<()> {
    Shards::update_many()
        .col_expr(S::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(S::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(S::Shard.eq(shard))
        .filter(S::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives back every shard lease `owner` holds (at shutdown). Returns how many were held.
pub async fn release_all_shards(db: &impl ConnectionTrait, owner: &str) -> AppResult<u64> {
    let res = Shards::update_many()
        .col_expr(S::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(S::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(S::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Up to `limit` rows of `shard` due now, oldest first.
pub async fn due(db: &impl ConnectionTrait, shard: i32, limit: u64) -> AppResult<Vec<OutboxModel>> {
    Ok(Outbox::find()
        .filter(O::Shard.eq(shard))
        .filter(O::NotBefore.lte(now()))
        .order_by_asc(O::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Deletes rows the index now holds.
pub async fn done(db: &impl ConnectionTrait, ids: &[i64]) -> AppResult<()> {
    for chunk in ids.chunks(super::ID_CHUNK) {
        Outbox::delete_many()
            .filter(O::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Counts a failed attempt on rows, to be retried from `not_before`.
pub async fn retry_later(
    db: &impl ConnectionTrait,
    ids: &[i64],
    not_before: DateTime<Utc>,
    error: &str,
) -> AppResult<()> {
    let error = crate::domain::validate::cut(error, 1000);
    for chunk in ids.chunks(super::ID_CHUNK) {
        Outbox::update_many()
            .col_expr(O::Attempts, Expr::col(O::Attempts).add(1))
            .col_expr(O::NotBefore, Expr::value(not_before))
            .col_expr(O::LastError, Expr::value(error.clone()))
            .filter(O::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The state of the outbox: rows waiting, the oldest one's time, and the last error seen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Backlog {
    pub pending: u64,
    pub oldest: Option<DateTime<Utc>>,
    pub failing: u64,
    pub last_error: Option<String>,
}

pub async fn backlog(db: &impl ConnectionTrait) -> AppResult<Backlog> {
    let pending = Outbox::find().count(db).await?;
    let oldest = Outbox::find()
        .select_only()
        .column(O::CreatedAt)
        .order_by_asc(O::Id)
        .into_tuple::<DateTime<Utc>>()
        .one(db)
        .await?;
    let failing = Outbox::find().filter(O::Attempts.gt(0)).count(db).await?;
    let last_error = Outbox::find()
        .select_only()
        .column(O::LastError)
        .filter(O::LastError.is_not_null())
        .order_by_desc(O::NotBefore)
        .into_tuple::<Option<String>>()
        .one(db)
        .await?
        .flatten();
    Ok(Backlog {
        pending,
        oldest,
        failing,
        last_error,
    })
}

/// The ids of the documents with outbox rows still waiting.
pub async fn pending_documents(db: &impl ConnectionTrait) -> AppResult<HashSet<String>> {
    let rows: Vec<(String, Uuid)> = Outbox::find()
        .select_only()
        .columns([O::RecordType, O::RecordId])
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(ty, id)| RecordType::parse(&ty).map(|ty| ty.document_id(id)))
        .collect())
}
