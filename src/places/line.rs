//! One line of text that says where something is: an iCalendar `LOCATION` (« Fablab de
//! Villeurbanne, 12 rue des Arts, 69100 Villeurbanne »), a spreadsheet's `Lieu` (« Lycée Jean
//! Moulin, Lyon »).

use super::{Resolved, communes_named, resolve};

/// The last five-digit postal code in `text`, not part of a longer number, and where it
/// starts.
pub(super) fn postal_code(text: &str) -> Option<(&str, usize)> {
    let bytes = text.as_bytes();
    let mut found = None;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        // « 12 bis » is a street number; « 25000 » a code; « 250001 » neither.
        let glued = start > 0 && bytes[start - 1].is_ascii_alphanumeric();
        if i - start == 5 && !glued && !bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            found = Some((&text[start..i], start));
        }
    }
    found
}

/// Words that end an address without naming a commune.
fn is_country(segment: &str) -> bool {
    matches!(super::name_key(segment).as_str(), "france" | "fr")
}

/// The place a line names: its postal code and the words beside it, else the last of its
/// comma-separated parts that is a commune's name. A part that names no commune places
/// nothing: the name of a place is not guessed from the words in it.
pub(super) fn read(text: &str) -> Resolved {
    let segments: Vec<&str> = text
        .split([',', ';', '\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty() && !is_country(s))
        .collect();
    for segment in segments.iter().rev() {
        let Some((code, at)) = postal_code(segment) else {
            continue;
        };
        let trim = |s: &str| {
            s.trim_matches(|c: char| c.is_whitespace() || "-–—()".contains(c))
                .to_string()
        };
        let after = trim(&segment[at + code.len()..]);
        let before = trim(&segment[..at]);
        let city = if after.is_empty() { before } else { after };
        let resolved = resolve(Some(code), (!city.is_empty()).then_some(city.as_str()));
        if resolved.departement.is_some() || resolved.region.is_some() {
            return resolved;
        }
    }
    segments
        .iter()
        .rev()
        .map(|segment| communes_named(segment))
        .find(|found| !found.is_empty())
        .map(|found| Resolved::of(&found, None))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_postal_code_of_a_line() {
        assert_eq!(postal_code("12 rue des Arts, 69100 Villeurbanne"), Some(("69100", 17)));
        assert_eq!(postal_code("F-25000 Besançon"), Some(("25000", 2)));
        assert_eq!(postal_code("Tél. 0381123456"), None);
        assert_eq!(postal_code("BP 12345X"), None);
        assert_eq!(postal_code("Hall 3"), None);
    }

    #[test]
    fn reads_the_code_before_or_after_the_city() {
        let r = read("ENSMM, 26 rue de l'Épitaphe, Besançon 25000, France");
        assert_eq!((r.city, r.departement), (Some("Besançon"), Some("25")));
        let r = read("Campus, 25030 Besançon Cedex");
        assert_eq!((r.city, r.departement), (Some("Besançon"), Some("25")));
        let r = read("Salle polyvalente, Saint-Denis (974)");
        assert_eq!(r.departement, Some("974"));
        // Ambiguous: the name is certain, the département is not.
        let r = read("Médiathèque, Saint-Denis");
        assert_eq!((r.city, r.departement), (Some("Saint-Denis"), None));
    }
}
