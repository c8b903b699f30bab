//! Reads of a spreadsheet import, which a dry run and a real run make alike: the record a row
//! stands for, and whose it is; and the one write of its own, an event typed in from a file
//! with the key it was imported under (other writes go through `store::record`).

use entity::{contact, event, organisation, resource};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::events::EventFields;
use super::record::WriteFields;
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
        // By the key the unique index holds contacts to (`entity::contact::email_key`).
        Some(email) => query.filter(C::EmailKey.eq(entity::contact::email_key(email))),
        None => query
            .filter(lower_eq(C::FirstName, names.0))
            .filter(lower_eq(C::LastName, names.1)),
    };
    Ok(query.one(db).await?)
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
