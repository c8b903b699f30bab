//! A spreadsheet read as rows of named cells: the encoding, delimiter and header matching of
//! the feed reader (`feeds::csv`), with an alias table per record type.

use std::collections::BTreeMap;

use crate::feeds::csv::{Document, Lines, is_blank, is_placeholder, normalise_header};

/// Target field → the header names (normalised: lower case, no accents, letters and digits
/// only) that hold it.
pub type Aliases = &'static [(&'static str, &'static [&'static str])];

pub struct Table {
    /// Header as written, by column.
    pub headers: Vec<String>,
    by_target: BTreeMap<&'static str, usize>,
    pub rows: Vec<(u64, csv::StringRecord)>,
    /// Rows that could not be read at all.
    pub unreadable: Vec<(u64, String)>,
}

impl Table {
    /// Reads `body`; `Err` when it has no header line.
    pub fn read(body: &[u8], aliases: Aliases) -> Result<Table, String> {
        let document = Document::decode(body);
        let mut reader = document.reader();
        let mut records = reader.records();
        let header = loop {
            match records.next() {
                None => return Err("the file has no header line".into()),
                Some(Err(e)) => return Err(format!("the header line is unreadable: {e}")),
                Some(Ok(r)) if is_blank(&r) => continue,
                Some(Ok(r)) => break r,
            }
        };
        let headers: Vec<String> = header
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
            .collect();
        let mut by_target = BTreeMap::new();
        for (i, h) in headers.iter().enumerate() {
            let n = normalise_header(h);
            if let Some((target, _)) = aliases.iter().find(|(_, names)| names.contains(&n.as_str())) {
                by_target.entry(*target).or_insert(i);
            }
        }
        let mut rows = Vec::new();
        let mut unreadable = Vec::new();
        let mut lines = Lines::new(document.text(), document.first_line);
        for record in records {
            match record {
                Ok(r) if is_blank(&r) => {}
                Ok(r) => {
                    let line = r.position().map_or(0, |p| lines.at(p.byte()));
                    rows.push((line, r));
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| lines.at(p.byte()));
                    unreadable.push((line, format!("unreadable row ({e})")));
                }
            }
        }
        Ok(Table {
            headers,
            by_target,
            rows,
            unreadable,
        })
    }

    pub fn has(&self, target: &str) -> bool {
        self.by_target.contains_key(target)
    }

    /// The header a target was read from (for messages), or the target's own name.
    pub fn header<'a>(&'a self, target: &'a str) -> &'a str {
        self.by_target
            .get(target)
            .and_then(|i| self.headers.get(*i))
            .map_or(target, String::as_str)
    }

    /// The trimmed cell of `target` in `row`; placeholders (`N/A`, `-`, empty) are absent.
    pub fn get<'r>(&self, row: &'r csv::StringRecord, target: &str) -> Option<&'r str> {
        let i = *self.by_target.get(target)?;
        let value = row.get(i).map(str::trim)?;
        // The hub's CSV export prefixes cells that a spreadsheet would run as formulas.
        let value = match value.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
            _ => value,
        };
        Some(value).filter(|v| !is_placeholder(v))
    }
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

    const ALIASES: Aliases = &[("title", &["titre"]), ("url", &["lien"])];

    #[test]
    fn rows_know_their_line() {
        let table = Table::read(b"Titre;Lien\r\nA;x\r\n\r\nB;y\r\n", ALIASES).expect("a table");
        let lines: Vec<u64> = table.rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![2, 4]);
        assert_eq!(table.header("url"), "Lien");
        assert_eq!(table.get(&table.rows[1].1, "title"), Some("B"));
    }
}
