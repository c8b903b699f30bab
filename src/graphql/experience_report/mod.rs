//! Experience reports (REX) on actions and events.

pub mod mutation;

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};

use super::action::Action;
use super::connection::{connection, id_filter, page_args, root_list, scoped};
use super::enums::ExperienceReportOrderBy;
use super::event::Event;
use super::kit::KitLoan;
use crate::graphql::error::IntoGql;
use crate::graphql::error::parse_id;
use crate::graphql::loaders::loaders;
use crate::store;

/// An experience report (REX) on an action or an event.
#[derive(Clone)]
pub struct ExperienceReport(pub std::sync::Arc<entity::experience_report::Model>);

connection!(
    ExperienceReportConnection,
    ExperienceReportEdge,
    ExperienceReport,
    entity::experience_report::Model
);

#[Object]
impl ExperienceReport {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The action reported on (or null when the report is about an event).
    async fn action(&self, ctx: &Context<'_>) -> Result<Option<Action>> {
        let Some(id) = self.0.action_id else { return Ok(None) };
        Ok(loaders(ctx).actions.load_one(id).await.gql()?.map(Action))
    }
    /// The event reported on (or null when the report is about an action).
    async fn event(&self, ctx: &Context<'_>) -> Result<Option<Event>> {
        let Some(id) = self.0.event_id else { return Ok(None) };
        Ok(loaders(ctx).events.load_one(id).await.gql()?.map(Event))
    }
    /// The kit loan reported on (a borrower's « retour »), or null.
    async fn kit_loan(&self, ctx: &Context<'_>) -> Result<Option<KitLoan>> {
        let Some(id) = self.0.kit_loan_id else { return Ok(None) };
        Ok(loaders(ctx).kit_loans.load_one(id).await.gql()?.map(KitLoan))
    }
    async fn author(&self) -> &str {
        &self.0.author
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// From 1 (poor) to 5 (excellent).
    async fn rating(&self) -> Option<i32> {
        self.0.rating.map(i32::from)
    }
    async fn people_reached(&self) -> Option<i32> {
        self.0.people_reached
    }
    async fn reported_on(&self) -> NaiveDate {
        self.0.reported_on
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(InputObject, Default)]
pub struct ExperienceReportFilter {
    pub action_id: Option<ID>,
    pub event_id: Option<ID>,
    pub kit_loan_id: Option<ID>,
    /// Reports dated on or after this day.
    pub reported_after: Option<NaiveDate>,
    /// Reports dated before this day.
    pub reported_before: Option<NaiveDate>,
}

impl From<ExperienceReportFilter> for store::experience_reports::ExperienceReportFilter {
    fn from(f: ExperienceReportFilter) -> Self {
        Self {
            scope: Default::default(),
            action_id: id_filter(f.action_id),
            event_id: id_filter(f.event_id),
            kit_loan_id: id_filter(f.kit_loan_id),
            reported_after: f.reported_after,
            reported_before: f.reported_before,
        }
    }
}

#[derive(Default)]
pub struct ExperienceReportQuery;

#[Object]
impl ExperienceReportQuery {
    async fn experience_report(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ExperienceReport>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx)
            .experience_reports
            .load_one(id)
            .await
            .gql()?
            .map(ExperienceReport))
    }

    /// Experience reports, by default most recent first.
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
        let filter: store::experience_reports::ExperienceReportFilter = scoped(ctx, filter);
        root_list(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await
    }
}
