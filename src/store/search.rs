//! The search outbox, and the reads that turn records into search documents.
//!
//! Every write to a searchable record calls `enqueue` in its own transaction, so the outbox
//! row exists exactly when the write is committed. The indexer (`jobs::index_search`) leases
//! a shard, reads its due rows, indexes the records as they are now, and deletes the rows
//! only after the engine confirmed; a failed batch stays, with a later `not_before`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::search_outbox::{ActiveModel as OutboxRow, Column as O, Entity as Outbox, Model as OutboxModel};
use entity::search_shard::{Column as S, Entity as Shards};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::page::Listed;
use super::{Scope, now};
use crate::error::AppResult;
use crate::search::{Document, RecordType};

/// Rows per multi-row INSERT: under both databases' bind-parameter limits.
const INSERT_CHUNK: usize = 500;
/// Ids per `IN (…)` list.
const ID_CHUNK: usize = 1000;
/// Records per type a degraded (database) search looks at.
pub const FALLBACK_CANDIDATES: u64 = 500;

/// The outbox shard of a record: always the same for one record (UUIDv7 ends in random bits).
pub fn shard_of(id: Uuid) -> i32 {
    (id.as_u128() % migration::SEARCH_SHARDS as u128) as i32
}

/// Records that `ids` of type `ty` changed (created, updated or deleted). Call it in the
/// writing transaction.
pub async fn enqueue(db: &impl ConnectionTrait, ty: RecordType, ids: &[Uuid]) -> AppResult<()> {
    let at = now();
    for chunk in ids.chunks(INSERT_CHUNK) {
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

/// The name of organisation `id`, if it exists.
pub async fn organisation_name(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<String>> {
    use entity::organisation::{Column as C, Entity as Organisations};
    Ok(Organisations::find_by_id(id)
        .select_only()
        .column(C::Name)
        .into_tuple::<String>()
        .one(db)
        .await?)
}

/// Queues every searchable record (an index created empty is filled this way).
pub async fn enqueue_all(db: &impl ConnectionTrait) -> AppResult<u64> {
    let mut total = 0;
    for ty in RecordType::ALL {
        let mut after = None;
        loop {
            let page = id_page(db, ty, after, 5000).await?;
            let Some(last) = page.last().copied() else { break };
            enqueue(db, ty, &page).await?;
            total += page.len() as u64;
            after = Some(last);
        }
    }
    Ok(total)
}

/// Up to `limit` ids of type `ty` after `after`, in id order.
async fn id_page(db: &impl ConnectionTrait, ty: RecordType, after: Option<Uuid>, limit: u64) -> AppResult<Vec<Uuid>> {
    macro_rules! page {
        ($module:ident) => {{
            use entity::$module::{Column as C, Entity as E};
            let mut select = E::find().select_only().column(C::Id).order_by_asc(C::Id).limit(limit);
            if let Some(after) = after {
                select = select.filter(C::Id.gt(after));
            }
            select.into_tuple::<Uuid>().all(db).await?
        }};
    }
    Ok(match ty {
        RecordType::Event => page!(event),
        RecordType::Resource => page!(resource),
        RecordType::Organisation => page!(organisation),
        RecordType::Contact => page!(contact),
        RecordType::Action => page!(action),
    })
}

/// The number of records of type `ty`.
pub async fn count(db: &impl ConnectionTrait, ty: RecordType) -> AppResult<u64> {
    Ok(match ty {
        RecordType::Event => entity::event::Entity::find().count(db).await?,
        RecordType::Resource => entity::resource::Entity::find().count(db).await?,
        RecordType::Organisation => entity::organisation::Entity::find().count(db).await?,
        RecordType::Contact => entity::contact::Entity::find().count(db).await?,
        RecordType::Action => entity::action::Entity::find().count(db).await?,
    })
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
    for chunk in ids.chunks(ID_CHUNK) {
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
    for chunk in ids.chunks(ID_CHUNK) {
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

/// The names of organisations `ids`.
async fn organisation_names(db: &impl ConnectionTrait, ids: HashSet<Uuid>) -> AppResult<HashMap<Uuid, String>> {
    use entity::organisation::{Column as C, Entity as Organisations};
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let mut names = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let rows: Vec<(Uuid, String)> = Organisations::find()
            .select_only()
            .columns([C::Id, C::Name])
            .filter(C::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        names.extend(rows);
    }
    Ok(names)
}

/// Builds the documents of records of one type, with their organisations' names.
async fn documents_of(db: &impl ConnectionTrait, records: Records) -> AppResult<Vec<Document>> {
    let owners: HashSet<Uuid> = match &records {
        Records::Event(v) => v.iter().filter_map(|m| m.organiser_id).collect(),
        Records::Resource(v) => v.iter().filter_map(|m| m.organisation_id).collect(),
        Records::Organisation(_) => HashSet::new(),
        Records::Contact(v) => v.iter().filter_map(|m| m.organisation_id).collect(),
        Records::Action(v) => v.iter().map(|m| m.organisation_id).collect(),
    };
    let names = organisation_names(db, owners).await?;
    let name = |id: Option<Uuid>| id.and_then(|id| names.get(&id)).map(String::as_str);
    Ok(match records {
        Records::Event(v) => v
            .iter()
            .filter_map(|m| Document::event(m, name(m.organiser_id)))
            .collect(),
        Records::Resource(v) => v
            .iter()
            .map(|m| Document::resource(m, name(m.organisation_id)))
            .collect(),
        Records::Organisation(v) => v.iter().map(Document::organisation).collect(),
        Records::Contact(v) => v
            .iter()
            .map(|m| Document::contact(m, name(m.organisation_id)))
            .collect(),
        Records::Action(v) => v
            .iter()
            .map(|m| Document::action(m, name(Some(m.organisation_id))))
            .collect(),
    })
}

enum Records {
    Event(Vec<entity::event::Model>),
    Resource(Vec<entity::resource::Model>),
    Organisation(Vec<entity::organisation::Model>),
    Contact(Vec<entity::contact::Model>),
    Action(Vec<entity::action::Model>),
}

/// Reads records of type `ty` matching `cond`, in id order, at most `limit`.
async fn records(db: &impl ConnectionTrait, ty: RecordType, cond: Condition, limit: Option<u64>) -> AppResult<Records> {
    macro_rules! read {
        ($module:ident, $variant:ident) => {{
            use entity::$module::{Column as C, Entity as E};
            Records::$variant(E::find().filter(cond).order_by_asc(C::Id).limit(limit).all(db).await?)
        }};
    }
    Ok(match ty {
        RecordType::Event => read!(event, Event),
        RecordType::Resource => read!(resource, Resource),
        RecordType::Organisation => read!(organisation, Organisation),
        RecordType::Contact => read!(contact, Contact),
        RecordType::Action => read!(action, Action),
    })
}

fn id_column(ty: RecordType) -> sea_orm::sea_query::SimpleExpr {
    match ty {
        RecordType::Event => Expr::col(entity::event::Column::Id),
        RecordType::Resource => Expr::col(entity::resource::Column::Id),
        RecordType::Organisation => Expr::col(entity::organisation::Column::Id),
        RecordType::Contact => Expr::col(entity::contact::Column::Id),
        RecordType::Action => Expr::col(entity::action::Column::Id),
    }
}

/// The documents of records `ids` of type `ty` as they are now; records that no longer exist
/// (or are not indexed, like removed feed events) have none.
pub async fn documents(db: &impl ConnectionTrait, ty: RecordType, ids: &[Uuid]) -> AppResult<Vec<Document>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(ID_CHUNK) {
        let cond = Condition::all().add(id_column(ty).is_in(chunk.iter().copied()));
        out.extend(documents_of(db, records(db, ty, cond, None).await?).await?);
    }
    Ok(out)
}

/// Up to `limit` documents of type `ty` with ids after `after`, in id order, and the last id
/// read (the next page starts after it; none at the end).
pub async fn scan(
    db: &impl ConnectionTrait,
    ty: RecordType,
    after: Option<Uuid>,
    limit: u64,
) -> AppResult<(Vec<Document>, Option<Uuid>)> {
    let ids = id_page(db, ty, after, limit).await?;
    let last = ids.last().copied();
    Ok((documents(db, ty, &ids).await?, last))
}

/// For a degraded search: documents of type `ty` that `scope` may see and whose main texts
/// contain every word of `words` (case-insensitive), in id order.
pub async fn candidates(
    db: &impl ConnectionTrait,
    ty: RecordType,
    scope: Scope,
    words: &[String],
) -> AppResult<Vec<Document>> {
    macro_rules! cond {
        ($module:ident, [$($col:ident),+]) => {{
            use entity::$module::{Column as C, Entity as E};
            let mut cond = Condition::all().add(<E as Listed>::visible(scope));
            for word in words {
                let pattern = format!("%{}%", escape_like(&word.to_lowercase()));
                let mut any = Condition::any();
                $(
                    any = any.add(
                        Expr::expr(Func::lower(Expr::col(C::$col))).like(sea_orm::sea_query::LikeExpr::new(&pattern).escape('\\')),
                    );
                )+
                cond = cond.add(any);
            }
            cond
        }};
    }
    let cond = match ty {
        RecordType::Event => cond!(event, [Title, Description, City, LocationName, OrganiserName]),
        RecordType::Resource => cond!(resource, [Title, Description, Author]),
        RecordType::Organisation => cond!(organisation, [Name, Description, City]),
        RecordType::Contact => cond!(contact, [FirstName, LastName, JobTitle, City]),
        RecordType::Action => cond!(action, [Title, Summary]),
    };
    documents_of(db, records(db, ty, cond, Some(FALLBACK_CANDIDATES)).await?).await
}

fn escape_like(raw: &str) -> String {
    raw.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
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
