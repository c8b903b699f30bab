//! Experience reports (REX) on actions and events.

pub mod mutation;

use crate::graphql::scalars::{Date, DateTime};
use async_graphql::{Context, ID, InputObject, Object, Result};

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

/// An experience report (« retour d'expérience », REX) on an action or an event: what a
/// partner saw, how many people came, how well it went. A report is read by whoever may read
/// its action or event; its author (a signed-in person) and administrators change it.
#[Object]
impl ExperienceReport {
    /// The report's id (a UUID).
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
    /// The kit loan reported on (a borrower's « retour »), or null when the report is about
    /// an action or an event.
    async fn kit_loan(&self, ctx: &Context<'_>) -> Result<Option<KitLoan>> {
        let Some(id) = self.0.kit_loan_id else { return Ok(None) };
        Ok(loaders(ctx).kit_loans.load_one(id).await.gql()?.map(KitLoan))
    }
    /// Who reports, as they sign (one line of at most 200 characters).
    async fn author(&self) -> &str {
        &self.0.author
    }
    /// The report: an HTML fragment or plain text under the hub's one rule for long texts
    /// (see `Event.description`).
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// How well it went, from 1 (poor) to 5 (excellent); null when not rated.
    async fn rating(&self) -> Option<i32> {
        self.0.rating.map(i32::from)
    }
    /// How many people it reached, as the author counts them; null when not counted.
    async fn people_reached(&self) -> Option<i32> {
        self.0.people_reached
    }
    /// The day the report speaks of.
    async fn reported_on(&self) -> Date {
        self.0.reported_on.into()
    }
    /// When the hub first stored it.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

/// What a list of experience reports can be narrowed to; the conditions given all apply.
#[derive(InputObject, Default)]
pub struct ExperienceReportFilter {
    /// Reports on this action (its id). An id that is not a UUID matches nothing.
    pub action_id: Option<ID>,
    /// Reports on this event (its id). An id that is not a UUID matches nothing.
    pub event_id: Option<ID>,
    /// Reports on this kit loan (its id). An id that is not a UUID matches nothing.
    pub kit_loan_id: Option<ID>,
    /// Reports dated on or after this day.
    pub reported_after: Option<Date>,
    /// Reports dated before this day.
    pub reported_before: Option<Date>,
}

impl From<ExperienceReportFilter> for store::experience_reports::ExperienceReportFilter {
    fn from(f: ExperienceReportFilter) -> Self {
        Self {
            scope: Default::default(),
            action_id: id_filter(f.action_id),
            event_id: id_filter(f.event_id),
            kit_loan_id: id_filter(f.kit_loan_id),
            reported_after: f.reported_after.map(|d| d.0),
            reported_before: f.reported_before.map(|d| d.0),
        }
    }
}

#[derive(Default)]
pub struct ExperienceReportQuery;

#[Object]
impl ExperienceReportQuery {
    /// One experience report, by id; null when there is none, or the caller may not see it.
    async fn experience_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report's id (a UUID; `BAD_USER_INPUT` otherwise).")] id: ID,
    ) -> Result<Option<ExperienceReport>> {
        let id = parse_id("id", &id)?;
        Ok(loaders(ctx)
            .experience_reports
            .load_one(id)
            .await
            .gql()?
            .map(ExperienceReport))
    }

    /// The experience reports the caller may see (those on actions and events it may see),
    /// latest report date first by default.
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
        let filter: store::experience_reports::ExperienceReportFilter = scoped(ctx, filter);
        root_list(ctx, filter, order_by.into(), page_args(ctx, first, after, last, before)).await
    }
}
