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

/// A new action. Texts are trimmed; a blank optional text is none. The sections are HTML or
/// plain text, each at most 20,000 characters once sanitised (see
/// `CreateEventInput.description`). A field that breaks its rule is refused with
/// `BAD_USER_INPUT` and `extensions.field` naming it.
#[derive(InputObject)]
pub struct CreateActionInput {
    /// The leading organisation's id: the editors' own (administrators: any).
    pub organisation_id: ID,
    /// Its name, one line of 1 to 200 characters.
    pub title: String,
    /// The action in a few lines.
    pub summary: Option<String>,
    /// What prompted it.
    pub findings: Option<String>,
    /// What it sets out to do.
    pub objectives: Option<String>,
    /// What was done.
    pub achievements: Option<String>,
    /// Who took part.
    pub stakeholders: Option<String>,
    /// What stood in the way.
    pub obstacles: Option<String>,
    /// How it was measured.
    pub indicators: Option<String>,
    /// Lessons learnt.
    pub feedback: Option<String>,
    /// The région it takes place in.
    pub region: Option<Region>,
    /// How far it has got; default `PLANNED`.
    #[graphql(default_with = "ActionStatus::Planned")]
    pub status: ActionStatus,
    /// How much it matters; default `MEDIUM`.
    #[graphql(default_with = "Priority::Medium")]
    pub priority: Priority,
    /// Whom it is for (duplicates dropped); default none.
    #[graphql(default)]
    pub audiences: Vec<Audience>,
    /// Free tags: lowercased, duplicates dropped, at most 30 of at most 50 characters.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// How many people it reached: zero or more.
    pub people_reached: Option<i32>,
    /// Who may read it; default `PUBLIC`.
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

/// A change to an action: only the fields given change; `null` clears an optional field and
/// is refused for a required one. Each field follows the rule of its namesake in
/// `CreateActionInput`.
#[derive(InputObject)]
pub struct UpdateActionInput {
    /// The leading organisation (not null; editors: only their own).
    pub organisation_id: MaybeUndefined<ID>,
    /// Its name (not null).
    pub title: MaybeUndefined<String>,
    /// The summary; null removes it.
    pub summary: MaybeUndefined<String>,
    /// What prompted it; null removes it.
    pub findings: MaybeUndefined<String>,
    /// What it sets out to do; null removes it.
    pub objectives: MaybeUndefined<String>,
    /// What was done; null removes it.
    pub achievements: MaybeUndefined<String>,
    /// Who took part; null removes it.
    pub stakeholders: MaybeUndefined<String>,
    /// What stood in the way; null removes it.
    pub obstacles: MaybeUndefined<String>,
    /// How it was measured; null removes it.
    pub indicators: MaybeUndefined<String>,
    /// Lessons learnt; null removes them.
    pub feedback: MaybeUndefined<String>,
    /// The région; null removes it.
    pub region: MaybeUndefined<Region>,
    /// How far it has got (not null).
    pub status: MaybeUndefined<ActionStatus>,
    /// How much it matters (not null).
    pub priority: MaybeUndefined<Priority>,
    /// Whom it is for, replacing the old (not null; `[]` for none).
    pub audiences: MaybeUndefined<Vec<Audience>>,
    /// Tags, replacing the old (not null; `[]` for none).
    pub tags: MaybeUndefined<Vec<String>>,
    /// How many people it reached; null removes the count.
    pub people_reached: MaybeUndefined<i32>,
    /// Who may read it (not null).
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

/// What `createAction` did.
#[derive(SimpleObject)]
pub struct CreateActionPayload {
    /// The action as stored.
    pub action: Action,
}

/// What `updateAction` did.
#[derive(SimpleObject)]
pub struct UpdateActionPayload {
    /// The action as stored after the change.
    pub action: Action,
}

/// What `deleteAction` did.
#[derive(SimpleObject)]
pub struct DeleteActionPayload {
    /// The id of the action deleted.
    pub deleted_id: ID,
}

#[derive(Default)]
pub struct ActionMutation;

#[Object]
impl ActionMutation {
    /// Adds an action for the caller's organisation (editors) or any (administrators),
    /// logged in the audit log. `FORBIDDEN`, naming the organisation, for members and other
    /// organisations' editors.
    async fn create_action(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new record.")] input: CreateActionInput,
    ) -> Result<CreateActionPayload> {
        let viewer = viewer(ctx);
        viewer.require_signed_in().gql()?;
        let fields = input.into_fields().gql()?;
        let model = create_record::<Actions>(ctx, Subject::Action, fields, |v, f| {
            v.require_editor_of(Some(f.organisation_id), crate::auth::Task::ChangeActions)
        })
        .await
        .gql()?;
        Ok(CreateActionPayload {
            action: Action(std::sync::Arc::new(model)),
        })
    }

    /// Changes an action of the caller's organisation (editors) or any (administrators), in
    /// one transaction, logged. An action the caller may not see is `NOT_FOUND`; one it sees
    /// but may not change is `FORBIDDEN`, naming the organisation.
    async fn update_action(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateActionInput,
    ) -> Result<UpdateActionPayload> {
        let id = parse_id("id", &id)?;
        let model = update_record::<Actions>(
            ctx,
            Subject::Action,
            id,
            |f| input.apply(f),
            |v, before| v.require_editor_of(Some(before.organisation_id), crate::auth::Task::ChangeActions),
            |v, after| v.require_editor_of(Some(after.organisation_id), crate::auth::Task::ChangeActions),
        )
        .await
        .gql()?;
        Ok(UpdateActionPayload {
            action: Action(std::sync::Arc::new(model)),
        })
    }

    /// Deletes an action and its experience reports for good (editors of its organisation,
    /// administrators), logged.
    async fn delete_action(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id.")] id: ID,
    ) -> Result<DeleteActionPayload> {
        let uuid = parse_id("id", &id)?;
        delete_record::<Actions>(ctx, Subject::Action, uuid, |v, m| {
            v.require_editor_of(Some(m.organisation_id), crate::auth::Task::ChangeActions)
        })
        .await
        .gql()?;
        Ok(DeleteActionPayload { deleted_id: id })
    }
}
