//! Repairing the document for the crate's parser.

use std::fmt::Write as _;

/// The parts of a document the crate is given, rewritten as well-formed iCalendar.
pub(super) struct Document {
    /// X-WR-TIMEZONE, the zone of floating times.
    pub(super) calendar_timezone: Option<String>,
    /// Top-level VEVENTs and VTIMEZONEs, one well-formed component each.
    pub(super) blocks: Vec<Block>,
}

pub(super) struct Block {
    pub(super) kind: &'static str,
    /// 1-based line (after unfolding) of its BEGIN, for warnings.
    pub(super) line: usize,
    pub(super) text: String,
}

/// Components that never nest: meeting one while another is open means an END is missing.
const TOP_LEVEL: [&str; 5] = ["VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE"];

/// The crate's parser fails the whole document on one malformed line, on content after
/// END:VCALENDAR, on a missing END or a bare VEVENT; so every line is tokenised here and
/// written back canonically (names upper-cased, parameter values quoted when needed),
/// structure errors are repaired, and only VEVENT and VTIMEZONE blocks are kept (VTODO,
/// VFREEBUSY, VALARM… are not events, and their own defects must not cost the events).
pub(super) fn normalise(text: &str, warnings: &mut Vec<String>) -> anyhow::Result<Document> {
    let mut document = Document {
        calendar_timezone: None,
        blocks: Vec::new(),
    };
    let mut saw_calendar = false;
    let mut in_calendar = false;
    let mut after_calendar = false;
    let mut junk_before = false;
    let mut junk_after = false;
    let mut joined_lines = 0;
    let mut open: Option<OpenBlock> = None;

    for (number, line) in text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
    {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = content_line(line);
        if let Ok(ref content) = parsed
            && (content.name == "BEGIN" || content.name == "END")
        {
            let kind = content.value.trim().to_ascii_uppercase();
            if content.name == "BEGIN" {
                if kind == "VCALENDAR" {
                    close(&mut open, &mut document, warnings, true);
                    saw_calendar = true;
                    in_calendar = true;
                } else if open.is_some() && !TOP_LEVEL.contains(&kind.as_str()) {
                    if let Some(block) = open.as_mut() {
                        block.begin(&kind);
                    }
                } else {
                    close(&mut open, &mut document, warnings, true);
                    open = Some(OpenBlock::new(&kind, number));
                }
            } else if kind == "VCALENDAR" {
                close(&mut open, &mut document, warnings, true);
                in_calendar = false;
                after_calendar = true;
            } else if let Some(block) = open.as_mut() {
                if block.end(&kind, warnings) {
                    close(&mut open, &mut document, warnings, false);
                }
            } else {
                warnings.push(format!("line {number}: END:{kind} closes nothing; ignored"));
            }
            continue;
        }
        match (open.as_mut(), parsed) {
            (Some(block), parsed) if block.keeps_lines() => match parsed {
                Ok(content) => {
                    if let Some(repair) = &content.repair {
                        warnings.push(format!("{} starting on line {}: {repair}", block.kind, block.line));
                    }
                    block.lines.push(content.canonical());
                }
                Err(LineProblem::NoValue(name)) => warnings.push(format!(
                    "{} starting on line {}: {name} has no value; ignored",
                    block.kind, block.line
                )),
                Err(LineProblem::NotAContentLine) => {
                    // A line break the producer forgot to fold: part of the line before.
                    joined_lines += 1;
                    if let Some(last) = block.lines.last_mut() {
                        last.push_str(if is_text_property(last) { "\\n" } else { " " });
                        last.push_str(line);
                    }
                }
            },
            (Some(_), _) => {}
            (None, Ok(content)) if in_calendar => {
                if content.name == "X-WR-TIMEZONE" && !content.value.trim().is_empty() {
                    document.calendar_timezone = Some(content.value.trim().to_string());
                }
            }
            (None, _) if in_calendar => {}
            (None, _) if after_calendar => junk_after = true,
            (None, _) => junk_before = true,
        }
    }
    if let Some(block) = &open {
        warnings.push(format!(
            "{} starting on line {} is not closed by an END",
            block.kind, block.line
        ));
    }
    close(&mut open, &mut document, warnings, false);

    if !saw_calendar && document.blocks.iter().all(|b| b.kind != "VEVENT") {
        anyhow::bail!("not an iCalendar document: no BEGIN:VCALENDAR and no BEGIN:VEVENT");
    }
    if junk_before {
        warnings.push("content before the first BEGIN was ignored".to_string());
    }
    if junk_after {
        warnings.push("content after END:VCALENDAR was ignored".to_string());
    }
    if joined_lines > 0 {
        warnings.push(format!(
            "{joined_lines} line(s) that were not properties were joined to the property before (unfolded line breaks)"
        ));
    }
    Ok(document)
}

struct OpenBlock {
    kind: String,
    line: usize,
    /// Components open inside it (VTIMEZONE's STANDARD/DAYLIGHT, VEVENT's VALARM).
    nested: Vec<String>,
    lines: Vec<String>,
}

impl OpenBlock {
    fn new(kind: &str, line: usize) -> Self {
        OpenBlock {
            kind: kind.to_string(),
            line,
            nested: Vec::new(),
            lines: vec![format!("BEGIN:{kind}")],
        }
    }

    fn kept_kind(&self) -> Option<&'static str> {
        match self.kind.as_str() {
            "VEVENT" => Some("VEVENT"),
            "VTIMEZONE" => Some("VTIMEZONE"),
            _ => None,
        }
    }

    /// Lines are kept for VEVENT's own properties and everything inside a VTIMEZONE.
    fn keeps_lines(&self) -> bool {
        match self.kept_kind() {
            Some("VEVENT") => self.nested.is_empty(),
            Some(_) => true,
            None => false,
        }
    }

    fn begin(&mut self, kind: &str) {
        self.nested.push(kind.to_string());
        if self.kept_kind() == Some("VTIMEZONE") {
            self.lines.push(format!("BEGIN:{kind}"));
        }
    }

    /// Closes `kind` (and whatever is left open inside it); true when that ends the block.
    fn end(&mut self, kind: &str, warnings: &mut Vec<String>) -> bool {
        if kind == self.kind {
            return true;
        }
        match self.nested.iter().rposition(|k| k == kind) {
            Some(at) => {
                while self.nested.len() > at {
                    if let Some(closed) = self.nested.pop()
                        && self.kept_kind() == Some("VTIMEZONE")
                    {
                        self.lines.push(format!("END:{closed}"));
                    }
                }
            }
            None => warnings.push(format!(
                "{} starting on line {}: stray END:{kind} ignored",
                self.kind, self.line
            )),
        }
        false
    }
}

/// Finishes the open block; `interrupted` when something other than its END closes it.
fn close(open: &mut Option<OpenBlock>, document: &mut Document, warnings: &mut Vec<String>, interrupted: bool) {
    let Some(mut block) = open.take() else { return };
    if interrupted {
        warnings.push(format!(
            "{} starting on line {} has no END; closed at the next component",
            block.kind, block.line
        ));
    }
    let Some(kind) = block.kept_kind() else { return };
    if kind == "VTIMEZONE" {
        while let Some(nested) = block.nested.pop() {
            block.lines.push(format!("END:{nested}"));
        }
    }
    block.lines.push(format!("END:{kind}"));
    let mut text = block.lines.join("\n");
    text.push('\n');
    document.blocks.push(Block {
        kind,
        line: block.line,
        text,
    });
}

/// One content line, tokenised.
struct ContentLine {
    name: String,
    params: Vec<(String, Vec<String>)>,
    value: String,
    /// What was repaired to read it, for a warning.
    repair: Option<String>,
}

enum LineProblem {
    /// A name (and maybe parameters) but no `:value` (`ORGANIZER;CN=Sixt SE`).
    NoValue(String),
    /// Not `NAME[;PARAM=…]:value` at all.
    NotAContentLine,
}

/// Properties whose values are dates: they never contain `:`, so the value starts after
/// the line's last colon, which also reads an unquoted `TZID=(UTC-05:00) Eastern…`.
fn is_date_property(name: &str) -> bool {
    matches!(name, "DTSTART" | "DTEND" | "DUE" | "RECURRENCE-ID" | "EXDATE" | "RDATE")
}

fn is_text_property(line: &str) -> bool {
    ["SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT"]
        .iter()
        .any(|name| line.starts_with(name) && matches!(line.as_bytes().get(name.len()), Some(b':' | b';')))
}

fn content_line(line: &str) -> Result<ContentLine, LineProblem> {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(line.len());
    let name = line[..name_end].to_ascii_uppercase();
    let rest = &line[name_end..];
    if name.is_empty() {
        return Err(LineProblem::NotAContentLine);
    }
    match rest.as_bytes().first() {
        None => return Err(LineProblem::NoValue(name)),
        Some(b';' | b':') => {}
        Some(_) => return Err(LineProblem::NotAContentLine),
    }
    let value_colon = if is_date_property(&name) { rest.rfind(':') } else { None };
    let bytes = rest.as_bytes();
    let mut params: Vec<(String, Vec<String>)> = Vec::new();
    let mut repair = None;
    let mut i = 0;
    while bytes.get(i) == Some(&b';') {
        i += 1;
        let key_start = i;
        while i < bytes.len() && !matches!(bytes[i], b'=' | b';' | b':') {
            i += 1;
        }
        let key = rest[key_start..i].trim().to_ascii_uppercase();
        let mut values = Vec::new();
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            loop {
                if bytes.get(i) == Some(&b'"') {
                    let start = i + 1;
                    let end = rest[start..].find('"').map_or(rest.len(), |len| start + len);
                    values.push(rest[start..end].to_string());
                    i = (end + 1).min(rest.len());
                } else {
                    let start = i;
                    let single_valued = key == "TZID";
                    while i < bytes.len()
                        && !(bytes[i] == b';'
                            || (bytes[i] == b',' && !single_valued)
                            || (bytes[i] == b':' && value_colon.is_none_or(|at| at == i)))
                    {
                        i += 1;
                    }
                    values.push(rest[start..i].trim().to_string());
                }
                if bytes.get(i) == Some(&b',') {
                    i += 1;
                } else {
                    break;
                }
            }
        }
        params.push((key, values));
        // Junk after a closing quote (`CN="a"b:`): skip to the next delimiter.
        if i < bytes.len() && !matches!(bytes[i], b';' | b':') {
            let skip = rest[i..].find([';', ':']).unwrap_or(rest.len() - i);
            repair = Some(format!(
                "{name}: stray text {:?} in its parameters ignored",
                &rest[i..i + skip]
            ));
            i += skip;
        }
    }
    let value = if bytes.get(i) == Some(&b':') {
        rest[i + 1..].to_string()
    } else {
        // The value ran into a quoted parameter: `DTSTART;TZID="Zone:20200609T090000"`.
        let recovered = params.last_mut().and_then(|(key, values)| {
            let last = values.last_mut()?;
            let at = last.rfind(':')?;
            let value = last[at + 1..].trim().to_string();
            last.truncate(at);
            Some((key.clone(), last.clone(), value))
        });
        let Some((key, param, value)) = recovered else {
            return Err(LineProblem::NoValue(name));
        };
        repair = Some(format!(
            "{name} has no value after its parameters; read as {key}={param:?} and value {value:?}"
        ));
        value
    };
    Ok(ContentLine {
        name,
        params,
        value,
        repair,
    })
}

impl ContentLine {
    /// The line as the crate's parser reads it.
    fn canonical(&self) -> String {
        let mut line = self.name.clone();
        for (key, values) in &self.params {
            // The crate's parser rejects other characters in a parameter name.
            let valid_key = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !valid_key || values.iter().all(String::is_empty) {
                continue;
            }
            line.push(';');
            line.push_str(key);
            line.push('=');
            for (n, value) in values.iter().enumerate() {
                if n > 0 {
                    line.push(',');
                }
                let value = value.replace('"', "");
                let value = if key == "VALUE" {
                    value.to_ascii_uppercase()
                } else {
                    value
                };
                if value.contains([':', ';', ',']) {
                    let _ = write!(line, "\"{value}\"");
                } else {
                    line.push_str(&value);
                }
            }
        }
        line.push(':');
        line.push_str(&self.value);
        line
    }
}
