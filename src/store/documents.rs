//! The reads that turn records into search documents: for the indexer (`documents`, `scan`
//! when reindexing) and for a degraded search when the engine is out of reach (`candidates`).

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::Scope;
use super::page::Listed;
use crate::error::AppResult;
use crate::search::{Document, RecordType};

/// Records per type a degraded (database) search looks at.
pub const FALLBACK_CANDIDATES: u64 = 500;

/// The name of organisation `id`, if it exists.
pub async fn organisation_name(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<String>> {
    use entity::organisation::{Column as C, Entity as Organisations};
    Ok(Organisations::find_by_id(id)
        .select_only()
        .column(C::Name)
        .into_tuple::<String>()
        .one(db)
        .await?)
}

/// Up to `limit` ids of type `ty` after `after`, in id order.
pub(super) async fn id_page(
    db: &impl ConnectionTrait,
    ty: RecordType,
    after: Option<Uuid>,
    limit: u64,
) -> AppResult<Vec<Uuid>> {
    macro_rules! page {
        ($module:ident) => {{
            use entity::$module::{Column as C, Entity as E};
            let mut select = E::find().select_only().column(C::Id).order_by_asc(C::Id).limit(limit);
            if let Some(after) = after {
                select = select.filter(C::Id.gt(after));
            }
            select.into_tuple::<Uuid>().all(db).await?
        }};
    }
    Ok(match ty {
        RecordType::Event => page!(event),
        RecordType::Resource => page!(resource),
        RecordType::Organisation => page!(organisation),
        RecordType::Contact => page!(contact),
        RecordType::Action => page!(action),
    })
}

/// The number of records of type `ty`.
pub async fn count(db: &impl ConnectionTrait, ty: RecordType) -> AppResult<u64> {
    Ok(match ty {
        RecordType::Event => entity::event::Entity::find().count(db).await?,
        RecordType::Resource => entity::resource::Entity::find().count(db).await?,
        RecordType::Organisation => entity::organisation::Entity::find().count(db).await?,
        RecordType::Contact => entity::contact::Entity::find().count(db).await?,
        RecordType::Action => entity::action::Entity::find().count(db).await?,
    })
}

/// The names of organisations `ids`.
async fn organisation_names(db: &impl ConnectionTrait, ids: HashSet<Uuid>) -> AppResult<HashMap<Uuid, String>> {
    use entity::organisation::{Column as C, Entity as Organisations};
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let mut names = HashMap::new();
    for chunk in ids.chunks(super::ID_CHUNK) {
        let rows: Vec<(Uuid, String)> = Organisations::find()
            .select_only()
            .columns([C::Id, C::Name])
            .filter(C::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        names.extend(rows);
    }
    Ok(names)
}

/// Builds the documents of records of one type, with their organisations' names.
async fn documents_of(db: &impl ConnectionTrait, records: Records) -> AppResult<Vec<Document>> {
    let owners: HashSet<Uuid> = match &records {
        Records::Event(v) => v.iter().filter_map(|m| m.organiser_id).collect(),
        Records::Resource(v) => v.iter().filter_map(|m| m.organisation_id).collect(),
        Records::Organisation(_) => HashSet::new(),
        Records::Contact(v) => v.iter().filter_map(|m| m.organisation_id).collect(),
        Records::Action(v) => v.iter().map(|m| m.organisation_id).collect(),
    };
    let names = organisation_names(db, owners).await?;
    let name = |id: Option<Uuid>| id.and_then(|id| names.get(&id)).map(String::as_str);
    Ok(match records {
        Records::Event(v) => v
            .iter()
            .filter_map(|m| Document::event(m, name(m.organiser_id)))
            .collect(),
        Records::Resource(v) => v
            .iter()
            .map(|m| Document::resource(m, name(m.organisation_id)))
            .collect(),
        Records::Organisation(v) => v.iter().map(Document::organisation).collect(),
        Records::Contact(v) => v
            .iter()
            .map(|m| Document::contact(m, name(m.organisation_id)))
            .collect(),
        Records::Action(v) => v
            .iter()
            .map(|m| Document::action(m, name(Some(m.organisation_id))))
            .collect(),
    })
}

enum Records {
    Event(Vec<entity::event::Model>),
    Resource(Vec<entity::resource::Model>),
    Organisation(Vec<entity::organisation::Model>),
    Contact(Vec<entity::contact::Model>),
    Action(Vec<entity::action::Model>),
}

/// Reads records of type `ty` matching `cond`, in id order, at most `limit`.
async fn records(db: &impl ConnectionTrait, ty: RecordType, cond: Condition, limit: Option<u64>) -> AppResult<Records> {
    macro_rules! read {
        ($module:ident, $variant:ident) => {{
            use entity::$module::{Column as C, Entity as E};
            Records::$variant(E::find().filter(cond).order_by_asc(C::Id).limit(limit).all(db).await?)
        }};
    }
    Ok(match ty {
        RecordType::Event => read!(event, Event),
        RecordType::Resource => read!(resource, Resource),
        RecordType::Organisation => read!(organisation, Organisation),
        RecordType::Contact => read!(contact, Contact),
        RecordType::Action => read!(action, Action),
    })
}

fn id_column(ty: RecordType) -> sea_orm::sea_query::SimpleExpr {
    match ty {
        RecordType::Event => Expr::col(entity::event::Column::Id),
        RecordType::Resource => Expr::col(entity::resource::Column::Id),
        RecordType::Organisation => Expr::col(entity::organisation::Column::Id),
        RecordType::Contact => Expr::col(entity::contact::Column::Id),
        RecordType::Action => Expr::col(entity::action::Column::Id),
    }
}

/// The documents of records `ids` of type `ty` as they are now; records that no longer exist
/// (or are not indexed, like removed feed events) have none.
pub async fn documents(db: &impl ConnectionTrait, ty: RecordType, ids: &[Uuid]) -> AppResult<Vec<Document>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(super::ID_CHUNK) {
        let cond = Condition::all().add(id_column(ty).is_in(chunk.iter().copied()));
        out.extend(documents_of(db, records(db, ty, cond, None).await?).await?);
    }
    Ok(out)
}

/// Up to `limit` documents of type `ty` with ids after `after`, in id order, and the last id
/// read (the next page starts after it; none at the end).
pub async fn scan(
    db: &impl ConnectionTrait,
    ty: RecordType,
    after: Option<Uuid>,
    limit: u64,
) -> AppResult<(Vec<Document>, Option<Uuid>)> {
    let ids = id_page(db, ty, after, limit).await?;
    let last = ids.last().copied();
    Ok((documents(db, ty, &ids).await?, last))
}

/// For a degraded search: documents of type `ty` that `scope` may see and whose main texts
/// contain every word of `words` (case-insensitive), in id order.
pub async fn candidates(
    db: &impl ConnectionTrait,
    ty: RecordType,
    scope: Scope,
    words: &[String],
) -> AppResult<Vec<Document>> {
    macro_rules! cond {
        ($module:ident, [$($col:ident),+]) => {{
            use entity::$module::{Column as C, Entity as E};
            let mut cond = Condition::all().add(<E as Listed>::visible(scope));
            for word in words {
                let pattern = format!("%{}%", escape_like(&word.to_lowercase()));
                let mut any = Condition::any();
                $(
                    any = any.add(
                        Expr::expr(Func::lower(Expr::col(C::$col))).like(sea_orm::sea_query::LikeExpr::new(&pattern).escape('\\')),
                    );
                )+
                cond = cond.add(any);
            }
            cond
        }};
    }
    let cond = match ty {
        RecordType::Event => cond!(event, [Title, Description, City, LocationName, OrganiserName]),
        RecordType::Resource => cond!(resource, [Title, Description, Author]),
        RecordType::Organisation => cond!(organisation, [Name, Description, City]),
        RecordType::Contact => cond!(contact, [FirstName, LastName, JobTitle, City]),
        RecordType::Action => cond!(action, [Title, Summary]),
    };
    documents_of(db, records(db, ty, cond, Some(FALLBACK_CANDIDATES)).await?).await
}

fn escape_like(raw: &str) -> String {
    raw.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
