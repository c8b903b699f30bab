//! Organisation names unique whatever their case, accents or spacing: a `name_key` column
//! (`entity::organisation::name_key` of the name) with a unique index.

use std::collections::HashSet;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Organisations {
    Table,
    Id,
    Name,
    NameKey,
    CreatedAt,
}

const INDEX: &str = "idx_organisations_name_key";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Organisations as O;
        // SQLite adds a NOT NULL column only with a default; every write sets the key.
        manager
            .alter_table(
                Table::alter()
                    .table(O::Table)
                    .add_column(ColumnDef::new(O::NameKey).text().not_null().default(""))
                    .to_owned(),
            )
            .await?;

        // Backfill in creation order: of names that already collide, the first keeps the
        // plain key and the later ones get their id appended, so that the index can be
        // built without losing a row; renaming them settles the duplicate.
        let db = manager.get_connection();
        let rows = db
            .query_all(
                &Query::select()
                    .columns([O::Id, O::Name])
                    .from(O::Table)
                    .order_by(O::CreatedAt, Order::Asc)
                    .order_by(O::Id, Order::Asc)
                    .to_owned(),
            )
            .await?;
        let mut seen = HashSet::new();
        for row in rows {
            let id: Uuid = row.try_get("", "id")?;
            let name: String = row.try_get("", "name")?;
            let mut key = entity::organisation::name_key(&name);
            if !seen.insert(key.clone()) {
                key = format!("{key} #{id}");
            }
            db.execute(
                &Query::update()
                    .table(O::Table)
                    .value(O::NameKey, key)
                    .and_where(Expr::col(O::Id).eq(id))
                    .to_owned(),
            )
            .await?;
        }

        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(O::Table)
                    .col(O::NameKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Organisations::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .drop_column(Organisations::NameKey)
                    .to_owned(),
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::sea_orm::prelude::{ChronoDateTimeUtc, Uuid};
    use sea_orm_migration::sea_orm::{ConnectionTrait, Database};

    use super::*;
    use crate::Migrator;

    #[tokio::test]
    async fn colliding_names_are_kept_with_distinct_keys() -> Result<(), DbErr> {
        let path = std::env::temp_dir().join(format!("passerelle-name-key-{}.db", Uuid::now_v7()));
        let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display())).await?;
        Migrator::up(&db, Some(5)).await?;
        let names = ["École Centrale", "Arc France", "ECOLE  centrale", "ecole centrale"];
        let start: ChronoDateTimeUtc = "2026-01-01T00:00:00Z"
            .parse()
            .map_err(|e| DbErr::Custom(format!("{e}")))?;
        let mut ids = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let id = Uuid::now_v7();
            let at = start + chrono::TimeDelta::minutes(i as i64);
            db.execute(
                &Query::insert()
                    .into_table(Alias::new("organisations"))
                    .columns(["id", "slug", "name", "kind", "created_at", "updated_at"].map(Alias::new))
                    .values_panic([
                        id.into(),
                        format!("org-{i}").into(),
                        (*name).into(),
                        "association".into(),
                        at.into(),
                        at.into(),
                    ])
                    .to_owned(),
            )
            .await?;
            ids.push(id);
        }

        Migrator::up(&db, None).await?;
        let mut keys = Vec::new();
        for row in db
            .query_all(
                &Query::select()
                    .column(Organisations::NameKey)
                    .from(Organisations::Table)
                    .order_by(Organisations::CreatedAt, Order::Asc)
                    .to_owned(),
            )
            .await?
        {
            keys.push(row.try_get::<String>("", "name_key")?);
        }
        assert_eq!(
            keys,
            [
                "ecole centrale".to_string(),
                "arc france".to_string(),
                format!("ecole centrale #{}", ids[2]),
                format!("ecole centrale #{}", ids[3]),
            ]
        );

        // The index now refuses a fifth spelling of the name.
        let dup = db
            .execute(
                &Query::insert()
                    .into_table(Alias::new("organisations"))
                    .columns(["id", "slug", "name", "name_key", "kind", "created_at", "updated_at"].map(Alias::new))
                    .values_panic([
                        Uuid::now_v7().into(),
                        "org-5".into(),
                        "Ecole Centrale".into(),
                        "ecole centrale".into(),
                        "association".into(),
                        start.into(),
                        start.into(),
                    ])
                    .to_owned(),
            )
            .await;
        assert!(dup.is_err(), "{dup:?}");

        Migrator::down(&db, Some(1)).await?;
        db.close().await?;
        let _ = std::fs::remove_file(&path);
        Ok(())
    }
}
