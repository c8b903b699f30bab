//! The importer's reading of a spreadsheet's cells. The file itself is read by
//! `feeds::tabular` (encoding, delimiter, lines, header matching), as the CSV feed reads it;
//! what is the importer's own is written here: an alias table per record type, cells as the
//! hub's own export writes them, stored enums and lists.

use crate::feeds::tabular::{Columns, is_placeholder, normalise_header};

/// The cell of `target` in `cells`, trimmed; placeholders (`N/A`, `-`, empty) are absent, and
/// the quote the hub's CSV export puts before what a spreadsheet would run as a formula
/// (`'=…`) is removed.
pub fn value<'r>(columns: &Columns, cells: &'r csv::StringRecord, target: &str) -> Option<&'r str> {
    let value = columns.cell(cells, target)?;
    let value = match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => value,
    };
    Some(value).filter(|v| !is_placeholder(v))
}

/// A value of a stored enum, written as its stored name in any case (`LYCEE`, `lycee`), or
/// as one of the given French names, compared without accents or punctuation.
pub fn enum_value<T: Copy>(value: &str, all: &[(T, &str)], french: &[(&str, T)]) -> Option<T> {
    let n = normalise_header(value);
    all.iter()
        .find(|(_, name)| normalise_header(name) == n)
        .map(|(v, _)| *v)
        .or_else(|| {
            french
                .iter()
                .find(|(name, _)| normalise_header(name) == n)
                .map(|(_, v)| *v)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::tabular::{Aliases, Table};

    const ALIASES: Aliases = &[("title", &["titre"]), ("url", &["lien"])];

    #[test]
    fn cells_are_unquoted_and_placeholders_absent() {
        let table = Table::read(b"Titre;Lien\r\n'=1+1;N/A\r\n'-;'x\r\n").expect("a table");
        let columns = table.columns(ALIASES);
        let cells = |i: usize| table.rows[i].cells.as_ref().expect("readable");
        assert_eq!(value(&columns, cells(0), "title"), Some("=1+1"));
        assert_eq!(value(&columns, cells(0), "url"), None);
        assert_eq!(value(&columns, cells(1), "title"), None, "an unquoted placeholder");
        assert_eq!(value(&columns, cells(1), "url"), Some("'x"));
        assert_eq!(list(" lycee; college |"), ["lycee", "college"]);
    }
}
