use crate::store::audit::Subject;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::changes::{Change, EventChangeKind};
use crate::domain::event::{EventChange, EventDraft, EventFields, EventPatch, LocationDraft};
use crate::error::AppResult;
use crate::graphql::enums::{Audience, EventStatus, Region, Visibility, audiences};
use crate::graphql::error::{IntoGql, parse_id};
use crate::graphql::event::Event;
use crate::graphql::exec::viewer;
use crate::graphql::write::{audit, default_owner, in_transaction_announcing, input_fields, opt_id, patch, patch_id};
type Events = entity::event::Entity;
use crate::store::events::EventFacts;
use crate::store::record;

/// Where an event takes place; every field is optional.
#[derive(InputObject, Default)]
pub struct LocationInput {
    pub name: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub departement: Option<String>,
    pub region: Option<Region>,
    pub latitude: Option<f64>,
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

#[derive(InputObject)]
pub struct CreateEventInput {
    pub title: String,
    pub description: Option<String>,
    pub location: Option<LocationInput>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    #[graphql(default = false)]
    pub all_day: bool,
    /// IANA time zone; default `Europe/Paris`.
    pub timezone: Option<String>,
    #[graphql(default = true)]
    pub open_to_public: bool,
    pub url: Option<String>,
    pub author: Option<String>,
    pub organiser_id: Option<ID>,
    pub organiser_name: Option<String>,
    #[graphql(default)]
    pub audiences: Vec<Audience>,
    #[graphql(default)]
    pub tags: Vec<String>,
    #[graphql(default_with = "EventStatus::Scheduled")]
    pub status: EventStatus,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

impl CreateEventInput {
    fn into_fields(self) -> AppResult<EventFields> {
        // The organiser comes after the other fields, as it always has: its id is read once
        // they are checked.
        let organiser_id = opt_id("organiserId", self.organiser_id);
        let draft = EventDraft {
            title: self.title,
            description: self.description,
            location: self.location.map(LocationInput::draft).unwrap_or_default(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            all_day: self.all_day,
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

/// Only the fields given change; `null` clears an optional field. A given `location`
/// replaces the whole location.
#[derive(InputObject)]
pub struct UpdateEventInput {
    pub title: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub location: MaybeUndefined<LocationInput>,
    pub starts_at: MaybeUndefined<DateTime<Utc>>,
    pub ends_at: MaybeUndefined<DateTime<Utc>>,
    pub all_day: MaybeUndefined<bool>,
    pub timezone: MaybeUndefined<String>,
    pub open_to_public: MaybeUndefined<bool>,
    pub url: MaybeUndefined<String>,
    pub author: MaybeUndefined<String>,
    pub organiser_id: MaybeUndefined<ID>,
    pub organiser_name: MaybeUndefined<String>,
    pub audiences: MaybeUndefined<Vec<Audience>>,
    pub tags: MaybeUndefined<Vec<String>>,
    pub status: MaybeUndefined<EventStatus>,
    pub visibility: MaybeUndefined<Visibility>,
}

impl UpdateEventInput {
    fn apply(self, f: &mut EventFields) -> AppResult<()> {
        // The organiser comes after the other fields, as it always has: its id is read once
        // they are checked.
        let organiser_id = patch_id("organiserId", self.organiser_id);
        let change = EventChange::parse(EventPatch {
            title: patch(self.title, Into::into),
            description: patch(self.description, Into::into),
            location: patch(self.location, LocationInput::draft),
            starts_at: patch(self.starts_at, Into::into),
            ends_at: patch(self.ends_at, Into::into),
            all_day: patch(self.all_day, Into::into),
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

#[derive(SimpleObject)]
pub struct CreateEventPayload {
    pub event: Event,
}

#[derive(SimpleObject)]
pub struct UpdateEventPayload {
    pub event: Event,
}

#[derive(SimpleObject)]
pub struct DeleteEventPayload {
    pub deleted_id: ID,
}

#[derive(Default)]
pub struct EventMutation;

#[Object]
impl EventMutation {
    async fn create_event(&self, ctx: &Context<'_>, input: CreateEventInput) -> Result<CreateEventPayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let mut fields = input.into_fields().gql()?;
        default_owner(viewer, &mut fields.organiser_id);
        viewer.require_editor_of(fields.organiser_id).gql()?;
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

    async fn update_event(&self, ctx: &Context<'_>, id: ID, input: UpdateEventInput) -> Result<UpdateEventPayload> {
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
                    viewer.require_editor_of(before.organiser_id)
                },
                |after| viewer.require_editor_of(after.organiser_id),
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

    /// Deletes an event and its experience reports.
    async fn delete_event(&self, ctx: &Context<'_>, id: ID) -> Result<DeleteEventPayload> {
        let uuid = parse_id("id", &id)?;
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        in_transaction_announcing(ctx, async |txn| {
            let model =
                record::delete::<Events>(txn, viewer.scope(), uuid, |m| viewer.require_editor_of(m.organiser_id))
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
