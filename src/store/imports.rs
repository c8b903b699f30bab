//! Writes of a spreadsheet import: find the record a row stands for, then insert or update it.
//! Rows are matched so that importing the same file twice creates nothing the second time.

use entity::{contact, event, resource};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

use super::contacts::ContactFields;
use super::events::EventFields;
use super::record::{Record, WriteFields, save_error};
use super::resources::ResourceFields;
use crate::error::AppResult;

/// What writing one row did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    Created,
    Updated,
    Unchanged,
}

fn lower_eq<C: ColumnTrait + sea_orm::sea_query::IntoColumnRef>(
    column: C,
    value: &str,
) -> sea_orm::sea_query::SimpleExpr {
    super::text_equals_ci(column, value.trim())
}

/// Writes `fields` over `existing` when they differ, or as a new record.
async fn save<E>(db: &impl ConnectionTrait, existing: Option<E::Model>, fields: E::Fields) -> AppResult<Written>
where
    E: Record,
    E::Fields: PartialEq,
    E::Model: IntoActiveModel<E::ActiveModel> + sea_orm::FromQueryResult + Send + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    let now = super::now();
    // A unique index refusing the row (another record took its key) is a `CONFLICT`.
    let conflict = E::conflict(&fields);
    match existing {
        Some(m) if E::Fields::from(&m) == fields => Ok(Written::Unchanged),
        Some(m) => {
            let mut am = m.into_active_model();
            E::write(fields, &mut am);
            am.set(E::updated_column(), now.into());
            let model = am.update(db).await.map_err(|e| save_error(e, conflict))?;
            searchable::<E>(db, E::id_of(&model)).await?;
            Ok(Written::Updated)
        }
        None => {
            let mut am = <E::ActiveModel as ActiveModelTrait>::default();
            am.set(E::id_column(), Uuid::now_v7().into());
            am.set(E::created_column(), now.into());
            am.set(E::updated_column(), now.into());
            E::write(fields, &mut am);
            let model = am.insert(db).await.map_err(|e| save_error(e, conflict))?;
            searchable::<E>(db, E::id_of(&model)).await?;
            Ok(Written::Created)
        }
    }
}

/// Queues record `id` for the search index, when its type is searchable.
async fn searchable<E: Record>(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    match crate::search::RecordType::of_record_name(E::NAME) {
        Some(ty) => super::outbox::enqueue(db, ty, &[id]).await,
        None => Ok(()),
    }
}

/// An all-day event that ends the day it starts is stored without an end, however the
/// spreadsheet wrote it (no end, or the same date as the start).
fn one_day(mut fields: EventFields) -> EventFields {
    if fields.all_day
        && let Some(end) = fields.ends_at
    {
        let hours = (end - fields.starts_at).num_hours();
        // 23 to 25 hours: one calendar day, across a change of time included.
        if (23..=25).contains(&hours) {
            fields.ends_at = None;
        }
    }
    fields
}

/// An imported event: the row's uid is an event id of the organisation (a re-imported export),
/// or a key kept in `source_uid` (`import:<uid>`) on events typed in, not pulled from a feed.
pub async fn upsert_event(
    db: &impl ConnectionTrait,
    organisation: Uuid,
    uid: &str,
    fields: EventFields,
) -> AppResult<(Written, Uuid)> {
    use event::Column as C;
    let by_id = match Uuid::parse_str(uid) {
        Ok(id) => {
            event::Entity::find_by_id(id)
                .filter(C::OrganiserId.eq(organisation))
                .one(db)
                .await?
        }
        Err(_) => None,
    };
    let key = format!("import:{uid}");
    let existing = match by_id {
        Some(m) => Some(m),
        None => {
            event::Entity::find()
                .filter(C::OrganiserId.eq(organisation))
                .filter(C::FeedId.is_null())
                .filter(C::SourceUid.eq(key.as_str()))
                .one(db)
                .await?
        }
    };
    let now = super::now();
    let fields = one_day(fields);
    match existing {
        Some(m) if one_day(EventFields::from(&m)) == fields => Ok((Written::Unchanged, m.id)),
        Some(m) => {
            let id = m.id;
            let mut am = m.into_active_model();
            fields.write(&mut am);
            am.updated_at = Set(now);
            am.update(db).await?;
            super::outbox::enqueue(db, crate::search::RecordType::Event, &[id]).await?;
            Ok((Written::Updated, id))
        }
        None => {
            let id = Uuid::now_v7();
            let mut am = event::ActiveModel {
                id: Set(id),
                feed_id: Set(None),
                source_uid: Set(Some(key)),
                source_url: Set(None),
                last_seen_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            fields.write(&mut am);
            am.insert(db).await?;
            super::outbox::enqueue(db, crate::search::RecordType::Event, &[id]).await?;
            Ok((Written::Created, id))
        }
    }
}

/// An imported resource: matched by id (a re-imported export), else by title within the
/// organisation.
pub async fn upsert_resource(
    db: &impl ConnectionTrait,
    organisation: Uuid,
    uid: Option<&str>,
    fields: ResourceFields,
) -> AppResult<Written> {
    use resource::Column as C;
    let mut existing = match uid.and_then(|u| Uuid::parse_str(u).ok()) {
        Some(id) => {
            resource::Entity::find_by_id(id)
                .filter(C::OrganisationId.eq(organisation))
                .one(db)
                .await?
        }
        None => None,
    };
    if existing.is_none() {
        existing = resource::Entity::find()
            .filter(C::OrganisationId.eq(organisation))
            .filter(lower_eq(C::Title, &fields.title))
            .one(db)
            .await?;
    }
    save::<resource::Entity>(db, existing, fields).await
}

/// An imported contact: matched by id (a re-imported export), else by e-mail, else by name,
/// within the organisation.
pub async fn upsert_contact(
    db: &impl ConnectionTrait,
    organisation: Uuid,
    uid: Option<&str>,
    fields: ContactFields,
) -> AppResult<Written> {
    use contact::Column as C;
    let mut existing = match uid.and_then(|u| Uuid::parse_str(u).ok()) {
        Some(id) => {
            contact::Entity::find_by_id(id)
                .filter(C::OrganisationId.eq(organisation))
                .one(db)
                .await?
        }
        None => None,
    };
    if existing.is_none() {
        let mut query = contact::Entity::find().filter(C::OrganisationId.eq(organisation));
        query = match &fields.email {
            // By the key the unique index holds contacts to (`entity::contact::email_key`).
            Some(email) => query.filter(C::EmailKey.eq(entity::contact::email_key(email))),
            None => query
                .filter(lower_eq(C::FirstName, &fields.first_name))
                .filter(lower_eq(C::LastName, &fields.last_name)),
        };
        existing = query.one(db).await?;
    }
    save::<contact::Entity>(db, existing, fields).await
}
