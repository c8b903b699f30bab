use sea_orm::entity::prelude::*;

/// A private link: the events (a calendar) or the contacts (an address book) its creator may
/// see, narrowed by a saved filter.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// A calendar or an address book (`crate::PrivateLinkKind`).
    pub kind: crate::PrivateLinkKind,
    pub name: String,
    /// The saved event or contact filter, as a JSON object.
    #[sea_orm(column_type = "JsonBinary")]
    pub filter: Json,
    /// SHA-256 (hex) of the link's secret part.
    pub secret_hash: String,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
