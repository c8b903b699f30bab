//! One contact per e-mail address and organisation, whatever the address's case: an
//! `email_key` column (`entity::contact::email_key` of the address, null without one) with a
//! unique index on (organisation, key). Contacts without an organisation are not held to it.
//!
//! Contacts that already shared an address are kept, none merged or deleted: the first one
//! created keeps the plain key and each later one gets its id appended to its key, so that the
//! index can be built without losing a row. Such a contact can still be edited; giving it
//! another address, or deleting it, settles the duplicate.

use std::collections::HashSet;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Contacts {
    Table,
    Id,
    OrganisationId,
    Email,
    EmailKey,
    CreatedAt,
}

const INDEX: &str = "idx_contacts_organisation_email_key";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Contacts as C;
        manager
            .alter_table(
                Table::alter()
                    .table(C::Table)
                    .add_column(ColumnDef::new(C::EmailKey).text().null())
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        let rows = db
            .query_all(
                &Query::select()
                    .columns([C::Id, C::OrganisationId, C::Email])
                    .from(C::Table)
                    .and_where(Expr::col(C::Email).is_not_null())
                    .order_by(C::CreatedAt, Order::Asc)
                    .order_by(C::Id, Order::Asc)
                    .to_owned(),
            )
            .await?;
        let mut seen = HashSet::new();
        for row in rows {
            let id: Uuid = row.try_get("", "id")?;
            let organisation: Option<Uuid> = row.try_get("", "organisation_id")?;
            let email: String = row.try_get("", "email")?;
            let mut key = entity::contact::email_key(&email);
            if key.is_empty() {
                continue;
            }
            if organisation.is_some() && !seen.insert((organisation, key.clone())) {
                key = format!("{key} #{id}");
            }
            db.execute(
                &Query::update()
                    .table(C::Table)
                    .value(C::EmailKey, key)
                    .and_where(Expr::col(C::Id).eq(id))
                    .to_owned(),
            )
            .await?;
        }

        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(C::Table)
                    .col(C::OrganisationId)
                    .col(C::EmailKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Contacts::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Contacts::Table)
                    .drop_column(Contacts::EmailKey)
                    .to_owned(),
            )
            .await
    }
}
