//! The audit log: who changed what, when.

use chrono::{DateTime, Utc};
use entity::Tags;
use entity::audit_entry::{ActiveModel, Column as C, Entity as AuditLog};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, Set};
use uuid::Uuid;

use super::list::Filter;
use super::page::{listed, sort_keys};
use crate::error::AppResult;
use sea_orm::DatabaseBackend;

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

impl Filter for AuditFilter {
    type Entity = AuditLog;
    type Sort = AuditSort;

    /// The log is listed to administrators only, which the API checks before listing.
    fn scoped(self, _scope: super::Scope) -> Self {
        self
    }

    fn condition(&self, _backend: DatabaseBackend) -> Condition {
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

/// What an audit entry is about: the GraphQL type's name, the one convention every writer
/// uses (`auditLog(filter: { entityType })` filters on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Organisation,
    Contact,
    Resource,
    Event,
    Action,
    ExperienceReport,
    Feed,
    User,
    ApiKey,
    CalendarSubscription,
    Kit,
    KitLoan,
    DigestSubscription,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Organisation => "Organisation",
            Subject::Contact => "Contact",
            Subject::Resource => "Resource",
            Subject::Event => "Event",
            Subject::Action => "Action",
            Subject::ExperienceReport => "ExperienceReport",
            Subject::Feed => "Feed",
            Subject::User => "User",
            Subject::ApiKey => "ApiKey",
            Subject::CalendarSubscription => "CalendarSubscription",
            Subject::Kit => "Kit",
            Subject::KitLoan => "KitLoan",
            Subject::DigestSubscription => "DigestSubscription",
        }
    }
}

/// Who did it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User {
        id: Uuid,
        email: String,
    },
    ApiKey {
        id: Uuid,
    },
    Anonymous,
    /// The hub itself, or an operator on its command line (`"command line"`, `"demo data"`).
    System(&'static str),
}

impl Actor {
    fn parts(&self) -> (&'static str, Option<Uuid>, String) {
        match self {
            Actor::User { id, email } => ("user", Some(*id), email.clone()),
            Actor::ApiKey { id } => ("api_key", Some(*id), format!("api key {id}")),
            Actor::Anonymous => ("anonymous", None, "anonymous".into()),
            Actor::System(label) => ("system", None, (*label).to_string()),
        }
    }
}

/// One entry of the log. Operations are lower-case verbs: `create`, `update`, `delete`,
/// `import`, `login`, `change_password`…
pub struct Entry<'a> {
    pub actor: Actor,
    pub subject: Subject,
    pub entity_id: Option<Uuid>,
    pub operation: &'a str,
    pub changed_fields: Vec<String>,
}

/// Writes `entry` (inside the writer's transaction: see `store::unit`).
pub async fn write(db: &impl ConnectionTrait, entry: Entry<'_>) -> AppResult<()> {
    let (actor_kind, actor_id, actor_label) = entry.actor.parts();
    let am = ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(super::now()),
        actor_kind: Set(actor_kind.to_string()),
        actor_id: Set(actor_id),
        actor_label: Set(actor_label.chars().take(254).collect()),
        entity_type: Set(entry.subject.as_str().to_string()),
        entity_id: Set(entry.entity_id),
        operation: Set(entry.operation.to_string()),
        changed_fields: Set(Tags(entry.changed_fields)),
    };
    am.insert(db).await?;
    Ok(())
}
