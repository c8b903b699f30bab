//! The mail outbox: every message is a row written in the transaction of its cause, claimed
//! with a lease by the sender of any instance, then marked sent, retried later, refused or
//! cancelled — each mark only by the lease holder, and each mark that ends a message wipes the
//! secret it carried. Also the signing keys of one-click links.

use chrono::{DateTime, Utc};
use entity::mail_outbox::{ActiveModel, Column as C, Entity as Outbox, Model};
use entity::signing_key::{self, Entity as SigningKeys};
use entity::{Locale, MailKind, MailStatus};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::list::Filter;
use super::now;
use super::page::{listed, sort_keys};
use crate::error::{AppError, AppResult};

// Read by administrators only; the resolvers enforce it.
listed!(Outbox, C::Id, |_scope| Condition::all());

sort_keys!(MailSort for Outbox, m {
    CreatedAtDesc => C::CreatedAt, true, Time, m.created_at;
});

/// What a list of the outbox's messages can be narrowed to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MailFilter {
    pub status: Option<MailStatus>,
    pub kind: Option<MailKind>,
    /// Only waiting messages that failed at least once.
    pub failing: bool,
    pub user_id: Option<Uuid>,
}

impl Filter for MailFilter {
    type Entity = Outbox;
    type Sort = MailSort;

    /// The outbox is listed to administrators only, which the API checks before listing.
    fn scoped(self, _scope: super::Scope) -> Self {
        self
    }

    fn condition(&self, _backend: DatabaseBackend) -> Condition {
        let mut cond = Condition::all();
        if let Some(v) = self.status {
            cond = cond.add(C::Status.eq(v));
        }
        if let Some(v) = self.kind {
            cond = cond.add(C::Kind.eq(v));
        }
        if self.failing {
            cond = cond.add(C::Status.eq(MailStatus::Pending)).add(C::Attempts.gt(0));
        }
        if let Some(v) = self.user_id {
            cond = cond.add(C::UserId.eq(v));
        }
        cond
    }
}

/// A message to queue.
pub struct NewMail {
    pub kind: MailKind,
    pub recipient: String,
    pub user_id: Option<Uuid>,
    pub locale: Locale,
    pub subject: String,
    pub params: serde_json::Value,
    /// The secret it delivers, kept only until it is sent.
    pub secret: Option<String>,
    /// Unique: a second message with the same key is not queued.
    pub dedupe_key: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Queued already settled (a reset asked for an address without an account): the same
    /// write as any other, never sent.
    pub cancelled: Option<&'static str>,
}

fn row(new: NewMail, at: DateTime<Utc>) -> ActiveModel {
    let status = if new.cancelled.is_some() {
        MailStatus::Cancelled
    } else {
        MailStatus::Pending
    };
    ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(new.kind),
        recipient: Set(new.recipient),
        user_id: Set(new.user_id),
        locale: Set(new.locale),
        subject: Set(new.subject),
        params: Set(new.params),
        secret: Set(new.secret.filter(|_| new.cancelled.is_none())),
        dedupe_key: Set(new.dedupe_key),
        status: Set(status),
        attempts: Set(0),
        not_before: Set(at),
        expires_at: Set(new.expires_at),
        lease_owner: Set(None),
        lease_expires_at: Set(None),
        last_error: Set(new.cancelled.map(str::to_string)),
        last_attempt_at: Set(None),
        created_at: Set(at),
        sent_at: Set(None),
    }
}

/// Queues a message. Call it in the transaction of what causes it.
pub async fn enqueue(db: &impl ConnectionTrait, new: NewMail) -> AppResult<Model> {
    Ok(row(new, now()).insert(db).await?)
}

/// Queues a message unless one with its `dedupe_key` exists; whether it was queued.
pub async fn enqueue_once(db: &impl ConnectionTrait, new: NewMail) -> AppResult<bool> {
    let inserted = Outbox::insert(row(new, now()))
        .on_conflict_do_nothing_on([C::DedupeKey])
        .exec_without_returning(db)
        .await?;
    Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0))
}

/// Which of `keys` a message was already queued under.
pub async fn queued_keys(db: &impl ConnectionTrait, keys: &[String]) -> AppResult<std::collections::HashSet<String>> {
    if keys.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<Option<String>> = Outbox::find()
        .select_only()
        .column(C::DedupeKey)
        .filter(C::DedupeKey.is_in(keys.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().flatten().collect())
}

pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Model>> {
    Ok(Outbox::find_by_id(id).one(db).await?)
}

/// Cancels the waiting messages of `kind` to `user_id` (an invitation superseded by a newer
/// one), wiping their secrets. Returns how many.
pub async fn cancel_waiting(db: &impl ConnectionTrait, user_id: Uuid, kind: MailKind, reason: &str) -> AppResult<u64> {
    let res = Outbox::update_many()
        .col_expr(C::Status, Expr::value(MailStatus::Cancelled))
        .col_expr(C::Secret, Expr::value(Option::<String>::None))
        .col_expr(C::LastError, Expr::value(reason))
        .filter(C::UserId.eq(user_id))
        .filter(C::Kind.eq(kind))
        .filter(C::Status.eq(MailStatus::Pending))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// The key the digest of subscription `id` for the period ending `until` is queued under:
/// no period is queued twice.
pub fn digest_key(id: Uuid, until: DateTime<Utc>) -> String {
    format!("{}{}", digest_key_prefix(id), until.timestamp_micros())
}

fn digest_key_prefix(id: Uuid) -> String {
    format!("digest:{}:", id.simple())
}

/// Cancels the waiting digests of subscription `id` (it ended).
pub async fn cancel_digests_of(db: &impl ConnectionTrait, id: Uuid) -> AppResult<u64> {
    let res = Outbox::update_many()
        .col_expr(C::Status, Expr::value(MailStatus::Cancelled))
        .col_expr(C::LastError, Expr::value("désabonné / unsubscribed"))
        .filter(C::Kind.eq(MailKind::Digest))
        .filter(C::Status.eq(MailStatus::Pending))
        .filter(C::DedupeKey.starts_with(digest_key_prefix(id)))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// The error kept on a message that expired before it could be sent.
pub const EXPIRED: &str =
    "expiré avant d’avoir pu être envoyé (le lien ou le mot de passe ne vaut plus) / expired before it could be sent";

/// Cancels the waiting messages not worth sending any more (what they carry has expired),
/// wiping their secrets; leased ones are left to their holder. Returns how many.
pub async fn cancel_expired(db: &impl ConnectionTrait, at: DateTime<Utc>) -> AppResult<u64> {
    let res = Outbox::update_many()
        .col_expr(C::Status, Expr::value(MailStatus::Cancelled))
        .col_expr(C::Secret, Expr::value(Option::<String>::None))
        .col_expr(C::LastError, Expr::value(EXPIRED))
        .filter(C::Status.eq(MailStatus::Pending))
        .filter(C::ExpiresAt.lte(at))
        .filter(free_at(at))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

fn free_at(at: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(C::LeaseExpiresAt.is_null())
        .add(C::LeaseExpiresAt.lte(at))
}

/// Claims up to `limit` waiting messages that are due and not held by a live lease, for
/// `owner`, until `lease_until`, oldest first. On PostgreSQL the candidates are locked with
/// `FOR UPDATE SKIP LOCKED`, so senders claiming together get disjoint messages; SQLite has a
/// single writer, so the conditional update is atomic as it is.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    owner: &str,
    at: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> AppResult<Vec<Model>> {
    let mut due = Query::select();
    due.column(C::Id)
        .from(Outbox)
        .and_where(C::Status.eq(MailStatus::Pending))
        .and_where(C::NotBefore.lte(at))
        .cond_where(free_at(at))
        .order_by(C::NotBefore, sea_orm::Order::Asc)
        .order_by(C::Id, sea_orm::Order::Asc)
        .limit(limit);
    if db.get_database_backend() == DatabaseBackend::Postgres {
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let mut claimed = Outbox::update_many()
        .col_expr(C::LeaseOwner, Expr::value(owner))
        .col_expr(C::LeaseExpiresAt, Expr::value(lease_until))
        .filter(C::Id.in_subquery(due))
        // Re-checked on the row itself: the subquery's snapshot may be older than the row.
        .filter(C::Status.eq(MailStatus::Pending))
        .filter(free_at(at))
        .exec_with_returning(db)
        .await?;
    claimed.sort_by_key(|m| (m.not_before, m.id));
    Ok(claimed)
}

/// Renews `owner`'s lease of message `id` until `until`, right before sending it; false when
/// the lease was lost (it expired and another sender took the message over: leave it).
pub async fn renew(db: &impl ConnectionTrait, id: Uuid, owner: &str, until: DateTime<Utc>) -> AppResult<bool> {
    let res = Outbox::update_many()
        .col_expr(C::LeaseExpiresAt, Expr::value(until))
        .filter(C::Id.eq(id))
        .filter(C::LeaseOwner.eq(owner))
        .filter(C::Status.eq(MailStatus::Pending))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// An update of message `id` that lets go of `owner`'s lease (and does nothing if `owner`
/// no longer holds it).
fn settle(id: Uuid, owner: &str) -> sea_orm::UpdateMany<Outbox> {
    Outbox::update_many()
        .col_expr(C::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(C::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(C::Id.eq(id))
        .filter(C::LeaseOwner.eq(owner))
}

/// Marks message `id` sent and wipes its secret; false when `owner` no longer held it.
pub async fn mark_sent(db: &impl ConnectionTrait, id: Uuid, owner: &str, at: DateTime<Utc>) -> AppResult<bool> {
    let res = settle(id, owner)
        .col_expr(C::Status, Expr::value(MailStatus::Sent))
        .col_expr(C::Secret, Expr::value(Option::<String>::None))
        .col_expr(C::SentAt, Expr::value(at))
        .col_expr(C::LastAttemptAt, Expr::value(at))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Counts a failed attempt on message `id`, to be tried again from `not_before`.
pub async fn retry_later(
    db: &impl ConnectionTrait,
    id: Uuid,
    owner: &str,
    at: DateTime<Utc>,
    not_before: DateTime<Utc>,
    error: &str,
) -> AppResult<bool> {
    let res = settle(id, owner)
        .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
        .col_expr(C::NotBefore, Expr::value(not_before))
        .col_expr(C::LastError, Expr::value(crate::domain::validate::cut(error, 1000)))
        .col_expr(C::LastAttemptAt, Expr::value(at))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Marks message `id` refused for good (not retried) and wipes its secret.
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    id: Uuid,
    owner: &str,
    at: DateTime<Utc>,
    error: &str,
) -> AppResult<bool> {
    let res = settle(id, owner)
        .col_expr(C::Status, Expr::value(MailStatus::Failed))
        .col_expr(C::Secret, Expr::value(Option::<String>::None))
        .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
        .col_expr(C::LastError, Expr::value(crate::domain::validate::cut(error, 1000)))
        .col_expr(C::LastAttemptAt, Expr::value(at))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Cancels message `id` (nothing to send after all), wiping its secret.
pub async fn mark_cancelled(db: &impl ConnectionTrait, id: Uuid, owner: &str, reason: &str) -> AppResult<bool> {
    let res = settle(id, owner)
        .col_expr(C::Status, Expr::value(MailStatus::Cancelled))
        .col_expr(C::Secret, Expr::value(Option::<String>::None))
        .col_expr(C::LastError, Expr::value(reason))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Gives message `id` back untried (the pass stopped before it).
pub async fn release(db: &impl ConnectionTrait, id: Uuid, owner: &str) -> AppResult<()> {
    settle(id, owner).exec(db).await?;
    Ok(())
}

/// Lets go of every message lease `owner` holds (at shutdown). Returns how many were held.
pub async fn release_all_of(db: &impl ConnectionTrait, owner: &str) -> AppResult<u64> {
    let res = Outbox::update_many()
        .col_expr(C::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(C::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(C::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Deletes settled messages (sent, refused, cancelled) created before `before`: the outbox
/// keeps a record, not an archive of people's names. Returns how many.
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> AppResult<u64> {
    let res = Outbox::delete_many()
        .filter(C::Status.ne(MailStatus::Pending))
        .filter(C::CreatedAt.lt(before))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// The state of the outbox.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Messages waiting to be sent.
    pub waiting: u64,
    /// Of those, the ones that failed at least once.
    pub failing: u64,
    /// Messages refused for good.
    pub refused: u64,
    pub sent: u64,
    pub oldest_waiting: Option<DateTime<Utc>>,
    /// The error of the last failed attempt (of a waiting or refused message).
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

pub async fn summary(db: &impl ConnectionTrait) -> AppResult<Summary> {
    let pending = || Outbox::find().filter(C::Status.eq(MailStatus::Pending));
    let waiting = pending().count(db).await?;
    let failing = pending().filter(C::Attempts.gt(0)).count(db).await?;
    let refused = Outbox::find()
        .filter(C::Status.eq(MailStatus::Failed))
        .count(db)
        .await?;
    let sent = Outbox::find().filter(C::Status.eq(MailStatus::Sent)).count(db).await?;
    let oldest_waiting = pending()
        .select_only()
        .column(C::CreatedAt)
        .order_by_asc(C::CreatedAt)
        .into_tuple::<DateTime<Utc>>()
        .one(db)
        .await?;
    let last = Outbox::find()
        .select_only()
        .columns([C::LastError, C::LastAttemptAt])
        .filter(C::Status.is_in([MailStatus::Pending, MailStatus::Failed]))
        .filter(C::Attempts.gt(0))
        .filter(C::LastAttemptAt.is_not_null())
        .order_by_desc(C::LastAttemptAt)
        .into_tuple::<(Option<String>, Option<DateTime<Utc>>)>()
        .one(db)
        .await?;
    let (last_error, last_error_at) = last.unwrap_or_default();
    Ok(Summary {
        waiting,
        failing,
        refused,
        sent,
        oldest_waiting,
        last_error,
        last_error_at,
    })
}

/// The messages to `email` the outbox still keeps (a personal-data request), newest first.
pub async fn to_recipient(db: &impl ConnectionTrait, email: &str) -> AppResult<Vec<Model>> {
    Ok(Outbox::find()
        .filter(C::Recipient.eq(email))
        .order_by_desc(C::CreatedAt)
        .order_by_desc(C::Id)
        .limit(500)
        .all(db)
        .await?)
}

/// The messages waiting or refused, failing ones first (the command line's list).
pub async fn troubles(db: &impl ConnectionTrait, limit: u64) -> AppResult<Vec<Model>> {
    Ok(Outbox::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(C::Status.eq(MailStatus::Pending))
                        .add(C::Attempts.gt(0)),
                )
                .add(C::Status.eq(MailStatus::Failed)),
        )
        .order_by_desc(C::LastAttemptAt)
        .order_by_desc(C::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// The key named `name` (256 random bits), made at first use. Instances making it together
/// keep the first one written.
pub async fn signing_key(db: &impl ConnectionTrait, name: &str) -> AppResult<Vec<u8>> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    if let Some(key) = SigningKeys::find_by_id(name.to_string()).one(db).await? {
        return URL_SAFE_NO_PAD
            .decode(key.secret)
            .map_err(|e| AppError::internal(anyhow::anyhow!("the signing key {name} is unreadable: {e}")));
    }
    let mut bytes = [0u8; 32];
    argon2::password_hash::rand_core::RngCore::fill_bytes(&mut argon2::password_hash::rand_core::OsRng, &mut bytes);
    SigningKeys::insert(signing_key::ActiveModel {
        name: Set(name.to_string()),
        secret: Set(URL_SAFE_NO_PAD.encode(bytes)),
        created_at: Set(now()),
    })
    .on_conflict_do_nothing_on([signing_key::Column::Name])
    .exec_without_returning(db)
    .await?;
    Box::pin(signing_key(db, name)).await
}
