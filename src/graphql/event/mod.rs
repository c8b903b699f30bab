//! Events: the shared agenda.

pub mod mutation;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::connection::{
    connection, id_filter, item_selections, nested_list, page_args, root_list, root_list_joined, scoped, unread,
};
use super::enums::{Audience, EventOrderBy, EventStatus, ExperienceReportOrderBy, Region, Visibility, audiences_out};
use super::experience_report::ExperienceReportConnection;
use super::experience_report::ExperienceReportFilter;
use super::organisation::{ORGANISATION_COLUMNS, Organisation};
use crate::graphql::error::IntoGql;
use crate::graphql::error::parse_id;
use crate::graphql::loaders::loaders;
use crate::store;
use entity::event::{Column as C, Entity as Events};
use entity::organisation::Entity as Organisations;

/// The columns each field of `Event` reads, when a page leaves out the others (see
/// `connection::unread`): a field that reads one of these columns must be listed with it.
pub(crate) const EVENT_COLUMNS: &[(&str, &[C])] = &[
    ("description", &[C::Description]),
    ("location.name", &[C::LocationName]),
    ("location.address", &[C::Address]),
    ("location.postalCode", &[C::PostalCode]),
    ("location.city", &[C::City]),
    ("location.departement", &[C::Departement]),
    ("location.region", &[C::Region]),
    ("location.latitude", &[C::Latitude]),
    ("location.longitude", &[C::Longitude]),
    ("endsAt", &[C::EndsAt]),
    ("url", &[C::Url]),
    ("author", &[C::Author]),
    ("organiser", &[C::OrganiserId]),
    ("organiserName", &[C::OrganiserName]),
    (
        "provenance",
        &[
            C::FeedId,
            C::SourceUid,
            C::SourceUrl,
            C::LastSeenAt,
            C::Url,
            C::OrganiserId,
        ],
    ),
];

/// The organiser of the events of `selections`, to read in their statement when they show it.
fn organiser_join(ctx: &Context<'_>, selections: &[async_graphql::Lookahead<'_>]) -> Option<store::page::Join<Events>> {
    let organiser: Vec<_> = selections.iter().map(|look| look.field("organiser")).collect();
    organiser.iter().any(|look| look.exists()).then(|| {
        let omit = unread::<Organisations>(&organiser, ORGANISATION_COLUMNS);
        store::events::organiser_join(crate::graphql::exec::viewer(ctx).scope(), omit)
    })
}

/// An event of the shared agenda: a forum, a workshop, an exhibition, a school visit…
#[derive(Clone)]
pub struct Event(pub std::sync::Arc<entity::event::Model>);

connection!(EventConnection, EventEdge, Event, entity::event::Model);

/// Where an event takes place.
#[derive(SimpleObject)]
pub struct Location {
    /// Name of the place (`ENSMM`, `Lycée Jules Haag`).
    pub name: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub departement: Option<String>,
    pub region: Option<Region>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Where an event pulled from a partner feed came from.
#[derive(SimpleObject)]
pub struct EventProvenance {
    pub feed_id: Option<ID>,
    /// The name its organisation gave the feed (shown to whoever may see the event).
    pub feed_name: Option<String>,
    pub source_uid: Option<String>,
    pub source_url: Option<String>,
    pub last_seen_at: Option<DateTime<Utc>>,
}

#[Object]
impl Event {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn location(&self) -> Location {
        let m = &self.0;
        Location {
            name: m.location_name.clone(),
            address: m.address.clone(),
            postal_code: m.postal_code.clone(),
            city: m.city.clone(),
            departement: m.departement.clone(),
            region: m.region.map(Into::into),
            latitude: m.latitude,
            longitude: m.longitude,
        }
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    /// All-day events start at local midnight of their first day in `timezone`.
    async fn all_day(&self) -> bool {
        self.0.all_day
    }
    /// IANA time zone the event is held in (`Europe/Paris`).
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    async fn open_to_public(&self) -> bool {
        self.0.open_to_public
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    async fn author(&self) -> Option<&str> {
        self.0.author.as_deref()
    }
    /// The organising organisation, when it is a member of the hub.
    async fn organiser(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.organiser_id else { return Ok(None) };
        let loaders = loaders(ctx);
        // Read with the event, when its statement joined the organiser with what this shows.
        let allowed = unread::<Organisations>(&[ctx.look_ahead()], ORGANISATION_COLUMNS);
        if let Some(joined) = loaders.organisers.get(id, allowed) {
            return Ok(joined.map(Organisation));
        }
        Ok(loaders.organisations.load_one(id).await.gql()?.map(Organisation))
    }
    /// The organiser as written by the source.
    async fn organiser_name(&self) -> Option<&str> {
        self.0.organiser_name.as_deref()
    }
    async fn audiences(&self) -> Vec<Audience> {
        audiences_out(&self.0.audiences)
    }
    async fn tags(&self) -> &[String] {
        &self.0.tags.0
    }
    async fn status(&self) -> EventStatus {
        self.0.status.into()
    }
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// Set for events pulled from a partner feed. `sourceUrl` is the item's own page, or
    /// the feed's address: that may be a private calendar link, so only the organiser's
    /// editors (and administrators) see it whole; others see its site.
    async fn provenance(&self, ctx: &Context<'_>) -> Result<Option<EventProvenance>> {
        let m = &self.0;
        let Some(feed) = m.feed_id else { return Ok(None) };
        let whole = crate::graphql::exec::viewer(ctx)
            .require_editor_of(m.organiser_id)
            .is_ok()
            || (m.source_url.is_some() && m.source_url == m.url);
        let source_url = m.source_url.as_deref().map(|raw| {
            if whole {
                raw.to_string()
            } else {
                crate::domain::site::site_only(raw)
            }
        });
        Ok(Some(EventProvenance {
            feed_id: Some(ID(feed.to_string())),
            feed_name: loaders(ctx).feed_names.load_one(feed).await.gql()?,
            source_uid: m.source_uid.clone(),
            source_url,
            last_seen_at: m.last_seen_at,
        }))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Experience reports on this event.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn experience_reports(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExperienceReportFilter>,
        #[graphql(default_with = "ExperienceReportOrderBy::ReportedOnDesc")] order_by: ExperienceReportOrderBy,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ExperienceReportConnection> {
        let filter = scoped(ctx, filter);
        let args = page_args(ctx, first, after, last, before);
        nested_list(
            &loaders(ctx).event_experience_reports,
            self.0.id,
            filter,
            order_by.into(),
            args,
        )
        .await
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

#[derive(Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    async fn event(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Event>> {
        let id = parse_id("id", &id)?;
        let loaders = loaders(ctx);
        let event = match organiser_join(ctx, &[ctx.look_ahead()]) {
            Some(join) => loaders.events_with_organiser.load_one((id, join.omit)).await,
            None => loaders.events.load_one(id).await,
        };
        Ok(event.gql()?.map(Event))
    }

    /// Events, by default soonest first.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventFilter>,
        #[graphql(default_with = "EventOrderBy::StartsAtAsc")] order_by: EventOrderBy,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<EventConnection> {
        let filter: store::events::EventFilter = scoped(ctx, filter);
        let selections = item_selections(ctx);
        let mut args = page_args(ctx, first, after, last, before);
        args.omit = unread::<Events>(&selections, EVENT_COLUMNS);
        match organiser_join(ctx, &selections) {
            Some(join) => {
                let (organisers, omit) = (loaders(ctx).organisers.clone(), join.omit);
                root_list_joined::<_, _, Organisations>(ctx, filter, order_by.into(), args, join, |found| {
                    organisers.put(found, omit)
                })
                .await
            }
            None => root_list(ctx, filter, order_by.into(), args).await,
        }
    }
}
