//! Actions: what partners run to bring girls and women into technical careers.

pub mod mutation;

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

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

#[Object]
impl Action {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Organisation> {
        loaders(ctx)
            .organisations
            .load_one(self.0.organisation_id)
            .await
            .gql()?
            .map(Organisation)
            .ok_or_else(|| to_gql(AppError::NotFound("organisation")))
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }
    /// What prompted the action ("Constat").
    async fn findings(&self) -> Option<&str> {
        self.0.findings.as_deref()
    }
    async fn objectives(&self) -> Option<&str> {
        self.0.objectives.as_deref()
    }
    /// What was done ("Réalisations").
    async fn achievements(&self) -> Option<&str> {
        self.0.achievements.as_deref()
    }
    async fn stakeholders(&self) -> Option<&str> {
        self.0.stakeholders.as_deref()
    }
    async fn obstacles(&self) -> Option<&str> {
        self.0.obstacles.as_deref()
    }
    async fn indicators(&self) -> Option<&str> {
        self.0.indicators.as_deref()
    }
    /// Lessons learnt ("Retours").
    async fn feedback(&self) -> Option<&str> {
        self.0.feedback.as_deref()
    }
    async fn region(&self) -> Option<Region> {
        self.0.region.map(Into::into)
    }
    async fn status(&self) -> ActionStatus {
        self.0.status.into()
    }
    async fn priority(&self) -> Priority {
        self.0.priority.into()
    }
    async fn audiences(&self) -> Vec<Audience> {
        audiences_out(&self.0.audiences)
    }
    async fn tags(&self) -> &[String] {
        &self.0.tags.0
    }
    async fn people_reached(&self) -> Option<i32> {
        self.0.people_reached
    }
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Experience reports on this action.
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
            &loaders(ctx).action_experience_reports,
            self.0.id,
            filter,
            order_by.into(),
            args,
        )
        .await
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

#[derive(Default)]
pub struct ActionQuery;

#[Object]
impl ActionQuery {
    async fn action(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Action>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx).actions.load_one(id).await.gql()?.map(Action))
    }

    /// Actions, by default newest first.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn actions(
        &self,
        ctx: &Context<'_>,
        filter: Option<ActionFilter>,
        #[graphql(default_with = "ActionOrderBy::CreatedAtDesc")] order_by: ActionOrderBy,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ActionConnection> {
        let filter: store::actions::ActionFilter = scoped(ctx, filter);
        root_list(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await
    }
}
