use sea_orm::entity::prelude::*;

use crate::{ActionStatus, Audiences, Priority, Region, Tags, Visibility};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "actions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub title: String,
    /// `sort_key::sort_key(title)`: what lists sorted by title compare (the French order).
    #[sea_orm(column_type = "Blob")]
    pub title_sort: Vec<u8>,
    pub summary: Option<String>,
    pub findings: Option<String>,
    pub objectives: Option<String>,
    pub achievements: Option<String>,
    pub stakeholders: Option<String>,
    pub obstacles: Option<String>,
    pub indicators: Option<String>,
    pub feedback: Option<String>,
    pub region: Option<Region>,
    pub status: ActionStatus,
    pub priority: Priority,
    #[sea_orm(column_type = "JsonBinary")]
    pub audiences: Audiences,
    #[sea_orm(column_type = "JsonBinary")]
    pub tags: Tags,
    pub people_reached: Option<i32>,
    pub visibility: Visibility,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
