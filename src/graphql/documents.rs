//! Documents the hub has seen, by the SHA-256 of their text: the text itself (what automatic
//! persisted queries look up, see `http::persisted`), the parse once it passed the guard, and
//! the outcome of validation for each set of variables it was sent with. A repeated operation
//! then skips parsing, the guard's measures and validation, which are most of the work of a
//! small query: PostGraphile 5 plans an operation once in the same way.
//!
//! One bounded map per instance, shared by the persisted queries and the parses: at most
//! [`CAPACITY`] documents and [`MAX_WEIGHT`] bytes (the text, and an estimate of its parse),
//! the oldest forgotten first. Hand-written: the bounds are two numbers and a queue, and the
//! persisted queries already kept theirs this way.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use async_graphql::ValidationResult;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::parser::types::ExecutableDocument;
use sha2::{Digest, Sha256};

use super::guard::DocumentLimits;

/// Documents remembered per instance…
pub const CAPACITY: usize = 10_000;
/// …in this many bytes at most, whoever sends them (they are kept before authentication)…
pub const MAX_WEIGHT: usize = 32 * 1024 * 1024;
/// …none longer than this: a larger document is run but not remembered…
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
/// …and a parse is counted as this many times its text (an AST of positioned names).
const PARSE_WEIGHT: usize = 8;
/// Validation outcomes remembered (a document sent with many variables has one per set).
const VALIDATIONS: usize = 10_000;

/// The SHA-256 of a document's text.
pub type Hash = [u8; 32];

pub fn hash(query: &str) -> Hash {
    Sha256::digest(query.as_bytes()).into()
}

pub fn hex(hash: &Hash) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

struct Entry {
    query: Arc<str>,
    /// Parsed and within the limits (checked once: the limits do not change while it runs).
    parsed: Option<Arc<ExecutableDocument>>,
}

impl Entry {
    fn weight(&self) -> usize {
        self.query.len() * if self.parsed.is_some() { 1 + PARSE_WEIGHT } else { 1 }
    }
}

#[derive(Default)]
struct Store {
    entries: HashMap<Hash, Entry>,
    weight: usize,
    /// Insertion order, to forget the oldest past the bounds.
    order: VecDeque<Hash>,
}

impl Store {
    fn bound(&mut self) {
        while self.order.len() > CAPACITY || self.weight > MAX_WEIGHT {
            let Some(oldest) = self.order.pop_front() else { break };
            if let Some(gone) = self.entries.remove(&oldest) {
                self.weight -= gone.weight();
            }
        }
    }
}

/// The documents of one instance, and the limits their parses were checked against.
pub struct Documents {
    limits: DocumentLimits,
    store: RwLock<Store>,
    validations: Mutex<HashMap<Hash, ValidationResult>>,
}

impl Documents {
    pub fn new(limits: DocumentLimits) -> Self {
        Documents {
            limits,
            store: RwLock::new(Store::default()),
            validations: Mutex::new(HashMap::new()),
        }
    }

    pub fn limits(&self) -> &DocumentLimits {
        &self.limits
    }

    /// The text remembered under `hash`.
    pub fn query(&self, hash: &Hash) -> Option<Arc<str>> {
        let store = self.store.read().unwrap_or_else(PoisonError::into_inner);
        store.entries.get(hash).map(|e| e.query.clone())
    }

    /// Remembers `query` under its hash (persisted queries: the text only).
    pub fn remember(&self, hash: Hash, query: &str) {
        if query.len() > MAX_QUERY_BYTES {
            return;
        }
        let mut store = self.store.write().unwrap_or_else(PoisonError::into_inner);
        if store.entries.contains_key(&hash) {
            return;
        }
        let entry = Entry {
            query: query.into(),
            parsed: None,
        };
        store.weight += entry.weight();
        store.entries.insert(hash, entry);
        store.order.push_back(hash);
        store.bound();
    }

    /// The parse of the document `hash` names, if it passed the guard before.
    pub fn parsed(&self, hash: &Hash) -> Option<Arc<ExecutableDocument>> {
        let store = self.store.read().unwrap_or_else(PoisonError::into_inner);
        store.entries.get(hash).and_then(|e| e.parsed.clone())
    }

    /// Remembers the parse of `query`, which passed the guard.
    pub fn keep_parsed(&self, hash: Hash, query: &str, doc: ExecutableDocument) {
        if query.len() > MAX_QUERY_BYTES {
            return;
        }
        let mut store = self.store.write().unwrap_or_else(PoisonError::into_inner);
        let store = &mut *store;
        match store.entries.get_mut(&hash) {
            Some(entry) if entry.parsed.is_none() => {
                store.weight -= entry.weight();
                entry.parsed = Some(Arc::new(doc));
                store.weight += entry.weight();
            }
            Some(_) => return,
            None => {
                let entry = Entry {
                    query: query.into(),
                    parsed: Some(Arc::new(doc)),
                };
                store.weight += entry.weight();
                store.entries.insert(hash, entry);
                store.order.push_back(hash);
            }
        }
        store.bound();
    }

    /// The outcome of validation remembered under `key`: the document passed it.
    pub fn validated(&self, key: &Hash) -> Option<ValidationResult> {
        let validations = self.validations.lock().unwrap_or_else(PoisonError::into_inner);
        validations.get(key).copied()
    }

    fn keep_validated(&self, key: Hash, result: ValidationResult) {
        let mut validations = self.validations.lock().unwrap_or_else(PoisonError::into_inner);
        // Outcomes are small and cheap to find again: past the bound, start afresh.
        if validations.len() >= VALIDATIONS {
            validations.clear();
        }
        validations.insert(key, result);
    }
}

/// What validation depends on besides the schema and its limits: the document, the operation
/// and the variables (argument values and page sizes are checked and counted with them).
#[derive(Clone, Copy)]
pub struct ValidationKey(pub Hash);

impl ValidationKey {
    pub fn of(
        document: &Hash,
        operation_name: Option<&str>,
        variables: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> Self {
        let mut key = Sha256::new();
        key.update(document);
        match operation_name {
            Some(name) => {
                key.update([1]);
                key.update((name.len() as u64).to_le_bytes());
                key.update(name.as_bytes());
            }
            None => key.update([0]),
        }
        if let Some(variables) = variables {
            // Serialising a JSON map cannot fail.
            key.update(serde_json::to_vec(variables).unwrap_or_default());
        }
        ValidationKey(key.finalize().into())
    }
}

/// The async-graphql extension that answers validation from [`Documents`] when the same
/// document, operation and variables passed it before. Refusals are not remembered.
pub struct ValidationCache(pub Arc<Documents>);

impl ExtensionFactory for ValidationCache {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ValidationCache(self.0.clone()))
    }
}

#[async_trait::async_trait]
impl Extension for ValidationCache {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<async_graphql::ServerError>> {
        let Some(ValidationKey(key)) = ctx.data_opt::<ValidationKey>() else {
            return next.run(ctx).await;
        };
        if let Some(hit) = self.0.validated(key) {
            return Ok(hit);
        }
        let result = next.run(ctx).await?;
        self.0.keep_validated(*key, result);
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_are_kept_within_the_bounds() {
        let documents = Documents::new(DocumentLimits::default());
        let query = "{ events { totalCount } }";
        let h = hash(query);
        assert!(documents.parsed(&h).is_none());
        let doc = async_graphql::parser::parse_query(query).expect("a document");
        documents.keep_parsed(h, query, doc);
        assert!(documents.parsed(&h).is_some());
        assert_eq!(documents.query(&h).as_deref(), Some(query));
        // The oldest are forgotten past the capacity: the parse first, then "0".
        for i in 0..=CAPACITY {
            documents.remember(hash(&i.to_string()), &i.to_string());
        }
        assert!(documents.parsed(&h).is_none());
        assert!(documents.query(&hash("0")).is_none());
        assert!(documents.query(&hash("1")).is_some());
        assert!(documents.query(&hash(&CAPACITY.to_string())).is_some());
    }

    #[test]
    fn validation_keys_tell_variables_and_operations_apart() {
        let doc = hash("query A { a } query B { b }");
        let vars = |v: serde_json::Value| v.as_object().cloned();
        let a = ValidationKey::of(&doc, Some("A"), None).0;
        assert_ne!(a, ValidationKey::of(&doc, Some("B"), None).0);
        assert_ne!(a, ValidationKey::of(&doc, None, None).0);
        let first = vars(serde_json::json!({ "first": 10 }));
        let other = vars(serde_json::json!({ "first": 100 }));
        assert_ne!(
            ValidationKey::of(&doc, Some("A"), first.as_ref()).0,
            ValidationKey::of(&doc, Some("A"), other.as_ref()).0
        );
        assert_eq!(
            ValidationKey::of(&doc, Some("A"), first.as_ref()).0,
            ValidationKey::of(&doc, Some("A"), first.as_ref()).0
        );
    }
}
