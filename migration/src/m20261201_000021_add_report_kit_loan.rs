//! An experience report can be about a kit loan (a school's « retour »): `kit_loan_id`, and the
//! rule that a report is about exactly one action, event or loan.
//!
//! PostgreSQL swaps the table's CHECK constraint. SQLite cannot alter a constraint: the table
//! is rebuilt (created anew with the same columns, filled, the old one dropped, renamed, its
//! indexes made again) inside this migration's transaction; nothing references the table, so
//! dropping it touches no other row.

use sea_orm_migration::{prelude::*, schema::*};

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ExperienceReports {
    Table,
    Id,
    ActionId,
    EventId,
    KitLoanId,
    Author,
    AuthorUserId,
    Text,
    Rating,
    PeopleReached,
    ReportedOn,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Actions {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Events {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum KitLoans {
    Table,
    Id,
}

const ONE_SUBJECT: &str = "experience_reports_one_subject";
const REBUILT: &str = "experience_reports_rebuilt";

/// Exactly one subject, or (for `down`) exactly one of an action and an event: portable SQL.
fn one_of(with_loan: bool) -> String {
    let set = |column: &str| format!("CASE WHEN {column} IS NULL THEN 0 ELSE 1 END");
    let mut terms = vec![set("action_id"), set("event_id")];
    if with_loan {
        terms.push(set("kit_loan_id"));
    }
    format!("({}) = 1", terms.join(" + "))
}

/// The report table as it stands after this migration (or before it, for `down`).
fn table(name: impl IntoIden, with_loan: bool) -> TableCreateStatement {
    use ExperienceReports as X;
    let mut t = Table::create();
    t.table(name)
        .col(uuid(X::Id).primary_key())
        .col(uuid_null(X::ActionId))
        .col(uuid_null(X::EventId));
    if with_loan {
        t.col(uuid_null(X::KitLoanId));
    }
    t.col(string_len(X::Author, 200))
        .col(text(X::Text))
        .col(small_integer_null(X::Rating))
        .col(integer_null(X::PeopleReached))
        .col(date(X::ReportedOn))
        .col(timestamp_with_time_zone(X::CreatedAt))
        .col(timestamp_with_time_zone(X::UpdatedAt))
        .col(uuid_null(X::AuthorUserId))
        .foreign_key(
            ForeignKey::create()
                .name("fk_reports_action")
                .from(X::Table, X::ActionId)
                .to(Actions::Table, Actions::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_reports_event")
                .from(X::Table, X::EventId)
                .to(Events::Table, Events::Id)
                .on_delete(ForeignKeyAction::Cascade),
        );
    if with_loan {
        t.foreign_key(
            ForeignKey::create()
                .name("fk_reports_kit_loan")
                .from(X::Table, X::KitLoanId)
                .to(KitLoans::Table, KitLoans::Id)
                .on_delete(ForeignKeyAction::Cascade),
        );
    }
    t.check(Expr::cust(one_of(with_loan)));
    t.to_owned()
}

fn indexes(with_loan: bool) -> Vec<IndexCreateStatement> {
    use ExperienceReports as X;
    let mut all = vec![
        ("idx_reports_reported", vec![X::ReportedOn, X::Id]),
        ("idx_reports_created", vec![X::CreatedAt, X::Id]),
        ("idx_reports_action", vec![X::ActionId, X::ReportedOn, X::Id]),
        ("idx_reports_event", vec![X::EventId, X::ReportedOn, X::Id]),
    ];
    if with_loan {
        all.push(("idx_reports_kit_loan", vec![X::KitLoanId, X::ReportedOn, X::Id]));
    }
    all.into_iter()
        .map(|(name, cols)| index(name, X::Table, &cols))
        .collect()
}

/// SQLite: rebuilds the table with or without the loan column.
async fn rebuild(manager: &SchemaManager<'_>, with_loan: bool) -> Result<(), DbErr> {
    use ExperienceReports as X;
    let db = manager.get_connection();
    manager.create_table(table(Alias::new(REBUILT), with_loan)).await?;
    let columns = [
        X::Id,
        X::ActionId,
        X::EventId,
        X::Author,
        X::AuthorUserId,
        X::Text,
        X::Rating,
        X::PeopleReached,
        X::ReportedOn,
        X::CreatedAt,
        X::UpdatedAt,
    ];
    let mut copy = Query::select();
    copy.columns(columns).from(X::Table);
    if !with_loan {
        copy.and_where(Expr::col(X::KitLoanId).is_null());
    }
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(REBUILT))
        .columns(columns)
        .select_from(copy)
        .map_err(|e| DbErr::Migration(e.to_string()))?;
    db.execute(&insert).await?;
    manager.drop_table(Table::drop().table(X::Table).to_owned()).await?;
    manager
        .rename_table(Table::rename().table(Alias::new(REBUILT), X::Table).to_owned())
        .await?;
    for index in indexes(with_loan) {
        manager.create_index(index).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ExperienceReports as X;
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return rebuild(manager, true).await;
        }
        let db = manager.get_connection();
        manager
            .alter_table(
                Table::alter()
                    .table(X::Table)
                    .add_column(uuid_null(X::KitLoanId))
                    .add_foreign_key(
                        TableForeignKey::new()
                            .name("fk_reports_kit_loan")
                            .from_tbl(X::Table)
                            .from_col(X::KitLoanId)
                            .to_tbl(KitLoans::Table)
                            .to_col(KitLoans::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The constraint of the first migration was created unnamed: PostgreSQL named it.
        let checks = db
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT conname FROM pg_constraint WHERE conrelid = 'experience_reports'::regclass AND contype = 'c'",
            ))
            .await?;
        for row in checks {
            let name: String = row.try_get("", "conname")?;
            db.execute_unprepared(&format!("ALTER TABLE experience_reports DROP CONSTRAINT \"{name}\""))
                .await?;
        }
        db.execute_unprepared(&format!(
            "ALTER TABLE experience_reports ADD CONSTRAINT {ONE_SUBJECT} CHECK ({})",
            one_of(true)
        ))
        .await?;
        manager
            .create_index(index(
                "idx_reports_kit_loan",
                X::Table,
                &[X::KitLoanId, X::ReportedOn, X::Id],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ExperienceReports as X;
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return rebuild(manager, false).await;
        }
        let db = manager.get_connection();
        db.execute_unprepared("DELETE FROM experience_reports WHERE kit_loan_id IS NOT NULL")
            .await?;
        db.execute_unprepared(&format!("ALTER TABLE experience_reports DROP CONSTRAINT {ONE_SUBJECT}"))
            .await?;
        manager
            .alter_table(Table::alter().table(X::Table).drop_column(X::KitLoanId).to_owned())
            .await?;
        db.execute_unprepared(&format!(
            "ALTER TABLE experience_reports ADD CONSTRAINT experience_reports_check CHECK ({})",
            one_of(false)
        ))
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::sea_orm::prelude::Uuid;
    use sea_orm_migration::sea_orm::{ConnectionTrait, Database};

    use super::*;
    use crate::Migrator;

    #[tokio::test]
    async fn the_rebuilt_report_table_keeps_its_rows_and_goes_back() -> Result<(), DbErr> {
        let path = std::env::temp_dir().join(format!("passerelle-reports-{}.db", Uuid::new_v4()));
        let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display())).await?;
        db.execute_unprepared("PRAGMA foreign_keys = ON").await?;
        Migrator::up(&db, Some(6)).await?;
        let (org, action, report) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let at = "2026-12-01T00:00:00+00:00";
        db.execute_unprepared(&format!(
            "INSERT INTO organisations (id, slug, name, name_key, kind, created_at, updated_at) \
             VALUES (X'{o}', 'o', 'O', 'o', 'association', '{at}', '{at}'); \
             INSERT INTO actions (id, organisation_id, title, status, priority, audiences, tags, visibility, created_at, updated_at) \
             VALUES (X'{a}', X'{o}', 'A', 'planned', 'low', '[]', '[]', 'public', '{at}', '{at}'); \
             INSERT INTO experience_reports (id, action_id, author, text, reported_on, created_at, updated_at) \
             VALUES (X'{r}', X'{a}', 'X', 'Y', '2026-12-01', '{at}', '{at}');",
            o = org.simple(),
            a = action.simple(),
            r = report.simple(),
        ))
        .await?;
        Migrator::up(&db, None).await?;
        let count = |sql: &'static str| {
            let db = &db;
            async move {
                let row = db
                    .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
                        sea_orm_migration::sea_orm::DatabaseBackend::Sqlite,
                        sql,
                    ))
                    .await?;
                row.map_or(Ok(0), |r| r.try_get_by_index::<i64>(0))
            }
        };
        assert_eq!(
            count("SELECT count(*) FROM experience_reports WHERE kit_loan_id IS NULL").await?,
            1
        );
        // Two subjects at once are refused by the rebuilt table's rule.
        let twice = db
            .execute_unprepared(&format!(
                "INSERT INTO experience_reports (id, action_id, event_id, author, text, reported_on, created_at, updated_at) \
                 VALUES (X'{}', X'{}', X'{}', 'X', 'Y', '2026-12-01', '{at}', '{at}')",
                Uuid::new_v4().simple(),
                action.simple(),
                Uuid::new_v4().simple(),
            ))
            .await;
        assert!(twice.is_err());
        Migrator::down(&db, Some(4)).await?;
        assert_eq!(count("SELECT count(*) FROM experience_reports").await?, 1);
        Migrator::up(&db, None).await?;
        assert_eq!(count("SELECT count(*) FROM experience_reports").await?, 1);
        db.close().await?;
        let _ = std::fs::remove_file(&path);
        Ok(())
    }
}
