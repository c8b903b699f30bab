//! French places: from a postal code, a commune's name or one line of text such as
//! « Fablab de Villeurbanne, 12 rue des Arts, 69100 Villeurbanne », the commune, its
//! département and its région, from the official tables (INSEE's Code officiel géographique
//! and La Poste's postal codes, `src/places/data/`, see its `SOURCES.md`).
//!
//! Pure: no database, no network; the table is compiled into the binary. The domain's record
//! rules (`domain::event`, `domain::contact`, `domain::organisation`) call [`complete`], which
//! fills what a record lacks and never changes what it holds, so every entry point (GraphQL,
//! imports, feeds, demo data) fills places the same way.

mod line;
mod table;

use entity::Region;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use table::Table;
pub use table::{Commune, Departement};

/// What a record says of where it is. Every part is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlaceParts {
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub departement: Option<String>,
    pub region: Option<Region>,
}

/// Why a place could not be completed, for a feed run's or an import's warnings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// A postal code the table does not know, nor anything else to place the record by.
    UnknownPostalCode(String),
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::UnknownPostalCode(code) => write!(
                f,
                "code postal {code} inconnu : département et région laissés vides / \
                 unknown postal code {code}: département and région left empty"
            ),
        }
    }
}

/// The département of a code (`25`, `2A`, `974`), with its région.
pub fn departement(code: &str) -> Option<&'static Departement> {
    Table::get().departement(code.trim())
}

/// The région of a département code.
pub fn region_of(departement_code: &str) -> Option<Region> {
    departement(departement_code).map(|d| d.region)
}

/// A région's name, as the COG writes it.
pub fn region_name(region: Region) -> &'static str {
    match region {
        Region::AuvergneRhoneAlpes => "Auvergne-Rhône-Alpes",
        Region::BourgogneFrancheComte => "Bourgogne-Franche-Comté",
        Region::Bretagne => "Bretagne",
        Region::CentreValDeLoire => "Centre-Val de Loire",
        Region::Corse => "Corse",
        Region::GrandEst => "Grand Est",
        Region::HautsDeFrance => "Hauts-de-France",
        Region::IleDeFrance => "Île-de-France",
        Region::Normandie => "Normandie",
        Region::NouvelleAquitaine => "Nouvelle-Aquitaine",
        Region::Occitanie => "Occitanie",
        Region::PaysDeLaLoire => "Pays de la Loire",
        Region::ProvenceAlpesCoteDAzur => "Provence-Alpes-Côte d'Azur",
        Region::Guadeloupe => "Guadeloupe",
        Region::Martinique => "Martinique",
        Region::Guyane => "Guyane",
        Region::LaReunion => "La Réunion",
        Region::Mayotte => "Mayotte",
    }
}

/// A commune by its INSEE code (`25056`, `2A004`).
pub fn commune(code: &str) -> Option<&'static Commune> {
    Table::get().commune(code.trim())
}

/// The communes a postal code serves (one for `25000`, several in the country).
pub fn communes_with_postal_code(code: &str) -> Vec<&'static Commune> {
    Table::get().with_postal_code(code.trim())
}

/// Whether the table knows a postal code.
pub fn is_known_postal_code(code: &str) -> bool {
    !communes_with_postal_code(code).is_empty()
}

/// The communes a name stands for (several communes share a name: « Saint-Denis »), read
/// without regard to case, accents, hyphens and apostrophes, `St`/`Ste` for `Saint`/`Sainte`,
/// a trailing `Cedex …` or arrondissement (`Lyon 3e`) and a département in brackets
/// (`Dole (39)`, which then narrows the list).
pub fn communes_named(name: &str) -> Vec<&'static Commune> {
    let (key, departement) = city_key(name);
    if key.is_empty() {
        return Vec::new();
    }
    let mut found = Table::get().named(&key);
    if let Some(dep) = departement {
        found.retain(|c| c.departement == dep);
    }
    found
}

/// The form names are compared in: compatibility-decomposed, without accents, lowercase,
/// `œ`/`æ` spelt out, every run of non-alphanumeric characters one space, `st`/`ste` read as
/// `saint`/`sainte`.
pub fn name_key(name: &str) -> String {
    let folded: String = name
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'œ' => "oe".to_string(),
            'æ' => "ae".to_string(),
            c if c.is_alphanumeric() => c.to_string(),
            _ => " ".to_string(),
        })
        .collect();
    folded
        .split_whitespace()
        .map(|word| match word {
            "st" => "saint",
            "ste" => "sainte",
            w => w,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A city as written, as a name key and the département it names in brackets, if any:
/// « Besançon Cedex 3 » → `besancon`, « Lyon 3e » → `lyon`, « Dole (39) » → `dole`, `39`.
fn city_key(name: &str) -> (String, Option<String>) {
    let mut text = name.trim();
    let mut departement = None;
    if let Some(open) = text.rfind('(')
        && text.ends_with(')')
    {
        let inside = text[open + 1..text.len() - 1].trim().to_uppercase();
        if departement_code(&inside).is_some() {
            departement = Some(inside);
            text = text[..open].trim_end();
        }
    }
    let key = name_key(text);
    let mut words: Vec<&str> = key.split(' ').collect();
    if let Some(at) = words.iter().position(|w| *w == "cedex") {
        words.truncate(at);
    }
    while let Some(last) = words.last()
        && (*last == "arrondissement" || is_arrondissement(last))
        && words.len() > 1
    {
        words.pop();
    }
    (words.join(" "), departement)
}

/// `3e`, `1er`, `15eme`: a municipal arrondissement after a city's name.
fn is_arrondissement(word: &str) -> bool {
    let digits = word.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && matches!(&word[digits..], "e" | "er" | "eme" | "ieme")
}

/// A département code the table knows.
fn departement_code(code: &str) -> Option<&'static Departement> {
    Table::get().departement(code)
}

/// The five-digit postal code a value holds (`25000`, « F-25000 Besançon Cedex »).
pub fn postal_code_in(value: &str) -> Option<&str> {
    line::postal_code(value).map(|(code, _)| code)
}

/// What the table says of a place: the commune when it is certain, else the département when
/// every candidate shares one.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Resolved {
    pub commune: Option<&'static Commune>,
    /// The commune's name, or the name every candidate shares (« Saint-Denis »).
    pub city: Option<&'static str>,
    pub departement: Option<&'static str>,
    /// The postal code, when the place names one the table knows or its commune has one only.
    pub postal_code: Option<&'static str>,
    /// The région of the département, or the one every candidate shares (a postal code that
    /// serves two départements of one région).
    pub region: Option<Region>,
}

impl Resolved {
    fn of(candidates: &[&'static Commune], postal_code: Option<&'static str>) -> Resolved {
        let Some(first) = candidates.first() else {
            return Resolved::default();
        };
        if candidates.len() == 1 {
            return Resolved {
                commune: Some(first),
                city: Some(first.name),
                departement: Some(first.departement),
                postal_code: postal_code.or_else(|| first.only_postal_code()),
                region: region_of(first.departement),
            };
        }
        let shared = |f: fn(&Commune) -> &'static str| {
            let value = f(first);
            candidates.iter().all(|c| f(c) == value).then_some(value)
        };
        let region = region_of(first.departement);
        Resolved {
            commune: None,
            city: shared(|c| c.name),
            departement: shared(|c| c.departement),
            postal_code,
            region: region.filter(|r| candidates.iter().all(|c| region_of(c.departement) == Some(*r))),
        }
    }
}

/// Resolves a postal code and a city, either or both. A known postal code gives its communes,
/// which the city's name chooses between; otherwise (no code, or one the table does not know
/// such as a CEDEX code) the city's name gives them, kept to the département the code points
/// to when it names one.
pub fn resolve(postal_code: Option<&str>, city: Option<&str>) -> Resolved {
    let code = postal_code.and_then(postal_code_in);
    let city = city.map(str::trim).filter(|c| !c.is_empty());
    let table = Table::get();
    if let Some(code) = code {
        let served = table.with_postal_code(code);
        if let Some(first) = served.first() {
            // The table's own copy of the code, with a 'static lifetime.
            let known = first.postal_codes().find(|c| *c == code);
            if let Some(city) = city {
                let named = communes_named(city);
                let both: Vec<&'static Commune> = served.iter().copied().filter(|c| named.contains(c)).collect();
                if !both.is_empty() {
                    return Resolved::of(&both, known);
                }
            }
            let mut resolved = Resolved::of(&served, known);
            if served.len() > 1 {
                resolved.city = None;
            }
            return resolved;
        }
    }
    let Some(city) = city else {
        return Resolved::default();
    };
    let mut named = communes_named(city);
    if let Some(dep) = code.and_then(departement_of_postal_code) {
        named.retain(|c| c.departement == dep);
    }
    Resolved::of(&named, None)
}

/// The département a postal code's first digits stand for, when they stand for one: `25` for
/// `25030` (a CEDEX code), `974` for `97490`. Corsica's `20` stands for two (none is given).
fn departement_of_postal_code(code: &str) -> Option<&'static str> {
    let prefix = if code.starts_with("97") { &code[..3] } else { &code[..2] };
    departement_code(prefix).map(|d| d.code)
}

/// Resolves one line of text (an iCalendar `LOCATION`, a spreadsheet's `Lieu`), see
/// [`line::read`].
pub fn resolve_line(text: &str) -> Resolved {
    line::read(text)
}

/// Fills what `parts` lacks from what it holds and, when it holds no postal code nor city, from
/// `lines` (a place's name and address, in that order): postal code, city, département and
/// région. What `parts` holds is never changed. Returns a note when a postal code placed
/// nothing.
pub fn complete(parts: &mut PlaceParts, lines: &[Option<&str>]) -> Option<Note> {
    let has_own = parts.postal_code.is_some() || parts.city.is_some();
    let resolved = if has_own {
        resolve(parts.postal_code.as_deref(), parts.city.as_deref())
    } else {
        lines
            .iter()
            .flatten()
            .map(|text| resolve_line(text))
            .find(|r| r.departement.is_some() || r.city.is_some())
            .unwrap_or_default()
    };
    if parts.postal_code.is_none() {
        parts.postal_code = resolved.postal_code.map(str::to_string);
    }
    if parts.city.is_none() {
        parts.city = resolved.city.map(str::to_string);
    }
    if parts.departement.is_none() {
        parts.departement = resolved.departement.map(str::to_string);
    }
    if parts.region.is_none() {
        parts.region = match parts.departement.as_deref() {
            Some(dep) => region_of(dep),
            None => resolved.region,
        };
    }
    match parts.postal_code.as_deref() {
        Some(code) if parts.departement.is_none() && !is_known_postal_code(postal_code_in(code).unwrap_or(code)) => {
            Some(Note::UnknownPostalCode(code.to_string()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completed(postal: Option<&str>, city: Option<&str>) -> (PlaceParts, Option<Note>) {
        let mut parts = PlaceParts {
            postal_code: postal.map(str::to_string),
            city: city.map(str::to_string),
            ..Default::default()
        };
        let note = complete(&mut parts, &[]);
        (parts, note)
    }

    #[test]
    fn the_table_holds_every_departement_and_the_communes() {
        let (departements, communes) = Table::get().sizes();
        assert_eq!(departements, 101);
        assert!(communes > 34_000, "{communes}");
        for code in ["01", "19", "21", "2A", "2B", "95", "971", "972", "973", "974", "976"] {
            assert!(departement(code).is_some(), "{code}");
        }
        for code in ["20", "96", "975", "977", "00"] {
            assert!(departement(code).is_none(), "{code}");
        }
        // The régions' names are the table's.
        for line in include_str!("data/departements.tsv").lines().skip(1) {
            let cells: Vec<&str> = line.split('\t').collect();
            let d = departement(cells[0]).expect("a département");
            assert_eq!(region_name(d.region), cells[3], "{line}");
        }
        // The same rule as the domain's département codes.
        for n in 1..=99 {
            let code = format!("{n:02}");
            let valid = crate::domain::validate::departement("d", &code).is_ok();
            assert_eq!(departement(&code).is_some(), valid, "{code}");
        }
    }

    #[test]
    fn a_postal_code_gives_its_departement_and_region() {
        let (p, note) = completed(Some("25000"), None);
        assert_eq!(note, None);
        assert_eq!(p.departement.as_deref(), Some("25"));
        assert_eq!(p.region, Some(Region::BourgogneFrancheComte));
        assert_eq!(p.city.as_deref(), Some("Besançon"));
        assert_eq!(departement("25").map(|d| d.name), Some("Doubs"));

        let (p, _) = completed(Some("97400"), None);
        assert_eq!(
            (p.departement.as_deref(), p.region, p.city.as_deref()),
            (Some("974"), Some(Region::LaReunion), Some("Saint-Denis"))
        );
        let (p, _) = completed(Some("97600"), None);
        assert_eq!(
            (p.departement.as_deref(), p.region),
            (Some("976"), Some(Region::Mayotte))
        );
        for (code, dep, region) in [
            ("97100", "971", Region::Guadeloupe),
            ("97200", "972", Region::Martinique),
            ("97300", "973", Region::Guyane),
        ] {
            let (p, _) = completed(Some(code), None);
            assert_eq!(
                (p.departement.as_deref(), p.region),
                (Some(dep), Some(region)),
                "{code}"
            );
        }
    }

    #[test]
    fn corsica_is_told_apart_by_commune() {
        let (p, _) = completed(Some("20000"), None);
        assert_eq!(
            (p.departement.as_deref(), p.region, p.city.as_deref()),
            (Some("2A"), Some(Region::Corse), Some("Ajaccio"))
        );
        let (p, _) = completed(Some("20200"), None);
        assert_eq!(p.departement.as_deref(), Some("2B"));
        // Without a code, the commune decides; a CEDEX code keeps to Corsica.
        let (p, _) = completed(None, Some("Bastia"));
        assert_eq!(p.departement.as_deref(), Some("2B"));
        let (p, _) = completed(Some("20186"), Some("Ajaccio Cedex 2"));
        assert_eq!(
            (p.departement.as_deref(), p.city.as_deref()),
            (Some("2A"), Some("Ajaccio Cedex 2"))
        );
    }

    #[test]
    fn a_code_shared_by_two_departements_is_settled_by_the_city() {
        // 01200 serves communes of the Ain and of Haute-Savoie.
        let (p, _) = completed(Some("01200"), None);
        assert_eq!((p.departement, p.region), (None, Some(Region::AuvergneRhoneAlpes)));
        let served = communes_with_postal_code("01200");
        let ain = served
            .iter()
            .find(|c| c.departement == "01")
            .expect("a commune of the Ain");
        let (p, _) = completed(Some("01200"), Some(ain.name));
        assert_eq!(p.departement.as_deref(), Some("01"));
    }

    #[test]
    fn what_is_given_is_never_changed() {
        let mut parts = PlaceParts {
            postal_code: Some("25000".into()),
            city: None,
            departement: Some("39".into()),
            region: Some(Region::IleDeFrance),
        };
        assert_eq!(complete(&mut parts, &[]), None);
        assert_eq!(parts.departement.as_deref(), Some("39"));
        assert_eq!(parts.region, Some(Region::IleDeFrance));
        assert_eq!(parts.city.as_deref(), Some("Besançon"));
        // A département given, no région: the région follows the département given.
        let mut parts = PlaceParts {
            departement: Some("2B".into()),
            ..Default::default()
        };
        complete(&mut parts, &[]);
        assert_eq!(parts.region, Some(Region::Corse));
    }

    #[test]
    fn an_unknown_code_is_left_empty_with_a_note() {
        let (p, note) = completed(Some("99999"), None);
        assert_eq!((p.departement, p.region, p.city), (None, None, None));
        assert_eq!(note, Some(Note::UnknownPostalCode("99999".into())));
        assert!(
            note.expect("a note")
                .to_string()
                .starts_with("code postal 99999 inconnu")
        );
        // A CEDEX code with its city is placed by the city: nothing to say.
        let (p, note) = completed(Some("25030"), Some("Besançon Cedex"));
        assert_eq!((p.departement.as_deref(), note), (Some("25"), None));
    }

    #[test]
    fn names_are_read_loosely() {
        assert_eq!(name_key("Saint-Étienne"), "saint etienne");
        assert_eq!(name_key("St Etienne"), "saint etienne");
        assert_eq!(name_key("L’Haÿ-les-Roses"), "l hay les roses");
        assert_eq!(name_key("Œuilly"), "oeuilly");
        assert_eq!(communes_named("ST-ETIENNE").len(), 1);
        assert_eq!(communes_named("Lyon 3e").first().map(|c| c.code), Some("69123"));
        assert_eq!(communes_named("Paris 15ème").first().map(|c| c.code), Some("75056"));
        assert!(communes_named("Saint-Denis").len() > 2);
        assert_eq!(
            communes_named("Saint-Denis (974)").first().map(|c| c.code),
            Some("97411")
        );
        // A former commune leads to the commune it joined.
        assert_eq!(
            communes_named("Cherbourg-Octeville").first().map(|c| c.name),
            Some("Cherbourg-en-Cotentin")
        );
    }

    #[test]
    fn one_line_places_are_recognised() {
        let r = resolve_line("Fablab de Villeurbanne, 12 rue des Arts, 69100 Villeurbanne");
        assert_eq!(
            (r.postal_code, r.city, r.departement),
            (Some("69100"), Some("Villeurbanne"), Some("69"))
        );
        let r = resolve_line("Lycée Jean Moulin, Lyon");
        assert_eq!((r.postal_code, r.city, r.departement), (None, Some("Lyon"), Some("69")));
        let mut parts = PlaceParts::default();
        complete(&mut parts, &[Some("Lycée Jean Moulin, Lyon")]);
        assert_eq!(parts.region, Some(Region::AuvergneRhoneAlpes));
        // A place's name that names no commune places nothing.
        assert_eq!(resolve_line("Fablab de Villeurbanne"), Resolved::default());
        assert_eq!(resolve_line("Salle des fêtes"), Resolved::default());
    }
}
