//! Accounts.

use chrono::{DateTime, Utc};
use entity::user::{ActiveModel, Column as C, Entity as Users, Model};
use entity::{Locale, Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use uuid::Uuid;

use super::list::Filter;
use super::page::{self, listed, sort_keys};
use super::{Scope, conflict_or_internal};
use crate::error::{AppError, AppResult};
use sea_orm::DatabaseBackend;

// Accounts are listed to administrators only; the resolvers enforce it.
listed!(Users, C::Id, |_scope| Condition::all());

sort_keys!(UserSort for Users, m {
    CreatedAtAsc => C::CreatedAt, false, Time, m.created_at;
    EmailAsc => C::Email, false, Text, m.email.clone();
});

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct UserFilter {
    pub organisation_id: Option<Uuid>,
    pub role: Option<Role>,
    pub email: Option<String>,
}

impl Filter for UserFilter {
    type Entity = Users;
    type Sort = UserSort;

    /// Accounts are listed to administrators only, which the API checks before listing.
    fn scoped(self, _scope: super::Scope) -> Self {
        self
    }

    fn condition(&self, _backend: DatabaseBackend) -> Condition {
        let mut cond = Condition::all();
        if let Some(v) = self.organisation_id {
            cond = cond.add(C::OrganisationId.eq(v));
        }
        if let Some(v) = self.role {
            cond = cond.add(C::Role.eq(v));
        }
        if let Some(v) = &self.email {
            cond = cond.add(C::Email.eq(normalise_email(v)));
        }
        cond
    }
}

/// E-mail addresses identify accounts case-insensitively.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Model>> {
    Ok(page::by_ids::<Users>(db, &[id], Scope::All).await?.remove(&id))
}

pub async fn by_email(db: &impl ConnectionTrait, email: &str) -> AppResult<Option<Model>> {
    Ok(Users::find()
        .filter(C::Email.eq(normalise_email(email)))
        .one(db)
        .await?)
}

/// A new account, which must change its (temporary) password at first sign-in.
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub organisation_id: Option<Uuid>,
    pub role: Role,
    pub password_hash: String,
    /// The language of its e-mail.
    pub locale: Locale,
    /// When the temporary password stops opening the account.
    pub temporary_password_expires_at: DateTime<Utc>,
}

pub async fn create(db: &impl ConnectionTrait, new: NewUser) -> AppResult<Model> {
    super::organisations::ensure_exists(db, "organisationId", new.organisation_id).await?;
    let now = super::now();
    let email = normalise_email(&new.email);
    let am = ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.clone()),
        display_name: Set(new.display_name),
        organisation_id: Set(new.organisation_id),
        role: Set(new.role),
        password_hash: Set(new.password_hash),
        must_change_password: Set(true),
        disabled: Set(false),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        locale: Set(new.locale),
        temporary_password_expires_at: Set(Some(new.temporary_password_expires_at)),
    };
    am.insert(db)
        .await
        .map_err(|e| conflict_or_internal(e, || format!("an account with e-mail {email} already exists")))
}

async fn change(db: &impl ConnectionTrait, id: Uuid, edit: impl FnOnce(&mut ActiveModel)) -> AppResult<Model> {
    let model = by_id(db, id).await?.ok_or(AppError::NotFound("user"))?;
    let mut am = model.into_active_model();
    edit(&mut am);
    am.updated_at = Set(super::now());
    Ok(am.update(db).await?)
}

/// Sets a new password hash; `temporary` makes the owner change it at next sign-in (a
/// temporary one set here does not expire: see `set_temporary_password`).
pub async fn set_password(db: &impl ConnectionTrait, id: Uuid, hash: String, temporary: bool) -> AppResult<Model> {
    change(db, id, |am| {
        am.password_hash = Set(hash);
        am.must_change_password = Set(temporary);
        am.temporary_password_expires_at = Set(None);
    })
    .await
}

/// Sets a temporary password hash, which opens the account until `expires_at` and must be
/// changed at the next sign-in.
pub async fn set_temporary_password(
    db: &impl ConnectionTrait,
    id: Uuid,
    hash: String,
    expires_at: DateTime<Utc>,
) -> AppResult<Model> {
    change(db, id, |am| {
        am.password_hash = Set(hash);
        am.must_change_password = Set(true);
        am.temporary_password_expires_at = Set(Some(expires_at));
    })
    .await
}

/// Sets the language of the account's e-mail.
pub async fn set_locale(db: &impl ConnectionTrait, id: Uuid, locale: Locale) -> AppResult<Model> {
    change(db, id, |am| am.locale = Set(locale)).await
}

pub async fn set_disabled(db: &impl ConnectionTrait, id: Uuid, disabled: bool) -> AppResult<Model> {
    change(db, id, |am| am.disabled = Set(disabled)).await
}

pub async fn touch_login(db: &impl ConnectionTrait, id: Uuid, at: DateTime<Utc>) -> AppResult<()> {
    Users::update_many()
        .col_expr(C::LastLoginAt, sea_orm::sea_query::Expr::value(at))
        .filter(C::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
