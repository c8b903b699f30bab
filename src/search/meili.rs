//! The Meilisearch engine, through `meilisearch-sdk`.
//!
//! One index, `<prefix>documents`, holds every record type (a `type` attribute tells them
//! apart), so a search ranks all types in one list and counts facets across them. Its
//! settings are code (`settings()`), applied at every start. A rebuild fills
//! `<prefix>documents_rebuild` and swaps it with the live index, so searches never see an
//! empty index. Every write waits for its Meilisearch task and fails unless it succeeded.

use std::collections::HashMap;
use std::time::Duration;

use meilisearch_sdk::client::{Client, SwapIndexes};
use meilisearch_sdk::errors::{Error as MeiliError, ErrorCode};
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::request::{HttpClient, Method};
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::Settings;
use meilisearch_sdk::task_info::TaskInfo;
use meilisearch_sdk::tasks::Task;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{
    Backend, Document, Facet, FacetCounts, Highlight, Hit, Hits, MARK_END, MARK_START, Query, Rebuild, RecordType,
    SearchError, SearchResult, Sort, sorted_counts,
};
use crate::domain::Scope;

/// Documents per request when reading the index back (`search check`).
const READ_PAGE: usize = 1000;
/// Words of body text around the first match in a snippet.
const CROP_WORDS: usize = 30;

/// The searchable attributes in ranking order (the embedded engine's order too).
const SEARCHABLE: [&str; 5] = ["title", "organisation", "tags", "place", "body"];

/// The index settings, applied at every start.
pub fn settings() -> Settings {
    let filterable: Vec<&str> = Facet::ALL.iter().map(|f| f.attribute()).chain(["startsAt"]).collect();
    // A literal of the documented settings object: every field is known to deserialise.
    serde_json::from_value(serde_json::json!({
        "searchableAttributes": SEARCHABLE,
        "filterableAttributes": filterable,
        "sortableAttributes": ["startsAt", "title"],
        "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness"],
        "stopWords": stop_words(),
        "typoTolerance": {
            "enabled": true,
            "minWordSizeForTypos": { "oneTypo": 5, "twoTypos": 9 }
        },
        "faceting": { "maxValuesPerFacet": super::MAX_FACET_VALUES },
        "pagination": { "maxTotalHits": super::MAX_OFFSET + super::MAX_PAGE },
    }))
    .unwrap_or_default()
}

/// The embedded engine's French stop words, with and without accents (Meilisearch matches
/// stop words before it folds accents).
fn stop_words() -> Vec<String> {
    let mut words: Vec<String> = super::embedded::STOP_WORDS.iter().map(|w| w.to_string()).collect();
    words.extend(["à", "où", "même", "été"].map(String::from));
    words
}

/// An HTTP client for `meilisearch-sdk` over the project's reqwest, so that one HTTP stack
/// is built (the SDK's own client needs another reqwest major version).
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
}

impl Http {
    pub fn new(api_key: Option<&str>, timeout: Duration) -> anyhow::Result<Http> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(key) = api_key {
            let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {key}"))?;
            value.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        // No gzip: Meilisearch then streams a compressed body after its headers, and the second
        // write waits for the hub's delayed ACK (about 40 ms per search, measured).
        let client = reqwest::Client::builder()
            .no_gzip()
            .default_headers(headers)
            .user_agent(concat!("Passerelle/", env!("CARGO_PKG_VERSION")))
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        Ok(Http { client })
    }
}

/// The query string of a request: the SDK's query structs serialise to flat JSON objects;
/// lists are sent comma-separated, as Meilisearch expects.
fn query_string(query: &impl serde::Serialize) -> Result<String, MeiliError> {
    let value = serde_json::to_value(query).map_err(MeiliError::ParseError)?;
    let serde_json::Value::Object(map) = value else {
        return Ok(String::new());
    };
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in map {
        let text = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(s) => s,
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        out.append_pair(&key, &text);
    }
    let encoded = out.finish();
    Ok(if encoded.is_empty() {
        encoded
    } else {
        format!("?{encoded}")
    })
}

#[async_trait::async_trait]
impl HttpClient for Http {
    async fn stream_request<
        Q: serde::Serialize + Send + Sync,
        B: futures_util::AsyncRead + Send + Sync + 'static,
        Output: DeserializeOwned + 'static,
    >(
        &self,
        url: &str,
        method: Method<Q, B>,
        content_type: &str,
        expected_status_code: u16,
    ) -> Result<Output, MeiliError> {
        use futures_util::AsyncReadExt;
        let url = format!("{url}{}", query_string(method.query())?);
        let verb = match &method {
            Method::Get { .. } => reqwest::Method::GET,
            Method::Delete { .. } => reqwest::Method::DELETE,
            Method::Post { .. } => reqwest::Method::POST,
            Method::Put { .. } => reqwest::Method::PUT,
            Method::Patch { .. } => reqwest::Method::PATCH,
        };
        let mut request = self.client.request(verb, &url);
        if let Some(body) = method.into_body() {
            let mut bytes = Vec::new();
            let mut body = Box::pin(body);
            body.read_to_end(&mut bytes)
                .await
                .map_err(|e| MeiliError::Other(Box::new(e)))?;
            request = request.header(reqwest::header::CONTENT_TYPE, content_type).body(bytes);
        }
        let response = request.send().await.map_err(|e| MeiliError::Other(Box::new(e)))?;
        let status = response.status().as_u16();
        let mut text = response.text().await.map_err(|e| MeiliError::Other(Box::new(e)))?;
        if text.is_empty() {
            text = "null".into();
        }
        meilisearch_sdk::request::parse_response(status, expected_status_code, &text, url)
    }

    fn is_tokio(&self) -> bool {
        true
    }
}

/// The Meilisearch engine.
pub struct Meili {
    client: Client<Http>,
    live: String,
    spare: String,
    timeout: Duration,
}

fn error(e: MeiliError) -> SearchError {
    match e {
        MeiliError::Meilisearch(e) => SearchError::Failed(e.to_string()),
        MeiliError::Timeout => SearchError::Unavailable("Meilisearch did not finish a task in time".into()),
        // Transport errors, 5xx without a Meilisearch body, and so on.
        other => SearchError::Unavailable(other.to_string()),
    }
}

fn is_missing_index(e: &MeiliError) -> bool {
    matches!(e, MeiliError::Meilisearch(m) if m.error_code == ErrorCode::IndexNotFound)
}

/// A filter value as a Meilisearch string literal.
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

fn any_of(attribute: &str, values: &[String]) -> String {
    let list: Vec<String> = values.iter().map(|v| quoted(v)).collect();
    format!("{attribute} IN [{}]", list.join(", "))
}

/// The Meilisearch filter expression of a query: its filters and the caller's scope.
pub fn filter_expression(q: &Query) -> Option<String> {
    let f = &q.filter;
    let mut parts = Vec::new();
    if !f.types.is_empty() {
        let types: Vec<String> = f.types.iter().map(|t| t.as_str().to_string()).collect();
        parts.push(any_of("type", &types));
    }
    if !f.organisation_ids.is_empty() {
        let ids: Vec<String> = f.organisation_ids.iter().map(|id| id.to_string()).collect();
        parts.push(any_of("organisationId", &ids));
    }
    for (attribute, values) in [
        ("kind", &f.kinds),
        ("region", &f.regions),
        ("departement", &f.departements),
        ("city", &f.cities),
        ("audiences", &f.audiences),
        ("tags", &f.tags),
        ("status", &f.statuses),
    ] {
        if !values.is_empty() {
            parts.push(any_of(attribute, values));
        }
    }
    for (attribute, value) in [("freeOfRights", f.free_of_rights), ("openToPublic", f.open_to_public)] {
        if let Some(v) = value {
            parts.push(format!("{attribute} = {v}"));
        }
    }
    if let Some(v) = f.starts_after {
        parts.push(format!("startsAt >= {v}"));
    }
    if let Some(v) = f.starts_before {
        parts.push(format!("startsAt < {v}"));
    }
    match q.scope {
        Scope::All => {}
        Scope::Public => parts.push("visibility = \"public\"".into()),
        Scope::Partner { organisation: None } => parts.push("visibility IN [\"public\", \"partners\"]".into()),
        Scope::Partner {
            organisation: Some(org),
        } => parts.push(format!(
            "(visibility IN [\"public\", \"partners\"] OR (visibility = \"organisation\" AND organisationId = {}))",
            quoted(&org.to_string())
        )),
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(" AND "))
    }
}

/// Extends each mark to the end of its word: Meilisearch marks only the part of a word a typo
/// or a prefix matched (`<mark>Mallett</mark>e`); the hub marks whole words on both engines.
fn whole_words(marked: &str) -> String {
    let mut out = String::with_capacity(marked.len());
    let mut rest = marked;
    while let Some(end) = rest.find(MARK_END) {
        out.push_str(&rest[..end]);
        let after = &rest[end + MARK_END.len()..];
        let tail = after.find(|c: char| !c.is_alphanumeric()).unwrap_or(after.len());
        out.push_str(&after[..tail]);
        out.push_str(MARK_END);
        rest = &after[tail..];
    }
    out.push_str(rest);
    out
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Deserialize)]
struct IdAndHash {
    id: String,
    #[serde(default)]
    hash: String,
}

impl Meili {
    pub fn new(url: &str, api_key: Option<&str>, prefix: &str, timeout: Duration) -> anyhow::Result<Meili> {
        let url = url.trim_end_matches('/').to_string();
        let http = Http::new(api_key, timeout)?;
        Ok(Meili {
            client: Client::new_with_client(url, api_key, http),
            live: format!("{prefix}documents"),
            spare: format!("{prefix}documents_rebuild"),
            timeout,
        })
    }

    /// Waits for a task and fails unless it succeeded.
    async fn wait(&self, task: TaskInfo) -> SearchResult<()> {
        let task = task
            .wait_for_completion(&self.client, Some(Duration::from_millis(50)), Some(self.timeout))
            .await
            .map_err(error)?;
        match task {
            Task::Succeeded { .. } => Ok(()),
            Task::Failed { content } => Err(SearchError::Failed(content.error.to_string())),
            _ => Err(SearchError::Unavailable(
                "Meilisearch did not finish a task in time".into(),
            )),
        }
    }

    /// Creates index `uid` when absent and applies the settings; true when it was created.
    async fn ensure(&self, uid: &str) -> SearchResult<bool> {
        let created = match self.client.get_index(uid).await {
            Ok(_) => false,
            Err(e) if is_missing_index(&e) => {
                let task = self.client.create_index(uid, Some("id")).await.map_err(error)?;
                self.wait(task).await?;
                true
            }
            Err(e) => return Err(error(e)),
        };
        let task = self.client.index(uid).set_settings(&settings()).await.map_err(error)?;
        self.wait(task).await?;
        Ok(created)
    }

    async fn delete_index(&self, uid: &str) -> SearchResult<()> {
        match self.client.delete_index(uid).await {
            Ok(task) => match self.wait(task).await {
                Err(SearchError::Failed(m)) if m.contains("not found") => Ok(()),
                other => other,
            },
            Err(e) if is_missing_index(&e) => Ok(()),
            Err(e) => Err(error(e)),
        }
    }

    async fn add(&self, index: &Index<Http>, docs: &[Document]) -> SearchResult<()> {
        if docs.is_empty() {
            return Ok(());
        }
        let task = index.add_or_replace(docs, Some("id")).await.map_err(error)?;
        self.wait(task).await
    }
}

#[async_trait::async_trait]
impl Backend for Meili {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    async fn prepare(&self) -> SearchResult<bool> {
        self.ensure(&self.live).await
    }

    async fn healthy(&self) -> bool {
        self.client.is_healthy().await
    }

    async fn apply(&self, upserts: Vec<Document>, deletes: Vec<String>) -> SearchResult<()> {
        let index = self.client.index(&self.live);
        if !deletes.is_empty() {
            let task = index.delete_documents(&deletes).await.map_err(error)?;
            self.wait(task).await?;
        }
        self.add(&index, &upserts).await
    }

    async fn search(&self, q: &Query) -> SearchResult<Hits> {
        let index = self.client.index(&self.live);
        let filter = filter_expression(q);
        let facets: Vec<&str> = q.facets.iter().map(|f| f.attribute()).collect();
        let sort: Vec<&str> = match q.sort {
            Sort::Relevance => Vec::new(),
            Sort::StartsAtAsc => vec!["startsAt:asc"],
            Sort::StartsAtDesc => vec!["startsAt:desc"],
        };
        let highlighted = ["title", "organisation", "place", "body"];
        let crop = [("body", Some(CROP_WORDS))];
        let mut search = index.search();
        search
            .with_query(&q.text)
            .with_offset(q.offset)
            .with_limit(q.limit)
            .with_matching_strategy(MatchingStrategies::ALL)
            .with_attributes_to_retrieve(Selectors::Some(&["id"]))
            .with_attributes_to_highlight(Selectors::Some(&highlighted))
            .with_attributes_to_crop(Selectors::Some(&crop))
            .with_crop_marker("…")
            .with_highlight_pre_tag(MARK_START)
            .with_highlight_post_tag(MARK_END);
        if let Some(filter) = &filter {
            search.with_filter(filter);
        }
        if !facets.is_empty() {
            search.with_facets(Selectors::Some(&facets));
        }
        if !sort.is_empty() {
            search.with_sort(&sort);
        }
        let results = search.execute::<IdOnly>().await.map_err(error)?;
        let hits = results
            .hits
            .into_iter()
            .filter_map(|hit| {
                let (record_type, record_id) = RecordType::parse_document_id(&hit.result.id)?;
                let formatted = hit.formatted_result.unwrap_or_default();
                let highlights = highlighted
                    .iter()
                    .filter_map(|field| {
                        let text = formatted.get(*field)?.as_str()?;
                        // Only the attributes where a word matched.
                        text.contains(MARK_START).then(|| Highlight {
                            field,
                            snippet: super::render_snippet(whole_words(text).trim()),
                        })
                    })
                    .collect();
                Some(Hit {
                    record_type,
                    record_id,
                    highlights,
                })
            })
            .collect();
        let distribution = results.facet_distribution.unwrap_or_default();
        let facets = q
            .facets
            .iter()
            .map(|facet| FacetCounts {
                facet: *facet,
                values: sorted_counts(
                    distribution
                        .get(facet.attribute())
                        .into_iter()
                        .flatten()
                        .map(|(value, count)| (value.clone(), *count as u64)),
                ),
            })
            .collect();
        Ok(Hits {
            hits,
            estimated_total: results.estimated_total_hits.unwrap_or_default() as u64,
            facets,
        })
    }

    async fn hashes(&self) -> SearchResult<HashMap<String, String>> {
        let index = self.client.index(&self.live);
        let mut out = HashMap::new();
        let mut offset = 0;
        loop {
            let page = meilisearch_sdk::documents::DocumentsQuery::new(&index)
                .with_fields(["id", "hash"])
                .with_offset(offset)
                .with_limit(READ_PAGE)
                .execute::<IdAndHash>()
                .await
                .map_err(error)?;
            let count = page.results.len();
            out.extend(page.results.into_iter().map(|d| (d.id, d.hash)));
            offset += count;
            if count < READ_PAGE {
                return Ok(out);
            }
        }
    }

    async fn rebuild(&self) -> SearchResult<Box<dyn Rebuild + '_>> {
        self.delete_index(&self.spare).await?;
        self.ensure(&self.spare).await?;
        // The live index must exist for the swap.
        self.ensure(&self.live).await?;
        Ok(Box::new(MeiliRebuild {
            engine: self,
            pending: Default::default(),
        }))
    }
}

/// Fills the spare index, then swaps it with the live one and drops the old documents.
/// Batches are sent without waiting for each (Meilisearch indexes consecutive additions
/// together), with at most `IN_FLIGHT` unconfirmed; all must succeed before the swap.
struct MeiliRebuild<'a> {
    engine: &'a Meili,
    pending: std::collections::VecDeque<TaskInfo>,
}

/// Unconfirmed document additions a rebuild lets Meilisearch queue.
const IN_FLIGHT: usize = 16;

#[async_trait::async_trait]
impl Rebuild for MeiliRebuild<'_> {
    async fn add(&mut self, docs: Vec<Document>) -> SearchResult<()> {
        if docs.is_empty() {
            return Ok(());
        }
        let index = self.engine.client.index(&self.engine.spare);
        let task = index.add_or_replace(&docs, Some("id")).await.map_err(error)?;
        self.pending.push_back(task);
        while self.pending.len() > IN_FLIGHT {
            if let Some(task) = self.pending.pop_front() {
                self.engine.wait(task).await?;
            }
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> SearchResult<()> {
        while let Some(task) = self.pending.pop_front() {
            self.engine.wait(task).await?;
        }
        let swap = SwapIndexes {
            indexes: (self.engine.live.clone(), self.engine.spare.clone()),
            rename: None,
        };
        let task = self.engine.client.swap_indexes([&swap]).await.map_err(error)?;
        self.engine.wait(task).await?;
        self.engine.delete_index(&self.engine.spare).await
    }

    async fn abort(self: Box<Self>) {
        if let Err(e) = self.engine.delete_index(&self.engine.spare).await {
            tracing::warn!(error = %e, "cannot drop the unfinished search index");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::Filter;

    #[test]
    fn filters_follow_the_scope_and_quote_values() {
        let org = uuid::Uuid::now_v7();
        let q = Query {
            filter: Filter {
                types: vec![RecordType::Event],
                regions: vec!["bourgogne_franche_comte".into()],
                tags: vec!["say \"hi\"".into()],
                free_of_rights: Some(true),
                starts_after: Some(10),
                ..Default::default()
            },
            scope: Scope::Partner {
                organisation: Some(org),
            },
            ..Default::default()
        };
        assert_eq!(
            filter_expression(&q).as_deref(),
            Some(
                format!(
                    "type IN [\"event\"] AND region IN [\"bourgogne_franche_comte\"] AND tags IN [\"say \\\"hi\\\"\"] \
                     AND freeOfRights = true AND startsAt >= 10 AND (visibility IN [\"public\", \"partners\"] OR \
                     (visibility = \"organisation\" AND organisationId = \"{org}\"))"
                )
                .as_str()
            )
        );
        assert_eq!(
            filter_expression(&Query::default()).as_deref(),
            Some("visibility = \"public\"")
        );
        let all = Query {
            scope: Scope::All,
            ..Default::default()
        };
        assert_eq!(filter_expression(&all), None);
    }

    #[test]
    fn settings_are_complete() {
        let s = serde_json::to_value(settings()).expect("json");
        assert_eq!(s["searchableAttributes"][0], "title");
        assert!(s["filterableAttributes"].as_array().is_some_and(|a| a.len() == 13));
        assert_eq!(s["typoTolerance"]["minWordSizeForTypos"]["oneTypo"], 5);
        assert!(s["stopWords"].as_array().is_some_and(|a| a.iter().any(|w| w == "à")));
    }

    #[test]
    fn marks_cover_whole_words() {
        let marked = format!("{MARK_START}Mallett{MARK_END}e pédagogique {MARK_START}coll{MARK_END}ège");
        assert_eq!(
            whole_words(&marked),
            format!("{MARK_START}Mallette{MARK_END} pédagogique {MARK_START}collège{MARK_END}")
        );
        assert_eq!(whole_words("plain"), "plain");
    }

    #[test]
    fn query_strings_join_lists() {
        let q = serde_json::json!({ "fields": ["id", "hash"], "limit": 1000, "offset": null });
        assert_eq!(query_string(&q).expect("encoded"), "?fields=id%2Chash&limit=1000");
    }
}
