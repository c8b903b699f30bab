use crate::graphql::scalars::DateTime;
use crate::store::audit::Subject;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use crate::changes::{Change, EventChangeKind};
use crate::domain::Patch;
use crate::domain::event::{
    DEFAULT_TIMEZONE, EventChange, EventDraft, EventFields, EventPatch, LocationDraft, Moment, times,
};
use crate::error::AppResult;
use crate::graphql::enums::{Audience, EventStatus, Region, Visibility, audiences};
use crate::graphql::error::{IntoGql, parse_id};
use crate::graphql::event::Event;
use crate::graphql::exec::viewer;
use crate::graphql::write::{audit, default_owner, in_transaction_announcing, input_fields, opt_id, patch, patch_id};
type Events = entity::event::Entity;
use crate::store::events::EventFacts;
use crate::store::record;

/// Where an event takes place; every field is optional, and a blank text is none.
#[derive(InputObject, Default)]
pub struct LocationInput {
    /// Name of the place (`ENSMM`), one line of at most 200 characters.
    pub name: Option<String>,
    /// Street address, one line of at most 300 characters.
    pub address: Option<String>,
    /// French postal code: five digits (`25000`).
    pub postal_code: Option<String>,
    /// City, one line of at most 200 characters.
    pub city: Option<String>,
    /// Département code: `01`–`95` (not `20`), `2A`, `2B`, or `971`–`976`.
    pub departement: Option<String>,
    /// Région.
    pub region: Option<Region>,
    /// Latitude in decimal degrees (WGS 84), -90 to 90; give `longitude` with it.
    pub latitude: Option<f64>,
    /// Longitude in decimal degrees (WGS 84), -180 to 180; give `latitude` with it.
    pub longitude: Option<f64>,
}

impl LocationInput {
    fn draft(self) -> LocationDraft {
        LocationDraft {
            name: self.name,
            address: self.address,
            postal_code: self.postal_code,
            city: self.city,
            departement: self.departement,
            region: self.region.map(Into::into),
            latitude: self.latitude,
            longitude: self.longitude,
        }
    }
}

/// A new event. Texts are trimmed; a blank optional text is none. A field that breaks its
/// rule is refused with `BAD_USER_INPUT` and `extensions.field` naming it.
#[derive(InputObject)]
pub struct CreateEventInput {
    /// The event's name: one line of 1 to 200 characters.
    pub title: String,
    /// What happens: HTML or plain text, at most 20,000 characters once sanitised. Markup
    /// outside the hub's allow-list (ammonia's: scripts, styles, event handlers,
    /// `javascript:` links…) is removed, entities are decoded; see `Event.description`.
    pub description: Option<String>,
    /// Where it takes place.
    pub location: Option<LocationInput>,
    /// When it starts: a date and time with its offset (`2027-03-08T09:30:00+01:00`), or a
    /// date alone (`2027-03-08`) for an all-day event, which then starts at the midnight that
    /// begins that day in `timezone`. A date with `allDay: false` is refused
    /// (`BAD_USER_INPUT`, field `startsAt`).
    pub starts_at: DateTime,
    /// When it ends, not before `startsAt`: a date and time, or for an all-day event its
    /// last day (`2027-03-09`, inclusive: stored as the midnight after it). Left out, the end
    /// is not known.
    pub ends_at: Option<DateTime>,
    /// Whether it lasts whole days. Left out: true when `startsAt` or `endsAt` is a date
    /// alone, else false.
    pub all_day: Option<bool>,
    /// The IANA time zone it is held in (`Europe/Paris`, `America/Cayenne`); default
    /// `Europe/Paris`.
    pub timezone: Option<String>,
    /// Whether anyone may come; default true.
    #[graphql(default = true)]
    pub open_to_public: bool,
    /// The event's own page: an absolute http or https URL of at most 2048 characters.
    pub url: Option<String>,
    /// Who wrote the entry: one line of at most 200 characters.
    pub author: Option<String>,
    /// The organising organisation's id. Editors may leave it out (their own organisation)
    /// and may give only their own; administrators any (or none).
    pub organiser_id: Option<ID>,
    /// The organiser as written, when it is not a member of the hub (or in its own words):
    /// one line of at most 200 characters.
    pub organiser_name: Option<String>,
    /// Whom it is for (duplicates dropped); default none.
    #[graphql(default)]
    pub audiences: Vec<Audience>,
    /// Free tags: lowercased, duplicates dropped, at most 30 of at most 50 characters.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Its status; default `SCHEDULED`.
    #[graphql(default_with = "EventStatus::Scheduled")]
    pub status: EventStatus,
    /// Who may read it; default `PUBLIC`.
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

impl CreateEventInput {
    fn into_fields(self) -> AppResult<EventFields> {
        // The organiser comes after the other fields, as it always has: its id is read once
        // they are checked.
        let organiser_id = opt_id("organiserId", self.organiser_id);
        let times = times(
            moment(self.starts_at),
            self.ends_at.map(moment),
            self.all_day,
            false,
            self.timezone.as_deref().unwrap_or(DEFAULT_TIMEZONE),
        )?;
        let draft = EventDraft {
            title: self.title,
            description: self.description,
            location: self.location.map(LocationInput::draft).unwrap_or_default(),
            starts_at: times.starts_at,
            ends_at: times.ends_at,
            all_day: times.all_day,
            timezone: self.timezone,
            open_to_public: self.open_to_public,
            url: self.url,
            author: self.author,
            organiser_id: organiser_id.clone().unwrap_or_default(),
            organiser_name: self.organiser_name,
            audiences: audiences(self.audiences),
            tags: self.tags,
            status: self.status.into(),
            visibility: self.visibility.into(),
        };
        let fields = EventFields::parse(draft)?;
        organiser_id?;
        Ok(fields)
    }
}

/// A change to an event: only the fields given change; `null` clears an optional field and
/// is refused for a required one (`BAD_USER_INPUT`). Each field follows the rule of its
/// namesake in `CreateEventInput`.
#[derive(InputObject)]
pub struct UpdateEventInput {
    /// The new name (required: not null).
    pub title: MaybeUndefined<String>,
    /// The new description (HTML or text, sanitised); null removes it.
    pub description: MaybeUndefined<String>,
    /// The new place: replaces the whole location; null removes it.
    pub location: MaybeUndefined<LocationInput>,
    /// The new start (not null): a date and time, or a date alone, which makes the event
    /// all-day unless `allDay: false` is given (then refused). A date is read in the event's
    /// zone (`timezone`, the new one when given).
    pub starts_at: MaybeUndefined<DateTime>,
    /// The new end: a date and time, or an all-day event's last day (inclusive); null
    /// removes it.
    pub ends_at: MaybeUndefined<DateTime>,
    /// Whether it lasts whole days (not null). Left out, it stays as it is, unless a date
    /// alone is given as `startsAt` or `endsAt`.
    pub all_day: MaybeUndefined<bool>,
    /// The new IANA time zone (not null). It does not move the stored instants.
    pub timezone: MaybeUndefined<String>,
    /// Whether anyone may come (not null).
    pub open_to_public: MaybeUndefined<bool>,
    /// The new page; null removes it.
    pub url: MaybeUndefined<String>,
    /// The new author; null removes it.
    pub author: MaybeUndefined<String>,
    /// The new organiser's id (editors: only their own organisation); null removes it
    /// (administrators only, as the event then belongs to no organisation).
    pub organiser_id: MaybeUndefined<ID>,
    /// The organiser as written; null removes it.
    pub organiser_name: MaybeUndefined<String>,
    /// The new audiences, replacing the old (not null; `[]` for none).
    pub audiences: MaybeUndefined<Vec<Audience>>,
    /// The new tags, replacing the old (not null; `[]` for none).
    pub tags: MaybeUndefined<Vec<String>>,
    /// The new status (not null): `CANCELLED` announces the cancellation to subscribers.
    pub status: MaybeUndefined<EventStatus>,
    /// Who may read it (not null).
    pub visibility: MaybeUndefined<Visibility>,
}

/// The changes to an event's start, end and all-day flag.
type TimesPatch = (
    Patch<chrono::DateTime<chrono::Utc>>,
    Patch<chrono::DateTime<chrono::Utc>>,
    Patch<bool>,
);

/// A moment of the input as the domain reads it.
fn moment(value: DateTime) -> Moment {
    match value {
        DateTime::At(at) => Moment::At(at),
        DateTime::Day(day) => Moment::Day(day),
    }
}

impl UpdateEventInput {
    /// The changes to the start, the end and the all-day flag: dates read in the zone the
    /// event will have, and an event given a date made all-day (`domain::event::times`).
    fn times(&self, f: &EventFields) -> AppResult<TimesPatch> {
        let given = |v: &MaybeUndefined<DateTime>| match v {
            MaybeUndefined::Value(v) => Some(moment(*v)),
            _ => None,
        };
        let (starts, ends) = (given(&self.starts_at), given(&self.ends_at));
        let all_day = match self.all_day {
            MaybeUndefined::Value(v) => Some(v),
            _ => None,
        };
        let timezone = match &self.timezone {
            MaybeUndefined::Value(tz) => tz.as_str(),
            _ => f.timezone.as_str(),
        };
        let t = times(
            starts.unwrap_or(Moment::At(f.starts_at)),
            ends.or(f.ends_at.map(Moment::At)),
            all_day,
            f.all_day,
            timezone,
        )?;
        let starts_at = match self.starts_at {
            MaybeUndefined::Undefined => Patch::Keep,
            MaybeUndefined::Null => Patch::Clear,
            MaybeUndefined::Value(_) => Patch::Set(t.starts_at),
        };
        let ends_at = match self.ends_at {
            MaybeUndefined::Undefined => Patch::Keep,
            MaybeUndefined::Null => Patch::Clear,
            MaybeUndefined::Value(_) => t.ends_at.map_or(Patch::Clear, Patch::Set),
        };
        let all_day = match self.all_day {
            MaybeUndefined::Undefined if t.all_day == f.all_day => Patch::Keep,
            MaybeUndefined::Undefined => Patch::Set(t.all_day),
            MaybeUndefined::Null => Patch::Clear,
            MaybeUndefined::Value(v) => Patch::Set(v),
        };
        Ok((starts_at, ends_at, all_day))
    }

    fn apply(self, f: &mut EventFields) -> AppResult<()> {
        // The organiser comes after the other fields, as it always has: its id is read once
        // they are checked.
        let (starts_at, ends_at, all_day) = self.times(f)?;
        let organiser_id = patch_id("organiserId", self.organiser_id);
        let change = EventChange::parse(EventPatch {
            title: patch(self.title, Into::into),
            description: patch(self.description, Into::into),
            location: patch(self.location, LocationInput::draft),
            starts_at,
            ends_at,
            all_day,
            timezone: patch(self.timezone, Into::into),
            open_to_public: patch(self.open_to_public, Into::into),
            url: patch(self.url, Into::into),
            author: patch(self.author, Into::into),
            organiser_id: organiser_id.clone().unwrap_or_default(),
            organiser_name: patch(self.organiser_name, Into::into),
            audiences: patch(self.audiences, audiences),
            tags: patch(self.tags, Into::into),
            status: patch(self.status, Into::into),
            visibility: patch(self.visibility, Into::into),
        })?;
        organiser_id?;
        change.apply(f);
        Ok(())
    }
}

/// What `createEvent` did.
#[derive(SimpleObject)]
pub struct CreateEventPayload {
    /// The event as stored.
    pub event: Event,
}

/// What `updateEvent` did.
#[derive(SimpleObject)]
pub struct UpdateEventPayload {
    /// The event as stored after the change.
    pub event: Event,
}

/// What `deleteEvent` did.
#[derive(SimpleObject)]
pub struct DeleteEventPayload {
    /// The id of the event deleted.
    pub deleted_id: ID,
}

#[derive(Default)]
pub struct EventMutation;

#[Object]
impl EventMutation {
    /// Adds an event to the agenda, for the caller's organisation (editors) or any
    /// (administrators); logged in the audit log and announced to `eventChanged` subscribers
    /// (`CREATED`). `UNAUTHENTICATED` when anonymous, `FORBIDDEN` (naming the organisation)
    /// for members and other organisations' editors.
    async fn create_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new event.")] input: CreateEventInput,
    ) -> Result<CreateEventPayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let mut fields = input.into_fields().gql()?;
        default_owner(viewer, &mut fields.organiser_id);
        viewer
            .require_editor_of(fields.organiser_id, crate::auth::Task::ChangeEvents)
            .gql()?;
        let changed = input_fields(ctx);
        let model = in_transaction_announcing(ctx, async |txn| {
            let model = record::create::<Events>(txn, fields).await?;
            audit(txn, viewer, Subject::Event, Some(model.id), "create", changed).await?;
            let change = Change::events(EventChangeKind::Created, &[model.id]);
            Ok((model, change))
        })
        .await
        .gql()?;
        Ok(CreateEventPayload {
            event: Event(std::sync::Arc::new(model)),
        })
    }

    /// Changes an event of the caller's organisation (editors) or any (administrators), in
    /// one transaction, logged and announced (`UPDATED`, or `CANCELLED`/`REMOVED` when its
    /// status says so). An event the caller may not see is `NOT_FOUND`; one it sees but may
    /// not change is `FORBIDDEN`, naming the organisation.
    async fn update_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event's id.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateEventInput,
    ) -> Result<UpdateEventPayload> {
        let id = parse_id("id", &id)?;
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let changed = input_fields(ctx);
        let model = in_transaction_announcing(ctx, async |txn| {
            let mut before_status = None;
            let model = record::update::<Events>(
                txn,
                viewer.scope(),
                id,
                |f| input.apply(f),
                |before| {
                    before_status = Some(before.status);
                    viewer.require_editor_of(before.organiser_id, crate::auth::Task::ChangeEvents)
                },
                |after| viewer.require_editor_of(after.organiser_id, crate::auth::Task::ChangeEvents),
            )
            .await?;
            audit(txn, viewer, Subject::Event, Some(id), "update", changed).await?;
            let kind = match model.status {
                s if Some(s) == before_status => EventChangeKind::Updated,
                entity::EventStatus::Cancelled => EventChangeKind::Cancelled,
                entity::EventStatus::RemovedUpstream => EventChangeKind::Removed,
                entity::EventStatus::Scheduled => EventChangeKind::Updated,
            };
            Ok((model, Change::events(kind, &[id])))
        })
        .await
        .gql()?;
        Ok(UpdateEventPayload {
            event: Event(std::sync::Arc::new(model)),
        })
    }

    /// Deletes an event and its experience reports for good (editors of its organisation,
    /// administrators), announced as `REMOVED`. A feed event deleted comes back at the
    /// feed's next pull if the feed still has it: cancel it, or change the feed, instead.
    async fn delete_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event's id.")] id: ID,
    ) -> Result<DeleteEventPayload> {
        let uuid = parse_id("id", &id)?;
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        in_transaction_announcing(ctx, async |txn| {
            let model = record::delete::<Events>(txn, viewer.scope(), uuid, |m| {
                viewer.require_editor_of(m.organiser_id, crate::auth::Task::ChangeEvents)
            })
            .await?;
            audit(txn, viewer, Subject::Event, Some(uuid), "delete", Vec::new()).await?;
            // Its row is gone: the notice carries what decides who may hear of it.
            let facts = EventFacts::from(&model);
            Ok(((), vec![Change::EventDeleted { id: uuid, facts }]))
        })
        .await
        .gql()?;
        Ok(DeleteEventPayload { deleted_id: id })
    }
}
