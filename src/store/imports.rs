//! Reads and writes of a spreadsheet import: find the record a row stands for (and whose it
//! is), then insert or update it. The importer decides what to write; these only read and
//! write rows, so that a dry run reads exactly what the real run would.

use entity::{contact, event, organisation, resource};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

use super::events::EventFields;
use super::record::{Record, WriteFields};
use crate::error::AppResult;

/// The record a row's id names.
pub enum Found<M> {
    /// A record of the importing organisation.
    Own(M),
    /// A record of another organisation (or of none): its organisation's name, if any.
    Foreign(Option<String>),
    /// No record has this id.
    None,
}

fn lower_eq<C: ColumnTrait + sea_orm::sea_query::IntoColumnRef>(
    column: C,
    value: &str,
) -> sea_orm::sea_query::SimpleExpr {
    super::text_equals_ci(column, value.trim())
}

/// The name of organisation `id`.
async fn organisation_name(db: &impl ConnectionTrait, id: Option<Uuid>) -> AppResult<Option<String>> {
    let Some(id) = id else { return Ok(None) };
    Ok(organisation::Entity::find_by_id(id).one(db).await?.map(|o| o.name))
}

/// Whether `value` (a slug or an id, as the exports write them) names organisation `id`.
pub async fn names_organisation(db: &impl ConnectionTrait, value: &str, id: Uuid) -> AppResult<bool> {
    let value = value.trim();
    if let Ok(named) = Uuid::parse_str(value) {
        return Ok(named == id);
    }
    Ok(organisation::Entity::find()
        .filter(lower_eq(organisation::Column::Slug, value))
        .one(db)
        .await?
        .is_some_and(|o| o.id == id))
}

/// The event `id` names, whose organiser is or is not `organisation`.
pub async fn event_by_id(db: &impl ConnectionTrait, organisation: Uuid, id: Uuid) -> AppResult<Found<event::Model>> {
    Ok(match event::Entity::find_by_id(id).one(db).await? {
        Some(m) if m.organiser_id == Some(organisation) => Found::Own(m),
        Some(m) => Found::Foreign(organisation_name(db, m.organiser_id).await?),
        None => Found::None,
    })
}

/// The event a previous import of `organisation` keyed `import:<uid>` (typed in, not pulled).
pub async fn event_by_key(db: &impl ConnectionTrait, organisation: Uuid, uid: &str) -> AppResult<Option<event::Model>> {
    use event::Column as C;
    Ok(event::Entity::find()
        .filter(C::OrganiserId.eq(organisation))
        .filter(C::FeedId.is_null())
        .filter(C::SourceUid.eq(event_key(uid)))
        .one(db)
        .await?)
}

/// The key an imported event keeps in `source_uid`.
fn event_key(uid: &str) -> String {
    format!("import:{uid}")
}

/// The resource `id` names.
pub async fn resource_by_id(
    db: &impl ConnectionTrait,
    organisation: Uuid,
    id: Uuid,
) -> AppResult<Found<resource::Model>> {
    Ok(match resource::Entity::find_by_id(id).one(db).await? {
        Some(m) if m.organisation_id == Some(organisation) => Found::Own(m),
        Some(m) => Found::Foreign(organisation_name(db, m.organisation_id).await?),
        None => Found::None,
    })
}

/// The resource of `organisation` titled `title` (case aside).
pub async fn resource_by_title(
    db: &impl ConnectionTrait,
    organisation: Uuid,
    title: &str,
) -> AppResult<Option<resource::Model>> {
    use resource::Column as C;
    Ok(resource::Entity::find()
        .filter(C::OrganisationId.eq(organisation))
        .filter(lower_eq(C::Title, title))
        .one(db)
        .await?)
}

/// The contact `id` names.
pub async fn contact_by_id(
    db: &impl ConnectionTrait,
    organisation: Uuid,
    id: Uuid,
) -> AppResult<Found<contact::Model>> {
    Ok(match contact::Entity::find_by_id(id).one(db).await? {
        Some(m) if m.organisation_id == Some(organisation) => Found::Own(m),
        Some(m) => Found::Foreign(organisation_name(db, m.organisation_id).await?),
        None => Found::None,
    })
}

/// The contact of `organisation` with this e-mail address, or else (no address) this name,
/// case aside.
pub async fn contact_by_key(
    db: &impl ConnectionTrait,
    organisation: Uuid,
    email: Option<&str>,
    names: (&str, &str),
) -> AppResult<Option<contact::Model>> {
    use contact::Column as C;
    let query = contact::Entity::find().filter(C::OrganisationId.eq(organisation));
    let query = match email {
        Some(email) => query.filter(lower_eq(C::Email, email)),
        None => query
            .filter(lower_eq(C::FirstName, names.0))
            .filter(lower_eq(C::LastName, names.1)),
    };
    Ok(query.one(db).await?)
}

/// Queues record `id` for the search index, when its type is searchable.
async fn searchable<E: Record>(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    match crate::search::RecordType::of_record_name(E::NAME) {
        Some(ty) => super::outbox::enqueue(db, ty, &[id]).await,
        None => Ok(()),
    }
}

/// Writes `fields` as a new resource or contact; its id.
pub async fn insert<E>(db: &impl ConnectionTrait, fields: E::Fields) -> AppResult<Uuid>
where
    E: Record,
    E::Model: IntoActiveModel<E::ActiveModel> + sea_orm::FromQueryResult + Send + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    let now = super::now();
    let mut am = <E::ActiveModel as ActiveModelTrait>::default();
    am.set(E::id_column(), Uuid::now_v7().into());
    am.set(E::created_column(), now.into());
    am.set(E::updated_column(), now.into());
    E::write(fields, &mut am);
    let model = am.insert(db).await?;
    let id = E::id_of(&model);
    searchable::<E>(db, id).await?;
    Ok(id)
}

/// Writes `fields` over resource or contact `model`.
pub async fn update<E>(db: &impl ConnectionTrait, model: E::Model, fields: E::Fields) -> AppResult<()>
where
    E: Record,
    E::Model: IntoActiveModel<E::ActiveModel> + sea_orm::FromQueryResult + Send + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    let mut am = model.into_active_model();
    E::write(fields, &mut am);
    am.set(E::updated_column(), super::now().into());
    let model = am.update(db).await?;
    searchable::<E>(db, E::id_of(&model)).await
}

/// Writes a new event typed in from a spreadsheet, keyed `import:<uid>`; its id.
pub async fn insert_event(db: &impl ConnectionTrait, uid: &str, fields: EventFields) -> AppResult<Uuid> {
    let now = super::now();
    let id = Uuid::now_v7();
    let mut am = event::ActiveModel {
        id: Set(id),
        feed_id: Set(None),
        source_uid: Set(Some(event_key(uid))),
        source_url: Set(None),
        last_seen_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    fields.write(&mut am);
    am.insert(db).await?;
    super::outbox::enqueue(db, crate::search::RecordType::Event, &[id]).await?;
    Ok(id)
}

/// Writes `fields` over event `model`; its provenance (feed, source uid) is left as it is.
pub async fn update_event(db: &impl ConnectionTrait, model: event::Model, fields: EventFields) -> AppResult<()> {
    let id = model.id;
    let mut am = model.into_active_model();
    fields.write(&mut am);
    am.updated_at = Set(super::now());
    am.update(db).await?;
    super::outbox::enqueue(db, crate::search::RecordType::Event, &[id]).await
}
