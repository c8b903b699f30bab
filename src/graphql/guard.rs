//! The bounds a GraphQL document must respect before the schema spends work on it.
//!
//! async-graphql's parser recurses on nested values and its validation visits fragment spreads
//! once per use, so a few kilobytes can exhaust a worker's stack (2,000 nested `[`) or its CPU
//! (a fragment that spreads the next one twice, thirty times). Hence three steps, each linear
//! in the document's size:
//! 1. [`scan`] counts the tokens and the bracket nesting of the raw text, without recursing,
//!    before anything parses it (`QUERY_TOO_LARGE`, `QUERY_TOO_DEEP`);
//! 2. [`parse`] parses what passed, which is then safe;
//! 3. [`Shape::of`] measures the selected operation with every fragment spread expanded, each
//!    fragment measured once (`QUERY_TOO_COMPLEX`, `TOO_MANY_ALIASES`), before validation runs.
//!
//! The scanner is written by hand: no crate lexes GraphQL without also parsing it, and the
//! parser is what must not run first. It follows the lexical grammar of the specification
//! (§2.1): ignored tokens (white space, line terminators, commas, comments, the BOM),
//! punctuators, names, numbers, strings and block strings.

use std::collections::HashMap;

use async_graphql::Positioned;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
};

use crate::error::AppError;

/// The limits of one document (from `config::SecuritySettings`).
#[derive(Clone, Copy, Debug)]
pub struct DocumentLimits {
    pub max_tokens: usize,
    pub max_nesting: usize,
    pub max_fields: u64,
    pub max_aliases: u64,
    pub max_root_fields: u64,
}

impl Default for DocumentLimits {
    fn default() -> Self {
        let d = crate::config::SecuritySettings::default();
        DocumentLimits {
            max_tokens: d.max_tokens,
            max_nesting: d.max_nesting,
            max_fields: d.max_fields,
            max_aliases: d.max_aliases,
            max_root_fields: d.max_root_fields,
        }
    }
}

/// Counts the tokens and the bracket nesting of `source`, refusing it as soon as either
/// passes its limit. Malformed text (an unterminated string, a stray character) is left for
/// the parser to report: only size and depth are judged here.
pub fn scan(source: &str, limits: &DocumentLimits) -> Result<(), AppError> {
    let bytes = source.as_bytes();
    let mut i = 0;
    let mut tokens = 0usize;
    let mut depth = 0usize;
    // Aliases, counted as written: a name then `:` outside parentheses (inside them, `:`
    // follows an argument, a variable or an input field). Fragments are counted expanded later.
    let mut parentheses = 0usize;
    let mut aliases = 0u64;
    let mut after_selection_name = false;
    let count = |tokens: &mut usize| -> Result<(), AppError> {
        *tokens += 1;
        if *tokens > limits.max_tokens {
            return Err(AppError::QueryTooLarge(format!(
                "the document has more than {} tokens",
                limits.max_tokens
            )));
        }
        Ok(())
    };
    while i < bytes.len() {
        let b = bytes[i];
        let was_selection_name = std::mem::take(&mut after_selection_name);
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                after_selection_name = was_selection_name;
                i += 1;
            }
            // The byte order mark, U+FEFF.
            0xEF if bytes[i..].starts_with(&[0xEF, 0xBB, 0xBF]) => i += 3,
            b'#' => {
                after_selection_name = was_selection_name;
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b':' => {
                count(&mut tokens)?;
                if was_selection_name {
                    aliases += 1;
                    if aliases > limits.max_aliases {
                        return Err(AppError::TooManyAliases(limits.max_aliases));
                    }
                }
                i += 1;
            }
            b'{' | b'[' | b'(' => {
                count(&mut tokens)?;
                depth += 1;
                parentheses += usize::from(b == b'(');
                if depth > limits.max_nesting {
                    return Err(AppError::QueryTooDeep(format!(
                        "the document nests more than {} levels of brackets",
                        limits.max_nesting
                    )));
                }
                i += 1;
            }
            b'}' | b']' | b')' => {
                count(&mut tokens)?;
                depth = depth.saturating_sub(1);
                if b == b')' {
                    parentheses = parentheses.saturating_sub(1);
                }
                i += 1;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                count(&mut tokens)?;
                i += 3;
                // A block string ends at the first unescaped `"""`.
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                // Unterminated, the parser would back up and read `""` then go on lexing what
                // this scanner took for string content: refuse it here instead.
                if i >= bytes.len() {
                    return Err(unterminated());
                }
                i += 3;
            }
            b'"' => {
                count(&mut tokens)?;
                i += 1;
                loop {
                    match bytes.get(i) {
                        Some(b'"') => break,
                        // An escape takes the next character, which must be on this line.
                        Some(b'\\') if !matches!(bytes.get(i + 1), None | Some(b'\n' | b'\r')) => i += 2,
                        Some(b'\n' | b'\r' | b'\\') | None => return Err(unterminated()),
                        Some(_) => i += 1,
                    }
                }
                i += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                count(&mut tokens)?;
                i += 3;
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                count(&mut tokens)?;
                while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                after_selection_name = parentheses == 0;
            }
            b'-' | b'0'..=b'9' => {
                count(&mut tokens)?;
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'.' | b'+' | b'-')) {
                    i += 1;
                }
            }
            // Other punctuators (`! $ & : = @ |`) and anything the parser will refuse.
            _ => {
                count(&mut tokens)?;
                i += 1;
            }
        }
    }
    Ok(())
}

fn unterminated() -> AppError {
    AppError::QuerySyntax("the document has an unterminated string".into())
}

/// Scans then parses `source`: the only way the hub parses a client's document.
pub fn parse(source: &str, limits: &DocumentLimits) -> Result<ExecutableDocument, ParseRefusal> {
    scan(source, limits).map_err(ParseRefusal::Limit)?;
    async_graphql::parser::parse_query(source).map_err(ParseRefusal::Syntax)
}

/// Why a document was not parsed.
#[derive(Debug)]
pub enum ParseRefusal {
    /// Over a limit: refused with the hub's code.
    Limit(AppError),
    /// Not GraphQL: async-graphql's own message and position.
    Syntax(async_graphql::parser::Error),
}

/// The operation a request selects: the only one, or the one named `operation_name`.
pub fn selected_operation<'d>(
    doc: &'d ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'d Positioned<OperationDefinition>> {
    match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        _ => None,
    }
}

/// Refuses a document any of whose operations or fragments is over `limits` once expanded:
/// the schema walks every operation and fragment, not only the selected one, before it
/// reports anything. Each fragment is measured once.
pub fn check_document(doc: &ExecutableDocument, limits: &DocumentLimits) -> Result<(), AppError> {
    if let Some(name) = fragment_cycle(doc) {
        return Err(AppError::QueryInvalid(format!(
            "fragment \"{name}\" spreads itself, directly or through others"
        )));
    }
    let mut memo = HashMap::new();
    let operations: Vec<&OperationDefinition> = match &doc.operations {
        DocumentOperations::Single(op) => vec![&op.node],
        DocumentOperations::Multiple(ops) => ops.values().map(|op| &op.node).collect(),
    };
    for op in operations {
        Shape::measured(doc, op, &mut memo).check(limits)?;
    }
    for name in doc.fragments.keys() {
        spread_shape(doc, name.as_str(), &mut memo, &mut Vec::new(), measure).check(limits)?;
    }
    Ok(())
}

/// A fragment that spreads itself through others, if any: a depth-first walk of the spread
/// graph, each fragment finished once (linear in the document).
fn fragment_cycle(doc: &ExecutableDocument) -> Option<String> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Mark {
        Open,
        Done,
    }
    fn spreads<'d>(set: &'d SelectionSet, out: &mut Vec<&'d str>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => spreads(&field.node.selection_set.node, out),
                Selection::InlineFragment(fragment) => spreads(&fragment.node.selection_set.node, out),
                Selection::FragmentSpread(spread) => out.push(spread.node.fragment_name.node.as_str()),
            }
        }
    }
    fn visit<'d>(doc: &'d ExecutableDocument, name: &'d str, marks: &mut HashMap<&'d str, Mark>) -> Option<String> {
        match marks.get(name) {
            Some(Mark::Open) => return Some(name.to_string()),
            Some(Mark::Done) => return None,
            None => {}
        }
        let (key, fragment) = doc.fragments.get_key_value(name)?;
        marks.insert(key.as_str(), Mark::Open);
        let mut next = Vec::new();
        spreads(&fragment.node.selection_set.node, &mut next);
        for spread in next {
            if let Some(cycle) = visit(doc, spread, marks) {
                return Some(cycle);
            }
        }
        marks.insert(key.as_str(), Mark::Done);
        None
    }
    let mut marks = HashMap::new();
    doc.fragments
        .keys()
        .find_map(|name| visit(doc, name.as_str(), &mut marks))
}

/// What the selected operation costs once its fragments are expanded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Fields, counted once per place they are selected.
    pub fields: u64,
    pub aliases: u64,
    /// Fields selected at the root (each one at least one statement).
    pub root_fields: u64,
}

impl Shape {
    fn add(self, other: Shape) -> Shape {
        Shape {
            fields: self.fields.saturating_add(other.fields),
            aliases: self.aliases.saturating_add(other.aliases),
            root_fields: self.root_fields.saturating_add(other.root_fields),
        }
    }

    /// The shape of `op`, every fragment measured once and its measure reused at each spread.
    pub fn of(doc: &ExecutableDocument, op: &OperationDefinition) -> Shape {
        Shape::measured(doc, op, &mut HashMap::new())
    }

    fn measured<'d>(
        doc: &'d ExecutableDocument,
        op: &'d OperationDefinition,
        memo: &mut HashMap<&'d str, Shape>,
    ) -> Shape {
        let mut root = measure(doc, &op.selection_set.node, memo, &mut Vec::new());
        root.root_fields = root_fields(doc, &op.selection_set.node, &mut HashMap::new(), &mut Vec::new());
        root
    }

    /// Refuses a shape over `limits`.
    pub fn check(&self, limits: &DocumentLimits) -> Result<(), AppError> {
        if self.fields > limits.max_fields {
            return Err(AppError::QueryTooComplex(format!(
                "the operation selects more than {} fields once its fragments are expanded",
                limits.max_fields
            )));
        }
        if self.aliases > limits.max_aliases {
            return Err(AppError::TooManyAliases(limits.max_aliases));
        }
        if self.root_fields > limits.max_root_fields {
            return Err(AppError::QueryTooComplex(format!(
                "the operation selects more than {} root fields",
                limits.max_root_fields
            )));
        }
        Ok(())
    }
}

/// Fields and aliases below `set`. A fragment met again inside itself (a cycle, which
/// validation refuses) counts nothing.
fn measure<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    memo: &mut HashMap<&'d str, Shape>,
    open: &mut Vec<&'d str>,
) -> Shape {
    let mut shape = Shape::default();
    for item in &set.items {
        let inner = match &item.node {
            Selection::Field(field) => {
                let below = measure(doc, &field.node.selection_set.node, memo, open);
                Shape {
                    fields: 1,
                    aliases: u64::from(field.node.alias.is_some()),
                    root_fields: 0,
                }
                .add(below)
            }
            Selection::InlineFragment(fragment) => measure(doc, &fragment.node.selection_set.node, memo, open),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                spread_shape(doc, name, memo, open, measure)
            }
        };
        shape = shape.add(inner);
    }
    shape
}

/// The fields selected directly at the root, through fragments.
fn root_fields<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    memo: &mut HashMap<&'d str, Shape>,
    open: &mut Vec<&'d str>,
) -> u64 {
    let mut count = 0u64;
    for item in &set.items {
        count = count.saturating_add(match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(fragment) => root_fields(doc, &fragment.node.selection_set.node, memo, open),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                let shape = spread_shape(doc, name, memo, open, |doc, set, memo, open| Shape {
                    root_fields: root_fields(doc, set, memo, open),
                    ..Shape::default()
                });
                shape.root_fields
            }
        });
    }
    count
}

type Measure<'d> =
    fn(&'d ExecutableDocument, &'d SelectionSet, &mut HashMap<&'d str, Shape>, &mut Vec<&'d str>) -> Shape;

/// The memoised measure of fragment `name` (nothing for an unknown or cyclic one: validation
/// reports those).
fn spread_shape<'d>(
    doc: &'d ExecutableDocument,
    name: &'d str,
    memo: &mut HashMap<&'d str, Shape>,
    open: &mut Vec<&'d str>,
    measure: Measure<'d>,
) -> Shape {
    if let Some(shape) = memo.get(name) {
        return *shape;
    }
    if open.contains(&name) {
        return Shape::default();
    }
    let Some((key, fragment)) = doc.fragments.get_key_value(name) else {
        return Shape::default();
    };
    open.push(key.as_str());
    let shape = measure(doc, &fragment.node.selection_set.node, memo, open);
    open.pop();
    memo.insert(key.as_str(), shape);
    shape
}

/// The names of the fields selected at the root of `op`, through fragments (each name once).
pub fn root_field_names(doc: &ExecutableDocument, op: &OperationDefinition) -> Vec<String> {
    fn walk<'d>(doc: &'d ExecutableDocument, set: &'d SelectionSet, open: &mut Vec<&'d str>, out: &mut Vec<String>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    if !out.iter().any(|n| n == name) {
                        out.push(name.to_string());
                    }
                }
                Selection::InlineFragment(fragment) => walk(doc, &fragment.node.selection_set.node, open, out),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some((key, fragment)) = doc.fragments.get_key_value(name)
                        && !open.contains(&name)
                    {
                        open.push(key.as_str());
                        walk(doc, &fragment.node.selection_set.node, open, out);
                        open.pop();
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(doc, &op.selection_set.node, &mut Vec::new(), &mut out);
    out
}

/// What a session may ask for before it replaces its temporary password: its own account
/// (scalar fields only, never the organisation and what hangs below it), the password change
/// and sign-out. Checked on the whole operation, fragments included.
pub fn only_before_password_change(doc: &ExecutableDocument, op: &OperationDefinition) -> bool {
    if op.ty == OperationType::Subscription {
        return false;
    }
    allowed(
        doc,
        &op.selection_set.node,
        &ROOT_BEFORE_PASSWORD_CHANGE,
        &mut Vec::new(),
    )
}

/// A field allowed before the password change, and what it may select below.
struct Allowed {
    name: &'static str,
    below: &'static [Allowed],
}

const fn leaf(name: &'static str) -> Allowed {
    Allowed { name, below: &[] }
}

/// The account's own scalar fields.
const ACCOUNT_FIELDS: [Allowed; 8] = [
    leaf("id"),
    leaf("email"),
    leaf("displayName"),
    leaf("role"),
    leaf("mustChangePassword"),
    leaf("disabled"),
    leaf("lastLoginAt"),
    leaf("createdAt"),
];

const ROOT_BEFORE_PASSWORD_CHANGE: [Allowed; 3] = [
    Allowed {
        name: "me",
        below: &ACCOUNT_FIELDS,
    },
    Allowed {
        name: "changePassword",
        below: &[Allowed {
            name: "user",
            below: &ACCOUNT_FIELDS,
        }],
    },
    Allowed {
        name: "logout",
        below: &[leaf("ok")],
    },
];

fn allowed<'d>(doc: &'d ExecutableDocument, set: &'d SelectionSet, rules: &[Allowed], open: &mut Vec<&'d str>) -> bool {
    set.items.iter().all(|item| match &item.node {
        Selection::Field(field) => {
            let name = field.node.name.node.as_str();
            if name == "__typename" {
                return true;
            }
            rules
                .iter()
                .find(|rule| rule.name == name)
                .is_some_and(|rule| allowed(doc, &field.node.selection_set.node, rule.below, open))
        }
        Selection::InlineFragment(fragment) => allowed(doc, &fragment.node.selection_set.node, rules, open),
        Selection::FragmentSpread(spread) => {
            let name = spread.node.fragment_name.node.as_str();
            // A cycle is refused by validation; here it simply allows nothing more.
            if open.contains(&name) {
                return true;
            }
            let Some((key, fragment)) = doc.fragments.get_key_value(name) else {
                return true;
            };
            open.push(key.as_str());
            let ok = allowed(doc, &fragment.node.selection_set.node, rules, open);
            open.pop();
            ok
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> DocumentLimits {
        DocumentLimits::default()
    }

    fn code(result: Result<(), AppError>) -> &'static str {
        result.err().map_or("", |e| e.code())
    }

    #[test]
    fn deep_brackets_are_refused_before_parsing() {
        let doc = format!(
            "{{ __type(name: {}\"x\"{}) {{ name }} }}",
            "[".repeat(2000),
            "]".repeat(2000)
        );
        assert_eq!(code(scan(&doc, &limits())), "QUERY_TOO_DEEP");
        let objects = format!("{{ a(b: {}1{}) }}", "{a:".repeat(2000), "}".repeat(2000));
        assert_eq!(code(scan(&objects, &limits())), "QUERY_TOO_DEEP");
        assert!(scan("{ events(first: 5) { nodes { id organiser { name } } } }", &limits()).is_ok());
    }

    #[test]
    fn tokens_are_counted_outside_strings_and_comments() {
        let small = DocumentLimits {
            max_tokens: 5,
            ..limits()
        };
        // `{ a(b: "…") }`: { a ( b : "…" ) } is 8 tokens; the string and comment count once or not at all.
        assert_eq!(code(scan("{ a(b: \"x y z { [ (\") }", &small)), "QUERY_TOO_LARGE");
        assert!(scan("# { { { many words here\n{ a }", &small).is_ok());
        assert!(
            scan(
                "{ a(b: \"\"\" { [ \\\"\"\" ( \"\"\") }",
                &DocumentLimits {
                    max_tokens: 8,
                    ..limits()
                }
            )
            .is_ok()
        );
        assert!(
            scan(
                "{ a(b: -1.5e+3, c: [1, 2]) }",
                &DocumentLimits {
                    max_tokens: 16,
                    ..limits()
                }
            )
            .is_ok()
        );
        let many = format!("{{ {} }}", "a ".repeat(1000));
        assert_eq!(code(scan(&many, &limits())), "QUERY_TOO_LARGE");
    }

    fn shape(query: &str) -> Shape {
        let doc = async_graphql::parser::parse_query(query).expect("parses");
        let op = selected_operation(&doc, None).expect("one operation");
        Shape::of(&doc, &op.node)
    }

    fn fan_out(n: usize) -> String {
        let mut doc = String::from("query { ...F0 }\n");
        for i in 0..n {
            doc.push_str(&format!("fragment F{i} on Query {{ ...F{} ...F{} }}\n", i + 1, i + 1));
        }
        doc.push_str(&format!("fragment F{n} on Query {{ __typename }}\n"));
        doc
    }

    #[test]
    fn fragment_fan_out_is_measured_expanded_in_linear_time() {
        assert_eq!(shape(&fan_out(3)).fields, 8);
        let started = std::time::Instant::now();
        let big = shape(&fan_out(30));
        assert_eq!(big.fields, 1 << 30);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "measured once per fragment"
        );
        assert_eq!(code(big.check(&limits())), "QUERY_TOO_COMPLEX");
        let cyclic = shape("query { ...A } fragment A on Query { a ...B } fragment B on Query { b ...A }");
        assert_eq!(cyclic.fields, 2);
    }

    #[test]
    fn aliases_are_counted_as_written_before_parsing() {
        let many = format!(
            "{{ {} }}",
            (0..10_000)
                .map(|i| format!("a{i}: __typename"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let big = DocumentLimits {
            max_tokens: 100_000,
            ..limits()
        };
        assert_eq!(code(scan(&many, &big)), "TOO_MANY_ALIASES");
        // Arguments, variables and input objects are no aliases.
        let arguments = "query Q($a: Int = 1, $b: [String!] = [\"x\"]) { e(first: $a, f: { a: 1, b: { c: 2 } }) @include(if: true) { id } }";
        assert!(
            scan(
                arguments,
                &DocumentLimits {
                    max_aliases: 0,
                    ..limits()
                }
            )
            .is_ok()
        );
        assert_eq!(
            code(scan(
                "{ x : y }",
                &DocumentLimits {
                    max_aliases: 0,
                    ..limits()
                }
            )),
            "TOO_MANY_ALIASES"
        );
    }

    #[test]
    fn unterminated_strings_are_refused_rather_than_misread() {
        let deep = format!("{{ a(b: [\"\"\"\"{}{}]) }}", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(code(scan(&deep, &limits())), "GRAPHQL_PARSE_FAILED");
        assert_eq!(code(scan("{ a(b: \"open\n) }", &limits())), "GRAPHQL_PARSE_FAILED");
        assert_eq!(code(scan("{ a(b: \"open\\\n\") }", &limits())), "GRAPHQL_PARSE_FAILED");
        assert_eq!(code(scan("{ a(b: \"end", &limits())), "GRAPHQL_PARSE_FAILED");
        assert!(scan("{ a(b: \"\\\"q\\\"\", c: \"\"\"x \\\"\"\" y\"\"\") }", &limits()).is_ok());
    }

    fn document(query: &str) -> Result<(), AppError> {
        let doc = async_graphql::parser::parse_query(query).expect("parses");
        check_document(&doc, &limits())
    }

    #[test]
    fn every_operation_and_fragment_is_measured() {
        let bomb = fan_out(30);
        let other = bomb.replacen("query { ...F0 }", "query A { ...F0 } query B { __typename }", 1);
        assert_eq!(code(document(&other)), "QUERY_TOO_COMPLEX");
        let unused = bomb.replacen("query { ...F0 }", "query { __typename }", 1);
        assert_eq!(code(document(&unused)), "QUERY_TOO_COMPLEX");
        assert!(document("query A { a } query B { b } fragment F on Query { c }").is_ok());
    }

    #[test]
    fn aliases_and_root_fields_are_counted_through_fragments() {
        let aliases = (0..16)
            .map(|i| format!("a{i}: __typename"))
            .collect::<Vec<_>>()
            .join(" ");
        let s = shape(&format!("{{ {aliases} }}"));
        assert_eq!((s.aliases, s.root_fields), (16, 16));
        assert_eq!(code(s.check(&limits())), "TOO_MANY_ALIASES");
        let s = shape("query { ...R ...R } fragment R on Query { a b { c } }");
        assert_eq!((s.fields, s.root_fields), (6, 4));
    }

    /// graphql-js's introspection query, as GraphiQL and code generators send it.
    const INTROSPECTION: &str = "query IntrospectionQuery { __schema { queryType { name } mutationType { name }
        subscriptionType { name } types { ...FullType } directives { name description isRepeatable locations
        args(includeDeprecated: true) { ...InputValue } } } }
        fragment FullType on __Type { kind name description specifiedByURL
          fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue }
            type { ...TypeRef } isDeprecated deprecationReason }
          inputFields(includeDeprecated: true) { ...InputValue } interfaces { ...TypeRef }
          enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
          possibleTypes { ...TypeRef } }
        fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue
          isDeprecated deprecationReason }
        fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name
          ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
          ofType { kind name } } } } } } } } } }";

    #[test]
    fn the_introspection_query_passes_the_default_limits() {
        assert!(scan(INTROSPECTION, &limits()).is_ok());
        let doc = async_graphql::parser::parse_query(INTROSPECTION).expect("parses");
        let op = selected_operation(&doc, None).expect("one operation");
        assert!(Shape::of(&doc, &op.node).check(&limits()).is_ok());
    }

    fn before_change(query: &str) -> bool {
        let doc = async_graphql::parser::parse_query(query).expect("parses");
        let op = selected_operation(&doc, None).expect("one operation");
        only_before_password_change(&doc, &op.node)
    }

    #[test]
    fn the_password_gate_reads_the_whole_operation() {
        assert!(before_change("{ me { id email mustChangePassword __typename } }"));
        assert!(before_change(
            "mutation { changePassword(currentPassword: \"a\", newPassword: \"b\") { user { id mustChangePassword } } }"
        ));
        assert!(before_change(
            "query { ...M } fragment M on Query { me { ... on User { email } } }"
        ));
        assert!(!before_change(
            "{ me { organisation { contacts { nodes { email } } } } }"
        ));
        assert!(!before_change(
            "query { ...M } fragment M on Query { me { organisation { name } } }"
        ));
        assert!(!before_change("{ events { nodes { id } } }"));
        assert!(!before_change("subscription { eventChanged { id } }"));
    }
}
