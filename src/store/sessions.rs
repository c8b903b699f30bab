//! Sign-in sessions, kept in the database so that every instance accepts them.

use chrono::{DateTime, Duration, Utc};
use entity::session::{ActiveModel, Column as C, Entity as Sessions, Model};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::error::AppResult;

pub async fn create(
    db: &impl ConnectionTrait,
    id: Uuid,
    user_id: Uuid,
    secret_hash: String,
    ttl: Duration,
) -> AppResult<Model> {
    let now = super::now();
    let am = ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        secret_hash: Set(secret_hash),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        last_used_at: Set(now),
        revoked_at: Set(None),
    };
    Ok(am.insert(db).await?)
}

/// A session that is neither revoked nor expired, with its account, in one statement: every
/// signed-in request reads both.
pub async fn live_with_user(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Option<(Model, entity::user::Model)>> {
    use entity::user::{Column as U, Entity as Users};
    use sea_orm::{JoinType, QuerySelect};
    let to_user = Sessions::belongs_to(Users).from(C::UserId).to(U::Id).into();
    let found = Sessions::find_by_id(id)
        .filter(C::RevokedAt.is_null())
        .filter(C::ExpiresAt.gt(now))
        .join(JoinType::InnerJoin, to_user)
        .select_also(Users)
        .one(db)
        .await?;
    Ok(found.and_then(|(session, user)| Some((session, user?))))
}

/// Records use of session `id`, last recorded at `last_used_at`; written at most once a
/// minute per session to spare the database. True when it wrote.
pub async fn touch(
    db: &impl ConnectionTrait,
    id: Uuid,
    last_used_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    if now - last_used_at < Duration::minutes(1) {
        return Ok(false);
    }
    Sessions::update_many()
        .col_expr(C::LastUsedAt, Expr::value(now))
        .filter(C::Id.eq(id))
        .exec(db)
        .await?;
    Ok(true)
}

pub async fn revoke(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    Sessions::update_many()
        .col_expr(C::RevokedAt, Expr::value(super::now()))
        .filter(C::Id.eq(id))
        .filter(C::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes every session of a user, except `keep`.
pub async fn revoke_all_of(db: &impl ConnectionTrait, user_id: Uuid, keep: Option<Uuid>) -> AppResult<()> {
    let mut update = Sessions::update_many()
        .col_expr(C::RevokedAt, Expr::value(super::now()))
        .filter(C::UserId.eq(user_id))
        .filter(C::RevokedAt.is_null());
    if let Some(keep) = keep {
        update = update.filter(C::Id.ne(keep));
    }
    update.exec(db).await?;
    Ok(())
}
