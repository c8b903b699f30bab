//! `indicators(filter, groupBy)`: what the records the caller may see add up to, grouped, as
//! `domain::indicators` defines each figure (people reached counted once).

use crate::graphql::scalars::Date;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};

use super::enums::{ActionStatus, Audience, Region, ResourceKind};
use super::organisation::Organisation;
use crate::domain::indicators::{Dimension, Figures, GroupKey, Grouping, IndicatorFilter as Filter};
use crate::graphql::error::IntoGql;
use crate::graphql::exec::{db, viewer};
use crate::graphql::loaders::loaders;
use crate::graphql::write::opt_id;
use crate::store;

/// What indicators are grouped by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndicatorDimension {
    /// An action's or event's région; a resource's organisation's; a kit loan's borrower's.
    Region,
    /// An action's organisation, an event's organiser, a resource's organisation, a kit
    /// loan's lender.
    Organisation,
    /// Each audience the record reaches (a record with two counts in both).
    Audience,
    /// The record's year (Europe/Paris).
    Year,
    /// The record's year and month.
    Month,
    /// The action's status (actions and reports on them).
    ActionStatus,
    /// The resource's kind (resources, kit loans and reports on loans).
    ResourceKind,
}

impl From<IndicatorDimension> for Dimension {
    fn from(d: IndicatorDimension) -> Self {
        match d {
            IndicatorDimension::Region => Dimension::Region,
            IndicatorDimension::Organisation => Dimension::Organisation,
            IndicatorDimension::Audience => Dimension::Audience,
            IndicatorDimension::Year => Dimension::Year,
            IndicatorDimension::Month => Dimension::Month,
            IndicatorDimension::ActionStatus => Dimension::ActionStatus,
            IndicatorDimension::ResourceKind => Dimension::ResourceKind,
        }
    }
}

/// What indicators count. Lists narrow to records with one of their values; dates are days
/// in Europe/Paris, both included.
#[derive(InputObject, Default)]
pub struct IndicatorFilter {
    /// Records of one of these organisations (ids; `BAD_USER_INPUT` for one that is not a
    /// UUID), as `IndicatorDimension.ORGANISATION` reads a record's organisation.
    pub organisation_ids: Option<Vec<ID>>,
    /// Records in one of these régions, as `IndicatorDimension.REGION` reads a record's.
    pub regions: Option<Vec<Region>>,
    /// Records reaching one of these audiences.
    pub audiences: Option<Vec<Audience>>,
    /// The first day counted.
    pub from: Option<Date>,
    /// The last day counted.
    pub until: Option<Date>,
}

impl IndicatorFilter {
    fn parse(self) -> crate::error::AppResult<Filter> {
        let mut organisation_ids = Vec::new();
        for id in self.organisation_ids.unwrap_or_default() {
            organisation_ids.extend(opt_id("organisationIds", Some(id))?);
        }
        Ok(Filter::parse(Filter {
            organisation_ids,
            regions: self.regions.unwrap_or_default().into_iter().map(Into::into).collect(),
            audiences: self.audiences.unwrap_or_default().into_iter().map(Into::into).collect(),
            from: self.from.map(|d| d.0),
            until: self.until.map(|d| d.0),
        })?)
    }
}

/// The figures of one group. A dimension that was not grouped by, or that the group's records
/// do not have, is null.
pub struct IndicatorRow(GroupKey, Figures);

/// The figures of one group: its values of the dimensions grouped by, then the counts.
#[Object]
impl IndicatorRow {
    /// The group's région; null when not grouped by, or for records without one.
    async fn region(&self) -> Option<Region> {
        self.0.region.map(Into::into)
    }
    /// Null when not grouped by, or when the organisation is gone.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.organisation else { return Ok(None) };
        Ok(loaders(ctx).organisations.load_one(id).await.gql()?.map(Organisation))
    }
    /// The group's audience; null when not grouped by, or for records without one.
    async fn audience(&self) -> Option<Audience> {
        self.0.audience.map(Into::into)
    }
    /// The group's year (Paris time); null when not grouped by year or month.
    async fn year(&self) -> Option<i32> {
        self.0.year
    }
    /// 1 to 12 (with `year`).
    async fn month(&self) -> Option<i32> {
        self.0.month.and_then(|m| i32::try_from(m).ok())
    }
    /// The group's action status; null when not grouped by, or for records of no action.
    async fn action_status(&self) -> Option<ActionStatus> {
        self.0.action_status.map(Into::into)
    }
    /// The group's resource kind; null when not grouped by, or for records of no resource.
    async fn resource_kind(&self) -> Option<ResourceKind> {
        self.0.resource_kind.map(Into::into)
    }
    /// People reached, each counted once: an action's own figure when it has one (its
    /// reports' figures being parts of it), else the figures of the reports on it; and the
    /// figures of the reports on events and on kit loans.
    async fn people_reached(&self) -> i64 {
        self.1.people_reached
    }
    /// Actions counted.
    async fn actions(&self) -> i64 {
        self.1.actions
    }
    /// Events held, upcoming and cancelled (events removed from their feed are left out).
    async fn events(&self) -> i64 {
        self.1.events()
    }
    /// Scheduled events that have started.
    async fn events_held(&self) -> i64 {
        self.1.events_held
    }
    /// Scheduled events yet to start.
    async fn events_upcoming(&self) -> i64 {
        self.1.events_upcoming
    }
    /// Cancelled events.
    async fn events_cancelled(&self) -> i64 {
        self.1.events_cancelled
    }
    /// Experience reports counted.
    async fn experience_reports(&self) -> i64 {
        self.1.experience_reports
    }
    /// The mean rating (1 to 5) of the rated reports, null when none is rated.
    async fn mean_rating(&self) -> Option<f64> {
        self.1.mean_rating()
    }
    /// Experience reports with a rating.
    async fn rated_reports(&self) -> i64 {
        self.1.rating_count
    }
    /// Resources counted.
    async fn resources(&self) -> i64 {
        self.1.resources
    }
    /// Resources free of rights.
    async fn resources_free_of_rights(&self) -> i64 {
        self.1.resources_free_of_rights
    }
    /// Resources not free of rights.
    async fn resources_not_free_of_rights(&self) -> i64 {
        self.1.resources_not_free()
    }
    /// Kit loans confirmed, out or returned.
    async fn kit_loans(&self) -> i64 {
        self.1.kit_loans
    }
    /// Their days away (`until - from`, summed).
    async fn loan_days(&self) -> i64 {
        self.1.loan_days
    }
}

#[derive(Default)]
pub struct IndicatorQuery;

#[Object]
impl IndicatorQuery {
    /// The indicators of the records the caller may see (the visibility policy of every
    /// list), grouped by up to three dimensions (none: one row of totals). Computed by the
    /// database; at most 5,000 groups. Also served as `/indicators.csv` and `/indicators.svg`.
    #[graphql(complexity = 500)]
    async fn indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "What is counted (the conditions given all apply); left out, every record the caller may see."
        )]
        filter: Option<IndicatorFilter>,
        #[graphql(default, desc = "Up to three dimensions to group by; none: one row of totals.")] group_by: Vec<
            IndicatorDimension,
        >,
    ) -> Result<Vec<IndicatorRow>> {
        let filter = filter.unwrap_or_default().parse().gql()?;
        let grouping = Grouping::parse(group_by.into_iter().map(Into::into).collect()).gql()?;
        let rows = store::indicators::compute(db(ctx), viewer(ctx).scope(), &filter, &grouping, store::now())
            .await
            .gql()?;
        Ok(rows.into_iter().map(|(k, f)| IndicatorRow(k, f)).collect())
    }
}
