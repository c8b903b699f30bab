//! Actions: what partners run to bring girls and women into technical careers.

pub mod mutation;

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, InputObject, Object, Result};

use super::connection::{connection, id_filter, nested_list, page_args, root_list, scoped};
use super::enums::{
    ActionOrderBy, ActionStatus, Audience, ExperienceReportOrderBy, Priority, Region, Visibility, audiences_out,
};
use super::experience_report::ExperienceReportConnection;
use super::experience_report::ExperienceReportFilter;
use super::organisation::Organisation;
use crate::error::AppError;
use crate::graphql::error::parse_id;
use crate::graphql::error::{IntoGql, to_gql};
use crate::graphql::loaders::loaders;
use crate::store;

/// An initiative, as the partners' fiches describe it: findings, objectives, achievements…
#[derive(Clone)]
pub struct Action(pub std::sync::Arc<entity::action::Model>);

connection!(ActionConnection, ActionEdge, Action, entity::action::Model);

/// An initiative, as the partners' fiches describe it: what prompted it, its objectives,
/// what was done, with whom, what stood in the way, how it was measured and what was learnt.
/// Who may read it follows its `visibility` and its organisation; that organisation's editors
/// change it. Each section is an HTML fragment or plain text under the hub's one rule for
/// long texts (see `Event.description`), null when empty.
#[Object]
impl Action {
    /// The action's id (a UUID).
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The organisation that leads it (every action has one).
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Organisation> {
        loaders(ctx)
            .organisations
            .load_one(self.0.organisation_id)
            .await
            .gql()?
            .map(Organisation)
            .ok_or_else(|| to_gql(AppError::NotFound("organisation")))
    }
    /// Its name, one line of at most 200 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The action in a few lines (« Résumé »).
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }
    /// What prompted the action (« Constat »).
    async fn findings(&self) -> Option<&str> {
        self.0.findings.as_deref()
    }
    /// What it set out to do (« Objectifs »).
    async fn objectives(&self) -> Option<&str> {
        self.0.objectives.as_deref()
    }
    /// What was done (« Réalisations »).
    async fn achievements(&self) -> Option<&str> {
        self.0.achievements.as_deref()
    }
    /// Who took part (« Parties prenantes »).
    async fn stakeholders(&self) -> Option<&str> {
        self.0.stakeholders.as_deref()
    }
    /// What stood in the way (« Freins »).
    async fn obstacles(&self) -> Option<&str> {
        self.0.obstacles.as_deref()
    }
    /// How it was measured (« Indicateurs »).
    async fn indicators(&self) -> Option<&str> {
        self.0.indicators.as_deref()
    }
    /// Lessons learnt (« Retours »).
    async fn feedback(&self) -> Option<&str> {
        self.0.feedback.as_deref()
    }
    /// The région it takes place in; null when national or not said.
    async fn region(&self) -> Option<Region> {
        self.0.region.map(Into::into)
    }
    /// How far it has got.
    async fn status(&self) -> ActionStatus {
        self.0.status.into()
    }
    /// How much it matters to its organisation.
    async fn priority(&self) -> Priority {
        self.0.priority.into()
    }
    /// Whom it is for; empty when not said.
    async fn audiences(&self) -> Vec<Audience> {
        audiences_out(&self.0.audiences)
    }
    /// Free tags, lowercase, each at most 50 characters (at most 30 tags).
    async fn tags(&self) -> &[String] {
        &self.0.tags.0
    }
    /// How many people it reached, as its organisation counts them; null when not counted.
    async fn people_reached(&self) -> Option<i32> {
        self.0.people_reached
    }
    /// Who may read it.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// When the hub first stored it.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }

    /// Experience reports on this action that the caller may see (they follow the action's
    /// visibility), latest report date first by default.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn experience_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<ExperienceReportFilter>,
        #[graphql(
            default_with = "ExperienceReportOrderBy::ReportedOnDesc",
            desc = "The order of the list."
        )]
        order_by: ExperienceReportOrderBy,
        #[graphql(
            desc = "How many records to return from the start of the list (after `after`): 0 to 100; 20 when neither `first` nor `last` is given. Not with `last`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.endCursor`, or an edge's `cursor`): the page starts after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many records to return from the end of the list (before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.startCursor`): the page ends before it."
        )]
        before: Option<String>,
    ) -> Result<ExperienceReportConnection> {
        let filter = scoped(ctx, filter);
        let args = page_args(ctx, first, after, last, before);
        nested_list(
            &loaders(ctx).action_experience_reports,
            self.0.id,
            filter,
            order_by.into(),
            args,
        )
        .await
    }
}

/// What a list of actions can be narrowed to; the conditions given all apply.
#[derive(InputObject, Default)]
pub struct ActionFilter {
    /// Actions this organisation leads (its id). An id that is not a UUID matches nothing.
    pub organisation_id: Option<ID>,
    /// Actions in this région.
    pub region: Option<Region>,
    /// Actions with this status.
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

#[derive(Default)]
pub struct ActionQuery;

#[Object]
impl ActionQuery {
    /// One action, by id; null when there is none, or the caller may not see it.
    async fn action(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The action's id (a UUID; `BAD_USER_INPUT` otherwise).")] id: ID,
    ) -> Result<Option<Action>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx).actions.load_one(id).await.gql()?.map(Action))
    }

    /// The actions the caller may see (anonymous callers: `PUBLIC` ones), newest first by
    /// default.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn actions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Narrows the list (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<ActionFilter>,
        #[graphql(default_with = "ActionOrderBy::CreatedAtDesc", desc = "The order of the list.")]
        order_by: ActionOrderBy,
        #[graphql(
            desc = "How many records to return from the start of the list (after `after`): 0 to 100; 20 when neither `first` nor `last` is given. Not with `last`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.endCursor`, or an edge's `cursor`): the page starts after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many records to return from the end of the list (before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "The cursor of a record of this list in this order (`pageInfo.startCursor`): the page ends before it."
        )]
        before: Option<String>,
    ) -> Result<ActionConnection> {
        let filter: store::actions::ActionFilter = scoped(ctx, filter);
        root_list(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await
    }
}
