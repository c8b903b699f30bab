//! The audit log: who changed what, when.

use chrono::{DateTime, Utc};
use entity::Tags;
use entity::audit_entry::{ActiveModel, Column as C, Entity as AuditLog, Model};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, Set};
use uuid::Uuid;

use super::page::{self, Page, PageArgs, listed, sort_keys};
use crate::error::AppResult;

// Read by administrators only; the resolvers enforce it.
listed!(AuditLog, C::Id, |_scope| Condition::all());

sort_keys!(AuditSort for AuditLog, m {
    AtDesc => C::At, true, Time, m.at;
    AtAsc => C::At, false, Time, m.at;
});

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    pub operation: Option<String>,
    pub after: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
}

impl AuditFilter {
    fn condition(&self) -> Condition {
        let mut cond = Condition::all();
        if let Some(v) = self.actor_id {
            cond = cond.add(C::ActorId.eq(v));
        }
        if let Some(v) = &self.entity_type {
            cond = cond.add(C::EntityType.eq(v.as_str()));
        }
        if let Some(v) = self.entity_id {
            cond = cond.add(C::EntityId.eq(v));
        }
        if let Some(v) = &self.operation {
            cond = cond.add(C::Operation.eq(v.as_str()));
        }
        if let Some(v) = self.after {
            cond = cond.add(C::At.gte(v));
        }
        if let Some(v) = self.before {
            cond = cond.add(C::At.lt(v));
        }
        cond
    }
}

/// One change to record.
pub struct Change<'a> {
    pub actor_kind: &'a str,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub entity_type: &'a str,
    pub entity_id: Option<Uuid>,
    pub operation: &'a str,
    pub changed_fields: Vec<String>,
}

pub async fn record(db: &impl ConnectionTrait, change: Change<'_>) -> AppResult<()> {
    let am = ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(super::now()),
        actor_kind: Set(change.actor_kind.to_string()),
        actor_id: Set(change.actor_id),
        actor_label: Set(change.actor_label.chars().take(254).collect()),
        entity_type: Set(change.entity_type.to_string()),
        entity_id: Set(change.entity_id),
        operation: Set(change.operation.to_string()),
        changed_fields: Set(Tags(change.changed_fields)),
    };
    am.insert(db).await?;
    Ok(())
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    sort: AuditSort,
    args: &PageArgs,
) -> AppResult<Page<Model>> {
    page::fetch::<AuditLog, _>(db, filter.condition(), sort, args).await
}

pub async fn count(db: &impl ConnectionTrait, filter: &AuditFilter) -> AppResult<u64> {
    page::count::<AuditLog>(db, filter.condition()).await
}
