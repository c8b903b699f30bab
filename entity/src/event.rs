use sea_orm::entity::prelude::*;

use crate::{Audiences, EventStatus, Region, Tags, Visibility};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    /// `sort_key::sort_key(title)`: what lists sorted by title compare (the French order).
    #[sea_orm(column_type = "Blob")]
    pub title_sort: Vec<u8>,
    pub description: Option<String>,
    pub location_name: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub departement: Option<String>,
    pub region: Option<Region>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub starts_at: DateTimeUtc,
    pub ends_at: Option<DateTimeUtc>,
    pub all_day: bool,
    pub timezone: String,
    pub open_to_public: bool,
    pub url: Option<String>,
    pub author: Option<String>,
    pub organiser_id: Option<Uuid>,
    pub organiser_name: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub audiences: Audiences,
    #[sea_orm(column_type = "JsonBinary")]
    pub tags: Tags,
    pub status: EventStatus,
    pub visibility: Visibility,
    /// Provenance of events pulled from a partner feed (all `None` for events typed in).
    pub feed_id: Option<Uuid>,
    pub source_uid: Option<String>,
    pub source_url: Option<String>,
    pub last_seen_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
