//! Filter inputs of the list fields.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::enums::{ActionStatus, Audience, EventStatus, OrganisationKind, Region, ResourceKind};
use crate::store;

/// Ids in filters that are not UUIDs match nothing rather than failing the query.
fn id_filter(id: Option<ID>) -> Option<Uuid> {
    id.map(|id| Uuid::parse_str(id.as_str().trim()).unwrap_or(Uuid::nil()))
}

#[derive(InputObject, Default)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    pub region: Option<Region>,
}

impl From<OrganisationFilter> for store::organisations::OrganisationFilter {
    fn from(f: OrganisationFilter) -> Self {
        Self {
            kind: f.kind.map(Into::into),
            region: f.region.map(Into::into),
        }
    }
}

#[derive(InputObject, Default)]
pub struct EventFilter {
    /// Events starting at or after this instant.
    pub starts_after: Option<DateTime<Utc>>,
    /// Events starting before this instant.
    pub starts_before: Option<DateTime<Utc>>,
    pub region: Option<Region>,
    pub departement: Option<String>,
    /// City, compared without regard to case.
    pub city: Option<String>,
    /// The organiser's id.
    pub organisation_id: Option<ID>,
    pub open_to_public: Option<bool>,
    pub audience: Option<Audience>,
    pub tag: Option<String>,
    pub status: Option<EventStatus>,
}

impl From<EventFilter> for store::events::EventFilter {
    fn from(f: EventFilter) -> Self {
        Self {
            scope: Default::default(),
            starts_after: f.starts_after,
            starts_before: f.starts_before,
            region: f.region.map(Into::into),
            departement: f.departement.map(|d| d.trim().to_string()),
            city: f.city.map(|c| c.trim().to_string()),
            organisation_id: id_filter(f.organisation_id),
            open_to_public: f.open_to_public,
            audience: f.audience.map(Into::into),
            tag: f.tag,
            status: f.status.map(Into::into),
        }
    }
}

#[derive(InputObject, Default)]
pub struct ResourceFilter {
    pub kind: Option<ResourceKind>,
    pub free_of_rights: Option<bool>,
    pub audience: Option<Audience>,
    pub tag: Option<String>,
    pub organisation_id: Option<ID>,
    /// Language code such as `fr`.
    pub language: Option<String>,
}

impl From<ResourceFilter> for store::resources::ResourceFilter {
    fn from(f: ResourceFilter) -> Self {
        Self {
            scope: Default::default(),
            kind: f.kind.map(Into::into),
            free_of_rights: f.free_of_rights,
            audience: f.audience.map(Into::into),
            tag: f.tag,
            organisation_id: id_filter(f.organisation_id),
            language: f.language,
        }
    }
}

#[derive(InputObject, Default)]
pub struct ContactFilter {
    pub organisation_id: Option<ID>,
    pub region: Option<Region>,
    pub audience: Option<Audience>,
}

impl From<ContactFilter> for store::contacts::ContactFilter {
    fn from(f: ContactFilter) -> Self {
        Self {
            scope: Default::default(),
            organisation_id: id_filter(f.organisation_id),
            region: f.region.map(Into::into),
            audience: f.audience.map(Into::into),
        }
    }
}

#[derive(InputObject, Default)]
pub struct ActionFilter {
    pub organisation_id: Option<ID>,
    pub region: Option<Region>,
    pub status: Option<ActionStatus>,
}

impl From<ActionFilter> for store::actions::ActionFilter {
    fn from(f: ActionFilter) -> Self {
        Self {
            scope: Default::default(),
            organisation_id: id_filter(f.organisation_id),
            region: f.region.map(Into::into),
            status: f.status.map(Into::into),
        }
    }
}

#[derive(InputObject, Default)]
pub struct ExperienceReportFilter {
    pub action_id: Option<ID>,
    pub event_id: Option<ID>,
    /// Reports dated on or after this day.
    pub reported_after: Option<NaiveDate>,
    /// Reports dated before this day.
    pub reported_before: Option<NaiveDate>,
}

impl From<ExperienceReportFilter> for store::reports::ReportFilter {
    fn from(f: ExperienceReportFilter) -> Self {
        Self {
            scope: Default::default(),
            action_id: id_filter(f.action_id),
            event_id: id_filter(f.event_id),
            reported_after: f.reported_after,
            reported_before: f.reported_before,
        }
    }
}
