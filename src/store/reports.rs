//! Experience reports (REX) on actions and events.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::experience_report::{ActiveModel, Column as C, Entity as Reports, Model};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use super::page::{self, Page, PageArgs, listed, sort_keys};
use super::record::{WriteFields, record};
pub use crate::domain::experience_report::{ReportFields, ReportSubject};
use crate::error::{AppError, AppResult};

// A report is visible when the action or event it is about is.
listed!(Reports, C::Id, |scope| match scope {
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
        ),
});

sort_keys!(ReportSort for Reports, m {
    ReportedOnAsc => C::ReportedOn, false, Date, m.reported_on;
    ReportedOnDesc => C::ReportedOn, true, Date, m.reported_on;
    CreatedAtAsc => C::CreatedAt, false, Time, m.created_at;
    CreatedAtDesc => C::CreatedAt, true, Time, m.created_at;
});

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ReportFilter {
    /// What the caller may see.
    pub scope: super::Scope,
    pub action_id: Option<Uuid>,
    pub event_id: Option<Uuid>,
    pub reported_after: Option<NaiveDate>,
    pub reported_before: Option<NaiveDate>,
}

impl ReportFilter {
    pub fn condition(&self) -> Condition {
        let mut cond = Condition::all().add(<Reports as page::Listed>::visible(self.scope));
        if let Some(v) = self.action_id {
            cond = cond.add(C::ActionId.eq(v));
        }
        if let Some(v) = self.event_id {
            cond = cond.add(C::EventId.eq(v));
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

impl WriteFields<ActiveModel> for ReportFields {
    fn write(self, am: &mut ActiveModel) {
        let (action, event) = match self.subject {
            ReportSubject::Action(a) => (Some(a), None),
            ReportSubject::Event(e) => (None, Some(e)),
        };
        am.action_id = Set(action);
        am.event_id = Set(event);
        am.author_user_id = Set(self.author_user_id);
        am.author = Set(self.author);
        am.text = Set(self.text);
        am.rating = Set(self.rating);
        am.people_reached = Set(self.people_reached);
        am.reported_on = Set(self.reported_on);
    }
}

async fn ensure_subject(db: &impl ConnectionTrait, subject: ReportSubject) -> AppResult<()> {
    let found = match subject {
        ReportSubject::Action(id) => entity::action::Entity::find_by_id(id).count(db).await?,
        ReportSubject::Event(id) => entity::event::Entity::find_by_id(id).count(db).await?,
    };
    if found == 0 {
        let field = match subject {
            ReportSubject::Action(_) => "actionId",
            ReportSubject::Event(_) => "eventId",
        };
        return Err(AppError::bad_input(field, format!("{field} names no record")));
    }
    Ok(())
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    sort: ReportSort,
    args: &PageArgs,
) -> AppResult<Page<Model>> {
    page::fetch::<Reports, _>(db, filter.condition(), sort, args).await
}

pub async fn count(db: &impl ConnectionTrait, filter: &ReportFilter) -> AppResult<u64> {
    page::count::<Reports>(db, filter.condition()).await
}

/// One page of reports for each action (or each event, with `by_event`).
pub async fn list_by_subjects(
    db: &impl ConnectionTrait,
    by_event: bool,
    subjects: &[Uuid],
    filter: &ReportFilter,
    sort: ReportSort,
    args: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<Model>>> {
    let cond = filter.condition();
    if by_event {
        page::fetch_by_parents::<Reports, _>(db, C::EventId, subjects, cond, sort, args, |m| m.event_id).await
    } else {
        page::fetch_by_parents::<Reports, _>(db, C::ActionId, subjects, cond, sort, args, |m| m.action_id).await
    }
}

pub async fn count_by_subjects(
    db: &impl ConnectionTrait,
    by_event: bool,
    subjects: &[Uuid],
    filter: &ReportFilter,
) -> AppResult<HashMap<Uuid, u64>> {
    let column = if by_event { C::EventId } else { C::ActionId };
    page::count_by_parents::<Reports>(db, column, subjects, filter.condition()).await
}

record!(Reports, ReportFields, "experience report", |db, f, before| {
    if before.is_none_or(|b| ReportFields::from(b).subject != f.subject) {
        ensure_subject(db, f.subject).await?;
    }
    Ok(())
});
