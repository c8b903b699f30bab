//! The French order of names and titles, as bytes both databases compare alike.
//!
//! Lists sorted by name or title read a stored sort key (`organisations.name_sort`,
//! `events.title_sort`…) rather than the text: the key is a CLDR collation key (ICU4X, the
//! French rules), so that comparing keys byte by byte — what SQLite does with a BLOB and
//! PostgreSQL with a `bytea`, whatever the database's own collation — gives the order a French
//! reader expects: « École nationale » among the E (accents count only between words that are
//! otherwise equal, then case), « Verr’Elles » beside « Verrelles » (spaces, apostrophes,
//! hyphens and other punctuation ignored), « Atelier 2 » before « Atelier 10 » (numbers by
//! their value). Keyset pagination stays exact: the key is a plain column, indexed with the id.
//!
//! Stored keys were computed with these rules and this version of the collation data (the
//! crate is pinned): changing either needs a migration that recomputes them, as
//! `m20261201_000030_add_sort_keys` computed them first.

use std::sync::LazyLock;

use icu_collator::options::{AlternateHandling, CollatorOptions, MaxVariable, Strength};
use icu_collator::preferences::CollationNumericOrdering;
use icu_collator::{Collator, CollatorBorrowed, CollatorPreferences};

static FRENCH: LazyLock<CollatorBorrowed<'static>> = LazyLock::new(|| {
    let mut prefs = CollatorPreferences::from(icu_locale_core::locale!("fr"));
    prefs.numeric_ordering = Some(CollationNumericOrdering::True);
    let mut options = CollatorOptions::default();
    options.strength = Some(Strength::Tertiary);
    options.alternate_handling = Some(AlternateHandling::Shifted);
    options.max_variable = Some(MaxVariable::Punctuation);
    // The French data is compiled into the binary (`compiled_data`): loading it cannot fail
    // at run time, and the unit tests below build this collator.
    Collator::try_new(prefs, options).expect("the compiled French collation data")
});

/// The sort key of one text.
pub fn sort_key(text: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(text.len() * 2 + 8);
    // Writing into a `Vec` cannot fail.
    let Ok(()) = FRENCH.write_sort_key_to(text.trim(), &mut key);
    key
}

/// The sort key of several texts in turn (a contact's last name, then first name): the keys
/// of the parts joined by a zero byte, which collation keys never hold, so that the second
/// part only decides between equal first parts.
pub fn sort_key_of(parts: &[&str]) -> Vec<u8> {
    let mut key = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            key.push(0);
        }
        key.extend(sort_key(part));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut names: Vec<&str> = names.to_vec();
        names.sort_by_key(|n| sort_key(n));
        names.into_iter().map(String::from).collect()
    }

    #[test]
    fn names_sort_as_a_french_reader_expects() {
        assert_eq!(
            sorted(&[
                "Verr’Elles",
                "École nationale supérieure de mécanique et des microtechniques",
                "Arc France",
                "Elles Bougent",
                "Delta",
                "ecole centrale",
                "Fédération",
                "CORIF",
                "capital filles",
            ]),
            [
                "Arc France",
                "capital filles",
                "CORIF",
                "Delta",
                "ecole centrale",
                "École nationale supérieure de mécanique et des microtechniques",
                "Elles Bougent",
                "Fédération",
                "Verr’Elles",
            ]
        );
    }

    #[test]
    fn accents_and_case_only_break_ties_and_punctuation_is_ignored() {
        // Accents count after the letters: « cote » < « côte » < « coter ».
        assert_eq!(sorted(&["coter", "côte", "cote"]), ["cote", "côte", "coter"]);
        // Case after accents; lowercase first.
        assert!(sort_key("ecole") < sort_key("Ecole"));
        assert!(sort_key("Ecole") < sort_key("école"));
        // Apostrophes (straight or typographic), hyphens and spaces are ignored.
        assert_eq!(sort_key("Verr’Elles"), sort_key("VerrElles"));
        assert_eq!(sort_key("Verr'Elles"), sort_key("Verr’Elles"));
        assert_eq!(sort_key("Saint-Omer"), sort_key("Saint Omer"));
        assert_eq!(sort_key("  Arc France "), sort_key("Arc France"));
        // Numbers by their value.
        assert_eq!(
            sorted(&["Atelier 10", "Atelier 2", "Atelier 1"]),
            ["Atelier 1", "Atelier 2", "Atelier 10"]
        );
    }

    #[test]
    fn keys_of_parts_order_by_the_first_part_then_the_next() {
        let dupont_zoe = sort_key_of(&["Dupont", "Zoé"]);
        let duponta_anne = sort_key_of(&["Duponta", "Anne"]);
        let dupont_anne = sort_key_of(&["Dupont", "Anne"]);
        assert!(dupont_anne < dupont_zoe);
        assert!(dupont_zoe < duponta_anne);
        assert!(!sort_key("Élodie Dupont-Martin").contains(&0));
    }
}
