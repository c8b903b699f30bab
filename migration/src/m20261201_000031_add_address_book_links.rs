//! Private links to the address book (`/contacts/<token>.vcf`) beside the calendar links: the
//! same table, told apart by a `kind` column (every link so far is a calendar).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum CalendarSubscriptions {
    Table,
    Kind,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CalendarSubscriptions::Table)
                    .add_column(
                        ColumnDef::new(CalendarSubscriptions::Kind)
                            .string_len(32)
                            .not_null()
                            .default("calendar"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CalendarSubscriptions::Table)
                    .drop_column(CalendarSubscriptions::Kind)
                    .to_owned(),
            )
            .await
    }
}
