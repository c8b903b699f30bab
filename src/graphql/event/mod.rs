//! Events: the shared agenda.

pub mod mutation;

use crate::domain::event::local_days;
use crate::graphql::scalars::{Date, DateTime};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::connection::{
    ColumnsRead, connection, id_filter, item_selections, nested_list, page_args, root_list, root_list_joined, scoped,
    unread, unread_once,
};
use super::enums::{Audience, EventOrderBy, EventStatus, ExperienceReportOrderBy, Region, Visibility, audiences_out};
use super::experience_report::ExperienceReportConnection;
use super::experience_report::ExperienceReportFilter;
use super::fast::{Fast, Plain};
use super::organisation::{ORGANISATION_COLUMNS, Organisation};
use crate::graphql::error::IntoGql;
use crate::graphql::error::parse_id;
use crate::graphql::loaders::loaders;
use crate::store;
use entity::event::{Column as C, Entity as Events};
use entity::organisation::Entity as Organisations;

/// The columns each field of `Event` reads, when a page leaves out the others (see
/// `connection::unread`): a field that reads one of these columns must be listed with it.
pub(crate) static EVENT_COLUMNS: std::sync::LazyLock<ColumnsRead> = std::sync::LazyLock::new(|| {
    ColumnsRead::of::<Events>(
        &[
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
            ("allDay", &[C::AllDay]),
            ("timezone", &[C::Timezone]),
            ("firstDay", &[C::EndsAt, C::Timezone]),
            ("lastDay", &[C::EndsAt, C::Timezone]),
            ("openToPublic", &[C::OpenToPublic]),
            ("status", &[C::Status]),
            ("visibility", &[C::Visibility]),
            ("url", &[C::Url]),
            ("author", &[C::Author]),
            ("organiser", &[C::OrganiserId]),
            ("organiserName", &[C::OrganiserName]),
            ("audiences", &[C::Audiences]),
            ("tags", &[C::Tags]),
            ("createdAt", &[C::CreatedAt]),
            ("updatedAt", &[C::UpdatedAt]),
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
        ],
        // No field reads the title's sort key.
        &[C::TitleSort],
    )
});

/// The organiser of the events of `selections`, to read in their statement when they show it.
fn organiser_join(ctx: &Context<'_>, selections: &[async_graphql::Lookahead<'_>]) -> Option<store::page::Join<Events>> {
    let organiser: Vec<_> = selections.iter().map(|look| look.field("organiser")).collect();
    organiser.iter().any(|look| look.exists()).then(|| {
        let omit = unread(&organiser, &ORGANISATION_COLUMNS);
        store::events::organiser_join(crate::graphql::exec::viewer(ctx).scope(), omit)
    })
}

/// An event of the shared agenda: a forum, a workshop, an exhibition, a school visit…
#[derive(Clone)]
pub struct Event(pub std::sync::Arc<entity::event::Model>);

connection!(EventConnection, EventEdge, Event, entity::event::Model, fast);

impl Plain for Event {
    fn ready(&self, ctx: &Context<'_>) -> bool {
        match ctx.item.node.name.node.as_str() {
            "id" | "title" | "description" | "location" | "startsAt" | "endsAt" | "allDay" | "firstDay" | "lastDay"
            | "timezone" | "openToPublic" | "url" | "author" | "organiserName" | "audiences" | "tags" | "status"
            | "visibility" | "createdAt" | "updatedAt" => true,
            "organiser" => self.0.organiser_id.is_none() || self.joined_organiser(ctx).is_some(),
            "provenance" => self.0.feed_id.is_none(),
            _ => false,
        }
    }
}

impl Event {
    /// The organiser, when the event's statement joined it with what `ctx` (the `organiser`
    /// field) shows: `Some(None)` when the caller may not see it.
    fn joined_organiser(&self, ctx: &Context<'_>) -> Option<Option<std::sync::Arc<entity::organisation::Model>>> {
        let id = self.0.organiser_id?;
        let allowed = unread_once(ctx, &ORGANISATION_COLUMNS, || [ctx.look_ahead()]);
        loaders(ctx).organisers.get(id, allowed)
    }
}

/// Where an event takes place. Every field is null when not known.
#[derive(SimpleObject, Clone)]
pub struct Location {
    /// Name of the place (`ENSMM`, `Lycée Jules Haag`).
    pub name: Option<String>,
    /// Street address (`26 chemin de l'Épitaphe`).
    pub address: Option<String>,
    /// French postal code, five digits (`25000`); as the feed wrote it for feed events.
    pub postal_code: Option<String>,
    /// City (`Besançon`).
    pub city: Option<String>,
    /// Département code (`25`, `2A`, `974`).
    pub departement: Option<String>,
    /// Région.
    pub region: Option<Region>,
    /// Latitude in decimal degrees (WGS 84), -90 to 90; given with `longitude` or not at all.
    pub latitude: Option<f64>,
    /// Longitude in decimal degrees (WGS 84), -180 to 180.
    pub longitude: Option<f64>,
}

impl Plain for Location {
    fn ready(&self, _: &Context<'_>) -> bool {
        true
    }
}

/// Where an event pulled from a partner feed came from.
#[derive(SimpleObject)]
pub struct EventProvenance {
    /// The feed's id; its details (`feed(id:)`) are for its organisation's members.
    pub feed_id: Option<ID>,
    /// The name its organisation gave the feed (shown to whoever may see the event).
    pub feed_name: Option<String>,
    /// The item's id in the feed (iCalendar `UID`, RSS `guid`…; a recurrence instance adds
    /// `#` and its start).
    pub source_uid: Option<String>,
    /// The item's own page, or the feed's address. A feed's address may be a private calendar
    /// link: only the organiser's editors (and administrators) see it whole, others its site
    /// (`https://calendar.example.org/…`).
    pub source_url: Option<String>,
    /// When the last pull of the feed still found the item.
    pub last_seen_at: Option<DateTime>,
}

/// An event of the shared agenda: a forum, a workshop, an exhibition, a school visit… Typed in
/// by an organisation's editors, imported from a spreadsheet, or pulled from a partner feed
/// (`provenance`). Who may read it follows its `visibility` and its organiser.
#[Object]
impl Event {
    /// The event's id (a UUID), for `event(id:)`, `node(id:)` and the writes.
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The event's name, one line of at most 200 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What happens, as an HTML fragment under the hub's one rule for long texts: ammonia's
    /// allow-list of formatting, lists, tables, links and images (never a script, a style,
    /// an event handler or a `javascript:` link), or plain text without markup whose line
    /// breaks are kept (render it with `white-space: pre-line`). Every write path stores it so,
    /// and the CSV and Atom exports carry it as here; the iCalendar export and search carry
    /// its plain text. At most 20,000 characters; null when there is none.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Where it takes place.
    async fn location(&self) -> Fast<Location> {
        let m = &self.0;
        Fast(Location {
            name: m.location_name.clone(),
            address: m.address.clone(),
            postal_code: m.postal_code.clone(),
            city: m.city.clone(),
            departement: m.departement.clone(),
            region: m.region.map(Into::into),
            latitude: m.latitude,
            longitude: m.longitude,
        })
    }
    /// When it starts, as an instant (UTC). An all-day event starts at the midnight that
    /// begins its first day in `timezone`: read its days with `firstDay` and `lastDay`.
    async fn starts_at(&self) -> DateTime {
        self.0.starts_at.into()
    }
    /// When it ends, as an instant (UTC), never before `startsAt`; null when not known. An
    /// all-day event ends at the midnight after its last day in `timezone` (exclusive, as in
    /// iCalendar).
    async fn ends_at(&self) -> Option<DateTime> {
        self.0.ends_at.map(Into::into)
    }
    /// Whether it lasts whole days (`startsAt` and `endsAt` are then midnights in
    /// `timezone`) rather than from one time to another.
    async fn all_day(&self) -> bool {
        self.0.all_day
    }
    /// The day it starts on, in `timezone`.
    async fn first_day(&self) -> Date {
        local_days(self.0.starts_at, self.0.ends_at, &self.0.timezone).0.into()
    }
    /// The day it ends on, in `timezone`, inclusive: for an all-day event its last day (the
    /// day before `endsAt`); the same as `firstDay` when it has no end.
    async fn last_day(&self) -> Date {
        local_days(self.0.starts_at, self.0.ends_at, &self.0.timezone).1.into()
    }
    /// The IANA time zone the event is held in (`Europe/Paris`, `America/Cayenne`): the
    /// local time of `startsAt` and `endsAt`, and of all-day events' midnights.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    /// Whether anyone may come (a forum, an open day), rather than invited groups only (a
    /// class visit).
    async fn open_to_public(&self) -> bool {
        self.0.open_to_public
    }
    /// The event's own page (http or https); null when it has none.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// Who wrote the entry, as written (the spreadsheet's « Auteur »); null when not known.
    async fn author(&self) -> Option<&str> {
        self.0.author.as_deref()
    }
    /// The organising organisation, when it is a member of the hub (null otherwise, or when
    /// it is not known: see `organiserName`). Its editors change the event.
    async fn organiser(&self, ctx: &Context<'_>) -> Result<Option<Fast<Organisation>>> {
        let Some(id) = self.0.organiser_id else { return Ok(None) };
        // Read with the event, when its statement joined the organiser with what this shows.
        if let Some(joined) = self.joined_organiser(ctx) {
            return Ok(joined.map(|o| Fast(Organisation(o))));
        }
        Ok(loaders(ctx)
            .organisations
            .load_one(id)
            .await
            .gql()?
            .map(|o| Fast(Organisation(o))))
    }
    /// The organiser as written by the source (a feed, a spreadsheet's « Organisateur »,
    /// an editor), whether or not it is a member of the hub; null when not written.
    async fn organiser_name(&self) -> Option<&str> {
        self.0.organiser_name.as_deref()
    }
    /// Whom it is for; empty when not said.
    async fn audiences(&self) -> Vec<Audience> {
        audiences_out(&self.0.audiences)
    }
    /// Free tags, lowercase, each at most 50 characters (at most 30 tags).
    async fn tags(&self) -> &[String] {
        &self.0.tags.0
    }
    /// Whether it takes place, was cancelled, or left its feed.
    async fn status(&self) -> EventStatus {
        self.0.status.into()
    }
    /// Who may read it (its organiser's members own `ORGANISATION` events).
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// Where it came from, for events pulled from a partner feed; null for events typed in
    /// or imported. `sourceUrl` is the item's own page, or the feed's address: that may be a
    /// private calendar link, so only the organiser's editors (and administrators) see it
    /// whole; others see its site.
    async fn provenance(&self, ctx: &Context<'_>) -> Result<Option<EventProvenance>> {
        let m = &self.0;
        let Some(feed) = m.feed_id else { return Ok(None) };
        let whole = crate::graphql::exec::viewer(ctx)
            .require_editor_of(m.organiser_id, crate::auth::Task::ChangeEvents)
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
            last_seen_at: m.last_seen_at.map(Into::into),
        }))
    }
    /// When the hub first stored it.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last changed in the hub (a write, an import, a feed pull that changed it).
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }

    /// Experience reports on this event that the caller may see (they follow the event's
    /// visibility), latest report date first by default.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn experience_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; left out, every report on this event the caller may see.")] filter: Option<
            ExperienceReportFilter,
        >,
        #[graphql(
            default_with = "ExperienceReportOrderBy::ReportedOnDesc",
            desc = "The order of the list."
        )]
        order_by: ExperienceReportOrderBy,
        #[graphql(
            desc = "How many reports to return from the start (after `after`): 0 to 100; 20 when neither `first` nor `last` is given. Not with `last`."
        )]
        first: Option<i32>,
        #[graphql(desc = "The cursor of a report of this list in this order: the page starts after it.")] after: Option<
            String,
        >,
        #[graphql(desc = "How many reports to return from the end (before `before`): 0 to 100. Not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "The cursor of a report of this list in this order: the page ends before it.")] before: Option<
            String,
        >,
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

/// What a list of events can be narrowed to; the conditions given all apply. Text is
/// compared trimmed.
#[derive(InputObject, Default)]
pub struct EventFilter {
    /// Events starting at or after this instant (a date alone: from the midnight that begins
    /// it in Paris time).
    pub starts_after: Option<DateTime>,
    /// Events starting before this instant (a date alone: before the midnight that begins it
    /// in Paris time).
    pub starts_before: Option<DateTime>,
    /// Events in this région.
    pub region: Option<Region>,
    /// Events in this département (`25`, `2A`, `974`).
    pub departement: Option<String>,
    /// Events in this city, compared without regard to case.
    pub city: Option<String>,
    /// Events this organisation organises (its id). An id that is not a UUID matches nothing.
    pub organisation_id: Option<ID>,
    /// Only events open to the public (true), or only those that are not (false).
    pub open_to_public: Option<bool>,
    /// Events for this audience.
    pub audience: Option<Audience>,
    /// Events with this tag (compared lowercase).
    pub tag: Option<String>,
    /// Events with this status. Left out, the lists (`events`, `Organisation.events`) leave
    /// out the events their feed removed (`REMOVED_UPSTREAM`); ask for that status to see
    /// them. Subscriptions and saved filters apply no such default.
    pub status: Option<EventStatus>,
}

impl From<EventFilter> for store::events::EventFilter {
    fn from(f: EventFilter) -> Self {
        Self {
            scope: Default::default(),
            starts_after: f.starts_after.map(DateTime::instant),
            starts_before: f.starts_before.map(DateTime::instant),
            region: f.region.map(Into::into),
            departement: f.departement.map(|d| d.trim().to_string()),
            city: f.city.map(|c| c.trim().to_string()),
            organisation_id: id_filter(f.organisation_id),
            open_to_public: f.open_to_public,
            audience: f.audience.map(Into::into),
            tag: f.tag,
            status: f.status.map(Into::into),
            hide_removed_upstream: false,
        }
    }
}

/// The store filter of an event list (`events`, `Organisation.events`): the client's filter,
/// narrowed to what the caller may see, without the events their feed removed unless the
/// filter asks for a status.
pub(crate) fn listed(ctx: &Context<'_>, filter: Option<EventFilter>) -> store::events::EventFilter {
    let filter: store::events::EventFilter = scoped(ctx, filter);
    store::events::EventFilter {
        hide_removed_upstream: filter.status.is_none(),
        ..filter
    }
}

#[derive(Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    /// One event, by id; null when there is none, or the caller may not see it.
    async fn event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event's id (a UUID; `BAD_USER_INPUT` otherwise).")] id: ID,
    ) -> Result<Option<Fast<Event>>> {
        let id = parse_id("id", &id)?;
        let loaders = loaders(ctx);
        let event = match organiser_join(ctx, &[ctx.look_ahead()]) {
            Some(join) => loaders.events_with_organiser.load_one((id, join.omit)).await,
            None => loaders.events.load_one(id).await,
        };
        Ok(event.gql()?.map(|e| Fast(Event(e))))
    }

    /// The events the caller may see, soonest first by default: anonymous callers see
    /// `PUBLIC` ones, members also `PARTNERS` ones and their organisation's `ORGANISATION`
    /// ones, administrators all. Events their feed removed (`REMOVED_UPSTREAM`) are left out
    /// unless `filter.status` asks for them.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; left out, every event the caller may see but those their feed removed.")]
        filter: Option<EventFilter>,
        #[graphql(default_with = "EventOrderBy::StartsAtAsc", desc = "The order of the list.")] order_by: EventOrderBy,
        #[graphql(
            desc = "How many events to return from the start (after `after`): 0 to 100; 20 when neither `first` nor `last` is given. Not with `last`."
        )]
        first: Option<i32>,
        #[graphql(desc = "The cursor of an event of this list in this order: the page starts after it.")] after: Option<
            String,
        >,
        #[graphql(desc = "How many events to return from the end (before `before`): 0 to 100. Not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "The cursor of an event of this list in this order: the page ends before it.")] before: Option<
            String,
        >,
    ) -> Result<EventConnection> {
        let filter = listed(ctx, filter);
        let selections = item_selections(ctx);
        let mut args = page_args(ctx, first, after, last, before);
        args.omit = unread(&selections, &EVENT_COLUMNS);
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
