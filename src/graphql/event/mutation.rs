use crate::store::audit::Subject;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::changes::{Change, EventChangeKind};
use crate::domain::validate as v;
use crate::error::AppResult;
use crate::graphql::enums::{Audience, EventStatus, Region, Visibility, audiences};
use crate::graphql::error::{IntoGql, parse_id};
use crate::graphql::event::Event;
use crate::graphql::exec::viewer;
use crate::graphql::write::{
    audit, default_owner, in_transaction_announcing, input_fields, opt_id, same, set, set_opt,
};
type Events = entity::event::Entity;
use crate::store::events::{EventFacts, EventFields};
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
    fn write(self, f: &mut EventFields) -> AppResult<()> {
        f.location_name = v::opt_text("location.name", self.name, v::TITLE_MAX)?;
        f.address = v::opt_text("location.address", self.address, 300)?;
        f.postal_code = v::opt_postal_code("location.postalCode", self.postal_code)?;
        f.city = v::opt_text("location.city", self.city, v::TITLE_MAX)?;
        f.departement = v::opt_departement("location.departement", self.departement)?;
        f.region = self.region.map(Into::into);
        f.latitude = v::latitude("location.latitude", self.latitude)?;
        f.longitude = v::longitude("location.longitude", self.longitude)?;
        if f.latitude.is_some() != f.longitude.is_some() {
            return Err(crate::error::AppError::bad_input(
                "location.longitude",
                "give both latitude and longitude, or neither",
            ));
        }
        Ok(())
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
        let mut f = EventFields {
            title: v::text("title", &self.title, v::TITLE_MAX)?,
            description: v::opt_long_text("description", self.description)?,
            location_name: None,
            address: None,
            postal_code: None,
            city: None,
            departement: None,
            region: None,
            latitude: None,
            longitude: None,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            all_day: self.all_day,
            timezone: v::timezone("timezone", self.timezone.as_deref().unwrap_or("Europe/Paris"))?,
            open_to_public: self.open_to_public,
            url: v::opt_url("url", self.url)?,
            author: v::opt_text("author", self.author, v::TITLE_MAX)?,
            organiser_id: opt_id("organiserId", self.organiser_id)?,
            organiser_name: v::opt_text("organiserName", self.organiser_name, v::TITLE_MAX)?,
            audiences: audiences(self.audiences),
            tags: v::tags("tags", self.tags)?,
            status: self.status.into(),
            visibility: self.visibility.into(),
        };
        self.location.unwrap_or_default().write(&mut f)?;
        Ok(f)
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
        set("title", &mut f.title, self.title, |x| {
            v::text("title", &x, v::TITLE_MAX)
        })?;
        set_opt(&mut f.description, self.description, |x| {
            v::opt_long_text("description", x)
        })?;
        match self.location {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => LocationInput::default().write(f)?,
            MaybeUndefined::Value(l) => l.write(f)?,
        }
        set("startsAt", &mut f.starts_at, self.starts_at, same)?;
        set_opt(&mut f.ends_at, self.ends_at, same)?;
        set("allDay", &mut f.all_day, self.all_day, same)?;
        set("timezone", &mut f.timezone, self.timezone, |x| {
            v::timezone("timezone", &x)
        })?;
        set("openToPublic", &mut f.open_to_public, self.open_to_public, same)?;
        set_opt(&mut f.url, self.url, |x| v::opt_url("url", x))?;
        set_opt(&mut f.author, self.author, |x| v::opt_text("author", x, v::TITLE_MAX))?;
        set_opt(&mut f.organiser_id, self.organiser_id, |x| opt_id("organiserId", x))?;
        set_opt(&mut f.organiser_name, self.organiser_name, |x| {
            v::opt_text("organiserName", x, v::TITLE_MAX)
        })?;
        set("audiences", &mut f.audiences, self.audiences, |x| Ok(audiences(x)))?;
        set("tags", &mut f.tags, self.tags, |x| v::tags("tags", x))?;
        set("status", &mut f.status, self.status, |x| Ok(x.into()))?;
        set("visibility", &mut f.visibility, self.visibility, |x| Ok(x.into()))?;
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
