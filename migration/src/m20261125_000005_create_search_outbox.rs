//! The search outbox: one row per write to a searchable record, added in the writing
//! transaction and deleted once the search index holds the change; and the shards the
//! indexers of all instances lease to drain it.

use sea_orm_migration::{prelude::*, schema::*};

use crate::index;

/// Shards of the outbox. A record always falls in the same shard, and one instance at a time
/// drains a shard, so the changes of one record reach the index in order.
pub const SEARCH_SHARDS: i32 = 4;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SearchOutbox {
    Table,
    Id,
    RecordType,
    RecordId,
    Shard,
    Attempts,
    NotBefore,
    LastError,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SearchShards {
    Table,
    Shard,
    LeaseOwner,
    LeaseExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchOutbox::Table)
                    .col(big_integer(SearchOutbox::Id).auto_increment().primary_key())
                    .col(string_len(SearchOutbox::RecordType, 16))
                    .col(uuid(SearchOutbox::RecordId))
                    .col(integer(SearchOutbox::Shard))
                    .col(integer(SearchOutbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(SearchOutbox::NotBefore))
                    .col(text_null(SearchOutbox::LastError))
                    .col(timestamp_with_time_zone(SearchOutbox::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_search_outbox_shard",
                SearchOutbox::Table,
                &[SearchOutbox::Shard, SearchOutbox::Id],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SearchShards::Table)
                    .col(integer(SearchShards::Shard).primary_key())
                    .col(string_len_null(SearchShards::LeaseOwner, 64))
                    .col(timestamp_with_time_zone_null(SearchShards::LeaseExpiresAt))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert.into_table(SearchShards::Table).columns([SearchShards::Shard]);
        for shard in 0..SEARCH_SHARDS {
            insert.values_panic([shard.into()]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SearchShards::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SearchOutbox::Table).to_owned())
            .await
    }
}
