//! Mutations: `createX(input)`, `updateX(id, input)`, `deleteX(id)`, each one transaction.

mod action;
mod contact;
mod event;
mod organisation;
mod report;
mod resource;

use async_graphql::{Context, MaybeUndefined, MergedObject};
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};

use crate::error::{AppError, AppResult};

#[derive(MergedObject, Default)]
pub struct Mutation(
    organisation::OrganisationMutation,
    contact::ContactMutation,
    resource::ResourceMutation,
    event::EventMutation,
    action::ActionMutation,
    report::ExperienceReportMutation,
);

/// Runs `work` in one database transaction, committed only when it succeeds.
pub(crate) async fn in_transaction<T, F>(ctx: &Context<'_>, work: F) -> AppResult<T>
where
    F: AsyncFnOnce(&DatabaseTransaction) -> AppResult<T>,
{
    let db = ctx.data_unchecked::<DatabaseConnection>();
    let txn = db.begin().await?;
    let out = work(&txn).await?;
    txn.commit().await?;
    Ok(out)
}

/// Replaces a required field when the input gives it; `null` is refused.
pub(crate) fn set<T, U>(
    field: &str,
    target: &mut T,
    value: MaybeUndefined<U>,
    check: impl FnOnce(U) -> AppResult<T>,
) -> AppResult<()> {
    match value {
        MaybeUndefined::Undefined => Ok(()),
        MaybeUndefined::Null => Err(AppError::bad_input(field, format!("{field} cannot be null"))),
        MaybeUndefined::Value(v) => {
            *target = check(v)?;
            Ok(())
        }
    }
}

/// Replaces an optional field when the input gives it; `null` clears it.
pub(crate) fn set_opt<T, U>(
    target: &mut Option<T>,
    value: MaybeUndefined<U>,
    check: impl FnOnce(Option<U>) -> AppResult<Option<T>>,
) -> AppResult<()> {
    match value {
        MaybeUndefined::Undefined => Ok(()),
        MaybeUndefined::Null => {
            *target = check(None)?;
            Ok(())
        }
        MaybeUndefined::Value(v) => {
            *target = check(Some(v))?;
            Ok(())
        }
    }
}

/// Accepts any value as is.
pub(crate) fn same<T>(v: T) -> AppResult<T> {
    Ok(v)
}

/// Converts an optional id input to a UUID.
pub(crate) fn opt_id(field: &str, id: Option<async_graphql::ID>) -> AppResult<Option<uuid::Uuid>> {
    id.map(|id| {
        uuid::Uuid::parse_str(id.as_str().trim())
            .map_err(|_| AppError::bad_input(field, format!("{field} is not a valid id")))
    })
    .transpose()
}
