//! Automatic persisted queries (Apollo's APQ protocol): a client sends the SHA-256 of a query
//! instead of the query; on a miss it sends both once, and the hub remembers the pair.
//!
//! Hand-written: async-graphql's APQ extension runs inside its own request pipeline, which the
//! hub replaces (see `graphql.rs`); the protocol itself is a hash check, and the bounded map is
//! the instance's documents (`graphql::documents`).

use std::sync::Arc;

use crate::graphql::documents::{self, Documents};

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

/// The persisted queries of an instance: kept in its documents (`graphql::documents`), with
/// their parses, so the bounds there hold for both (each instance learns a query on its first
/// miss).
pub struct PersistedQueries {
    documents: Arc<Documents>,
}

impl Default for PersistedQueries {
    fn default() -> Self {
        PersistedQueries::new(Arc::new(Documents::new(Default::default())))
    }
}

pub fn sha256_hex(query: &str) -> String {
    documents::hex(&documents::hash(query))
}

/// The hash of `extensions.persistedQuery.sha256Hash`: 64 hexadecimal digits.
fn parse_hash(text: &str) -> Option<documents::Hash> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 || !bytes.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut hash = [0; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let digits = std::str::from_utf8(pair).ok()?;
        hash[i] = u8::from_str_radix(digits, 16).ok()?;
    }
    Some(hash)
}

impl PersistedQueries {
    pub fn new(documents: Arc<Documents>) -> Self {
        PersistedQueries { documents }
    }

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
            .and_then(parse_hash)
            .ok_or(PersistedError::Invalid(
                "persistedQuery.sha256Hash must be 64 hexadecimal digits",
            ))?;
        match query {
            Some(query) => {
                if documents::hash(&query) != hash {
                    return Err(PersistedError::HashMismatch);
                }
                self.documents.remember(hash, &query);
                Ok(Some(query))
            }
            None => self
                .documents
                .query(&hash)
                .map(|q| Some(q.to_string()))
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
