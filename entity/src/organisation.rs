use sea_orm::entity::prelude::*;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::{OrganisationKind, Region};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    /// `name_key(name)`, unique: two organisations cannot differ only by case, accents or
    /// spacing. Rows that collided when the column was added keep a distinct key (the
    /// migration appends their id) until they are renamed.
    #[sea_orm(unique)]
    pub name_key: String,
    pub kind: OrganisationKind,
    pub region: Option<Region>,
    pub departement: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub website: Option<String>,
    pub description: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The form of an organisation name that uniqueness is judged on: compatibility-decomposed,
/// without accents, lowercase, without invisible format characters, whitespace runs folded
/// to one space. "École  Centrale", "ECOLE CENTRALE" and "ecole centrale" share one key.
///
/// Stored keys were computed with this rule (the migration that added the column calls it):
/// changing it needs a migration that recomputes them.
pub fn name_key(name: &str) -> String {
    let folded: String = name
        .nfkd()
        .filter(|c| !is_combining_mark(*c) && !is_invisible(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Bidirectional controls, zero-width characters and the byte-order mark: they change nothing
/// a reader sees, so they must not make two names differ.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::name_key;

    #[test]
    fn keys_ignore_case_accents_spacing_and_invisible_characters() {
        let key = name_key("École Centrale");
        assert_eq!(key, "ecole centrale");
        for variant in [
            "ecole centrale",
            "ÉCOLE  CENTRALE",
            " E\u{301}cole\tCentrale ",
            "École\u{200B} Centrale",
            "\u{202E}École Centrale\u{202C}",
            "Ｅｃｏｌｅ Ｃｅｎｔｒａｌｅ",
        ] {
            assert_eq!(name_key(variant), key, "{variant:?}");
        }
        assert_ne!(name_key("École Centrale de Lyon"), key);
        assert_eq!(name_key("Verr’Elles"), "verr’elles");
    }
}
