use sea_orm::entity::prelude::*;

use crate::{Audiences, Region, Tags, Visibility};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Option<Uuid>,
    pub first_name: String,
    pub last_name: String,
    /// `sort_key::sort_key_of(&[last_name, first_name])`: what lists sorted by name compare
    /// (the French order).
    #[sea_orm(column_type = "Blob")]
    pub name_sort: Vec<u8>,
    pub job_title: Option<String>,
    pub email: Option<String>,
    /// `email_key(email)`, unique within the organisation (a duplicate found when the column
    /// was added keeps a distinct key: see the migration).
    pub email_key: Option<String>,
    pub phone: Option<String>,
    pub region: Option<Region>,
    pub departement: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub audiences: Audiences,
    #[sea_orm(column_type = "JsonBinary")]
    pub tags: Tags,
    pub notes: Option<String>,
    pub visibility: Visibility,
    pub consent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The form of a contact's e-mail address that "one contact per address and organisation" is
/// judged on: trimmed and lowercased whole (`Camille.Martin@Example.org` and
/// `camille.martin@example.org` are one person's).
///
/// Stored keys were computed with this rule (the migration that added the column calls it):
/// changing it needs a migration that recomputes them.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}
