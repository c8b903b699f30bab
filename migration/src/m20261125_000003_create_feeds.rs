//! Partner feeds, their sync runs, and the lease columns the scheduler claims them with.

use sea_orm_migration::{prelude::*, schema::*};

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Feeds {
    Table,
    Id,
    OrganisationId,
    Name,
    Url,
    Format,
    IntervalMinutes,
    Enabled,
    DefaultVisibility,
    DefaultAudiences,
    Timezone,
    UsePublicationDate,
    CsvColumns,
    Etag,
    LastModified,
    LastFetchedAt,
    LastSuccessAt,
    LastError,
    ConsecutiveFailures,
    NextFetchAt,
    LeaseOwner,
    LeaseExpiresAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum FeedRuns {
    Table,
    Id,
    FeedId,
    StartedAt,
    FinishedAt,
    Outcome,
    HttpStatus,
    ItemsSeen,
    Created,
    Updated,
    Removed,
    Error,
    Warnings,
}

#[derive(DeriveIden, Clone, Copy)]
enum Organisations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Feeds::Table)
                    .col(uuid(Feeds::Id).primary_key())
                    .col(uuid(Feeds::OrganisationId))
                    .col(string_len(Feeds::Name, 200))
                    .col(text(Feeds::Url))
                    .col(string_len(Feeds::Format, 32))
                    .col(integer(Feeds::IntervalMinutes))
                    .col(boolean(Feeds::Enabled))
                    .col(string_len(Feeds::DefaultVisibility, 32))
                    .col(json_binary(Feeds::DefaultAudiences))
                    .col(string_len(Feeds::Timezone, 64))
                    .col(boolean(Feeds::UsePublicationDate))
                    .col(json_binary(Feeds::CsvColumns))
                    .col(text_null(Feeds::Etag))
                    .col(text_null(Feeds::LastModified))
                    .col(timestamp_with_time_zone_null(Feeds::LastFetchedAt))
                    .col(timestamp_with_time_zone_null(Feeds::LastSuccessAt))
                    .col(text_null(Feeds::LastError))
                    .col(integer(Feeds::ConsecutiveFailures))
                    .col(timestamp_with_time_zone(Feeds::NextFetchAt))
                    .col(string_len_null(Feeds::LeaseOwner, 64))
                    .col(timestamp_with_time_zone_null(Feeds::LeaseExpiresAt))
                    .col(timestamp_with_time_zone(Feeds::CreatedAt))
                    .col(timestamp_with_time_zone(Feeds::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_feeds_organisation")
                            .from(Feeds::Table, Feeds::OrganisationId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_feeds_due", vec![Feeds::Enabled, Feeds::NextFetchAt]),
            ("idx_feeds_organisation", vec![Feeds::OrganisationId, Feeds::CreatedAt]),
            ("idx_feeds_created", vec![Feeds::CreatedAt, Feeds::Id]),
            ("idx_feeds_name", vec![Feeds::Name, Feeds::Id]),
        ] {
            manager.create_index(index(name, Feeds::Table, &cols)).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(FeedRuns::Table)
                    .col(uuid(FeedRuns::Id).primary_key())
                    .col(uuid(FeedRuns::FeedId))
                    .col(timestamp_with_time_zone(FeedRuns::StartedAt))
                    .col(timestamp_with_time_zone_null(FeedRuns::FinishedAt))
                    .col(string_len(FeedRuns::Outcome, 32))
                    .col(integer_null(FeedRuns::HttpStatus))
                    .col(integer(FeedRuns::ItemsSeen))
                    .col(integer(FeedRuns::Created))
                    .col(integer(FeedRuns::Updated))
                    .col(integer(FeedRuns::Removed))
                    .col(text_null(FeedRuns::Error))
                    .col(json_binary(FeedRuns::Warnings))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_feed_runs_feed")
                            .from(FeedRuns::Table, FeedRuns::FeedId)
                            .to(Feeds::Table, Feeds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_feed_runs_feed",
                FeedRuns::Table,
                &[FeedRuns::FeedId, FeedRuns::StartedAt, FeedRuns::Id],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FeedRuns::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Feeds::Table).to_owned()).await
    }
}
