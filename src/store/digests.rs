//! Digest subscriptions: a member's saved event and resource filters and how often to hear of
//! what changed; claimed with a lease when due, so that one period is queued once whatever
//! the number of instances. And the reads a digest is made of: what changed in a period,
//! through the filter and so through the member's scope.

use chrono::{DateTime, Utc};
use entity::digest_subscription::{ActiveModel, Column as C, Entity as Digests, Model};
use entity::{Audience, DigestFrequency, EventStatus, ResourceKind};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::calendar_subscriptions::SavedEventFilter;
use super::events::EventFilter;
use super::list::Filter;
use super::resources::ResourceFilter;
use crate::error::{AppError, AppResult};

/// The part of a resource filter a subscription keeps (the scope is the member's, read at
/// each digest).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SavedResourceFilter {
    pub kind: Option<ResourceKind>,
    pub free_of_rights: Option<bool>,
    pub audience: Option<Audience>,
    pub tag: Option<String>,
    pub organisation_id: Option<Uuid>,
    pub language: Option<String>,
}

impl From<&ResourceFilter> for SavedResourceFilter {
    fn from(f: &ResourceFilter) -> Self {
        SavedResourceFilter {
            kind: f.kind,
            free_of_rights: f.free_of_rights,
            audience: f.audience,
            tag: f.tag.clone(),
            organisation_id: f.organisation_id,
            language: f.language.clone(),
        }
    }
}

impl SavedResourceFilter {
    /// The resource filter this subscription reads with `scope`.
    pub fn with_scope(self, scope: super::Scope) -> ResourceFilter {
        ResourceFilter {
            scope,
            kind: self.kind,
            free_of_rights: self.free_of_rights,
            audience: self.audience,
            tag: self.tag,
            organisation_id: self.organisation_id,
            language: self.language,
        }
    }

    /// Reads a stored filter; an unreadable one is `None` (the digest then says nothing
    /// rather than widening).
    pub fn from_stored(value: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(value.clone()).ok()
    }
}

pub struct NewDigest {
    pub user_id: Uuid,
    pub frequency: DigestFrequency,
    pub events: SavedEventFilter,
    pub resources: SavedResourceFilter,
    /// The first digest lists what changed from this time on.
    pub covered_until: DateTime<Utc>,
    pub next_due_at: DateTime<Utc>,
}

pub async fn create(db: &impl ConnectionTrait, new: NewDigest) -> AppResult<Model> {
    let am = ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(new.user_id),
        frequency: Set(new.frequency),
        event_filter: Set(serde_json::to_value(&new.events).map_err(AppError::internal)?),
        resource_filter: Set(serde_json::to_value(&new.resources).map_err(AppError::internal)?),
        covered_until: Set(new.covered_until),
        next_due_at: Set(new.next_due_at),
        lease_owner: Set(None),
        lease_expires_at: Set(None),
        last_sent_at: Set(None),
        created_at: Set(super::now()),
        unsubscribed_at: Set(None),
    };
    Ok(am.insert(db).await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Model>> {
    Ok(Digests::find_by_id(id).one(db).await?)
}

/// The live subscriptions of a user, newest first (a user has a handful).
pub async fn of_user(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Vec<Model>> {
    Ok(Digests::find()
        .filter(C::UserId.eq(user_id))
        .filter(C::UnsubscribedAt.is_null())
        .order_by_desc(C::CreatedAt)
        .order_by_desc(C::Id)
        .all(db)
        .await?)
}

/// Ends subscription `id`; false when it had already ended.
pub async fn unsubscribe(db: &impl ConnectionTrait, id: Uuid) -> AppResult<bool> {
    let res = Digests::update_many()
        .col_expr(C::UnsubscribedAt, Expr::value(super::now()))
        .filter(C::Id.eq(id))
        .filter(C::UnsubscribedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

fn free_at(at: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(C::LeaseExpiresAt.is_null())
        .add(C::LeaseExpiresAt.lte(at))
}

/// Claims up to `limit` live subscriptions due at `at` and not held by a live lease (as
/// `store::feeds::claim_due` claims feeds: `FOR UPDATE SKIP LOCKED` on PostgreSQL).
pub async fn claim_due(
    db: &impl ConnectionTrait,
    owner: &str,
    at: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> AppResult<Vec<Model>> {
    let mut due = Query::select();
    due.column(C::Id)
        .from(Digests)
        .and_where(C::UnsubscribedAt.is_null())
        .and_where(C::NextDueAt.lte(at))
        .cond_where(free_at(at))
        .order_by(C::NextDueAt, sea_orm::Order::Asc)
        .limit(limit);
    if db.get_database_backend() == DatabaseBackend::Postgres {
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    Ok(Digests::update_many()
        .col_expr(C::LeaseOwner, Expr::value(owner))
        .col_expr(C::LeaseExpiresAt, Expr::value(lease_until))
        .filter(C::Id.in_subquery(due))
        .filter(C::UnsubscribedAt.is_null())
        .filter(free_at(at))
        .exec_with_returning(db)
        .await?)
}

/// Moves subscription `id` on to its next period and lets go of the lease, if `owner` still
/// holds it (checked in the transaction that queues the period's digest, which the update
/// then keeps locked on PostgreSQL until commit). Returns whether it did.
pub async fn advance(
    db: &impl ConnectionTrait,
    id: Uuid,
    owner: &str,
    covered_until: DateTime<Utc>,
    next_due_at: DateTime<Utc>,
) -> AppResult<bool> {
    let res = Digests::update_many()
        .col_expr(C::CoveredUntil, Expr::value(covered_until))
        .col_expr(C::NextDueAt, Expr::value(next_due_at))
        .col_expr(C::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(C::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(C::Id.eq(id))
        .filter(C::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records that a digest of subscription `id` was sent.
pub async fn sent(db: &impl ConnectionTrait, id: Uuid, at: DateTime<Utc>) -> AppResult<()> {
    Digests::update_many()
        .col_expr(C::LastSentAt, Expr::value(at))
        .filter(C::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Lets go of every subscription lease `owner` holds (at shutdown).
pub async fn release_all_of(db: &impl ConnectionTrait, owner: &str) -> AppResult<u64> {
    let res = Digests::update_many()
        .col_expr(C::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(C::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(C::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// What changed in a period: up to `limit` rows, most recent first, and how many in all.
pub struct Changed<M> {
    pub rows: Vec<M>,
    pub total: u64,
}

/// The events `filter` keeps (its scope included: the one visibility policy) that were
/// added or changed in `[from, until)`. Events removed from their feed are left out unless
/// the filter asks for them.
pub async fn changed_events(
    db: &impl ConnectionTrait,
    filter: &EventFilter,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u64,
) -> AppResult<Changed<entity::event::Model>> {
    use entity::event::{Column as E, Entity as Events};
    let mut cond = filter
        .condition(db.get_database_backend())
        .add(E::UpdatedAt.gte(from))
        .add(E::UpdatedAt.lt(until));
    if filter.status.is_none() {
        cond = cond.add(E::Status.ne(EventStatus::RemovedUpstream));
    }
    let total = Events::find().filter(cond.clone()).count(db).await?;
    let rows = if total == 0 || limit == 0 {
        Vec::new()
    } else {
        Events::find()
            .filter(cond)
            .order_by_desc(E::UpdatedAt)
            .order_by_desc(E::Id)
            .limit(limit)
            .all(db)
            .await?
    };
    Ok(Changed { rows, total })
}

/// The resources `filter` keeps (its scope included) that were added or changed in
/// `[from, until)`.
pub async fn changed_resources(
    db: &impl ConnectionTrait,
    filter: &ResourceFilter,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u64,
) -> AppResult<Changed<entity::resource::Model>> {
    use entity::resource::{Column as R, Entity as Resources};
    let cond = filter
        .condition(db.get_database_backend())
        .add(R::UpdatedAt.gte(from))
        .add(R::UpdatedAt.lt(until));
    let total = Resources::find().filter(cond.clone()).count(db).await?;
    let rows = if total == 0 || limit == 0 {
        Vec::new()
    } else {
        Resources::find()
            .filter(cond)
            .order_by_desc(R::UpdatedAt)
            .order_by_desc(R::Id)
            .limit(limit)
            .all(db)
            .await?
    };
    Ok(Changed { rows, total })
}

/// The names of organisations, by id (for the lines of a digest).
pub async fn organisation_names(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, String>> {
    Ok(
        super::page::by_ids::<entity::organisation::Entity>(db, ids, super::Scope::All)
            .await?
            .into_iter()
            .map(|(id, org)| (id, org.name))
            .collect(),
    )
}
