//! Indexes the indicators read: each figure is one `GROUP BY` over a table, narrowed by a
//! period and the visibility policy. The events index covers every column the events'
//! figures read, so a period of a million-event agenda is counted from the index alone.

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Events {
    Table,
    StartsAt,
    Status,
    Visibility,
    OrganiserId,
    Region,
}

#[derive(DeriveIden, Clone, Copy)]
enum Actions {
    Table,
    CreatedAt,
    Visibility,
    OrganisationId,
    Region,
    Status,
}

#[derive(DeriveIden, Clone, Copy)]
enum Resources {
    Table,
    CreatedAt,
    Visibility,
    OrganisationId,
    Kind,
    FreeOfRights,
}

const EVENTS: &str = "idx_events_indicators";
const ACTIONS: &str = "idx_actions_indicators";
const RESOURCES: &str = "idx_resources_indicators";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use {Actions as A, Events as E, Resources as R};
        manager
            .create_index(index(
                EVENTS,
                E::Table,
                &[E::StartsAt, E::Status, E::Visibility, E::OrganiserId, E::Region],
            ))
            .await?;
        manager
            .create_index(index(
                ACTIONS,
                A::Table,
                &[A::CreatedAt, A::Visibility, A::OrganisationId, A::Region, A::Status],
            ))
            .await?;
        manager
            .create_index(index(
                RESOURCES,
                R::Table,
                &[R::CreatedAt, R::Visibility, R::OrganisationId, R::Kind, R::FreeOfRights],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            (EVENTS, Events::Table.into_iden()),
            (ACTIONS, Actions::Table.into_iden()),
            (RESOURCES, Resources::Table.into_iden()),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
