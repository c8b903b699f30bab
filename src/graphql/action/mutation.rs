use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use crate::domain::validate as v;
use crate::error::AppResult;
use crate::graphql::action::Action;
use crate::graphql::enums::{ActionStatus, Audience, Priority, Region, Visibility, audiences};
use crate::graphql::error::{IntoGql, parse_id};
use crate::graphql::exec::viewer;
use crate::graphql::write::{create_record, delete_record, same, set, set_opt, update_record};
use crate::store::audit::Subject;
type Actions = entity::action::Entity;
use crate::store::actions::ActionFields;

#[derive(InputObject)]
pub struct CreateActionInput {
    pub organisation_id: ID,
    pub title: String,
    pub summary: Option<String>,
    pub findings: Option<String>,
    pub objectives: Option<String>,
    pub achievements: Option<String>,
    pub stakeholders: Option<String>,
    pub obstacles: Option<String>,
    pub indicators: Option<String>,
    pub feedback: Option<String>,
    pub region: Option<Region>,
    #[graphql(default_with = "ActionStatus::Planned")]
    pub status: ActionStatus,
    #[graphql(default_with = "Priority::Medium")]
    pub priority: Priority,
    #[graphql(default)]
    pub audiences: Vec<Audience>,
    #[graphql(default)]
    pub tags: Vec<String>,
    pub people_reached: Option<i32>,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

impl CreateActionInput {
    fn into_fields(self) -> AppResult<ActionFields> {
        Ok(ActionFields {
            organisation_id: crate::graphql::error::parse_id("organisationId", &self.organisation_id)
                .map_err(|_| crate::error::AppError::bad_input("organisationId", "organisationId is not a valid id"))?,
            title: v::text("title", &self.title, v::TITLE_MAX)?,
            summary: v::opt_long_text("summary", self.summary)?,
            findings: v::opt_long_text("findings", self.findings)?,
            objectives: v::opt_long_text("objectives", self.objectives)?,
            achievements: v::opt_long_text("achievements", self.achievements)?,
            stakeholders: v::opt_long_text("stakeholders", self.stakeholders)?,
            obstacles: v::opt_long_text("obstacles", self.obstacles)?,
            indicators: v::opt_long_text("indicators", self.indicators)?,
            feedback: v::opt_long_text("feedback", self.feedback)?,
            region: self.region.map(Into::into),
            status: self.status.into(),
            priority: self.priority.into(),
            audiences: audiences(self.audiences),
            tags: v::tags("tags", self.tags)?,
            people_reached: v::count("peopleReached", self.people_reached)?,
            visibility: self.visibility.into(),
        })
    }
}

/// Only the fields given change; `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateActionInput {
    pub organisation_id: MaybeUndefined<ID>,
    pub title: MaybeUndefined<String>,
    pub summary: MaybeUndefined<String>,
    pub findings: MaybeUndefined<String>,
    pub objectives: MaybeUndefined<String>,
    pub achievements: MaybeUndefined<String>,
    pub stakeholders: MaybeUndefined<String>,
    pub obstacles: MaybeUndefined<String>,
    pub indicators: MaybeUndefined<String>,
    pub feedback: MaybeUndefined<String>,
    pub region: MaybeUndefined<Region>,
    pub status: MaybeUndefined<ActionStatus>,
    pub priority: MaybeUndefined<Priority>,
    pub audiences: MaybeUndefined<Vec<Audience>>,
    pub tags: MaybeUndefined<Vec<String>>,
    pub people_reached: MaybeUndefined<i32>,
    pub visibility: MaybeUndefined<Visibility>,
}

impl UpdateActionInput {
    fn apply(self, f: &mut ActionFields) -> AppResult<()> {
        set("organisationId", &mut f.organisation_id, self.organisation_id, |x| {
            crate::graphql::write::opt_id("organisationId", Some(x)).map(|id| id.unwrap_or_default())
        })?;
        set("title", &mut f.title, self.title, |x| {
            v::text("title", &x, v::TITLE_MAX)
        })?;
        set_opt(&mut f.summary, self.summary, |x| v::opt_long_text("summary", x))?;
        set_opt(&mut f.findings, self.findings, |x| v::opt_long_text("findings", x))?;
        set_opt(&mut f.objectives, self.objectives, |x| {
            v::opt_long_text("objectives", x)
        })?;
        set_opt(&mut f.achievements, self.achievements, |x| {
            v::opt_long_text("achievements", x)
        })?;
        set_opt(&mut f.stakeholders, self.stakeholders, |x| {
            v::opt_long_text("stakeholders", x)
        })?;
        set_opt(&mut f.obstacles, self.obstacles, |x| v::opt_long_text("obstacles", x))?;
        set_opt(&mut f.indicators, self.indicators, |x| {
            v::opt_long_text("indicators", x)
        })?;
        set_opt(&mut f.feedback, self.feedback, |x| v::opt_long_text("feedback", x))?;
        set_opt(&mut f.region, self.region, |x| same(x.map(Into::into)))?;
        set("status", &mut f.status, self.status, |x| Ok(x.into()))?;
        set("priority", &mut f.priority, self.priority, |x| Ok(x.into()))?;
        set("audiences", &mut f.audiences, self.audiences, |x| Ok(audiences(x)))?;
        set("tags", &mut f.tags, self.tags, |x| v::tags("tags", x))?;
        set_opt(&mut f.people_reached, self.people_reached, |x| {
            v::count("peopleReached", x)
        })?;
        set("visibility", &mut f.visibility, self.visibility, |x| Ok(x.into()))?;
        Ok(())
    }
}

#[derive(SimpleObject)]
pub struct CreateActionPayload {
    pub action: Action,
}

#[derive(SimpleObject)]
pub struct UpdateActionPayload {
    pub action: Action,
}

#[derive(SimpleObject)]
pub struct DeleteActionPayload {
    pub deleted_id: ID,
}

#[derive(Default)]
pub struct ActionMutation;

#[Object]
impl ActionMutation {
    async fn create_action(&self, ctx: &Context<'_>, input: CreateActionInput) -> Result<CreateActionPayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let fields = input.into_fields().gql()?;
        let model = create_record::<Actions>(ctx, Subject::Action, fields, |v, f| {
            v.require_editor_of(Some(f.organisation_id))
        })
        .await
        .gql()?;
        Ok(CreateActionPayload {
            action: Action(std::sync::Arc::new(model)),
        })
    }

    async fn update_action(&self, ctx: &Context<'_>, id: ID, input: UpdateActionInput) -> Result<UpdateActionPayload> {
        let id = parse_id("id", &id)?;
        let model = update_record::<Actions>(
            ctx,
            Subject::Action,
            id,
            |f| input.apply(f),
            |v, before| v.require_editor_of(Some(before.organisation_id)),
            |v, after| v.require_editor_of(Some(after.organisation_id)),
        )
        .await
        .gql()?;
        Ok(UpdateActionPayload {
            action: Action(std::sync::Arc::new(model)),
        })
    }

    /// Deletes an action and its experience reports.
    async fn delete_action(&self, ctx: &Context<'_>, id: ID) -> Result<DeleteActionPayload> {
        let uuid = parse_id("id", &id)?;
        delete_record::<Actions>(ctx, Subject::Action, uuid, |v, m| {
            v.require_editor_of(Some(m.organisation_id))
        })
        .await
        .gql()?;
        Ok(DeleteActionPayload { deleted_id: id })
    }
}
