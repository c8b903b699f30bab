//! Partner feeds: the registry, the leases the scheduler claims them with, and their runs.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::feed::{ActiveModel, Column as C, Entity as Feeds, Model};
use entity::feed_run::{self, Entity as FeedRuns};
use entity::{Audiences, ColumnMap, FeedRunOutcome, Tags};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveValue, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::list::{Filter, Relation};
use super::page::{self, listed, sort_keys};
use super::record::{WriteFields, record};
use super::{Scope, now};
pub use crate::domain::feed::FeedFields;
use crate::error::AppResult;

/// Runs kept per feed; older ones are pruned as new ones finish.
pub const RUNS_KEPT: u64 = 100;

// A feed's URL, errors and schedule are its organisation's business: members of that
// organisation and administrators see it, nobody else.
listed!(Feeds, C::Id, |scope| match scope {
    Scope::All => Condition::all(),
    Scope::Partner {
        organisation: Some(org),
    } => Condition::all().add(C::OrganisationId.eq(org)),
    _ => Condition::all().add(C::Id.is_null()),
});

sort_keys!(FeedSort for Feeds, m {
    NameAsc => C::NameSort, false, Key, m.name_sort.clone();
    CreatedAtDesc => C::CreatedAt, true, Time, m.created_at;
    NextFetchAtAsc => C::NextFetchAt, false, Time, m.next_fetch_at;
});

/// What a list of feeds can be narrowed to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FeedFilter {
    pub scope: Scope,
    pub organisation_id: Option<Uuid>,
    pub enabled: Option<bool>,
    /// Only feeds with at least this many consecutive failures.
    pub failing_after: Option<i32>,
}

impl Filter for FeedFilter {
    type Entity = Feeds;
    type Sort = FeedSort;

    fn scoped(self, scope: super::Scope) -> Self {
        FeedFilter { scope, ..self }
    }

    fn condition(&self, _backend: DatabaseBackend) -> Condition {
        let mut cond = Condition::all().add(<Feeds as page::Listed>::visible(self.scope));
        if let Some(v) = self.organisation_id {
            cond = cond.add(C::OrganisationId.eq(v));
        }
        if let Some(v) = self.enabled {
            cond = cond.add(C::Enabled.eq(v));
        }
        if let Some(v) = self.failing_after {
            cond = cond.add(C::ConsecutiveFailures.gte(v)).add(C::Enabled.eq(true));
        }
        cond
    }
}

fn changed<T: PartialEq + Into<sea_orm::Value>>(value: &ActiveValue<T>, new: &T) -> bool {
    match value {
        ActiveValue::Set(old) | ActiveValue::Unchanged(old) => old != new,
        ActiveValue::NotSet => true,
    }
}

impl WriteFields<ActiveModel> for FeedFields {
    fn write(self, am: &mut ActiveModel) {
        let created = am.next_fetch_at.is_not_set();
        // A new address or format starts afresh: the old validators and failures say
        // nothing about it, and it is pulled at once.
        let source_changed = changed(&am.url, &self.url) || changed(&am.format, &self.format);
        let enabled_now = self.enabled && changed(&am.enabled, &self.enabled);
        if created || source_changed || enabled_now {
            am.next_fetch_at = Set(now());
        }
        if created || source_changed {
            am.etag = Set(None);
            am.last_modified = Set(None);
            am.consecutive_failures = Set(0);
            am.last_error = Set(None);
        }
        if created {
            am.last_fetched_at = Set(None);
            am.last_success_at = Set(None);
            am.lease_owner = Set(None);
            am.lease_expires_at = Set(None);
        }
        let key = entity::feed::url_key(&self.url);
        // A feed that repeated another's address when the key column was added keeps its
        // distinct key (see the migration) while its address keeps that key.
        let same_key = matches!(&am.url, ActiveValue::Unchanged(old) if entity::feed::url_key(old) == key);
        if !same_key {
            am.url_key = Set(key);
        }
        am.organisation_id = Set(self.organisation_id);
        am.name_sort = Set(entity::sort_key::sort_key(&self.name));
        am.name = Set(self.name);
        am.url = Set(self.url);
        am.format = Set(self.format);
        am.interval_minutes = Set(self.interval_minutes);
        am.enabled = Set(self.enabled);
        am.default_visibility = Set(self.default_visibility);
        am.default_audiences = Set(Audiences(self.default_audiences));
        am.timezone = Set(self.timezone);
        am.use_publication_date = Set(self.use_publication_date);
        am.csv_columns = Set(ColumnMap(self.csv_columns));
    }
}

record!(Feeds, FeedFields, "feed", |db, f, before| {
    if before.is_none_or(|b| b.organisation_id != f.organisation_id) {
        super::organisations::ensure_exists(db, "organisationId", Some(f.organisation_id)).await?;
    }
    ensure_unique_url(db, f, before).await
}, conflict: |_f| taken(None));

/// The `CONFLICT` of an address another feed of the organisation has.
fn taken(other: Option<&Model>) -> String {
    match other {
        Some(o) => format!(
            "Cette organisation a déjà un flux à cette adresse : « {} » ({}) / \
             this organisation already has a feed at this address: \"{}\" ({})",
            o.name, o.id, o.name, o.id
        ),
        None => "Cette organisation a déjà un flux à cette adresse / \
                 this organisation already has a feed at this address"
            .to_string(),
    }
}

/// Refuses (`CONFLICT`) an address another feed of the same organisation has (compared by
/// `entity::feed::url_key`: the fragment aside), as the unique index does: its events would
/// all come twice.
async fn ensure_unique_url(db: &impl ConnectionTrait, f: &FeedFields, before: Option<&Model>) -> AppResult<()> {
    let key = entity::feed::url_key(&f.url);
    // A duplicate the migration found keeps its address (see `write`): not refused again.
    if before.is_some_and(|b| b.organisation_id == f.organisation_id && entity::feed::url_key(&b.url) == key) {
        return Ok(());
    }
    let mut others = Feeds::find()
        .filter(C::OrganisationId.eq(f.organisation_id))
        .filter(C::UrlKey.eq(key));
    if let Some(before) = before {
        others = others.filter(C::Id.ne(before.id));
    }
    match others.one(db).await? {
        Some(other) => Err(crate::error::AppError::Conflict(taken(Some(&other)))),
        None => Ok(()),
    }
}

/// Every feed (of one organisation), by name: the command line's list.
pub async fn all(db: &impl ConnectionTrait, organisation: Option<Uuid>) -> AppResult<Vec<Model>> {
    let mut query = Feeds::find().order_by_asc(C::Name).order_by_asc(C::Id);
    if let Some(org) = organisation {
        query = query.filter(C::OrganisationId.eq(org));
    }
    Ok(query.all(db).await?)
}

/// The names of the feeds `ids`, whoever asks: an event says which feed it came from to
/// anyone who may see it (the feed's address, errors and schedule stay its organisation's).
pub async fn names(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = Feeds::find()
        .select_only()
        .column(C::Id)
        .column(C::Name)
        .filter(C::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Reads a feed whatever the caller (jobs and the CLI).
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Model>> {
    Ok(Feeds::find_by_id(id).one(db).await?)
}

/// Claims up to `limit` enabled feeds that are due and not held by a live lease, for
/// `owner`, until `lease_until`. On PostgreSQL the candidates are locked with
/// `FOR UPDATE SKIP LOCKED`, so instances claiming together get disjoint feeds; SQLite has
/// a single writer, so the conditional update is atomic as it is.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    owner: &str,
    at: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> AppResult<Vec<Model>> {
    let mut due = Query::select();
    due.column(C::Id)
        .from(Feeds)
        .and_where(C::Enabled.eq(true))
        .and_where(C::NextFetchAt.lte(at))
        .cond_where(free_at(at))
        .order_by(C::NextFetchAt, sea_orm::Order::Asc)
        .limit(limit);
    if db.get_database_backend() == DatabaseBackend::Postgres {
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let claimed = Feeds::update_many()
        .col_expr(C::LeaseOwner, Expr::value(owner))
        .col_expr(C::LeaseExpiresAt, Expr::value(lease_until))
        .filter(C::Id.in_subquery(due))
        // Re-checked on the row itself: the subquery's snapshot may be older than the row.
        .filter(free_at(at))
        .exec_with_returning(db)
        .await?;
    Ok(claimed)
}

/// Claims feed `id` for a sync asked for now, due or not; `None` when another sync holds it.
pub async fn claim_one(
    db: &impl ConnectionTrait,
    id: Uuid,
    owner: &str,
    at: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> AppResult<Option<Model>> {
    let claimed = Feeds::update_many()
        .col_expr(C::LeaseOwner, Expr::value(owner))
        .col_expr(C::LeaseExpiresAt, Expr::value(lease_until))
        .filter(C::Id.eq(id))
        .filter(free_at(at))
        .exec_with_returning(db)
        .await?;
    Ok(claimed.into_iter().next())
}

fn free_at(at: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(C::LeaseExpiresAt.is_null())
        .add(C::LeaseExpiresAt.lte(at))
}

/// What a finished sync changes on its feed.
#[derive(Clone, Debug)]
pub struct SyncResult {
    pub fetched_at: DateTime<Utc>,
    pub success: bool,
    pub error: Option<String>,
    /// New validators (only after a successful fetch with a body).
    pub validators: Option<(Option<String>, Option<String>)>,
    pub next_fetch_at: DateTime<Utc>,
}

/// Records the end of a sync and releases the lease, if `owner` still holds it. Returns
/// whether it did: a sync whose lease expired and was taken over leaves the feed alone.
pub async fn release(
    db: &impl ConnectionTrait,
    id: Uuid,
    owner: &str,
    fetched_url: &str,
    result: SyncResult,
) -> AppResult<bool> {
    let mut update = Feeds::update_many()
        .col_expr(C::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(C::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(C::LastFetchedAt, Expr::value(result.fetched_at))
        .col_expr(C::NextFetchAt, Expr::value(result.next_fetch_at))
        .col_expr(C::LastError, Expr::value(result.error));
    if result.success {
        update = update
            .col_expr(C::LastSuccessAt, Expr::value(result.fetched_at))
            .col_expr(C::ConsecutiveFailures, Expr::value(0));
    } else {
        update = update.col_expr(C::ConsecutiveFailures, Expr::col(C::ConsecutiveFailures).add(1));
    }
    if let Some((etag, last_modified)) = result.validators {
        update = update
            .col_expr(C::Etag, Expr::value(etag))
            .col_expr(C::LastModified, Expr::value(last_modified));
    }
    let res = update
        .filter(C::Id.eq(id))
        .filter(C::LeaseOwner.eq(owner))
        // A feed whose address changed during the sync keeps the fresh schedule and validators
        // its update gave it: only the lease is let go (below).
        .filter(C::Url.eq(fetched_url))
        .exec(db)
        .await?;
    if res.rows_affected == 1 {
        return Ok(true);
    }
    let res = Feeds::update_many()
        .col_expr(C::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(C::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(C::Id.eq(id))
        .filter(C::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Lets go of every feed lease `instance` holds (its claims are `<instance>/<token>`), at
/// shutdown: the feeds stay due, so another instance syncs them at once rather than after the
/// lease expires. Returns how many were held.
pub async fn release_all_of(db: &impl ConnectionTrait, instance: &str) -> AppResult<u64> {
    let res = Feeds::update_many()
        .col_expr(C::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(C::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(C::LeaseOwner.starts_with(format!("{instance}/")))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Whether `owner` still holds feed `id` (checked inside the transaction that writes its
/// events, which it then keeps locked on PostgreSQL until commit).
pub async fn still_holds(db: &impl ConnectionTrait, id: Uuid, owner: &str) -> AppResult<bool> {
    let res = Feeds::update_many()
        .col_expr(C::LeaseOwner, Expr::value(owner))
        .filter(C::Id.eq(id))
        .filter(C::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The error of a run the instance stopped in the middle of.
pub const INTERRUPTED: &str = "interrompue : l’instance s’est arrêtée pendant la synchronisation / interrupted: the instance stopped during the sync";

/// Starts the record of a sync. A run of the same feed still `running` was abandoned (only
/// the lease holder runs a sync, and the lease moved on): it is closed as failed.
pub async fn start_run(db: &impl ConnectionTrait, feed_id: Uuid, at: DateTime<Utc>) -> AppResult<feed_run::Model> {
    FeedRuns::update_many()
        .col_expr(feed_run::Column::Outcome, Expr::value(FeedRunOutcome::Failed))
        .col_expr(feed_run::Column::FinishedAt, Expr::value(Some(at)))
        .col_expr(feed_run::Column::Error, Expr::value(Some(INTERRUPTED)))
        .filter(feed_run::Column::FeedId.eq(feed_id))
        .filter(feed_run::Column::Outcome.eq(FeedRunOutcome::Running))
        .filter(feed_run::Column::StartedAt.lt(at))
        .exec(db)
        .await?;
    let run = feed_run::ActiveModel {
        id: Set(Uuid::now_v7()),
        feed_id: Set(feed_id),
        started_at: Set(at),
        finished_at: Set(None),
        outcome: Set(FeedRunOutcome::Running),
        http_status: Set(None),
        items_seen: Set(0),
        created: Set(0),
        updated: Set(0),
        removed: Set(0),
        error: Set(None),
        warnings: Set(Tags(Vec::new())),
    };
    Ok(FeedRuns::insert(run).exec_with_returning(db).await?)
}

/// Saves the end of a sync, and prunes the feed's runs beyond the last [`RUNS_KEPT`].
pub async fn finish_run(db: &impl ConnectionTrait, run: feed_run::Model) -> AppResult<feed_run::Model> {
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    let feed_id = run.feed_id;
    let mut am = run.clone().into_active_model();
    am.finished_at = Set(run.finished_at);
    am.outcome = Set(run.outcome);
    am.http_status = Set(run.http_status);
    am.items_seen = Set(run.items_seen);
    am.created = Set(run.created);
    am.updated = Set(run.updated);
    am.removed = Set(run.removed);
    am.error = Set(run.error.clone());
    am.warnings = Set(run.warnings.clone());
    let saved = am.update(db).await?;
    let keep: Vec<Uuid> = FeedRuns::find()
        .select_only()
        .column(feed_run::Column::Id)
        .filter(feed_run::Column::FeedId.eq(feed_id))
        .order_by_desc(feed_run::Column::StartedAt)
        .order_by_desc(feed_run::Column::Id)
        .offset(RUNS_KEPT)
        .limit(1)
        .into_tuple()
        .all(db)
        .await?;
    if let Some(oldest_dropped) = keep.first() {
        let cutoff = FeedRuns::find_by_id(*oldest_dropped).one(db).await?;
        if let Some(cutoff) = cutoff {
            FeedRuns::delete_many()
                .filter(feed_run::Column::FeedId.eq(feed_id))
                .filter(feed_run::Column::StartedAt.lte(cutoff.started_at))
                .filter(feed_run::Column::Id.ne(saved.id))
                .exec(db)
                .await?;
        }
    }
    Ok(saved)
}

listed!(FeedRuns, feed_run::Column::Id, |_scope| Condition::all());

sort_keys!(FeedRunSort for FeedRuns, m {
    StartedAtDesc => feed_run::Column::StartedAt, true, Time, m.started_at;
});

/// Runs carry no filter of their own: whoever may see the feed may see its runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FeedRunFilter;

/// The runs of each feed.
pub const RUNS_BY_FEED: Relation<FeedRunFilter> =
    Relation::new(feed_run::Column::FeedId, |m: &feed_run::Model| Some(m.feed_id));

impl Filter for FeedRunFilter {
    type Entity = FeedRuns;
    type Sort = FeedRunSort;

    /// Runs are read only through their feed, which the caller could see.
    fn scoped(self, _scope: Scope) -> Self {
        self
    }

    fn condition(&self, _backend: DatabaseBackend) -> Condition {
        Condition::all()
    }
}

/// Reads a run by id.
pub async fn run(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<feed_run::Model>> {
    Ok(FeedRuns::find_by_id(id).one(db).await?)
}
