//! Experience reports (REX) on actions and events.

use chrono::NaiveDate;
use entity::experience_report::{ActiveModel, Column as C, Entity as ExperienceReports, Model};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use super::list::{Filter, Relation};
use super::page::{self, listed, sort_keys};
use super::record::{WriteFields, record};
pub use crate::domain::experience_report::{ExperienceReportFields, ExperienceReportSubject};
use crate::error::{AppError, AppResult};
use sea_orm::DatabaseBackend;

// A report is visible when the action, event or kit loan it is about is.
listed!(ExperienceReports, C::Id, |scope| match scope {
    super::Scope::All => Condition::all(),
    scope => Condition::any()
        .add(
            C::ActionId.in_subquery(
                entity::action::Entity::find()
                    .select_only()
                    .column(entity::action::Column::Id)
                    .filter(<entity::action::Entity as page::Listed>::visible(scope))
                    .into_query(),
            )
        )
        .add(
            C::EventId.in_subquery(
                entity::event::Entity::find()
                    .select_only()
                    .column(entity::event::Column::Id)
                    .filter(<entity::event::Entity as page::Listed>::visible(scope))
                    .into_query(),
            )
        )
        .add(
            C::KitLoanId.in_subquery(
                entity::kit_loan::Entity::find()
                    .select_only()
                    .column(entity::kit_loan::Column::Id)
                    .filter(<entity::kit_loan::Entity as page::Listed>::visible(scope))
                    .into_query(),
            )
        ),
});

sort_keys!(ExperienceReportSort for ExperienceReports, m {
    ReportedOnAsc => C::ReportedOn, false, Date, m.reported_on;
    ReportedOnDesc => C::ReportedOn, true, Date, m.reported_on;
    CreatedAtAsc => C::CreatedAt, false, Time, m.created_at;
    CreatedAtDesc => C::CreatedAt, true, Time, m.created_at;
});

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ExperienceReportFilter {
    /// What the caller may see.
    pub scope: super::Scope,
    pub action_id: Option<Uuid>,
    pub event_id: Option<Uuid>,
    pub kit_loan_id: Option<Uuid>,
    pub reported_after: Option<NaiveDate>,
    pub reported_before: Option<NaiveDate>,
}

/// The reports on each action.
pub const BY_ACTION: Relation<ExperienceReportFilter> = Relation::new(C::ActionId, |m: &Model| m.action_id);
/// The reports on each event.
pub const BY_EVENT: Relation<ExperienceReportFilter> = Relation::new(C::EventId, |m: &Model| m.event_id);
/// The reports on each kit loan.
pub const BY_KIT_LOAN: Relation<ExperienceReportFilter> = Relation::new(C::KitLoanId, |m: &Model| m.kit_loan_id);

impl Filter for ExperienceReportFilter {
    type Entity = ExperienceReports;
    type Sort = ExperienceReportSort;

    fn scoped(self, scope: super::Scope) -> Self {
        ExperienceReportFilter { scope, ..self }
    }

    fn condition(&self, _backend: DatabaseBackend) -> Condition {
        let mut cond = Condition::all().add(<ExperienceReports as page::Listed>::visible(self.scope));
        if let Some(v) = self.action_id {
            cond = cond.add(C::ActionId.eq(v));
        }
        if let Some(v) = self.event_id {
            cond = cond.add(C::EventId.eq(v));
        }
        if let Some(v) = self.kit_loan_id {
            cond = cond.add(C::KitLoanId.eq(v));
        }
        if let Some(v) = self.reported_after {
            cond = cond.add(C::ReportedOn.gte(v));
        }
        if let Some(v) = self.reported_before {
            cond = cond.add(C::ReportedOn.lt(v));
        }
        cond
    }
}

impl WriteFields<ActiveModel> for ExperienceReportFields {
    fn write(self, am: &mut ActiveModel) {
        let (action, event, loan) = match self.subject {
            ExperienceReportSubject::Action(a) => (Some(a), None, None),
            ExperienceReportSubject::Event(e) => (None, Some(e), None),
            ExperienceReportSubject::KitLoan(l) => (None, None, Some(l)),
        };
        am.action_id = Set(action);
        am.event_id = Set(event);
        am.kit_loan_id = Set(loan);
        am.author_user_id = Set(self.author_user_id);
        am.author = Set(self.author);
        am.text = Set(self.text);
        am.rating = Set(self.rating);
        am.people_reached = Set(self.people_reached);
        am.reported_on = Set(self.reported_on);
    }
}

async fn ensure_subject(db: &impl ConnectionTrait, subject: ExperienceReportSubject) -> AppResult<()> {
    let found = match subject {
        ExperienceReportSubject::Action(id) => entity::action::Entity::find_by_id(id).count(db).await?,
        ExperienceReportSubject::Event(id) => entity::event::Entity::find_by_id(id).count(db).await?,
        ExperienceReportSubject::KitLoan(id) => entity::kit_loan::Entity::find_by_id(id).count(db).await?,
    };
    if found == 0 {
        let field = subject.field();
        return Err(AppError::bad_input(field, format!("{field} names no record")));
    }
    Ok(())
}

record!(
    ExperienceReports,
    ExperienceReportFields,
    "experience report",
    |db, f, before| {
        if before.is_none_or(|b| ExperienceReportFields::from(b).subject != f.subject) {
            ensure_subject(db, f.subject).await?;
        }
        Ok(())
    }
);
