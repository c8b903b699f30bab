use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::enums::{ActionStatus, Audience, ExperienceReportOrderBy, Priority, Region, Visibility, audiences_out};
use super::filters::ExperienceReportFilter;
use super::organisation::Organisation;
use super::report::ExperienceReportConnection;
use super::{connection::connection, page_args};
use crate::error::AppError;
use crate::graphql::error::{IntoGql, to_gql};
use crate::graphql::loaders::{loaders, nested_page};

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
    #[graphql(complexity = "super::page_cost(first, last, child_complexity)")]
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
        let l = loaders(ctx);
        let filter = super::scoped_filter(ctx, filter);
        let (page, count) = nested_page(
            &l.action_reports,
            &l.action_reports_count,
            self.0.id,
            filter,
            order_by.into(),
            page_args(ctx, first, after, last, before),
        )
        .await
        .gql()?;
        Ok(ExperienceReportConnection { page, count })
    }
}
