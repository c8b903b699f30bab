//! Events: the shared agenda.

use chrono::{DateTime, Utc};
use entity::event::{ActiveModel, Column as C, Entity as Events, Model};
use entity::{Audience, Audiences, EventStatus, Region, Tags, Visibility};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, Set};
use uuid::Uuid;

use super::list::{Filter, Relation};
use super::page::{self, listed, sort_keys};
use super::record::{WriteFields, record};
use super::{json_array_contains, text_equals_ci};
pub use crate::domain::event::EventFields;
use crate::error::AppResult;

listed!(Events, C::Id, |scope| super::scope_condition(scope, C::Visibility, C::OrganiserId), heavy: [C::Description], read: super::rows::event, omittable: [C::TitleSort, C::AllDay, C::Timezone, C::OpenToPublic, C::Audiences, C::Tags, C::Status, C::Visibility, C::CreatedAt, C::UpdatedAt]);

sort_keys!(EventSort for Events, m {
    StartsAtAsc => C::StartsAt, false, Time, m.starts_at;
    StartsAtDesc => C::StartsAt, true, Time, m.starts_at;
    TitleAsc => C::TitleSort, false, Key, m.title_sort.clone();
    TitleDesc => C::TitleSort, true, Key, m.title_sort.clone();
    CreatedAtAsc => C::CreatedAt, false, Time, m.created_at;
    CreatedAtDesc => C::CreatedAt, true, Time, m.created_at;
    UpdatedAtAsc => C::UpdatedAt, false, Time, m.updated_at;
    UpdatedAtDesc => C::UpdatedAt, true, Time, m.updated_at;
});

/// What a list of events can be narrowed to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct EventFilter {
    /// What the caller may see.
    pub scope: super::Scope,
    pub starts_after: Option<DateTime<Utc>>,
    pub starts_before: Option<DateTime<Utc>>,
    pub region: Option<Region>,
    pub departement: Option<String>,
    pub city: Option<String>,
    pub organisation_id: Option<Uuid>,
    pub open_to_public: Option<bool>,
    pub audience: Option<Audience>,
    pub tag: Option<String>,
    pub status: Option<EventStatus>,
    /// Leaves out the events their feed removed (`REMOVED_UPSTREAM`) when `status` asks for
    /// none: what the GraphQL lists do by default.
    pub hide_removed_upstream: bool,
}

/// The organiser of each event, read in the events' statement without the columns `omit`
/// names.
pub fn organiser_join(scope: super::Scope, omit: page::Omit) -> page::Join<Events> {
    page::Join {
        key: C::OrganiserId,
        key_of: |m: &Model| m.organiser_id,
        scope,
        omit,
    }
}

/// The events of each organiser.
pub const BY_ORGANISER: Relation<EventFilter> = Relation::new(C::OrganiserId, |m: &Model| m.organiser_id);

impl Filter for EventFilter {
    type Entity = Events;
    type Sort = EventSort;

    fn scoped(self, scope: super::Scope) -> Self {
        EventFilter { scope, ..self }
    }

    fn condition(&self, backend: DatabaseBackend) -> Condition {
        let mut cond = Condition::all().add(<Events as page::Listed>::visible(self.scope));
        if let Some(v) = self.starts_after {
            cond = cond.add(C::StartsAt.gte(v));
        }
        if let Some(v) = self.starts_before {
            cond = cond.add(C::StartsAt.lt(v));
        }
        if let Some(v) = self.region {
            cond = cond.add(C::Region.eq(v));
        }
        if let Some(v) = &self.departement {
            cond = cond.add(C::Departement.eq(v.to_uppercase()));
        }
        if let Some(v) = &self.city {
            cond = cond.add(text_equals_ci((Events, C::City), v));
        }
        if let Some(v) = self.organisation_id {
            cond = cond.add(C::OrganiserId.eq(v));
        }
        if let Some(v) = self.open_to_public {
            cond = cond.add(C::OpenToPublic.eq(v));
        }
        if let Some(v) = self.audience {
            cond = cond.add(json_array_contains(backend, "audiences", v.as_str()));
        }
        if let Some(v) = &self.tag {
            cond = cond.add(json_array_contains(backend, "tags", &v.trim().to_lowercase()));
        }
        match self.status {
            Some(v) => cond = cond.add(C::Status.eq(v)),
            None if self.hide_removed_upstream => {
                cond = cond.add(
                    Expr::col(C::Status.as_column_ref()).ne(super::constant(EventStatus::RemovedUpstream.as_str())),
                )
            }
            None => {}
        }
        cond
    }
}

/// What the visibility policy and `EventFilter` look at, kept for an event that is deleted:
/// once its row is gone, only this tells which subscribers may hear of the deletion.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EventFacts {
    pub visibility: Visibility,
    pub organiser_id: Option<Uuid>,
    pub starts_at: DateTime<Utc>,
    pub region: Option<Region>,
    pub departement: Option<String>,
    pub city: Option<String>,
    pub open_to_public: bool,
    pub audiences: Vec<Audience>,
    pub tags: Vec<String>,
    pub status: EventStatus,
}

impl From<&Model> for EventFacts {
    fn from(m: &Model) -> Self {
        EventFacts {
            visibility: m.visibility,
            organiser_id: m.organiser_id,
            starts_at: m.starts_at,
            region: m.region,
            departement: m.departement.clone(),
            city: m.city.clone(),
            open_to_public: m.open_to_public,
            audiences: m.audiences.0.clone(),
            tags: m.tags.0.clone(),
            status: m.status,
        }
    }
}

impl EventFilter {
    /// `condition` evaluated in memory, for an event that is no longer in the database. Kept
    /// next to `condition` so that the two change together.
    pub fn matches(&self, e: &EventFacts) -> bool {
        self.scope.permits(e.visibility, e.organiser_id)
            && self.starts_after.is_none_or(|v| e.starts_at >= v)
            && self.starts_before.is_none_or(|v| e.starts_at < v)
            && self.region.is_none_or(|v| e.region == Some(v))
            && self
                .departement
                .as_ref()
                .is_none_or(|v| e.departement.as_deref() == Some(v.to_uppercase().as_str()))
            && self
                .city
                .as_ref()
                .is_none_or(|v| e.city.as_ref().is_some_and(|c| c.to_lowercase() == v.to_lowercase()))
            && self.organisation_id.is_none_or(|v| e.organiser_id == Some(v))
            && self.open_to_public.is_none_or(|v| e.open_to_public == v)
            && self.audience.is_none_or(|v| e.audiences.contains(&v))
            && self
                .tag
                .as_ref()
                .is_none_or(|v| e.tags.contains(&v.trim().to_lowercase()))
            && match self.status {
                Some(v) => e.status == v,
                None => !(self.hide_removed_upstream && e.status == EventStatus::RemovedUpstream),
            }
    }
}

/// The events among `ids` that `filter` lets through (its scope included), for subscribers.
pub async fn matching(db: &impl ConnectionTrait, filter: &EventFilter, ids: &[Uuid]) -> AppResult<Vec<Model>> {
    use sea_orm::{EntityTrait, QueryFilter};
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Events::find()
        .filter(C::Id.is_in(ids.iter().copied()))
        .filter(filter.condition(db.get_database_backend()))
        .all(db)
        .await?)
}

impl WriteFields<ActiveModel> for EventFields {
    fn write(self, am: &mut ActiveModel) {
        am.title_sort = Set(entity::sort_key::sort_key(&self.title));
        am.title = Set(self.title);
        am.description = Set(self.description);
        am.location_name = Set(self.location_name);
        am.address = Set(self.address);
        am.postal_code = Set(self.postal_code);
        am.city = Set(self.city);
        am.departement = Set(self.departement);
        am.region = Set(self.region);
        am.latitude = Set(self.latitude);
        am.longitude = Set(self.longitude);
        am.starts_at = Set(self.starts_at);
        am.ends_at = Set(self.ends_at);
        am.all_day = Set(self.all_day);
        am.timezone = Set(self.timezone);
        am.open_to_public = Set(self.open_to_public);
        am.url = Set(self.url);
        am.author = Set(self.author);
        am.organiser_id = Set(self.organiser_id);
        am.organiser_name = Set(self.organiser_name);
        am.audiences = Set(Audiences(self.audiences));
        am.tags = Set(Tags(self.tags));
        am.status = Set(self.status);
        am.visibility = Set(self.visibility);
    }
}

record!(Events, EventFields, "event", |db, f, before| {
    f.check_times()?;
    if before.is_none_or(|b| b.organiser_id != f.organiser_id) {
        super::organisations::ensure_exists(db, "organiserId", f.organiser_id).await?;
    }
    Ok(())
});
