use sea_orm::entity::prelude::*;

use crate::{FeedRunOutcome, Tags};

/// One sync of a feed: when, what the server answered, and what changed.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "feed_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub feed_id: Uuid,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub outcome: FeedRunOutcome,
    pub http_status: Option<i32>,
    pub items_seen: i32,
    pub created: i32,
    pub updated: i32,
    pub removed: i32,
    pub error: Option<String>,
    /// Items skipped or read with a fallback (a list of lines).
    #[sea_orm(column_type = "JsonBinary")]
    pub warnings: Tags,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
