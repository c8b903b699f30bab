//! Kits: the physical copies of a resource, and their owner's inventory.

use entity::KitStatus;
use entity::kit::{ActiveModel, Column as C, Entity as Kits, Model};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::list::{Filter, Relation};
use super::page::{self, listed, sort_keys};
use super::record::{WriteFields, record};
pub use crate::domain::kit::KitFields;
use crate::error::{AppError, AppResult};

listed!(Kits, C::Id, |scope| super::scope_condition(scope, C::Visibility, C::OrganisationId), heavy: [C::ConditionNotes]);

sort_keys!(KitSort for Kits, m {
    InventoryCodeAsc => C::InventoryCode, false, Text, m.inventory_code.clone();
    InventoryCodeDesc => C::InventoryCode, true, Text, m.inventory_code.clone();
    CreatedAtAsc => C::CreatedAt, false, Time, m.created_at;
    CreatedAtDesc => C::CreatedAt, true, Time, m.created_at;
});

/// What a list of kits can be narrowed to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KitFilter {
    /// What the caller may see.
    pub scope: super::Scope,
    pub organisation_id: Option<Uuid>,
    pub resource_id: Option<Uuid>,
    pub status: Option<KitStatus>,
}

/// The kits of each organisation.
pub const BY_ORGANISATION: Relation<KitFilter> = Relation::new(C::OrganisationId, |m: &Model| Some(m.organisation_id));
/// The copies of each resource.
pub const BY_RESOURCE: Relation<KitFilter> = Relation::new(C::ResourceId, |m: &Model| Some(m.resource_id));

impl Filter for KitFilter {
    type Entity = Kits;
    type Sort = KitSort;

    fn scoped(self, scope: super::Scope) -> Self {
        KitFilter { scope, ..self }
    }

    fn condition(&self, _backend: DatabaseBackend) -> Condition {
        let mut cond = Condition::all().add(<Kits as page::Listed>::visible(self.scope));
        if let Some(v) = self.organisation_id {
            cond = cond.add(C::OrganisationId.eq(v));
        }
        if let Some(v) = self.resource_id {
            cond = cond.add(C::ResourceId.eq(v));
        }
        if let Some(v) = self.status {
            cond = cond.add(C::Status.eq(v));
        }
        cond
    }
}

impl WriteFields<ActiveModel> for KitFields {
    fn write(self, am: &mut ActiveModel) {
        am.organisation_id = Set(self.organisation_id);
        am.resource_id = Set(self.resource_id);
        am.inventory_code = Set(self.inventory_code);
        am.location = Set(self.location);
        am.condition_notes = Set(self.condition_notes);
        am.status = Set(self.status);
        am.visibility = Set(self.visibility);
    }
}

/// Whether another kit of the organisation has this inventory code (whatever the case).
async fn code_taken(db: &impl ConnectionTrait, f: &KitFields, before: Option<&Model>) -> AppResult<bool> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    let mut query = Kits::find()
        .filter(C::OrganisationId.eq(f.organisation_id))
        .filter(Expr::expr(Func::lower(Expr::col((Kits, C::InventoryCode)))).eq(f.inventory_code.to_lowercase()));
    if let Some(before) = before {
        query = query.filter(C::Id.ne(before.id));
    }
    Ok(query.count(db).await? > 0)
}

fn code_conflict(f: &KitFields) -> String {
    format!(
        "l'organisation a déjà une mallette « {code} » / the organisation already has a kit with inventory code \"{code}\"",
        code = f.inventory_code
    )
}

record!(Kits, KitFields, "kit", |db, f, before| {
    if before.is_none_or(|b| b.organisation_id != f.organisation_id) {
        super::organisations::ensure_exists(db, "organisationId", Some(f.organisation_id)).await?;
    }
    if before.is_none_or(|b| b.resource_id != f.resource_id)
        && entity::resource::Entity::find_by_id(f.resource_id).count(db).await? == 0
    {
        return Err(AppError::bad_input("resourceId", "resourceId names no resource"));
    }
    let code_changed = before.is_none_or(|b| b.inventory_code.to_lowercase() != f.inventory_code.to_lowercase());
    if code_changed && code_taken(db, f, before).await? {
        return Err(AppError::Conflict(code_conflict(f)));
    }
    Ok(())
}, conflict: |f| code_conflict(f));

/// Whether any loan names the kit (a kit with a history is retired, not deleted).
pub async fn has_loans(db: &impl ConnectionTrait, kit_id: Uuid) -> AppResult<bool> {
    Ok(entity::kit_loan::Entity::find()
        .filter(entity::kit_loan::Column::KitId.eq(kit_id))
        .count(db)
        .await?
        > 0)
}

/// Most copies of one resource `kitAvailability` looks at.
pub const AVAILABILITY_KITS_MAX: u64 = 500;

/// The copies of a resource `scope` may see that are not retired, by inventory code.
pub async fn copies_of(db: &impl ConnectionTrait, scope: super::Scope, resource_id: Uuid) -> AppResult<Vec<Model>> {
    Ok(Kits::find()
        .filter(<Kits as page::Listed>::visible(scope))
        .filter(C::ResourceId.eq(resource_id))
        .filter(C::Status.ne(KitStatus::Retired))
        .order_by_asc(C::InventoryCode)
        .order_by_asc(C::Id)
        .limit(AVAILABILITY_KITS_MAX)
        .all(db)
        .await?)
}

/// A kit, read whatever the caller may see (for the loan rules, once the loan was found
/// through the visibility policy).
pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Model>> {
    Ok(Kits::find_by_id(id).one(db).await?)
}
