//! E-mail: the mail outbox (one row per message, written in the transaction of its cause and
//! claimed with a lease by the sender of any instance), self-service password resets (only a
//! hash of each link's secret), digest subscriptions (claimed with a lease when due), the
//! signing keys of one-click links, and two columns on accounts: the `locale` messages are
//! written in and when a temporary password expires.

use sea_orm_migration::sea_orm::prelude::ChronoDateTimeUtc;
use sea_orm_migration::{prelude::*, schema::*};

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
    Locale,
    MustChangePassword,
    TemporaryPasswordExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum MailOutbox {
    Table,
    Id,
    Kind,
    Recipient,
    UserId,
    Locale,
    Subject,
    Params,
    Secret,
    DedupeKey,
    Status,
    Attempts,
    NotBefore,
    ExpiresAt,
    LeaseOwner,
    LeaseExpiresAt,
    LastError,
    LastAttemptAt,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PasswordResets {
    Table,
    Id,
    UserId,
    SecretHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum DigestSubscriptions {
    Table,
    Id,
    UserId,
    Frequency,
    EventFilter,
    ResourceFilter,
    CoveredUntil,
    NextDueAt,
    LeaseOwner,
    LeaseExpiresAt,
    LastSentAt,
    CreatedAt,
    UnsubscribedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SigningKeys {
    Table,
    Name,
    Secret,
    CreatedAt,
}

/// How long the temporary passwords already issued stay valid once this migration runs
/// (the default of `PASSERELLE_TEMPORARY_PASSWORD_DAYS`): they neither expire at once nor
/// live for ever.
const EXISTING_TEMPORARY_DAYS: u64 = 14;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Users::Locale).string_len(8).not_null().default("fr"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::TemporaryPasswordExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        let expires = ChronoDateTimeUtc::from(
            std::time::SystemTime::now() + std::time::Duration::from_secs(EXISTING_TEMPORARY_DAYS * 86_400),
        );
        manager
            .exec_stmt(
                Query::update()
                    .table(Users::Table)
                    .value(Users::TemporaryPasswordExpiresAt, expires)
                    .and_where(Expr::col(Users::MustChangePassword).eq(true))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MailOutbox::Table)
                    .col(uuid(MailOutbox::Id).primary_key())
                    .col(string_len(MailOutbox::Kind, 32))
                    .col(string_len(MailOutbox::Recipient, 254))
                    .col(uuid_null(MailOutbox::UserId))
                    .col(string_len(MailOutbox::Locale, 8))
                    .col(text(MailOutbox::Subject))
                    .col(json_binary(MailOutbox::Params))
                    .col(text_null(MailOutbox::Secret))
                    .col(string_len_null(MailOutbox::DedupeKey, 200))
                    .col(string_len(MailOutbox::Status, 16))
                    .col(integer(MailOutbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(MailOutbox::NotBefore))
                    .col(timestamp_with_time_zone_null(MailOutbox::ExpiresAt))
                    .col(string_len_null(MailOutbox::LeaseOwner, 64))
                    .col(timestamp_with_time_zone_null(MailOutbox::LeaseExpiresAt))
                    .col(text_null(MailOutbox::LastError))
                    .col(timestamp_with_time_zone_null(MailOutbox::LastAttemptAt))
                    .col(timestamp_with_time_zone(MailOutbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(MailOutbox::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mail_outbox_user")
                            .from(MailOutbox::Table, MailOutbox::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // What the sender claims: waiting rows, due first.
        manager
            .create_index(index(
                "idx_mail_outbox_due",
                MailOutbox::Table,
                &[MailOutbox::Status, MailOutbox::NotBefore],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_mail_outbox_created",
                MailOutbox::Table,
                &[MailOutbox::CreatedAt, MailOutbox::Id],
            ))
            .await?;
        manager
            .create_index(index("idx_mail_outbox_user", MailOutbox::Table, &[MailOutbox::UserId]))
            .await?;
        // One message per cause that must never be queued twice (a digest's period).
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_outbox_dedupe")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::DedupeKey)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PasswordResets::Table)
                    .col(uuid(PasswordResets::Id).primary_key())
                    .col(uuid(PasswordResets::UserId))
                    .col(string_len(PasswordResets::SecretHash, 64))
                    .col(timestamp_with_time_zone(PasswordResets::CreatedAt))
                    .col(timestamp_with_time_zone(PasswordResets::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PasswordResets::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_password_resets_user")
                            .from(PasswordResets::Table, PasswordResets::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_password_resets_user",
                PasswordResets::Table,
                &[PasswordResets::UserId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DigestSubscriptions::Table)
                    .col(uuid(DigestSubscriptions::Id).primary_key())
                    .col(uuid(DigestSubscriptions::UserId))
                    .col(string_len(DigestSubscriptions::Frequency, 16))
                    .col(json_binary(DigestSubscriptions::EventFilter))
                    .col(json_binary(DigestSubscriptions::ResourceFilter))
                    .col(timestamp_with_time_zone(DigestSubscriptions::CoveredUntil))
                    .col(timestamp_with_time_zone(DigestSubscriptions::NextDueAt))
                    .col(string_len_null(DigestSubscriptions::LeaseOwner, 64))
                    .col(timestamp_with_time_zone_null(DigestSubscriptions::LeaseExpiresAt))
                    .col(timestamp_with_time_zone_null(DigestSubscriptions::LastSentAt))
                    .col(timestamp_with_time_zone(DigestSubscriptions::CreatedAt))
                    .col(timestamp_with_time_zone_null(DigestSubscriptions::UnsubscribedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_digest_subscriptions_user")
                            .from(DigestSubscriptions::Table, DigestSubscriptions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_digest_subscriptions_due",
                DigestSubscriptions::Table,
                &[DigestSubscriptions::NextDueAt],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_digest_subscriptions_user",
                DigestSubscriptions::Table,
                &[DigestSubscriptions::UserId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SigningKeys::Table)
                    .col(string_len(SigningKeys::Name, 32).primary_key())
                    .col(string_len(SigningKeys::Secret, 128))
                    .col(timestamp_with_time_zone(SigningKeys::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SigningKeys::Table.into_iden(),
            DigestSubscriptions::Table.into_iden(),
            PasswordResets::Table.into_iden(),
            MailOutbox::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for column in [Users::TemporaryPasswordExpiresAt, Users::Locale] {
            manager
                .alter_table(Table::alter().table(Users::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
