//! Organisations' API keys.

use chrono::{DateTime, Duration, Utc};
use entity::ApiKeyScope;
use entity::api_key::{ActiveModel, Column as C, Entity as ApiKeys, Model};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub struct NewApiKey {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    pub scope: ApiKeyScope,
    pub secret_hash: String,
    pub created_by: Option<Uuid>,
}

pub async fn create(db: &impl ConnectionTrait, new: NewApiKey) -> AppResult<Model> {
    super::organisations::ensure_exists(db, "organisationId", Some(new.organisation_id)).await?;
    let am = ActiveModel {
        id: Set(new.id),
        organisation_id: Set(new.organisation_id),
        name: Set(new.name),
        scope: Set(new.scope),
        secret_hash: Set(new.secret_hash),
        created_by: Set(new.created_by),
        created_at: Set(super::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    };
    Ok(am.insert(db).await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Model>> {
    Ok(ApiKeys::find_by_id(id).one(db).await?)
}

/// The keys of an organisation, newest first (an organisation has a handful).
pub async fn of_organisation(db: &impl ConnectionTrait, organisation_id: Uuid) -> AppResult<Vec<Model>> {
    Ok(ApiKeys::find()
        .filter(C::OrganisationId.eq(organisation_id))
        .order_by_desc(C::CreatedAt)
        .all(db)
        .await?)
}

/// Records use; written at most once a minute per key.
pub async fn touch(db: &impl ConnectionTrait, key: &Model, now: DateTime<Utc>) -> AppResult<()> {
    if key.last_used_at.is_some_and(|at| now - at < Duration::minutes(1)) {
        return Ok(());
    }
    ApiKeys::update_many()
        .col_expr(C::LastUsedAt, Expr::value(now))
        .filter(C::Id.eq(key.id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn revoke(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Model> {
    let key = by_id(db, id).await?.ok_or(AppError::NotFound("API key"))?;
    if key.revoked_at.is_none() {
        ApiKeys::update_many()
            .col_expr(C::RevokedAt, Expr::value(super::now()))
            .filter(C::Id.eq(id))
            .exec(db)
            .await?;
    }
    by_id(db, id).await?.ok_or(AppError::NotFound("API key"))
}
