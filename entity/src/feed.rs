use sea_orm::entity::prelude::*;

use crate::{Audiences, ColumnMap, FeedFormat, Visibility};

/// A partner's event feed, pulled on a schedule.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "feeds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    /// `sort_key::sort_key(name)`: what lists sorted by name compare (the French order).
    #[sea_orm(column_type = "Blob")]
    pub name_sort: Vec<u8>,
    pub url: String,
    /// `url_key(url)`, unique within the organisation (a duplicate found when the column was
    /// added keeps a distinct key: see the migration).
    pub url_key: String,
    pub format: FeedFormat,
    pub interval_minutes: i32,
    pub enabled: bool,
    pub default_visibility: Visibility,
    #[sea_orm(column_type = "JsonBinary")]
    pub default_audiences: Audiences,
    /// Zone of the feed's floating times.
    pub timezone: String,
    pub use_publication_date: bool,
    #[sea_orm(column_type = "JsonBinary")]
    pub csv_columns: ColumnMap,
    /// Validators of the last successful fetch, sent back for a conditional GET.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_fetched_at: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub consecutive_failures: i32,
    pub next_fetch_at: DateTimeUtc,
    /// The instance holding the feed while it syncs, until the lease expires.
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The form of a feed's address that "one feed per address and organisation" is judged on: the
/// address as the hub stores it (scheme and host lowercased, default port dropped, by the URL
/// parser) without its fragment, which is never sent to the server; hashed (SHA-256, hex), so
/// that any address fits the unique index.
///
/// Stored keys were computed with this rule (the migration that added the column calls it):
/// changing it needs a migration that recomputes them.
pub fn url_key(url: &str) -> String {
    use sha2::{Digest, Sha256};
    let without_fragment = url.split('#').next().unwrap_or_default().trim();
    format!("{:x}", Sha256::digest(without_fragment.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::url_key;

    #[test]
    fn keys_ignore_the_fragment_only() {
        let key = url_key("https://example.org/agenda.ics");
        assert_eq!(key.len(), 64);
        assert_eq!(url_key("https://example.org/agenda.ics#semaine"), key);
        assert_eq!(url_key(" https://example.org/agenda.ics "), key);
        assert_ne!(url_key("https://example.org/agenda.ics?all=1"), key);
        assert_ne!(url_key("https://example.org/Agenda.ics"), key);
    }
}
