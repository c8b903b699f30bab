//! One feed per address and organisation: a `url_key` column (`entity::feed::url_key` of the
//! address) with a unique index on (organisation, key).
//!
//! Feeds registered twice before the index existed are kept, none deleted: the first one
//! registered keeps the plain key, and each later one gets its id appended to its key and is
//! disabled, its `last_error` saying which feed it repeats, so that it stops bringing
//! duplicate events. Deleting it (`deleteFeed`, with `deleteEvents`) removes the duplicates
//! it brought; its events are left alone here because experience reports may point at them.

use std::collections::HashSet;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Feeds {
    Table,
    Id,
    OrganisationId,
    Name,
    Url,
    UrlKey,
    Enabled,
    LastError,
    CreatedAt,
}

const INDEX: &str = "idx_feeds_organisation_url_key";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Feeds as F;
        // SQLite adds a NOT NULL column only with a default; every write sets the key.
        manager
            .alter_table(
                Table::alter()
                    .table(F::Table)
                    .add_column(ColumnDef::new(F::UrlKey).text().not_null().default(""))
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        let rows = db
            .query_all(
                &Query::select()
                    .columns([F::Id, F::OrganisationId, F::Name, F::Url])
                    .from(F::Table)
                    .order_by(F::CreatedAt, Order::Asc)
                    .order_by(F::Id, Order::Asc)
                    .to_owned(),
            )
            .await?;
        // (organisation, key) → the first feed registered with it: (id, name).
        let mut first: std::collections::HashMap<(Uuid, String), (Uuid, String)> = Default::default();
        let mut seen = HashSet::new();
        for row in rows {
            let id: Uuid = row.try_get("", "id")?;
            let organisation: Uuid = row.try_get("", "organisation_id")?;
            let name: String = row.try_get("", "name")?;
            let url: String = row.try_get("", "url")?;
            let key = entity::feed::url_key(&url);
            let mut update = Query::update();
            update.table(F::Table).and_where(Expr::col(F::Id).eq(id));
            if seen.insert((organisation, key.clone())) {
                first.insert((organisation, key.clone()), (id, name));
                update.value(F::UrlKey, key);
            } else {
                let (kept, kept_name) = &first[&(organisation, key.clone())];
                update
                    .value(F::UrlKey, format!("{key}#{id}"))
                    .value(F::Enabled, false)
                    .value(
                        F::LastError,
                        format!(
                            "Désactivé : même adresse que le flux « {kept_name} » ({kept}) de cette organisation ; \
                             supprimez celui-ci (deleteFeed, deleteEvents) pour retirer ses doublons / \
                             disabled: same address as the feed \"{kept_name}\" ({kept}) of this organisation; \
                             delete this one (deleteFeed with deleteEvents) to remove the duplicate events it brought"
                        ),
                    );
            }
            db.execute(&update).await?;
        }

        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(F::Table)
                    .col(F::OrganisationId)
                    .col(F::UrlKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Feeds::Table).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Feeds::Table).drop_column(Feeds::UrlKey).to_owned())
            .await
    }
}
