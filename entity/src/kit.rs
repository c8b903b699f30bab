use sea_orm::entity::prelude::*;

use crate::{KitStatus, Visibility};

/// A physical copy of a resource (the resource describes it), owned and lent by an
/// organisation.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "kits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The owner, who lends it; never changes (its loans name it too).
    pub organisation_id: Uuid,
    pub resource_id: Uuid,
    /// Unique per organisation, whatever the case.
    pub inventory_code: String,
    /// Where it is kept.
    pub location: Option<String>,
    pub condition_notes: Option<String>,
    pub status: KitStatus,
    pub visibility: Visibility,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
