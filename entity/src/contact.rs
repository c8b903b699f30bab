use sea_orm::entity::prelude::*;

use crate::{Audiences, Region, Tags, Visibility};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Option<Uuid>,
    pub first_name: String,
    pub last_name: String,
    pub job_title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub region: Option<Region>,
    pub departement: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub audiences: Audiences,
    #[sea_orm(column_type = "JsonBinary")]
    pub tags: Tags,
    pub notes: Option<String>,
    pub visibility: Visibility,
    pub consent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
