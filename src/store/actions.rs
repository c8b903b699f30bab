//! Actions: initiatives as the partners' fiches describe them.

use entity::action::{ActiveModel, Column as C, Entity as Actions, Model};
use entity::{ActionStatus, Audiences, Region, Tags};
use sea_orm::{ColumnTrait, Condition, DatabaseBackend, Set};
use uuid::Uuid;

use super::list::{Filter, Relation};
use super::page::{self, listed, sort_keys};
use super::record::{WriteFields, record};
pub use crate::domain::action::ActionFields;

listed!(Actions, C::Id, |scope| super::scope_condition(scope, C::Visibility, C::OrganisationId), heavy: [C::Summary, C::Findings, C::Objectives, C::Achievements, C::Stakeholders, C::Obstacles, C::Indicators, C::Feedback]);

sort_keys!(ActionSort for Actions, m {
    TitleAsc => C::TitleSort, false, Key, m.title_sort.clone();
    TitleDesc => C::TitleSort, true, Key, m.title_sort.clone();
    CreatedAtAsc => C::CreatedAt, false, Time, m.created_at;
    CreatedAtDesc => C::CreatedAt, true, Time, m.created_at;
    UpdatedAtAsc => C::UpdatedAt, false, Time, m.updated_at;
    UpdatedAtDesc => C::UpdatedAt, true, Time, m.updated_at;
});

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ActionFilter {
    /// What the caller may see.
    pub scope: super::Scope,
    pub organisation_id: Option<Uuid>,
    pub region: Option<Region>,
    pub status: Option<ActionStatus>,
}

/// The actions of each organisation.
pub const BY_ORGANISATION: Relation<ActionFilter> =
    Relation::new(C::OrganisationId, |m: &Model| Some(m.organisation_id));

impl Filter for ActionFilter {
    type Entity = Actions;
    type Sort = ActionSort;

    fn scoped(self, scope: super::Scope) -> Self {
        ActionFilter { scope, ..self }
    }

    fn condition(&self, _backend: DatabaseBackend) -> Condition {
        let mut cond = Condition::all().add(<Actions as page::Listed>::visible(self.scope));
        if let Some(v) = self.organisation_id {
            cond = cond.add(C::OrganisationId.eq(v));
        }
        if let Some(v) = self.region {
            cond = cond.add(C::Region.eq(v));
        }
        if let Some(v) = self.status {
            cond = cond.add(C::Status.eq(v));
        }
        cond
    }
}

impl WriteFields<ActiveModel> for ActionFields {
    fn write(self, am: &mut ActiveModel) {
        am.organisation_id = Set(self.organisation_id);
        am.title_sort = Set(entity::sort_key::sort_key(&self.title));
        am.title = Set(self.title);
        am.summary = Set(self.summary);
        am.findings = Set(self.findings);
        am.objectives = Set(self.objectives);
        am.achievements = Set(self.achievements);
        am.stakeholders = Set(self.stakeholders);
        am.obstacles = Set(self.obstacles);
        am.indicators = Set(self.indicators);
        am.feedback = Set(self.feedback);
        am.region = Set(self.region);
        am.status = Set(self.status);
        am.priority = Set(self.priority);
        am.audiences = Set(Audiences(self.audiences));
        am.tags = Set(Tags(self.tags));
        am.people_reached = Set(self.people_reached);
        am.visibility = Set(self.visibility);
    }
}

record!(Actions, ActionFields, "action", |db, f, before| {
    if before.is_none_or(|b| b.organisation_id != f.organisation_id) {
        super::organisations::ensure_exists(db, "organisationId", Some(f.organisation_id)).await?;
    }
    Ok(())
});
