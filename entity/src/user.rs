use sea_orm::entity::prelude::*;

use crate::{Locale, Role};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub email: String,
    pub display_name: String,
    pub organisation_id: Option<Uuid>,
    pub role: Role,
    /// Argon2id PHC string; never leaves the store.
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub last_login_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The language its e-mail is written in.
    pub locale: Locale,
    /// When its temporary password stops opening it (set while `must_change_password`).
    pub temporary_password_expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
