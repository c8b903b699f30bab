//! Organisations: the partners of the hub.

use entity::organisation::{ActiveModel, Column as C, Entity as Organisations, Model};
use entity::{OrganisationKind, Region};
use sea_orm::{ActiveValue, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;

use super::list::Filter;
use super::page::{listed, sort_keys};
use super::record::{WriteFields, record};
pub use crate::domain::organisation::OrganisationFields;
use crate::error::{AppError, AppResult};
use sea_orm::DatabaseBackend;

listed!(Organisations, C::Id, |_scope| Condition::all(), heavy: [C::Description], read: super::rows::organisation, omittable: [C::Slug, C::NameSort, C::NameKey, C::Kind, C::CreatedAt, C::UpdatedAt]);

sort_keys!(OrganisationSort for Organisations, m {
    NameAsc => C::NameSort, false, Key, m.name_sort.clone();
    NameDesc => C::NameSort, true, Key, m.name_sort.clone();
    SlugAsc => C::Slug, false, Text, m.slug.clone();
    SlugDesc => C::Slug, true, Text, m.slug.clone();
    CreatedAtAsc => C::CreatedAt, false, Time, m.created_at;
    CreatedAtDesc => C::CreatedAt, true, Time, m.created_at;
});

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    pub region: Option<Region>,
}

impl Filter for OrganisationFilter {
    type Entity = Organisations;
    type Sort = OrganisationSort;

    /// Organisations are public records.
    fn scoped(self, _scope: super::Scope) -> Self {
        self
    }

    fn condition(&self, _backend: DatabaseBackend) -> Condition {
        let mut cond = Condition::all();
        if let Some(v) = self.kind {
            cond = cond.add(C::Kind.eq(v));
        }
        if let Some(v) = self.region {
            cond = cond.add(C::Region.eq(v));
        }
        cond
    }
}

impl WriteFields<ActiveModel> for OrganisationFields {
    fn write(self, am: &mut ActiveModel) {
        let key = entity::organisation::name_key(&self.name);
        // A row that collided when the key column was added keeps its distinct key (see the
        // migration) while its name keeps that key: editing its description is not refused.
        let same_key = matches!(&am.name, ActiveValue::Unchanged(old) if entity::organisation::name_key(old) == key);
        if !same_key {
            am.name_key = Set(key);
        }
        am.slug = Set(self.slug);
        am.name_sort = Set(entity::sort_key::sort_key(&self.name));
        am.name = Set(self.name);
        am.kind = Set(self.kind);
        am.region = Set(self.region);
        am.departement = Set(self.departement);
        am.postal_code = Set(self.postal_code);
        am.city = Set(self.city);
        am.website = Set(self.website);
        am.description = Set(self.description);
    }
}

pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> AppResult<Option<Model>> {
    Ok(Organisations::find().filter(C::Slug.eq(slug.trim())).one(db).await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Model>> {
    Ok(Organisations::find_by_id(id).one(db).await?)
}

/// Every organisation's slug (to suggest the nearest to one that names none).
pub async fn slugs(db: &impl ConnectionTrait) -> AppResult<Vec<String>> {
    use sea_orm::QuerySelect;
    Ok(Organisations::find()
        .select_only()
        .column(C::Slug)
        .into_tuple()
        .all(db)
        .await?)
}

/// Fails with `BAD_USER_INPUT` on `field` when `id` names no organisation.
pub(crate) async fn ensure_exists(db: &impl ConnectionTrait, field: &str, id: Option<Uuid>) -> AppResult<()> {
    if let Some(id) = id
        && Organisations::find_by_id(id).count(db).await? == 0
    {
        return Err(AppError::bad_input(field, format!("{field} names no organisation")));
    }
    Ok(())
}

record!(Organisations, OrganisationFields, "organisation", |db, f, before| { ensure_unique(db, f, before).await },
    conflict: |f| raced(f));

/// The `CONFLICT` of a unique index: only reached when a concurrent write took the slug or
/// the name after `ensure_unique` looked.
fn raced(f: &OrganisationFields) -> String {
    format!(
        "Une organisation porte déjà ce slug ou ce nom / an organisation with slug \"{}\" or name \"{}\" already exists",
        f.slug, f.name
    )
}

/// Refuses (`CONFLICT`) a slug or a name another organisation has; names compare by
/// `name_key` (case, accents and spacing ignored), as the unique index does.
async fn ensure_unique(db: &impl ConnectionTrait, f: &OrganisationFields, before: Option<&Model>) -> AppResult<()> {
    let key = entity::organisation::name_key(&f.name);
    let mut others = Organisations::find().filter(
        Condition::any()
            .add(C::Slug.eq(f.slug.as_str()))
            .add(C::NameKey.eq(key.as_str())),
    );
    if let Some(before) = before {
        others = others.filter(C::Id.ne(before.id));
    }
    for other in others.all(db).await? {
        if other.slug == f.slug {
            return Err(AppError::Conflict(format!(
                "Une organisation a déjà le slug « {} » / an organisation with slug \"{}\" already exists",
                f.slug, f.slug
            )));
        }
        // A duplicate the migration found keeps its distinct key while its name keeps the
        // same folded form (see `write`): the collision predates this edit.
        let unchanged = before.is_some_and(|b| entity::organisation::name_key(&b.name) == key);
        if other.name_key == key && !unchanged {
            return Err(AppError::Conflict(format!(
                "Une organisation porte déjà ce nom : « {} » / an organisation with this name already exists: \"{}\"",
                other.name, other.name
            )));
        }
    }
    Ok(())
}

/// An organisation that still owns actions or kits, or is party to kit loans, cannot be
/// deleted (its contacts, resources and events stay, without organisation).
pub async fn ensure_deletable(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    let actions = entity::action::Entity::find()
        .filter(entity::action::Column::OrganisationId.eq(id))
        .count(db)
        .await?;
    if actions > 0 {
        return Err(AppError::Conflict(format!(
            "this organisation still owns {actions} action(s): delete or move them first"
        )));
    }
    let kits = entity::kit::Entity::find()
        .filter(entity::kit::Column::OrganisationId.eq(id))
        .count(db)
        .await?;
    use entity::kit_loan::Column as L;
    let loans = entity::kit_loan::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(L::BorrowerOrganisationId.eq(id))
                .add(L::LenderOrganisationId.eq(id)),
        )
        .count(db)
        .await?;
    if kits > 0 || loans > 0 {
        return Err(AppError::Conflict(format!(
            "cette organisation a {kits} mallette(s) et {loans} prêt(s) : elle garde leur historique / \
             this organisation still has {kits} kit(s) and {loans} kit loan(s): their history stays"
        )));
    }
    Ok(())
}
