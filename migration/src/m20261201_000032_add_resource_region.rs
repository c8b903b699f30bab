//! A resource may be about or made for one région (a regional teaching kit, a campus's
//! portraits): `resources.region`, nullable (none: the whole country), indexed for the filter.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Resources {
    Table,
    Region,
}

const INDEX: &str = "idx_resources_region";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Resources::Table)
                    .add_column(ColumnDef::new(Resources::Region).string_len(32).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(crate::index(INDEX, Resources::Table, &[Resources::Region]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Resources::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Resources::Table)
                    .drop_column(Resources::Region)
                    .to_owned(),
            )
            .await
    }
}
