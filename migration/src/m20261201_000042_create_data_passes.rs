//! The data passes already run on this database: rewrites of stored values that need the
//! hub's own rules (the one HTML rule of long texts, `domain::rich_text`), which migrations,
//! having no access to those rules, cannot do. The hub runs each pass it does not find here
//! once, after the migrations, and records it (`store::data_passes`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum DataPasses {
    Table,
    Name,
    DoneAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DataPasses::Table)
                    .col(string_len(DataPasses::Name, 100).primary_key())
                    .col(timestamp_with_time_zone(DataPasses::DoneAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DataPasses::Table).to_owned())
            .await
    }
}
