use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use crate::domain::action::{ActionChange, ActionDraft, ActionFields, ActionPatch};
use crate::error::AppResult;
use crate::graphql::action::Action;
use crate::graphql::enums::{ActionStatus, Audience, Priority, Region, Visibility, audiences};
use crate::graphql::error::{IntoGql, parse_id};
use crate::graphql::exec::viewer;
use crate::graphql::write::{create_record, delete_record, patch, patch_id, update_record};
use crate::store::audit::Subject;
type Actions = entity::action::Entity;

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
        let draft = ActionDraft {
            organisation_id: crate::graphql::error::parse_id("organisationId", &self.organisation_id)
                .map_err(|_| crate::error::AppError::bad_input("organisationId", "organisationId is not a valid id"))?,
            title: self.title,
            summary: self.summary,
            findings: self.findings,
            objectives: self.objectives,
            achievements: self.achievements,
            stakeholders: self.stakeholders,
            obstacles: self.obstacles,
            indicators: self.indicators,
            feedback: self.feedback,
            region: self.region.map(Into::into),
            status: self.status.into(),
            priority: self.priority.into(),
            audiences: audiences(self.audiences),
            tags: self.tags,
            people_reached: self.people_reached,
            visibility: self.visibility.into(),
        };
        Ok(ActionFields::parse(draft)?)
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
        let change = ActionChange::parse(ActionPatch {
            organisation_id: patch_id("organisationId", self.organisation_id)?,
            title: patch(self.title, Into::into),
            summary: patch(self.summary, Into::into),
            findings: patch(self.findings, Into::into),
            objectives: patch(self.objectives, Into::into),
            achievements: patch(self.achievements, Into::into),
            stakeholders: patch(self.stakeholders, Into::into),
            obstacles: patch(self.obstacles, Into::into),
            indicators: patch(self.indicators, Into::into),
            feedback: patch(self.feedback, Into::into),
            region: patch(self.region, Into::into),
            status: patch(self.status, Into::into),
            priority: patch(self.priority, Into::into),
            audiences: patch(self.audiences, audiences),
            tags: patch(self.tags, Into::into),
            people_reached: patch(self.people_reached, Into::into),
            visibility: patch(self.visibility, Into::into),
        })?;
        change.apply(f);
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
