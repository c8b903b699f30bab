use sea_orm::entity::prelude::*;

/// A searchable record changed and the search index does not hold the change yet.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "search_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `event`, `resource`, `organisation`, `contact` or `action`.
    pub record_type: String,
    pub record_id: Uuid,
    /// The outbox shard the record falls in.
    pub shard: i32,
    /// Failed attempts to index it so far.
    pub attempts: i32,
    /// Not retried before this time.
    pub not_before: DateTimeUtc,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
