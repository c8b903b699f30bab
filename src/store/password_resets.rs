//! Self-service password reset links: only a hash of each link's secret is kept; a link is
//! used once, within its hour.

use chrono::{DateTime, Utc};
use entity::password_reset::{ActiveModel, Column as C, Entity as Resets, Model};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::error::AppResult;

pub async fn create(
    db: &impl ConnectionTrait,
    id: Uuid,
    user_id: Uuid,
    secret_hash: String,
    expires_at: DateTime<Utc>,
) -> AppResult<Model> {
    let am = ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        secret_hash: Set(secret_hash),
        created_at: Set(super::now()),
        expires_at: Set(expires_at),
        used_at: Set(None),
    };
    Ok(am.insert(db).await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Model>> {
    Ok(Resets::find_by_id(id).one(db).await?)
}

/// Uses link `id`, if it is still unused and unexpired at `at`: only one of two requests
/// using it at once gets `true`.
pub async fn consume(db: &impl ConnectionTrait, id: Uuid, at: DateTime<Utc>) -> AppResult<bool> {
    let res = Resets::update_many()
        .col_expr(C::UsedAt, Expr::value(at))
        .filter(C::Id.eq(id))
        .filter(C::UsedAt.is_null())
        .filter(C::ExpiresAt.gt(at))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Ends every unused link of `user_id` (its password was just set).
pub async fn end_all_of(db: &impl ConnectionTrait, user_id: Uuid, at: DateTime<Utc>) -> AppResult<()> {
    Resets::update_many()
        .col_expr(C::UsedAt, Expr::value(at))
        .filter(C::UserId.eq(user_id))
        .filter(C::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets a link whose message could not be sent (nobody ever received it).
pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    Resets::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Deletes the links that expired before `before`.
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> AppResult<u64> {
    let res = Resets::delete_many().filter(C::ExpiresAt.lt(before)).exec(db).await?;
    Ok(res.rows_affected)
}
