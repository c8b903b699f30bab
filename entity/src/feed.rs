use sea_orm::entity::prelude::*;

use crate::{Audiences, ColumnMap, FeedFormat, Visibility};

/// A partner's event feed, pulled on a schedule.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "feeds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    /// `sort_key::sort_key(name)`: what lists sorted by name compare (the French order).
    #[sea_orm(column_type = "Blob")]
    pub name_sort: Vec<u8>,
    pub url: String,
    pub format: FeedFormat,
    pub interval_minutes: i32,
    pub enabled: bool,
    pub default_visibility: Visibility,
    #[sea_orm(column_type = "JsonBinary")]
    pub default_audiences: Audiences,
    /// Zone of the feed's floating times.
    pub timezone: String,
    pub use_publication_date: bool,
    #[sea_orm(column_type = "JsonBinary")]
    pub csv_columns: ColumnMap,
    /// Validators of the last successful fetch, sent back for a conditional GET.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_fetched_at: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub consecutive_failures: i32,
    pub next_fetch_at: DateTimeUtc,
    /// The instance holding the feed while it syncs, until the lease expires.
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
