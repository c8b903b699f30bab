use sea_orm::entity::prelude::*;

use crate::Tags;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    /// `user`, `api_key` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    pub operation: String,
    /// Names of the fields the operation set.
    #[sea_orm(column_type = "JsonBinary")]
    pub changed_fields: Tags,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
