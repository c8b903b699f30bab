//! Lending kits: the physical copies of a resource (`kits`) and their loans (`kit_loans`).
//!
//! No double booking, enforced by the database itself: two loans of one kit that are
//! `confirmed` or `out` never overlap. A loan holds its kit over `[starts_on, ends_on)` (the
//! day it comes back is free for the next one). On PostgreSQL an exclusion constraint over that
//! date range (`btree_gist` compares the kit ids in the same GiST index); on SQLite, which has
//! none, triggers refuse the insert or update that would overlap, and writers check and write
//! under the write lock that `BEGIN IMMEDIATE` takes. Both errors name `kit_loans_no_overlap`,
//! which the store reads to answer `CONFLICT`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Kits {
    Table,
    Id,
    OrganisationId,
    ResourceId,
    InventoryCode,
    Location,
    ConditionNotes,
    Status,
    Visibility,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum KitLoans {
    Table,
    Id,
    KitId,
    LenderOrganisationId,
    BorrowerOrganisationId,
    BorrowerContactId,
    RequestedByUserId,
    RequestedByOrganisationId,
    StartsOn,
    EndsOn,
    Status,
    Notes,
    RequestedAt,
    ConfirmedAt,
    HandedOutAt,
    ReturnedAt,
    CancelledAt,
    DeclinedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Resources {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Contacts {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

/// The name both databases give the overlap refusal.
const NO_OVERLAP: &str = "kit_loans_no_overlap";

/// The statuses that hold a kit.
const HOLDING: &str = "('confirmed', 'out')";

fn fk(
    name: &str,
    from: KitLoans,
    to: impl IntoIden,
    to_col: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(KitLoans::Table, from)
        .to(to, to_col)
        .on_delete(on_delete)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Kits::Table)
                    .col(uuid(Kits::Id).primary_key())
                    .col(uuid(Kits::OrganisationId))
                    .col(uuid(Kits::ResourceId))
                    .col(string_len(Kits::InventoryCode, 64))
                    .col(string_len_null(Kits::Location, 300))
                    .col(text_null(Kits::ConditionNotes))
                    .col(string_len(Kits::Status, 32))
                    .col(string_len(Kits::Visibility, 32))
                    .col(timestamp_with_time_zone(Kits::CreatedAt))
                    .col(timestamp_with_time_zone(Kits::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_kits_organisation")
                            .from(Kits::Table, Kits::OrganisationId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_kits_resource")
                            .from(Kits::Table, Kits::ResourceId)
                            .to(Resources::Table, Resources::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        use Kits as K;
        for (name, cols) in [
            ("idx_kits_inventory", vec![K::InventoryCode, K::Id]),
            ("idx_kits_created", vec![K::CreatedAt, K::Id]),
            (
                "idx_kits_organisation",
                vec![K::OrganisationId, K::InventoryCode, K::Id],
            ),
            ("idx_kits_resource", vec![K::ResourceId, K::InventoryCode, K::Id]),
        ] {
            manager.create_index(index(name, K::Table, &cols)).await?;
        }
        // Unique per organisation whatever the case: « fmt-01 » is « FMT-01 ».
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_kits_inventory_code ON kits (organisation_id, lower(inventory_code))",
        )
        .await?;

        use KitLoans as L;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .col(uuid(L::Id).primary_key())
                    .col(uuid(L::KitId))
                    .col(uuid(L::LenderOrganisationId))
                    .col(uuid(L::BorrowerOrganisationId))
                    .col(uuid_null(L::BorrowerContactId))
                    .col(uuid_null(L::RequestedByUserId))
                    .col(uuid_null(L::RequestedByOrganisationId))
                    .col(date(L::StartsOn))
                    .col(date(L::EndsOn))
                    .col(string_len(L::Status, 32))
                    .col(text_null(L::Notes))
                    .col(timestamp_with_time_zone(L::RequestedAt))
                    .col(timestamp_with_time_zone_null(L::ConfirmedAt))
                    .col(timestamp_with_time_zone_null(L::HandedOutAt))
                    .col(timestamp_with_time_zone_null(L::ReturnedAt))
                    .col(timestamp_with_time_zone_null(L::CancelledAt))
                    .col(timestamp_with_time_zone_null(L::DeclinedAt))
                    .col(timestamp_with_time_zone(L::CreatedAt))
                    .col(timestamp_with_time_zone(L::UpdatedAt))
                    // A kit with a history is retired, never deleted.
                    .foreign_key(&mut fk(
                        "fk_kit_loans_kit",
                        L::KitId,
                        Kits::Table,
                        Kits::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_kit_loans_lender",
                        L::LenderOrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_kit_loans_borrower",
                        L::BorrowerOrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_kit_loans_contact",
                        L::BorrowerContactId,
                        Contacts::Table,
                        Contacts::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_kit_loans_requester",
                        L::RequestedByUserId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_kit_loans_requesting_organisation",
                        L::RequestedByOrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .check(Expr::col(L::EndsOn).gt(Expr::col(L::StartsOn)))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_kit_loans_kit", vec![L::KitId, L::StartsOn, L::Id]),
            (
                "idx_kit_loans_lender",
                vec![L::LenderOrganisationId, L::StartsOn, L::Id],
            ),
            (
                "idx_kit_loans_borrower",
                vec![L::BorrowerOrganisationId, L::StartsOn, L::Id],
            ),
            ("idx_kit_loans_starts", vec![L::StartsOn, L::Id]),
            ("idx_kit_loans_created", vec![L::CreatedAt, L::Id]),
            ("idx_kit_loans_status", vec![L::Status, L::StartsOn]),
        ] {
            manager.create_index(index(name, L::Table, &cols)).await?;
        }

        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            // A trusted extension since PostgreSQL 13: the database's owner may create it.
            db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS btree_gist")
                .await?;
            db.execute_unprepared(&format!(
                "ALTER TABLE kit_loans ADD CONSTRAINT {NO_OVERLAP} EXCLUDE USING gist \
                 (kit_id WITH =, daterange(starts_on, ends_on, '[)') WITH &&) WHERE (status IN {HOLDING})"
            ))
            .await?;
        } else {
            let overlap = |other_than_self: &str| {
                format!(
                    "NEW.status IN {HOLDING} AND EXISTS (SELECT 1 FROM kit_loans o WHERE o.kit_id = NEW.kit_id \
                     {other_than_self}AND o.status IN {HOLDING} AND o.starts_on < NEW.ends_on AND o.ends_on > NEW.starts_on)"
                )
            };
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {NO_OVERLAP}_insert BEFORE INSERT ON kit_loans WHEN {} \
                 BEGIN SELECT RAISE(ABORT, '{NO_OVERLAP}'); END",
                overlap("")
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {NO_OVERLAP}_update BEFORE UPDATE ON kit_loans WHEN {} \
                 BEGIN SELECT RAISE(ABORT, '{NO_OVERLAP}'); END",
                overlap("AND o.id <> NEW.id ")
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [KitLoans::Table.into_iden(), Kits::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
