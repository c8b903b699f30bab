use sea_orm::entity::prelude::*;

use crate::{Audiences, Region, ResourceKind, Tags, Visibility};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "resources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Option<Uuid>,
    pub kind: ResourceKind,
    pub title: String,
    /// `sort_key::sort_key(title)`: what lists sorted by title compare (the French order).
    #[sea_orm(column_type = "Blob")]
    pub title_sort: Vec<u8>,
    pub content: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub author: Option<String>,
    pub free_of_rights: bool,
    pub licence: Option<String>,
    pub language: String,
    /// The région it is about or made for (none: the whole country).
    pub region: Option<Region>,
    #[sea_orm(column_type = "JsonBinary")]
    pub audiences: Audiences,
    #[sea_orm(column_type = "JsonBinary")]
    pub tags: Tags,
    pub visibility: Visibility,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
