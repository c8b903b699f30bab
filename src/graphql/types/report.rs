use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};

use super::action::Action;
use super::connection::connection;
use super::event::Event;
use crate::graphql::error::IntoGql;
use crate::graphql::loaders::loaders;

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
