//! Full-text search: one interface (`Backend`), two engines.
//!
//! - `embedded`: a tantivy index in the data directory, with French analysis (lower case,
//!   stop words, accent folding, Snowball stemming) and typo tolerance; the default.
//! - `meili`: Meilisearch, when `MEILI_URL` is set; index settings are applied at start.
//!
//! Both index the same `Document`s (built from the database by `document`), answer the same
//! `Query` (text, types, filters, facets, sort, page) with the same `Hits`, and pass the same
//! conformance suite (`tests/api/search.rs`). The index is fed from the search outbox by
//! `jobs::index_search`; the index never holds a field the caller may not see in GraphQL:
//! contacts are indexed without e-mail, phone or notes.

pub mod document;
pub mod embedded;
pub mod meili;
pub mod typo;

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::SearchSettings;
use crate::domain::Scope;

pub use document::Document;

/// Hits a page may ask for.
pub const MAX_PAGE: usize = 100;
/// How deep a search may page (Meilisearch's `maxTotalHits`).
pub const MAX_OFFSET: usize = 1000;
/// Values returned per facet.
pub const MAX_FACET_VALUES: usize = 100;
/// Marks around a matched word in snippets, before they are HTML-escaped and turned into
/// `<mark>` elements (control characters cannot occur in indexed text, see `document::plain`).
pub(crate) const MARK_START: &str = "\u{2}";
pub(crate) const MARK_END: &str = "\u{3}";

/// The searchable record types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordType {
    Event,
    Resource,
    Organisation,
    Contact,
    Action,
}

impl RecordType {
    pub const ALL: [RecordType; 5] = [
        RecordType::Event,
        RecordType::Resource,
        RecordType::Organisation,
        RecordType::Contact,
        RecordType::Action,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Event => "event",
            RecordType::Resource => "resource",
            RecordType::Organisation => "organisation",
            RecordType::Contact => "contact",
            RecordType::Action => "action",
        }
    }

    pub fn parse(raw: &str) -> Option<RecordType> {
        RecordType::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    /// The type whose store `Record::NAME` is `name` (`Event`, `Resource`, …), if searchable.
    pub fn of_record_name(name: &str) -> Option<RecordType> {
        RecordType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(name))
    }

    /// The id of the document of record `id`: `event-<uuid>` (Meilisearch ids allow letters,
    /// digits, `-` and `_`).
    pub fn document_id(self, id: Uuid) -> String {
        format!("{}-{}", self.as_str(), id)
    }

    /// The record a document id names.
    pub fn parse_document_id(doc_id: &str) -> Option<(RecordType, Uuid)> {
        let (ty, id) = doc_id.split_once('-')?;
        Some((RecordType::parse(ty)?, Uuid::parse_str(id).ok()?))
    }
}

/// The attributes a search can be narrowed on and counted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Facet {
    Type,
    Kind,
    Region,
    Departement,
    City,
    Organisation,
    Audience,
    Tag,
    FreeOfRights,
    OpenToPublic,
    Status,
    Visibility,
}

impl Facet {
    pub const ALL: [Facet; 12] = [
        Facet::Type,
        Facet::Kind,
        Facet::Region,
        Facet::Departement,
        Facet::City,
        Facet::Organisation,
        Facet::Audience,
        Facet::Tag,
        Facet::FreeOfRights,
        Facet::OpenToPublic,
        Facet::Status,
        Facet::Visibility,
    ];

    /// The document attribute it reads (the same name in both engines).
    pub fn attribute(self) -> &'static str {
        match self {
            Facet::Type => "type",
            Facet::Kind => "kind",
            Facet::Region => "region",
            Facet::Departement => "departement",
            Facet::City => "city",
            Facet::Organisation => "organisationId",
            Facet::Audience => "audiences",
            Facet::Tag => "tags",
            Facet::FreeOfRights => "freeOfRights",
            Facet::OpenToPublic => "openToPublic",
            Facet::Status => "status",
            Facet::Visibility => "visibility",
        }
    }
}

/// How hits are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Relevance,
    StartsAtAsc,
    StartsAtDesc,
}

/// What a search is narrowed to. Each list keeps documents having any of its values; the
/// lists and flags combine with AND. Date bounds keep only documents with a start (events).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub types: Vec<RecordType>,
    pub organisation_ids: Vec<Uuid>,
    pub kinds: Vec<String>,
    pub regions: Vec<String>,
    pub departements: Vec<String>,
    pub cities: Vec<String>,
    pub audiences: Vec<String>,
    pub tags: Vec<String>,
    pub statuses: Vec<String>,
    pub free_of_rights: Option<bool>,
    pub open_to_public: Option<bool>,
    /// Unix seconds, inclusive.
    pub starts_after: Option<i64>,
    /// Unix seconds, exclusive.
    pub starts_before: Option<i64>,
}

/// One search.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub text: String,
    pub filter: Filter,
    /// What the caller may see: applied by the engine on the documents' visibility and owner.
    pub scope: Scope,
    pub facets: Vec<Facet>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
}

/// A matched part of a document: HTML-escaped text with the matched words in `<mark>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Highlight {
    pub field: &'static str,
    pub snippet: String,
}

/// One ranked hit.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub record_type: RecordType,
    pub record_id: Uuid,
    pub highlights: Vec<Highlight>,
}

/// The counts of one facet's values, most frequent first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FacetCounts {
    pub facet: Facet,
    pub values: Vec<(String, u64)>,
}

/// What a search found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hits {
    pub hits: Vec<Hit>,
    pub estimated_total: u64,
    pub facets: Vec<FacetCounts>,
}

/// Why the search engine could not do something.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The engine cannot be reached or is busy: retry later.
    #[error("the search engine is unavailable: {0}")]
    Unavailable(String),
    /// The engine refused or failed the request.
    #[error("the search engine failed: {0}")]
    Failed(String),
}

pub type SearchResult<T> = Result<T, SearchError>;

/// A search engine holding the documents.
#[async_trait::async_trait]
pub trait Backend: Send + Sync {
    /// `embedded` or `meilisearch`.
    fn name(&self) -> &'static str;

    /// Creates the index if needed and applies its settings (run at every start); true when
    /// the index was created empty, and must be filled from the database.
    async fn prepare(&self) -> SearchResult<bool>;

    /// Adds or replaces `upserts` and deletes the documents `deletes`; returns once the
    /// engine has applied them for good.
    async fn apply(&self, upserts: Vec<Document>, deletes: Vec<String>) -> SearchResult<()>;

    async fn search(&self, query: &Query) -> SearchResult<Hits>;

    /// Whether the engine answers (`/readyz`); an embedded index always does.
    async fn healthy(&self) -> bool {
        true
    }

    /// The id and content hash of every document in the index.
    async fn hashes(&self) -> SearchResult<HashMap<String, String>>;

    /// Starts building a fresh index that replaces the live one, whole, at `finish`; searches
    /// keep reading the live index meanwhile.
    async fn rebuild(&self) -> SearchResult<Box<dyn Rebuild + '_>>;
}

/// An index being rebuilt.
#[async_trait::async_trait]
pub trait Rebuild: Send {
    async fn add(&mut self, docs: Vec<Document>) -> SearchResult<()>;
    /// Puts the new index in place of the live one.
    async fn finish(self: Box<Self>) -> SearchResult<()>;
    /// Drops the new index.
    async fn abort(self: Box<Self>);
}

/// The configured engine: Meilisearch when a URL is set, else the embedded index.
pub fn open(settings: &SearchSettings, data_dir: &std::path::Path) -> anyhow::Result<Arc<dyn Backend>> {
    match &settings.meili_url {
        Some(url) => Ok(Arc::new(meili::Meili::new(
            url,
            settings.meili_key.as_deref(),
            &settings.index_prefix,
            settings.timeout,
        )?)),
        None => {
            let dir = settings.index_dir.clone().unwrap_or_else(|| data_dir.join("search"));
            Ok(Arc::new(embedded::Embedded::open(&dir)?))
        }
    }
}

impl Filter {
    /// Whether document `d` passes the filter (the degraded database search applies it).
    pub fn matches(&self, d: &Document) -> bool {
        let any =
            |wanted: &[String], value: Option<&String>| wanted.is_empty() || value.is_some_and(|v| wanted.contains(v));
        let any_of =
            |wanted: &[String], values: &[String]| wanted.is_empty() || values.iter().any(|v| wanted.contains(v));
        let types: Vec<String> = self.types.iter().map(|t| t.as_str().to_string()).collect();
        let orgs: Vec<String> = self.organisation_ids.iter().map(Uuid::to_string).collect();
        any(&types, Some(&d.record_type))
            && any(&orgs, d.organisation_id.as_ref())
            && any(&self.kinds, d.kind.as_ref())
            && any(&self.regions, d.region.as_ref())
            && any(&self.departements, d.departement.as_ref())
            && any(&self.cities, d.city.as_ref())
            && any_of(&self.audiences, &d.audiences)
            && any_of(&self.tags, &d.tags)
            && any(&self.statuses, d.status.as_ref())
            && self.free_of_rights.is_none_or(|v| d.free_of_rights == Some(v))
            && self.open_to_public.is_none_or(|v| d.open_to_public == Some(v))
            && self.starts_after.is_none_or(|v| d.starts_at.is_some_and(|s| s >= v))
            && self.starts_before.is_none_or(|v| d.starts_at.is_some_and(|s| s < v))
    }
}

/// The values document `d` has for `facet`.
fn facet_values(d: &Document, facet: Facet) -> Vec<String> {
    let one = |v: &Option<String>| v.iter().cloned().collect::<Vec<_>>();
    let flag = |v: Option<bool>| v.map(|b| b.to_string()).into_iter().collect::<Vec<_>>();
    match facet {
        Facet::Type => vec![d.record_type.clone()],
        Facet::Kind => one(&d.kind),
        Facet::Region => one(&d.region),
        Facet::Departement => one(&d.departement),
        Facet::City => one(&d.city),
        Facet::Organisation => one(&d.organisation_id),
        Facet::Audience => d.audiences.clone(),
        Facet::Tag => d.tags.clone(),
        Facet::FreeOfRights => flag(d.free_of_rights),
        Facet::OpenToPublic => flag(d.open_to_public),
        Facet::Status => one(&d.status),
        Facet::Visibility => vec![d.visibility.clone()],
    }
}

/// A search over documents read from the database, for when the engine is unreachable:
/// `candidates` already hold every query word and are visible to the caller; the filter,
/// facets, sort and page are applied here. Relevance is approximated: title matches first.
pub fn fallback(query: &Query, candidates: Vec<Document>) -> Hits {
    let words: Vec<String> = query.text.split_whitespace().map(str::to_lowercase).collect();
    let mut docs: Vec<Document> = candidates.into_iter().filter(|d| query.filter.matches(d)).collect();
    let mut facets = Vec::new();
    for facet in &query.facets {
        let mut counts: HashMap<String, u64> = HashMap::new();
        for d in &docs {
            for v in facet_values(d, *facet) {
                *counts.entry(v).or_default() += 1;
            }
        }
        facets.push(FacetCounts {
            facet: *facet,
            values: sorted_counts(counts),
        });
    }
    let in_title = |d: &Document| {
        let title = d.title.to_lowercase();
        words.iter().filter(|w| title.contains(w.as_str())).count()
    };
    match query.sort {
        Sort::Relevance => docs.sort_by(|a, b| in_title(b).cmp(&in_title(a)).then_with(|| a.title.cmp(&b.title))),
        Sort::StartsAtAsc => docs.sort_by_key(|d| (d.starts_at.is_none(), d.starts_at)),
        Sort::StartsAtDesc => docs.sort_by_key(|d| (d.starts_at.is_none(), d.starts_at.map(std::cmp::Reverse))),
    }
    let estimated_total = docs.len() as u64;
    let hits = docs
        .into_iter()
        .skip(query.offset)
        .take(query.limit)
        .filter_map(|d| d.record())
        .map(|(record_type, record_id)| Hit {
            record_type,
            record_id,
            highlights: Vec::new(),
        })
        .collect();
    Hits {
        hits,
        estimated_total,
        facets,
    }
}

/// Sorts facet values most frequent first (then by value), and keeps the first
/// `MAX_FACET_VALUES`: the same order from both engines.
pub(crate) fn sorted_counts(counts: impl IntoIterator<Item = (String, u64)>) -> Vec<(String, u64)> {
    let mut values: Vec<(String, u64)> = counts.into_iter().filter(|(_, n)| *n > 0).collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    values.truncate(MAX_FACET_VALUES);
    values
}

/// Turns a snippet with `MARK_START`/`MARK_END` around matches into escaped HTML with `<mark>`.
pub(crate) fn render_snippet(marked: &str) -> String {
    html_escape::encode_text(marked)
        .replace(MARK_START, "<mark>")
        .replace(MARK_END, "</mark>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_ids_round_trip() {
        let id = Uuid::now_v7();
        for ty in RecordType::ALL {
            assert_eq!(RecordType::parse_document_id(&ty.document_id(id)), Some((ty, id)));
        }
        assert_eq!(RecordType::parse_document_id("user-1"), None);
        assert_eq!(RecordType::of_record_name("Event"), Some(RecordType::Event));
        assert_eq!(RecordType::of_record_name("ExperienceReport"), None);
    }

    #[test]
    fn snippets_are_escaped_around_marks() {
        let marked = format!("a <b> & {MARK_START}mallette{MARK_END}");
        assert_eq!(render_snippet(&marked), "a &lt;b&gt; &amp; <mark>mallette</mark>");
    }

    #[test]
    fn facet_values_are_most_frequent_first() {
        let counts = sorted_counts([("b".into(), 2), ("a".into(), 2), ("c".into(), 5), ("z".into(), 0)]);
        assert_eq!(counts, vec![("c".into(), 5), ("a".into(), 2), ("b".into(), 2)]);
    }
}
