use sea_orm::entity::prelude::*;

use crate::DigestFrequency;

/// A member's e-mail digest of the resources and events added or changed since the last one,
/// narrowed by saved filters and read with the member's scope when it is sent.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "digest_subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub frequency: DigestFrequency,
    /// The saved event filter (as calendar links keep it), a JSON object.
    #[sea_orm(column_type = "JsonBinary")]
    pub event_filter: Json,
    /// The saved resource filter, a JSON object.
    #[sea_orm(column_type = "JsonBinary")]
    pub resource_filter: Json,
    /// The next digest lists what changed from this time on.
    pub covered_until: DateTimeUtc,
    pub next_due_at: DateTimeUtc,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTimeUtc>,
    pub last_sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub unsubscribed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
