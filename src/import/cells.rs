//! The importer's reading of a spreadsheet's cells. The file itself is read by
//! `feeds::tabular` (workbooks, encoding, delimiter, lines, header matching), as the CSV feed
//! reads it; what is the importer's own is written here: what a cell says about its field
//! (absent, empty, a value), cells as the hub's own export writes them, stored enums and lists.

use sea_orm::Iterable;

use crate::domain::Patch;
use crate::domain::words::Words;
use crate::feeds::tabular::{Columns, is_placeholder, normalise_header};

/// What a row says about one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell<'r> {
    /// The file has no column for it: the field is left as it is.
    Absent,
    /// Its cell is empty (or `-`, `N/A`): the field is cleared, or set to its default.
    Empty,
    Value(&'r str),
}

impl<'r> Cell<'r> {
    pub fn value(self) -> Option<&'r str> {
        match self {
            Cell::Value(v) => Some(v),
            _ => None,
        }
    }

    /// A text field's change: absent keeps it, empty clears it.
    pub fn text(self) -> Patch<String> {
        match self {
            Cell::Absent => Patch::Keep,
            Cell::Empty => Patch::Clear,
            Cell::Value(v) => Patch::Set(v.to_string()),
        }
    }
}

/// The cell of `target` in `cells`, trimmed; placeholders (`N/A`, `-`, empty) are empty, and
/// the quote the hub's CSV export puts before what a spreadsheet would run as a formula
/// (`'=…`) is removed.
pub fn cell<'r>(columns: &Columns, cells: &'r csv::StringRecord, target: &str) -> Cell<'r> {
    if !columns.has(target) {
        return Cell::Absent;
    }
    match value(columns, cells, target) {
        Some(v) => Cell::Value(v),
        None => Cell::Empty,
    }
}

/// The value of `target`'s cell, if it holds one (see [`cell`]).
pub fn value<'r>(columns: &Columns, cells: &'r csv::StringRecord, target: &str) -> Option<&'r str> {
    let value = columns.cell(cells, target)?;
    let value = match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => value,
    };
    Some(value).filter(|v| !is_placeholder(v))
}

/// A value of a stored enum, written as its stored name in any case (`LYCEE`, `lycee`), or
/// as one of its French words, compared without accents or punctuation.
pub fn enum_value<T: Iterable + Copy + PartialEq>(
    value: &str,
    stored: fn(T) -> &'static str,
    words: Words<T>,
) -> Option<T> {
    let n = normalise_header(value);
    T::iter().find(|v| normalise_header(stored(*v)) == n).or_else(|| {
        words
            .iter()
            .find(|(_, names)| names.iter().any(|name| normalise_header(name) == n))
            .map(|(v, _)| *v)
    })
}

/// A list cell (`lycee, college` or `lycee; college` or `lycee | college`).
pub fn list(value: &str) -> Vec<&str> {
    value
        .split([',', ';', '|'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

/// A link as people type it: one without a scheme that starts like a host name
/// (`example.org/forum`, `www.example.org`) is read as `https://…`, and the returned note says
/// so; anything else is left to the URL rule, which refuses what is not a link.
pub fn link(value: &str) -> (String, Option<String>) {
    let value = value.trim();
    let host = value.split(['/', '?', '#']).next().unwrap_or_default();
    let looks_like_host = !value.contains("://")
        && !value.contains(char::is_whitespace)
        && host.contains('.')
        && !host.starts_with('.')
        && !host.contains('@')
        && host.chars().all(|c| c.is_alphanumeric() || "-.:".contains(c));
    if looks_like_host {
        let read = format!("https://{value}");
        let note = format!("\"{value}\" has no scheme: read as {read}");
        (read, Some(note))
    } else {
        (value.to_string(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::tabular::{Aliases, Table};

    const ALIASES: Aliases = &[("title", &["titre"]), ("url", &["lien"])];

    #[test]
    fn cells_are_unquoted_and_placeholders_empty() {
        let table = Table::read(b"Titre;Lien\r\n'=1+1;N/A\r\n'-;'x\r\n").expect("a table");
        let columns = table.columns(ALIASES);
        let cells = |i: usize| table.rows[i].cells.as_ref().expect("readable");
        assert_eq!(cell(&columns, cells(0), "title"), Cell::Value("=1+1"));
        assert_eq!(cell(&columns, cells(0), "url"), Cell::Empty);
        assert_eq!(
            cell(&columns, cells(1), "title"),
            Cell::Empty,
            "an unquoted placeholder"
        );
        assert_eq!(cell(&columns, cells(1), "url"), Cell::Value("'x"));
        assert_eq!(cell(&columns, cells(1), "city"), Cell::Absent);
        assert_eq!(list(" lycee; college |"), ["lycee", "college"]);
    }

    #[test]
    fn links_without_a_scheme_are_read_as_https_and_said_so() {
        assert_eq!(
            link("example.org/forum"),
            (
                "https://example.org/forum".to_string(),
                Some("\"example.org/forum\" has no scheme: read as https://example.org/forum".to_string())
            )
        );
        assert_eq!(link("https://example.org").1, None);
        assert_eq!(link("pas un lien").0, "pas un lien");
        assert_eq!(link("contact@example.org").1, None);
    }

    #[test]
    fn enums_are_read_by_stored_name_or_french_word() {
        use crate::domain::words::{AUDIENCES, REGIONS};
        use entity::{Audience, Region};
        assert_eq!(enum_value("LYCEE", Audience::as_str, AUDIENCES), Some(Audience::Lycee));
        assert_eq!(
            enum_value("Lycéens", Audience::as_str, AUDIENCES),
            Some(Audience::Lycee)
        );
        assert_eq!(
            enum_value("Île-de-France", Region::as_str, REGIONS),
            Some(Region::IleDeFrance)
        );
        assert_eq!(
            enum_value("Provence-Alpes-Côte d’Azur", Region::as_str, REGIONS),
            Some(Region::ProvenceAlpesCoteDAzur)
        );
        assert_eq!(enum_value("Atlantide", Region::as_str, REGIONS), None);
    }
}
