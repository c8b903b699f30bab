//! Places that know their département and région: organisations and contacts get a postal
//! code (and contacts a département), from which, like events, the hub fills what is missing.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Organisations {
    Table,
    PostalCode,
}

#[derive(DeriveIden, Clone, Copy)]
enum Contacts {
    Table,
    PostalCode,
    Departement,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .add_column(string_len_null(Organisations::PostalCode, 10))
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Contacts::Table)
                    .add_column(string_len_null(Contacts::PostalCode, 10))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Contacts::Table)
                    .add_column(string_len_null(Contacts::Departement, 3))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Contacts::Departement, Contacts::PostalCode] {
            manager
                .alter_table(Table::alter().table(Contacts::Table).drop_column(column).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .drop_column(Organisations::PostalCode)
                    .to_owned(),
            )
            .await
    }
}
