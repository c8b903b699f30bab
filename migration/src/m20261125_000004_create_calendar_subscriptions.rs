//! Private calendar links: a saved event filter and the hash of a secret that opens it.

use sea_orm_migration::{prelude::*, schema::*};

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum CalendarSubscriptions {
    Table,
    Id,
    UserId,
    Name,
    Filter,
    SecretHash,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarSubscriptions::Table)
                    .col(uuid(CalendarSubscriptions::Id).primary_key())
                    .col(uuid(CalendarSubscriptions::UserId))
                    .col(string_len(CalendarSubscriptions::Name, 200))
                    .col(json_binary(CalendarSubscriptions::Filter))
                    .col(string_len(CalendarSubscriptions::SecretHash, 64))
                    .col(timestamp_with_time_zone(CalendarSubscriptions::CreatedAt))
                    .col(timestamp_with_time_zone_null(CalendarSubscriptions::LastUsedAt))
                    .col(timestamp_with_time_zone_null(CalendarSubscriptions::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_calendar_subscriptions_user")
                            .from(CalendarSubscriptions::Table, CalendarSubscriptions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_calendar_subscriptions_user",
                CalendarSubscriptions::Table,
                &[CalendarSubscriptions::UserId, CalendarSubscriptions::CreatedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CalendarSubscriptions::Table).to_owned())
            .await
    }
}
