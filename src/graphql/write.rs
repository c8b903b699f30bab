//! What every mutation does the same way: one unit of work, the audit entry, the write rules
//! of `store::record` asked of the caller's role, the input's fields.

use async_graphql::{Context, MaybeUndefined};
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, DatabaseTransaction, FromQueryResult, IntoActiveModel};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::domain::Patch;
use crate::error::{AppError, AppResult};
use crate::graphql::exec::viewer;
use crate::store::audit::{self, Subject};
use crate::store::record::{self, Record};
use crate::store::unit::Work;

/// Runs `work` in one unit of work (`store::unit`), committed only when it succeeds.
pub(crate) async fn in_transaction<T, F>(ctx: &Context<'_>, work: F) -> AppResult<T>
where
    F: AsyncFnOnce(&DatabaseTransaction) -> AppResult<T>,
{
    let unit = Work::begin(crate::graphql::exec::db(ctx)).await?;
    let out = work(unit.txn()).await?;
    unit.commit(None).await?;
    Ok(out)
}

/// Runs `work` in one unit of work, like `in_transaction`, and announces the changes it
/// returns on the change bus: staged in the transaction, released only after commit.
pub(crate) async fn in_transaction_announcing<T, F>(ctx: &Context<'_>, work: F) -> AppResult<T>
where
    F: AsyncFnOnce(&DatabaseTransaction) -> AppResult<(T, Vec<crate::changes::Change>)>,
{
    let bus = crate::graphql::exec::changes(ctx);
    let mut unit = Work::begin(crate::graphql::exec::db(ctx)).await?;
    let (out, changes) = work(unit.txn()).await?;
    unit.announce(changes);
    unit.commit(Some(bus)).await?;
    Ok(out)
}

/// A field of an update input as the domain reads it: absent keeps it, `null` clears it.
pub(crate) fn patch<T, U>(value: MaybeUndefined<T>, convert: impl FnOnce(T) -> U) -> Patch<U> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(convert(v)),
    }
}

/// An id field of an update input, as `patch` reads it; a given id must be a UUID.
pub(crate) fn patch_id(field: &str, value: MaybeUndefined<async_graphql::ID>) -> AppResult<Patch<Uuid>> {
    Ok(match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(id) => Patch::Set(opt_id(field, Some(id))?.unwrap_or_default()),
    })
}

/// Converts an optional id input to a UUID.
pub(crate) fn opt_id(field: &str, id: Option<async_graphql::ID>) -> AppResult<Option<uuid::Uuid>> {
    id.map(|id| {
        uuid::Uuid::parse_str(id.as_str().trim())
            .map_err(|_| AppError::bad_input(field, format!("{field} is not a valid id")))
    })
    .transpose()
}

/// The names of the fields the `input` argument of the current mutation sets.
pub(crate) fn input_fields(ctx: &Context<'_>) -> Vec<String> {
    let Ok(args) = ctx.field().arguments() else {
        return Vec::new();
    };
    args.into_iter()
        .filter(|(name, _)| name.as_str() == "input")
        .flat_map(|(_, value)| match value {
            async_graphql::Value::Object(map) => map.keys().map(|k| k.to_string()).collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// Records a change in the audit log, in the caller's transaction.
pub(crate) async fn audit(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    subject: Subject,
    entity_id: Option<Uuid>,
    operation: &str,
    changed_fields: Vec<String>,
) -> AppResult<()> {
    audit::write(
        txn,
        audit::Entry {
            actor: viewer.audit_actor(),
            subject,
            entity_id,
            operation,
            changed_fields,
        },
    )
    .await
}

/// Creates a record once `allow` agrees, and logs it.
pub(crate) async fn create_record<E>(
    ctx: &Context<'_>,
    subject: Subject,
    fields: E::Fields,
    allow: impl FnOnce(&Viewer, &E::Fields) -> AppResult<()>,
) -> AppResult<E::Model>
where
    E: Record,
    E::Model: IntoActiveModel<E::ActiveModel> + FromQueryResult + Send + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let viewer = viewer(ctx);
    allow(viewer, &fields)?;
    let changed = input_fields(ctx);
    in_transaction(ctx, async |txn| {
        let model = record::create::<E>(txn, fields).await?;
        audit(txn, viewer, subject, Some(E::id_of(&model)), "create", changed).await?;
        Ok(model)
    })
    .await
}

/// Updates a record the caller can see, once `allow` agrees with the change, and logs it.
pub(crate) async fn update_record<E>(
    ctx: &Context<'_>,
    subject: Subject,
    id: Uuid,
    change: impl FnOnce(&mut E::Fields) -> AppResult<()>,
    allow_before: impl FnOnce(&Viewer, &E::Model) -> AppResult<()>,
    allow_after: impl FnOnce(&Viewer, &E::Fields) -> AppResult<()>,
) -> AppResult<E::Model>
where
    E: Record,
    E::Model: IntoActiveModel<E::ActiveModel> + FromQueryResult + Send + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let viewer = viewer(ctx);
    viewer.require_signed_in()?;
    let changed = input_fields(ctx);
    in_transaction(ctx, async |txn| {
        let model = record::update::<E>(
            txn,
            viewer.scope(),
            id,
            change,
            |before| allow_before(viewer, before),
            |after| allow_after(viewer, after),
        )
        .await?;
        audit(txn, viewer, subject, Some(id), "update", changed).await?;
        Ok(model)
    })
    .await
}

/// Deletes a record the caller can see, once `allow` agrees, and logs it.
pub(crate) async fn delete_record<E>(
    ctx: &Context<'_>,
    subject: Subject,
    id: Uuid,
    allow: impl FnOnce(&Viewer, &E::Model) -> AppResult<()>,
) -> AppResult<E::Model>
where
    E: Record,
    E::Model: FromQueryResult + Send + Sync,
{
    let viewer = viewer(ctx);
    viewer.require_signed_in()?;
    in_transaction(ctx, async |txn| {
        let model = record::delete::<E>(txn, viewer.scope(), id, |m| allow(viewer, m)).await?;
        audit(txn, viewer, subject, Some(id), "delete", Vec::new()).await?;
        Ok(model)
    })
    .await
}

/// Editors who leave the organisation out create for their own.
pub(crate) fn default_owner(viewer: &Viewer, owner: &mut Option<Uuid>) {
    if owner.is_none() && viewer.role() == Some(entity::Role::Editor) {
        *owner = viewer.organisation_id();
    }
}
