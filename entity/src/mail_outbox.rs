use sea_orm::entity::prelude::*;

use crate::{Locale, MailKind, MailStatus};

/// A message to send, written in the transaction of what caused it. Its text is composed when
/// it is sent, from `params`; the one secret it delivers, if any, waits in `secret` and is
/// wiped by the statement that marks the message sent, refused or cancelled.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: MailKind,
    /// The address it goes to (blanked on a reset asked for an address with no account).
    pub recipient: String,
    pub user_id: Option<Uuid>,
    pub locale: Locale,
    /// The subject, for the outbox's readers (the message's own is composed at sending).
    pub subject: String,
    /// What the message says, as a JSON object (see `mail::compose`): never a secret.
    #[sea_orm(column_type = "JsonBinary")]
    pub params: Json,
    /// The secret the message delivers (a temporary password) while it waits; never read by
    /// anything but the sender, never exposed.
    pub secret: Option<String>,
    /// Unique when set: a cause that must never queue two messages (a digest's period).
    pub dedupe_key: Option<String>,
    pub status: MailStatus,
    /// Failed attempts so far.
    pub attempts: i32,
    /// Not tried before this time.
    pub not_before: DateTimeUtc,
    /// Not worth sending after this time (the link or password it carries has expired).
    pub expires_at: Option<DateTimeUtc>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    /// When it was last tried (sent, refused or failed).
    pub last_attempt_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
