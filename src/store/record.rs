//! Create, update and delete, written once for every record type.

use std::future::Future;

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, FromQueryResult, IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use super::page::Listed;
use super::{Scope, outbox};
use crate::error::{AppError, AppResult};
use crate::search::RecordType;

/// Stores validated fields (`domain::<type>`'s) in a row: the one place a record type's
/// fields meet its columns.
pub(crate) trait WriteFields<A> {
    fn write(self, am: &mut A);
}

/// A record type whose editable fields are gathered in `Fields`.
pub trait Record: Listed {
    /// Every field a user can set.
    type Fields: for<'a> From<&'a Self::Model> + Send + Sync;
    /// The name used in `NOT_FOUND` errors.
    const NAME: &'static str;

    fn created_column() -> Self::Column;
    fn updated_column() -> Self::Column;
    fn write(fields: Self::Fields, model: &mut Self::ActiveModel);

    /// Rules that need the database (referenced records exist, …) or span several fields;
    /// `before` is the stored record when updating.
    fn check(
        db: &impl ConnectionTrait,
        fields: &Self::Fields,
        before: Option<&Self::Model>,
    ) -> impl Future<Output = AppResult<()>> + Send;

    /// The message of the `CONFLICT` error a unique-key violation by `fields` means, if any.
    fn conflict(_fields: &Self::Fields) -> Option<String> {
        None
    }
}

/// The error of a refused write: a unique-key violation is `CONFLICT` when the type says what
/// it means, anything else `INTERNAL` (or `UNAVAILABLE`).
pub(crate) fn save_error(err: sea_orm::DbErr, conflict: Option<String>) -> AppError {
    match conflict {
        Some(message) => super::conflict_or_internal(err, || message),
        None => AppError::from(err),
    }
}

/// Inserts a new record with a fresh id and timestamps.
pub async fn create<E>(db: &impl ConnectionTrait, fields: E::Fields) -> AppResult<E::Model>
where
    E: Record,
    E::Model: IntoActiveModel<E::ActiveModel> + FromQueryResult + Send + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    E::check(db, &fields, None).await?;
    let conflict = E::conflict(&fields);
    let now = super::now();
    let mut am = <E::ActiveModel as ActiveModelTrait>::default();
    am.set(E::id_column(), Uuid::now_v7().into());
    am.set(E::created_column(), now.into());
    am.set(E::updated_column(), now.into());
    E::write(fields, &mut am);
    let model = am.insert(db).await.map_err(|e| save_error(e, conflict))?;
    if let Some(ty) = RecordType::of_record_name(E::NAME) {
        outbox::enqueue(db, ty, &[E::id_of(&model)]).await?;
    }
    Ok(model)
}

/// Updates record `id`: asks `allow_before` whether the caller may change the stored record,
/// applies `change`, asks `allow_after` whether the result is the caller's to write, checks
/// it and saves it. A record outside `scope` is `NOT_FOUND`, as if it did not exist.
pub async fn update<E>(
    db: &impl ConnectionTrait,
    scope: Scope,
    id: Uuid,
    change: impl FnOnce(&mut E::Fields) -> AppResult<()>,
    allow_before: impl FnOnce(&E::Model) -> AppResult<()>,
    allow_after: impl FnOnce(&E::Fields) -> AppResult<()>,
) -> AppResult<E::Model>
where
    E: Record,
    E::Model: IntoActiveModel<E::ActiveModel> + FromQueryResult + Send + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let model = find::<E>(db, scope, id).await?;
    allow_before(&model)?;
    let mut fields = E::Fields::from(&model);
    change(&mut fields)?;
    allow_after(&fields)?;
    E::check(db, &fields, Some(&model)).await?;
    let conflict = E::conflict(&fields);
    let ty = RecordType::of_record_name(E::NAME);
    // Documents embed their organisation's name: a renamed organisation reindexes them.
    let name_before = match ty {
        Some(RecordType::Organisation) => super::documents::organisation_name(db, id).await?,
        _ => None,
    };
    let mut am = model.into_active_model();
    E::write(fields, &mut am);
    am.set(E::updated_column(), super::now().into());
    let model = am.update(db).await.map_err(|e| save_error(e, conflict))?;
    if let Some(ty) = ty {
        outbox::enqueue(db, ty, &[id]).await?;
        if ty == RecordType::Organisation && super::documents::organisation_name(db, id).await? != name_before {
            outbox::enqueue_organisation_records(db, id).await?;
        }
    }
    Ok(model)
}

/// Reads record `id` as `scope` sees it; `NOT_FOUND` when it is absent or hidden.
pub async fn find<E>(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> AppResult<E::Model>
where
    E: Record,
    E::Model: FromQueryResult + Send + Sync,
{
    super::page::by_ids::<E>(db, &[id], scope)
        .await?
        .remove(&id)
        .ok_or(AppError::NotFound(E::NAME))
}

/// Deletes record `id` when `allow` agrees, and returns it; `NOT_FOUND` when it is absent or
/// outside `scope`.
pub async fn delete<E>(
    db: &impl ConnectionTrait,
    scope: Scope,
    id: Uuid,
    allow: impl FnOnce(&E::Model) -> AppResult<()>,
) -> AppResult<E::Model>
where
    E: Record,
    E::Model: FromQueryResult + Send + Sync,
{
    let model = find::<E>(db, scope, id).await?;
    allow(&model)?;
    let ty = RecordType::of_record_name(E::NAME);
    if ty == Some(RecordType::Organisation) {
        // Its records stay, without organisation: queued before the link is cut.
        outbox::enqueue_organisation_records(db, id).await?;
    }
    let res = E::delete_many()
        .filter(E::id_column().eq(id))
        .exec(db)
        .await
        .map_err(|err| match err.sql_err() {
            // Rows that must not lose it still name it (an organisation's actions or kits, a
            // resource's kits, a kit's loans).
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => AppError::Conflict(format!(
                "d'autres fiches dépendent de cet enregistrement ({name}) / other records still depend on this {name}",
                name = E::NAME
            )),
            _ => AppError::from(err),
        })?;
    if res.rows_affected == 0 {
        return Err(AppError::NotFound(E::NAME));
    }
    if let Some(ty) = ty {
        outbox::enqueue(db, ty, &[id]).await?;
    }
    Ok(model)
}

/// Declares the `Record` impl of an entity from its fields type and its check.
macro_rules! record {
    ($entity:ty, $fields:ty, $name:literal, |$db:ident, $f:ident, $before:ident| $check:block $(, conflict: |$cf:ident| $conflict:expr)?) => {
        impl $crate::store::record::Record for $entity {
            type Fields = $fields;
            const NAME: &'static str = $name;

            fn created_column() -> Self::Column {
                <Self as sea_orm::EntityTrait>::Column::CreatedAt
            }
            fn updated_column() -> Self::Column {
                <Self as sea_orm::EntityTrait>::Column::UpdatedAt
            }
            fn write(fields: Self::Fields, model: &mut Self::ActiveModel) {
                $crate::store::record::WriteFields::write(fields, model)
            }
            async fn check(
                $db: &impl sea_orm::ConnectionTrait,
                $f: &Self::Fields,
                $before: Option<&Self::Model>,
            ) -> $crate::error::AppResult<()> {
                // Not every type's rule reads all three.
                let _ = ($db, $f, $before);
                $check
            }
            $(
                fn conflict($cf: &Self::Fields) -> Option<String> {
                    Some($conflict)
                }
            )?
        }
    };
}
pub(crate) use record;
