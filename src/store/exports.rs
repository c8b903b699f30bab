//! The reads behind the exports (`/calendar.ics`, the Atom feeds, `/contacts.vcf`, the CSV
//! files): whole lists read page by page with the keyset machinery, up to a cap.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::EventStatus;
use entity::event::{Column as EventColumn, Entity as Events};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use super::contacts::{ContactFilter, ContactSort};
use super::events::{EventFilter, EventSort};
use super::list::Filter;
use super::page::{self, Listed, MAX_PAGE_SIZE, PageArgs, SortKey};
use super::resources::{ResourceFilter, ResourceSort};
use crate::error::AppResult;

/// Reads up to `limit` rows of `E` matching `condition`, in `sort` order, one keyset page
/// (at most `MAX_PAGE_SIZE` rows) at a time.
async fn collect<E, S>(
    db: &impl ConnectionTrait,
    condition: Condition,
    sort: S,
    limit: usize,
) -> AppResult<Vec<Arc<E::Model>>>
where
    E: Listed,
    E::Model: FromQueryResult + Send + Sync,
    S: SortKey<E>,
{
    let mut rows = Vec::new();
    let mut after = None;
    while rows.len() < limit {
        let first = (limit - rows.len()).min(MAX_PAGE_SIZE as usize);
        let args = PageArgs {
            first: Some(i32::try_from(first).unwrap_or(i32::MAX)),
            after: after.take(),
            ..Default::default()
        };
        let page = page::fetch::<E, S>(db, condition.clone(), sort, &args).await?;
        after = page.rows.last().map(|last| page.cursor(last));
        rows.extend(page.rows.iter().cloned());
        if !page.has_next_page || after.is_none() {
            break;
        }
    }
    Ok(rows)
}

/// Events that have not ended at `now` (an event without an end ends when it starts), soonest
/// first; events gone from their feed are left out unless the filter asks for them.
pub async fn upcoming_events(
    db: &impl ConnectionTrait,
    filter: &EventFilter,
    now: DateTime<Utc>,
    limit: usize,
) -> AppResult<Vec<Arc<entity::event::Model>>> {
    let mut condition = filter.condition(db.get_database_backend()).add(
        Condition::any().add(EventColumn::EndsAt.gte(now)).add(
            Condition::all()
                .add(EventColumn::EndsAt.is_null())
                .add(EventColumn::StartsAt.gte(now)),
        ),
    );
    if filter.status.is_none() {
        condition = condition.add(EventColumn::Status.ne(EventStatus::RemovedUpstream));
    }
    collect::<Events, _>(db, condition, EventSort::StartsAtAsc, limit).await
}

/// Events as the `events` list reads them (same filter, soonest first).
pub async fn events(
    db: &impl ConnectionTrait,
    filter: &EventFilter,
    limit: usize,
) -> AppResult<Vec<Arc<entity::event::Model>>> {
    collect::<Events, _>(
        db,
        filter.condition(db.get_database_backend()),
        EventSort::StartsAtAsc,
        limit,
    )
    .await
}

/// Resources as the `resources` list reads them.
pub async fn resources(
    db: &impl ConnectionTrait,
    filter: &ResourceFilter,
    sort: ResourceSort,
    limit: usize,
) -> AppResult<Vec<Arc<entity::resource::Model>>> {
    collect::<entity::resource::Entity, _>(db, filter.condition(db.get_database_backend()), sort, limit).await
}

/// Contacts as the `contacts` list reads them (by last name).
pub async fn contacts(
    db: &impl ConnectionTrait,
    filter: &ContactFilter,
    limit: usize,
) -> AppResult<Vec<Arc<entity::contact::Model>>> {
    collect::<entity::contact::Entity, _>(
        db,
        filter.condition(db.get_database_backend()),
        ContactSort::LastNameAsc,
        limit,
    )
    .await
}

/// The organisations with these ids (organisations are public records).
pub async fn organisations(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> AppResult<HashMap<Uuid, entity::organisation::Model>> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    page::by_ids::<entity::organisation::Entity>(db, &ids, super::Scope::All).await
}
