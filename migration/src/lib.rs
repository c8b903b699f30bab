//! Schema migrations, portable across SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_core_tables;
mod m20261124_000002_create_accounts;
mod m20261125_000003_create_feeds;
mod m20261125_000004_create_calendar_subscriptions;
mod m20261125_000005_create_search_outbox;
mod m20261201_000006_add_organisation_name_key;
mod m20261201_000007_create_mail_outbox;
mod m20261201_000020_create_kits;
mod m20261201_000021_add_report_kit_loan;
mod m20261201_000022_add_place_columns;
mod m20261201_000023_add_indicator_indexes;
mod m20261201_000030_add_sort_keys;
mod m20261201_000031_add_address_book_links;
mod m20261201_000032_add_resource_region;
mod m20261201_000040_add_feed_url_key;
mod m20261201_000041_add_contact_email_key;
mod m20261201_000042_create_data_passes;
mod m20261201_000060_add_event_listing_index;
mod m20261202_000070_add_credential_notices;

pub use m20261125_000005_create_search_outbox::SEARCH_SHARDS;

/// An index named `name` on `cols` of `table`.
pub(crate) fn index<T: IntoIden + Copy, C: IntoIden + Copy>(name: &str, table: T, cols: &[C]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(*col);
    }
    stmt.to_owned()
}

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_core_tables::Migration),
            Box::new(m20261124_000002_create_accounts::Migration),
            Box::new(m20261125_000003_create_feeds::Migration),
            Box::new(m20261125_000004_create_calendar_subscriptions::Migration),
            Box::new(m20261125_000005_create_search_outbox::Migration),
            Box::new(m20261201_000006_add_organisation_name_key::Migration),
            Box::new(m20261201_000020_create_kits::Migration),
            Box::new(m20261201_000021_add_report_kit_loan::Migration),
            Box::new(m20261201_000022_add_place_columns::Migration),
            Box::new(m20261201_000023_add_indicator_indexes::Migration),
            Box::new(m20261201_000007_create_mail_outbox::Migration),
            Box::new(m20261201_000030_add_sort_keys::Migration),
            Box::new(m20261201_000031_add_address_book_links::Migration),
            Box::new(m20261201_000032_add_resource_region::Migration),
            Box::new(m20261201_000060_add_event_listing_index::Migration),
            Box::new(m20261201_000040_add_feed_url_key::Migration),
            Box::new(m20261201_000041_add_contact_email_key::Migration),
            Box::new(m20261201_000042_create_data_passes::Migration),
            Box::new(m20261202_000070_add_credential_notices::Migration),
        ]
    }
}
