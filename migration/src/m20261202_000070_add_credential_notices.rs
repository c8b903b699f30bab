//! On PostgreSQL, every change to what a signed-in request's credentials say is announced on
//! the channel `passerelle_credentials`, so that each instance's cache of sessions
//! (`auth::cache`) forgets it at once, whoever wrote it: this hub, another instance, a
//! command, a restore or an operator's own SQL. A session is announced as `s:<id>` when it
//! is revoked, expires sooner, changes hands or is deleted; an account as `u:<id>` when its
//! e-mail, role, organisation, password obligation or disabled flag changes, or it is
//! deleted; `*` when either table is emptied. Recording a session's use (`last_used_at`) or an
//! account's last sign-in announces nothing. SQLite has no listeners: there the hub reads the
//! session on every request and needs no notice.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const FUNCTION: &str = "passerelle_credentials_changed";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               IF TG_OP = 'TRUNCATE' THEN \
                 PERFORM pg_notify('passerelle_credentials', '*'); \
               ELSIF TG_TABLE_NAME = 'sessions' THEN \
                 PERFORM pg_notify('passerelle_credentials', 's:' || OLD.id::text); \
               ELSE \
                 PERFORM pg_notify('passerelle_credentials', 'u:' || OLD.id::text); \
               END IF; \
               RETURN NULL; \
             END $$"
        ))
        .await?;
        let watched = [
            ("sessions", "user_id, secret_hash, expires_at, revoked_at"),
            ("users", "email, role, organisation_id, must_change_password, disabled"),
        ];
        for (table, columns) in watched {
            let old = columns
                .split(", ")
                .map(|c| format!("OLD.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            let new = columns
                .split(", ")
                .map(|c| format!("NEW.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            for statement in [
                format!(
                    "CREATE TRIGGER {table}_credentials_updated AFTER UPDATE ON {table} FOR EACH ROW \
                     WHEN (({old}) IS DISTINCT FROM ({new})) EXECUTE FUNCTION {FUNCTION}()"
                ),
                format!(
                    "CREATE TRIGGER {table}_credentials_deleted AFTER DELETE ON {table} FOR EACH ROW \
                     EXECUTE FUNCTION {FUNCTION}()"
                ),
                format!(
                    "CREATE TRIGGER {table}_credentials_truncated AFTER TRUNCATE ON {table} \
                     FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
                ),
            ] {
                db.execute_unprepared(&statement).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for table in ["sessions", "users"] {
            for what in ["updated", "deleted", "truncated"] {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {table}_credentials_{what} ON {table}"))
                    .await?;
            }
        }
        db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {FUNCTION}()"))
            .await?;
        Ok(())
    }
}
