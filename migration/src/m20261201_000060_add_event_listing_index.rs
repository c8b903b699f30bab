//! The index a filtered list of events reads (upcoming events of one région, for one
//! audience, open to the public, with their total): the région, then the keyset order
//! `(starts_at, id)`, then every column the visibility policy and the filter look at, so that
//! the page is read in order from the index and the total is counted from the index alone.
//! Measured on a million events: the count went from 1,174 ms (18,444 heap blocks read) to
//! 6 ms (an index-only scan); see BENCHMARKS.md, shape (d).

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Events {
    Table,
    Region,
    StartsAt,
    Id,
    Visibility,
    OpenToPublic,
    Audiences,
}

const NAME: &str = "idx_events_listing_region";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Events as E;
        let mut create = index(
            NAME,
            E::Table,
            &[
                E::Region,
                E::StartsAt,
                E::Id,
                E::Visibility,
                E::OpenToPublic,
                E::Audiences,
            ],
        );
        manager.create_index(create.if_not_exists().to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Events::Table).to_owned())
            .await
    }
}
