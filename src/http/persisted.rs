//! Automatic persisted queries (Apollo's APQ protocol): a client sends the SHA-256 of a query
//! instead of the query; on a miss it sends both once, and the hub remembers the pair.
//!
//! Hand-written: async-graphql's APQ extension runs inside its own request pipeline, which the
//! hub replaces (see `graphql.rs`); the protocol itself is a hash check and a bounded map.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// Queries remembered per instance (each instance learns a query on its first miss)…
const CAPACITY: usize = 10_000;
/// …in this many bytes at most, whoever sends them (they are stored before authentication)…
const MAX_TOTAL_BYTES: usize = 16 * 1024 * 1024;
/// …and none longer than this: a larger query is run but not remembered.
const MAX_QUERY_BYTES: usize = 64 * 1024;

/// Why a persisted query could not be used.
#[derive(Debug, PartialEq, Eq)]
pub enum PersistedError {
    /// The hash is unknown: the client should send the query with it.
    NotFound,
    /// The query sent does not hash to the hash sent.
    HashMismatch,
    /// `extensions.persistedQuery` is not `{ version: 1, sha256Hash: "<64 hex>" }`.
    Invalid(&'static str),
}

#[derive(Default)]
pub struct PersistedQueries {
    inner: Mutex<Store>,
}

#[derive(Default)]
struct Store {
    queries: HashMap<String, String>,
    bytes: usize,
    // Insertion order, to forget the oldest past the capacity.
    order: VecDeque<String>,
}

pub fn sha256_hex(query: &str) -> String {
    Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl PersistedQueries {
    /// Resolves the query of a request: `query` as sent (checked against and remembered under
    /// the hash when there is one), or the query remembered under the hash.
    pub fn resolve(
        &self,
        query: Option<String>,
        persisted: Option<&serde_json::Value>,
    ) -> Result<Option<String>, PersistedError> {
        let Some(persisted) = persisted else {
            return Ok(query);
        };
        if persisted.get("version").and_then(serde_json::Value::as_i64) != Some(1) {
            return Err(PersistedError::Invalid("persistedQuery.version must be 1"));
        }
        let hash = persisted
            .get("sha256Hash")
            .and_then(serde_json::Value::as_str)
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or(PersistedError::Invalid(
                "persistedQuery.sha256Hash must be 64 hexadecimal digits",
            ))?
            .to_ascii_lowercase();
        let mut store = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match query {
            Some(query) => {
                if sha256_hex(&query) != hash {
                    return Err(PersistedError::HashMismatch);
                }
                if query.len() <= MAX_QUERY_BYTES && !store.queries.contains_key(&hash) {
                    store.bytes += query.len();
                    store.queries.insert(hash.clone(), query.clone());
                    store.order.push_back(hash);
                    while store.order.len() > CAPACITY || store.bytes > MAX_TOTAL_BYTES {
                        let Some(oldest) = store.order.pop_front() else { break };
                        if let Some(gone) = store.queries.remove(&oldest) {
                            store.bytes -= gone.len();
                        }
                    }
                }
                Ok(Some(query))
            }
            None => store
                .queries
                .get(&hash)
                .cloned()
                .map(Some)
                .ok_or(PersistedError::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn remembers_queries_by_their_hash() {
        let apq = PersistedQueries::default();
        let query = "{ events { totalCount } }";
        let hash = sha256_hex(query);
        let ext = json!({ "version": 1, "sha256Hash": hash });
        assert_eq!(apq.resolve(None, Some(&ext)), Err(PersistedError::NotFound));
        assert_eq!(apq.resolve(Some(query.into()), Some(&ext)), Ok(Some(query.into())));
        assert_eq!(apq.resolve(None, Some(&ext)), Ok(Some(query.into())));
        assert_eq!(
            apq.resolve(Some("{ other }".into()), Some(&ext)),
            Err(PersistedError::HashMismatch)
        );
        assert!(matches!(
            apq.resolve(None, Some(&json!({ "version": 2, "sha256Hash": hash }))),
            Err(PersistedError::Invalid(_))
        ));
        assert_eq!(apq.resolve(Some(query.into()), None), Ok(Some(query.into())));
    }

    #[test]
    fn the_known_hash_of_a_query() {
        // The value Apollo clients compute for this document.
        assert_eq!(
            sha256_hex("{__typename}"),
            "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"
        );
    }
}
