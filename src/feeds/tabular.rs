//! Spreadsheets, read as rows of named cells: what the CSV feed ([`super::csv`]) and the
//! spreadsheet importer (`crate::import`) both need, so that a file is read once and the same
//! way by either.
//!
//! A workbook (`.xlsx`, `.xls`, `.ods`: recognised by its content, a zip or OLE archive) is
//! read by calamine, its first sheet only; cells become the text a CSV export of it would hold
//! (dates `yyyy-mm-dd[ HH:MM[:SS]]`, whole numbers without decimals, `true`/`false`), and a
//! row's line is its row number in the sheet. Otherwise the bytes are decoded by [`super::text::decode`] (UTF-8 with or without BOM, UTF-16 with a
//! BOM, else Windows-1252: what Excel writes), Excel's `sep=` first line names the delimiter
//! (else it is sniffed: `;`, `,` or tab), every record keeps the line it starts on, blank
//! records are dropped, and headers are matched to target fields by alias tables compared
//! without case, accents or punctuation ([`normalise_header`]).

use std::collections::BTreeMap;
use std::fmt;

use unicode_normalization::UnicodeNormalization;

use super::text::{self, NotUtf8};

/// Target field → the header names (normalised: lower case, no accents, letters and digits
/// only) that hold it.
pub type Aliases = &'static [(&'static str, &'static [&'static str])];

/// A spreadsheet: its header and its non-blank rows.
#[derive(Clone, Debug)]
pub struct Table {
    /// The header as written (trimmed), by column.
    pub headers: Vec<String>,
    /// The line (or sheet row) the header is on.
    pub header_line: u64,
    pub rows: Vec<Row>,
}

/// One record after the header.
#[derive(Clone, Debug)]
pub struct Row {
    /// The line of the document it starts on.
    pub line: u64,
    /// Its cells, of any number; `Err` with the reason when the record cannot be read.
    pub cells: Result<csv::StringRecord, String>,
}

/// Why a document is no table at all.
#[derive(Debug)]
pub enum HeaderError {
    /// No line but blank ones.
    Missing,
    Unreadable(csv::Error),
    /// A zip or OLE archive that is no workbook calamine reads, or whose sheet it cannot read.
    Workbook(String),
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::Missing => f.write_str("the file has no header line"),
            HeaderError::Unreadable(error) => write!(f, "the header line is unreadable: {error}"),
            HeaderError::Workbook(error) => write!(
                f,
                "the file is an archive but no spreadsheet that can be read (.xlsx, .ods, .xls expected): {error}"
            ),
        }
    }
}

impl Table {
    /// Reads `body`, a workbook or a CSV document: the first non-blank record is the header.
    pub fn read(body: &[u8]) -> Result<Table, HeaderError> {
        if is_workbook(body) {
            return workbook(body);
        }
        let document = Document::decode(body);
        let mut reader = document.reader();
        let mut records = reader.records();
        let header = loop {
            match records.next() {
                None => return Err(HeaderError::Missing),
                Some(Err(error)) => return Err(HeaderError::Unreadable(error)),
                Some(Ok(record)) if is_blank(&record) => continue,
                Some(Ok(record)) => break record,
            }
        };
        let headers = header
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
            .collect();
        let mut lines = Lines::new(document.text(), document.first_line);
        let header_line = header.position().map_or(document.first_line, |p| lines.at(p.byte()));
        let mut rows = Vec::new();
        for record in records {
            rows.push(match record {
                Ok(record) if is_blank(&record) => continue,
                Ok(record) => Row {
                    line: record.position().map_or(0, |p| lines.at(p.byte())),
                    cells: Ok(record),
                },
                Err(error) => Row {
                    line: error.position().map_or(0, |p| lines.at(p.byte())),
                    cells: Err(error.to_string()),
                },
            });
        }
        Ok(Table {
            headers,
            header_line,
            rows,
        })
    }

    /// The columns `aliases` names, the first column of a target winning.
    pub fn columns(&self, aliases: Aliases) -> Columns<'_> {
        let mut columns = Columns::new(&self.headers);
        columns.aliases(aliases, |_, _, _| {});
        columns
    }
}

/// Which column holds which target field.
#[derive(Clone, Debug)]
pub struct Columns<'t> {
    headers: &'t [String],
    by_target: BTreeMap<&'static str, usize>,
    /// Columns mapped by [`Columns::name`], which aliases do not take.
    named: Vec<bool>,
}

impl<'t> Columns<'t> {
    /// No column mapped yet.
    pub fn new(headers: &'t [String]) -> Self {
        Columns {
            headers,
            by_target: BTreeMap::new(),
            named: vec![false; headers.len()],
        }
    }

    /// Maps `target` to the first column whose header is `name` (both normalised); false when
    /// there is none.
    pub fn name(&mut self, target: &'static str, name: &str) -> bool {
        let wanted = normalise_header(name);
        match self.headers.iter().position(|h| normalise_header(h) == wanted) {
            Some(index) => {
                self.by_target.insert(target, index);
                self.named[index] = true;
                true
            }
            None => false,
        }
    }

    /// Maps every column not named to the target its header is an alias of. A target keeps
    /// the first column it gets; `repeated(target, column, first)` hears of every later one.
    pub fn aliases(&mut self, aliases: Aliases, mut repeated: impl FnMut(&'static str, usize, usize)) {
        for (index, name) in self.headers.iter().enumerate() {
            if self.named[index] {
                continue;
            }
            let Some(target) = target_of(aliases, name) else {
                continue;
            };
            match self.by_target.get(target) {
                Some(&first) => repeated(target, index, first),
                None => {
                    self.by_target.insert(target, index);
                }
            }
        }
    }

    pub fn has(&self, target: &str) -> bool {
        self.by_target.contains_key(target)
    }

    pub fn headers(&self) -> &'t [String] {
        self.headers
    }

    /// The header a target is read from (for messages), or the target's own name.
    pub fn header<'a>(&self, target: &'a str) -> &'a str
    where
        't: 'a,
    {
        self.by_target
            .get(target)
            .and_then(|&i| self.headers.get(i))
            .map_or(target, String::as_str)
    }

    /// The trimmed cell of `target` in `cells`; `None` when no column holds `target` or the
    /// row is too short to have it.
    pub fn cell<'r>(&self, cells: &'r csv::StringRecord, target: &str) -> Option<&'r str> {
        let index = *self.by_target.get(target)?;
        cells.get(index).map(str::trim)
    }
}

/// The target `header` is an alias of, if any.
pub fn target_of(aliases: Aliases, header: &str) -> Option<&'static str> {
    let normalised = normalise_header(header);
    aliases
        .iter()
        .find(|(_, names)| names.contains(&normalised.as_str()))
        .map(|(target, _)| *target)
}

/// Lower case, accents dropped, letters and digits only: `Nom de l'événement` → `nomdelevenement`.
pub fn normalise_header(name: &str) -> String {
    name.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// What spreadsheets write for "no value": nothing, a dash, `N/A`.
pub fn is_placeholder(value: &str) -> bool {
    value.is_empty()
        || value == "-"
        || value == "—"
        || value.eq_ignore_ascii_case("n/a")
        || value.eq_ignore_ascii_case("na")
}

/// What a yes/no cell may hold, as [`parse_bool`] reads it.
pub const BOOLEAN_HINT: &str = "is not yes or no (Oui, Non, yes, no, true, false, 1, 0, x)";

/// Yes/no in French and English; `x` is a ticked box.
pub fn parse_bool(value: &str) -> Option<bool> {
    match normalise_header(value).as_str() {
        "oui" | "o" | "yes" | "y" | "true" | "vrai" | "1" | "x" => Some(true),
        "non" | "n" | "no" | "false" | "faux" | "0" => Some(false),
        _ => None,
    }
}

/// How many `;`, `,` and tabs the first non-blank line holds outside double quotes (a quoted
/// field may span lines).
pub fn first_line_delimiters(text: &str) -> [usize; 3] {
    let mut counts = [0; 3];
    let mut in_quotes = false;
    let mut started = false;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' | '\r' if !in_quotes && started => break,
            ';' if !in_quotes => counts[0] += 1,
            ',' if !in_quotes => counts[1] += 1,
            '\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
        if !c.is_whitespace() {
            started = true;
        }
    }
    counts
}

/// Whether `body` is a zip archive (`.xlsx`, `.ods`) or an OLE compound file (`.xls`): a
/// spreadsheet application's own file rather than text.
pub fn is_workbook(body: &[u8]) -> bool {
    body.starts_with(b"PK\x03\x04") || body.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

/// The first sheet of a workbook as a table.
fn workbook(body: &[u8]) -> Result<Table, HeaderError> {
    use calamine::Reader;
    let mut sheets = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(body))
        .map_err(|e| HeaderError::Workbook(e.to_string()))?;
    let range = match sheets.worksheet_range_at(0) {
        None => return Err(HeaderError::Missing),
        Some(range) => range.map_err(|e| HeaderError::Workbook(e.to_string()))?,
    };
    // Sheet rows are numbered from 1, as the spreadsheet shows them.
    let first_row = u64::from(range.start().map_or(0, |(row, _)| row)) + 1;
    let mut records = range.rows().enumerate().map(|(i, cells)| {
        let record: csv::StringRecord = cells.iter().map(cell_text).collect::<Vec<_>>().into();
        (first_row + i as u64, record)
    });
    let (header_line, header) = loop {
        match records.next() {
            None => return Err(HeaderError::Missing),
            Some((_, record)) if is_blank(&record) => continue,
            Some(found) => break found,
        }
    };
    let headers = header.iter().map(|h| h.trim().to_string()).collect();
    let rows = records
        .filter(|(_, record)| !is_blank(record))
        .map(|(line, record)| Row {
            line,
            cells: Ok(record),
        })
        .collect();
    Ok(Table {
        headers,
        header_line,
        rows,
    })
}

/// A workbook cell as the text a CSV export of the sheet would hold.
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(n) => n.to_string(),
        // A whole number (a postal code, a year) without the `.0` a float would print.
        Data::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Data::Float(x) => x.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(at) => match at.as_datetime() {
            Some(at) if at.time() == chrono::NaiveTime::MIN => at.format("%Y-%m-%d").to_string(),
            // A time of day alone (Excel counts it from its epoch, day 0).
            Some(at) if at.date() <= chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default() => {
                at.format("%H:%M").to_string()
            }
            Some(at) if at.format("%S").to_string() == "00" => at.format("%Y-%m-%d %H:%M").to_string(),
            Some(at) => at.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => at.as_f64().to_string(),
        },
        Data::Error(error) => format!("#{error:?}"),
    }
}

fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|field| field.trim().is_empty())
}

/// A spreadsheet's text, decoded, without Excel's `sep=` line, and its delimiter.
struct Document {
    text: String,
    /// Where the text starts (past a `sep=` line).
    start: usize,
    /// The number of the text's first line.
    first_line: u64,
    delimiter: u8,
}

impl Document {
    fn decode(body: &[u8]) -> Document {
        let text = text::decode(body, NotUtf8::Windows1252).text;
        let (rest, first_line, forced) = strip_sep_line(&text);
        let delimiter = forced.unwrap_or_else(|| sniff_delimiter(rest));
        Document {
            start: text.len() - rest.len(),
            text,
            first_line,
            delimiter,
        }
    }

    fn text(&self) -> &str {
        &self.text[self.start..]
    }

    /// A reader of every record, the header included, rows of any width accepted.
    fn reader(&self) -> csv::Reader<&[u8]> {
        csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(self.text().as_bytes())
    }
}

/// Excel's `sep=;` first line names the delimiter. Returns the rest, the line number it
/// starts at, and the delimiter if one was named.
fn strip_sep_line(text: &str) -> (&str, u64, Option<u8>) {
    let first = text.lines().next().unwrap_or_default().trim();
    if let Some(separator) = first.strip_prefix("sep=")
        && let [delimiter] = separator.as_bytes()
    {
        let rest = text.find('\n').map_or("", |i| &text[i + 1..]);
        return (rest, 2, Some(*delimiter));
    }
    (text, 1, None)
}

/// The delimiter used most often outside quotes in the first non-blank line; `;` wins ties
/// (French Excel), `,` is the default.
fn sniff_delimiter(text: &str) -> u8 {
    let counts = first_line_delimiters(text);
    let mut best = (b',', 0);
    for (delimiter, count) in [(b';', counts[0]), (b',', counts[1]), (b'\t', counts[2])] {
        if count > best.1 {
            best = (delimiter, count);
        }
    }
    best.0
}

/// Line numbers from byte offsets: the csv crate's own line count is off with CRLF endings
/// (Excel's), which are the common case here.
struct Lines<'t> {
    text: &'t str,
    byte: usize,
    line: u64,
}

impl<'t> Lines<'t> {
    /// `first_line` is the number of the first line of `text`.
    fn new(text: &'t str, first_line: u64) -> Self {
        Lines {
            text,
            byte: 0,
            line: first_line,
        }
    }

    /// The line of the record the csv crate places at `offset` (offsets must not decrease).
    /// The crate may give the end of the previous record: line breaks there are skipped.
    fn at(&mut self, offset: u64) -> u64 {
        let mut offset = usize::try_from(offset).unwrap_or(usize::MAX).min(self.text.len());
        let bytes = self.text.as_bytes();
        while offset < bytes.len() && matches!(bytes[offset], b'\r' | b'\n') {
            offset += 1;
        }
        if offset > self.byte {
            self.line += self.text.as_bytes()[self.byte..offset]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            self.byte = offset;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALIASES: Aliases = &[("title", &["titre"]), ("url", &["lien", "url"])];

    fn cells(row: &Row) -> &csv::StringRecord {
        row.cells.as_ref().expect("a readable row")
    }

    #[test]
    fn rows_know_their_line() {
        let table = Table::read(b"Titre;Lien\r\nA;x\r\n\r\nB;\"y\r\nz\"\r\n\r\nC;w\r\n").expect("a table");
        let lines: Vec<u64> = table.rows.iter().map(|row| row.line).collect();
        assert_eq!(lines, vec![2, 4, 7]);
        let columns = table.columns(ALIASES);
        assert_eq!(columns.header("url"), "Lien");
        assert_eq!(columns.header("city"), "city");
        assert_eq!(columns.cell(cells(&table.rows[1]), "title"), Some("B"));
        assert_eq!(columns.cell(cells(&table.rows[1]), "url"), Some("y\r\nz"));
        // Past a `sep=` line the count goes on from line 2.
        let table = Table::read(b"sep=,\r\nTitre,Lien\r\nA;B,x\r\n").expect("a table");
        assert_eq!(table.rows[0].line, 3);
        assert_eq!(table.columns(ALIASES).cell(cells(&table.rows[0]), "title"), Some("A;B"));
    }

    #[test]
    fn workbooks_are_read_as_their_first_sheet_with_cells_as_text() {
        let table = Table::read(include_bytes!("../../tests/fixtures/imports/evenements.xlsx")).expect("a table");
        assert_eq!(table.headers[0], "Nom de l'événement");
        assert_eq!((table.header_line, table.rows.len()), (1, 2));
        let row = |i: usize| cells(&table.rows[i]).iter().collect::<Vec<_>>();
        assert_eq!(table.rows[0].line, 2);
        assert_eq!(
            row(0)[5..],
            ["2027-03-14 09:30", "Oui", "https://example.org/forum", "25000"]
        );
        assert_eq!(row(1)[5], "2027-04-02");
        let table = Table::read(include_bytes!("../../tests/fixtures/imports/contacts.ods")).expect("a table");
        assert_eq!(table.headers.len(), 8);
        assert_eq!(cells(&table.rows[0]).get(7), Some("2026-09-01"));
        // An archive that is no workbook is said to be one, never read as text.
        let error = Table::read(b"PK\x03\x04not a zip").expect_err("refused");
        assert!(error.to_string().contains(".xlsx"), "{error}");
    }

    #[test]
    fn a_document_without_a_header_is_no_table() {
        for empty in [&b""[..], b"\r\n\r\n", b" ; \n"] {
            assert!(matches!(Table::read(empty), Err(HeaderError::Missing)), "{empty:?}");
        }
    }

    #[test]
    fn headers_are_matched_by_name_then_alias_and_the_first_wins() {
        let headers: Vec<String> = ["Lien", "Titre", "URL", "Date de publication"]
            .map(String::from)
            .to_vec();
        let mut columns = Columns::new(&headers);
        assert!(columns.name("start", "date de PUBLICATION"));
        assert!(!columns.name("end", "Fin"));
        let mut repeated = Vec::new();
        columns.aliases(ALIASES, |target, column, first| repeated.push((target, column, first)));
        assert_eq!(repeated, [("url", 2, 0)]);
        assert_eq!(
            (columns.header("url"), columns.header("title"), columns.header("start")),
            ("Lien", "Titre", "Date de publication")
        );
        assert!(!columns.has("end"));
    }

    #[test]
    fn cells_values() {
        assert_eq!(normalise_header(" Nom de l'Événement "), "nomdelevenement");
        assert!(["", "-", "—", "N/A", "na"].iter().all(|v| is_placeholder(v)));
        assert!(!is_placeholder("0"));
        assert_eq!(parse_bool("Oui"), Some(true));
        assert_eq!(parse_bool("x"), Some(true));
        assert_eq!(parse_bool("Non"), Some(false));
        assert_eq!(parse_bool("peut-être"), None);
        assert_eq!(first_line_delimiters("\n a;b,\"c;d\"\tE\n;;;"), [1, 1, 1]);
    }
}
