//! The French order of names and titles: a sort key column beside each sorted name or title
//! (`entity::sort_key`), backfilled for the rows already there, and the `(key, id)` indexes
//! keyset pagination reads in place of the `(text, id)` ones.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One sorted text: its table, the texts its key is made of, the key column, and the indexes
/// that read it (each replacing an index of the text).
struct Sorted {
    table: &'static str,
    sources: &'static [&'static str],
    key: &'static str,
    /// (new index, its columns, the index of the text it replaces)
    indexes: &'static [(&'static str, &'static [&'static str], &'static str)],
}

const SORTED: &[Sorted] = &[
    Sorted {
        table: "organisations",
        sources: &["name"],
        key: "name_sort",
        indexes: &[(
            "idx_organisations_name_sort",
            &["name_sort", "id"],
            "idx_organisations_name",
        )],
    },
    Sorted {
        table: "contacts",
        sources: &["last_name", "first_name"],
        key: "name_sort",
        indexes: &[
            ("idx_contacts_name_sort", &["name_sort", "id"], "idx_contacts_name"),
            (
                "idx_contacts_organisation_name_sort",
                &["organisation_id", "name_sort", "id"],
                "idx_contacts_organisation",
            ),
        ],
    },
    Sorted {
        table: "resources",
        sources: &["title"],
        key: "title_sort",
        indexes: &[("idx_resources_title_sort", &["title_sort", "id"], "idx_resources_title")],
    },
    Sorted {
        table: "events",
        sources: &["title"],
        key: "title_sort",
        indexes: &[("idx_events_title_sort", &["title_sort", "id"], "idx_events_title")],
    },
    Sorted {
        table: "actions",
        sources: &["title"],
        key: "title_sort",
        indexes: &[("idx_actions_title_sort", &["title_sort", "id"], "idx_actions_title")],
    },
    Sorted {
        table: "feeds",
        sources: &["name"],
        key: "name_sort",
        indexes: &[("idx_feeds_name_sort", &["name_sort", "id"], "idx_feeds_name")],
    },
];

/// Rows read and updated per statement: two parameters a row in the `CASE`, one in the `IN`,
/// well under both databases' limits.
const BATCH: u64 = 500;

fn index(name: &str, table: &str, cols: &[&str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(Alias::new(table));
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.to_owned()
}

/// Computes the key of every row of `s.table`, a batch at a time in id order.
async fn backfill(manager: &SchemaManager<'_>, s: &Sorted) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let mut after: Option<Uuid> = None;
    loop {
        let mut select = Query::select();
        select
            .column(Alias::new("id"))
            .columns(s.sources.iter().map(|c| Alias::new(*c)))
            .from(Alias::new(s.table))
            .order_by(Alias::new("id"), Order::Asc)
            .limit(BATCH);
        if let Some(after) = after {
            select.and_where(Expr::col(Alias::new("id")).gt(after));
        }
        let rows = db.query_all(&select).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.try_get("", "id")?);
        let mut case = CaseStatement::new();
        let mut ids = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: Uuid = row.try_get("", "id")?;
            let mut parts = Vec::with_capacity(s.sources.len());
            for source in s.sources {
                parts.push(row.try_get::<String>("", source)?);
            }
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            case = case.case(
                Expr::col(Alias::new("id")).eq(id),
                Expr::val(entity::sort_key::sort_key_of(&parts)),
            );
            ids.push(id);
        }
        db.execute(
            &Query::update()
                .table(Alias::new(s.table))
                .value(Alias::new(s.key), case)
                .and_where(Expr::col(Alias::new("id")).is_in(ids))
                .to_owned(),
        )
        .await?;
        if (rows.len() as u64) < BATCH {
            break;
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for s in SORTED {
            // SQLite adds a NOT NULL column only with a default; every write sets the key.
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(s.table))
                        .add_column(
                            ColumnDef::new(Alias::new(s.key))
                                .blob()
                                .not_null()
                                .default(Vec::<u8>::new()),
                        )
                        .to_owned(),
                )
                .await?;
            backfill(manager, s).await?;
            for (name, cols, replaced) in s.indexes {
                manager.create_index(index(name, s.table, cols)).await?;
                manager
                    .drop_index(Index::drop().name(*replaced).table(Alias::new(s.table)).to_owned())
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for s in SORTED.iter().rev() {
            for (name, _, replaced) in s.indexes {
                let cols: Vec<&str> = match *replaced {
                    "idx_contacts_organisation" => vec!["organisation_id", "last_name", "id"],
                    _ => vec![s.sources[0], "id"],
                };
                manager.create_index(index(replaced, s.table, &cols)).await?;
                manager
                    .drop_index(Index::drop().name(*name).table(Alias::new(s.table)).to_owned())
                    .await?;
            }
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(s.table))
                        .drop_column(Alias::new(s.key))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::sea_orm::prelude::{ChronoDateTimeUtc, Uuid};
    use sea_orm_migration::sea_orm::{ConnectionTrait, Database};

    use super::*;
    use crate::Migrator;

    /// Rows written before the keys existed get theirs, more than a batch of them, and read
    /// back in French order by their key.
    #[tokio::test]
    async fn existing_rows_get_their_keys() -> Result<(), DbErr> {
        let path = std::env::temp_dir().join(format!("passerelle-sort-keys-{}.db", Uuid::now_v7()));
        let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display())).await?;
        // Every migration before this one (whatever was merged in before it).
        let before = Migrator::migrations()
            .iter()
            .position(|m| m.name() == Migration.name())
            .ok_or_else(|| DbErr::Custom("the migration is registered".into()))?;
        Migrator::up(&db, Some(before as u32)).await?;
        let at: ChronoDateTimeUtc = "2026-01-01T00:00:00Z"
            .parse()
            .map_err(|e| DbErr::Custom(format!("{e}")))?;
        let named = ["Verr’Elles", "École nationale supérieure", "Delta", "Fédération"];
        let names: Vec<String> = named
            .iter()
            .map(|n| String::from(*n))
            .chain((0..BATCH + 20).map(|i| format!("Organisation {i}")))
            .collect();
        for (i, name) in names.iter().enumerate() {
            db.execute(
                &Query::insert()
                    .into_table(Alias::new("organisations"))
                    .columns(["id", "slug", "name", "name_key", "kind", "created_at", "updated_at"].map(Alias::new))
                    .values_panic([
                        Uuid::now_v7().into(),
                        format!("org-{i}").into(),
                        name.clone().into(),
                        entity::organisation::name_key(name).into(),
                        "association".into(),
                        at.into(),
                        at.into(),
                    ])
                    .to_owned(),
            )
            .await?;
        }

        Migrator::up(&db, Some(1)).await?;
        let rows = db
            .query_all(
                &Query::select()
                    .columns([Alias::new("name"), Alias::new("name_sort")])
                    .from(Alias::new("organisations"))
                    .order_by(Alias::new("name_sort"), Order::Asc)
                    .order_by(Alias::new("id"), Order::Asc)
                    .to_owned(),
            )
            .await?;
        let mut read = Vec::new();
        for row in &rows {
            let name: String = row.try_get("", "name")?;
            let key: Vec<u8> = row.try_get("", "name_sort")?;
            assert_eq!(key, entity::sort_key::sort_key(&name), "{name}");
            read.push(name);
        }
        assert_eq!(read.len(), names.len());
        let first: Vec<&str> = read
            .iter()
            .map(String::as_str)
            .filter(|n| !n.starts_with("Organisation"))
            .collect();
        assert_eq!(
            first,
            ["Delta", "École nationale supérieure", "Fédération", "Verr’Elles"]
        );
        assert_eq!(read[3], "Organisation 0");
        assert_eq!(read[4], "Organisation 1");
        assert_eq!(read[5], "Organisation 2", "numbers by their value");

        Migrator::down(&db, Some(1)).await?;
        db.close().await?;
        let _ = std::fs::remove_file(&path);
        Ok(())
    }
}
