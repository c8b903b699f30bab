//! The embedded engine: a tantivy index in the data directory.
//!
//! Analysis (`fr`): words, lower case, accents folded, French stop words dropped, Snowball
//! French stemming; each searched field is indexed twice, stemmed and as written (`fr_words`:
//! the same analysis without the stemmer). A query word matches a field word equal to its stem,
//! or within the typos `search::typo` allows of the word as typed (against the words as
//! written) and of its stem (against the stems), or, for the last word typed, any word it
//! begins. Every query word must match somewhere (Meilisearch's `all`
//! matching strategy, set on that engine too). Fields are searched in ranking order: title,
//! organisation, tags, place, body, with decreasing boosts.
//!
//! tantivy allows one writer per index: each batch opens the writer, commits and releases it,
//! so `passerelle search reindex` run beside a serving hub only makes the hub's indexer wait.

use std::collections::HashMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::{AggContextParams, AggregationCollector};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, RangeQuery, TermQuery, TermSetQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    TokenStream,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, SegmentReader, TantivyDocument, Term};

use super::typo::{TypoQuery, Typos};
use super::{
    Backend, Document, Facet, FacetCounts, Highlight, Hit, Hits, MARK_END, MARK_START, Query, Rebuild, RecordType,
    SearchError, SearchResult, Sort, sorted_counts,
};
use crate::domain::Scope;

/// The analyzer's name in the index.
const FRENCH: &str = "fr";
/// The analyzer of the words as written: `fr` without the stemmer.
const FRENCH_WORDS: &str = "fr_words";
/// Version of the schema and analysis below; an index of another version is rebuilt.
const SCHEMA_VERSION: &str = "2";
/// Memory of one indexing batch.
const WRITER_MEMORY: usize = 50_000_000;
/// How long a writer waits for another process holding the index (a reindex from the
/// command line) before the batch fails and is retried later.
const LOCK_WAIT: Duration = Duration::from_secs(5);
/// Characters of body text shown around the first match.
const SNIPPET_CHARS: usize = 180;

/// French stop words, accents already folded (the analyzer folds before it drops them).
/// tantivy's list is not folded, so `a` would survive where `à` is dropped: written here.
pub(crate) const STOP_WORDS: &[&str] = &[
    "a", "au", "aux", "avec", "c", "ce", "ces", "d", "dans", "de", "des", "du", "elle", "en", "et", "est", "eux", "il",
    "ils", "j", "je", "l", "la", "le", "les", "leur", "leurs", "lui", "m", "ma", "mais", "me", "mes", "moi", "mon",
    "n", "ne", "nos", "notre", "nous", "on", "ou", "par", "pas", "pour", "qu", "que", "qui", "s", "sa", "se", "ses",
    "son", "sont", "sur", "t", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre", "vous", "y",
];

/// The searchable fields in ranking order, with their boosts.
const SEARCHED: [(&str, f32); 5] = [
    ("title", 8.0),
    ("organisation", 4.0),
    ("tags", 3.0),
    ("place", 2.0),
    ("body", 1.0),
];

/// The French analyzer of the index and of queries.
pub fn french_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(STOP_WORDS.iter().map(|w| w.to_string())))
        .filter(Stemmer::new(Language::French))
        .build()
}

/// The words as written: the French analysis without the stemmer, so that a typo is counted
/// on the word typed (`feminisatoin` is two swaps from `feminisation`, but further from its
/// stem `feminis`). It keeps the same words as `french_analyzer`, in the same order.
pub fn words_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(STOP_WORDS.iter().map(|w| w.to_string())))
        .build()
}

/// One word of a query: its stem and the word as typed, both folded.
#[derive(Clone, Debug, PartialEq)]
struct QueryWord {
    stem: String,
    typed: String,
}

/// The analyzed words of `text` with their byte offsets.
fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        out.push((t.text.clone(), t.offset_from, t.offset_to));
    }
    out
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    ty: Field,
    record_id: Field,
    title: Field,
    organisation: Field,
    tags_text: Field,
    place: Field,
    body: Field,
    /// The searched fields' words as written, in `SEARCHED` order.
    written: [Field; 5],
    organisation_id: Field,
    kind: Field,
    region: Field,
    departement: Field,
    city: Field,
    audiences: Field,
    tags: Field,
    free_of_rights: Field,
    open_to_public: Field,
    status: Field,
    visibility: Field,
    starts_at: Field,
    hash: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(FRENCH)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let written = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(FRENCH_WORDS)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let keyword = STRING | FAST;
    let fields = Fields {
        id: b.add_text_field("id", STRING | FAST | STORED),
        ty: b.add_text_field("type", STRING | FAST | STORED),
        record_id: b.add_text_field("recordId", STRING | STORED),
        title: b.add_text_field("title", text.clone()),
        organisation: b.add_text_field("organisation", text.clone()),
        tags_text: b.add_text_field("tags", text.clone()),
        place: b.add_text_field("place", text.clone()),
        body: b.add_text_field("body", text),
        written: SEARCHED.map(|(name, _)| b.add_text_field(&format!("{name}Words"), written.clone())),
        organisation_id: b.add_text_field("organisationId", keyword.clone()),
        kind: b.add_text_field("kind", keyword.clone()),
        region: b.add_text_field("region", keyword.clone()),
        departement: b.add_text_field("departement", keyword.clone()),
        city: b.add_text_field("city", keyword.clone()),
        audiences: b.add_text_field("audiences", keyword.clone()),
        tags: b.add_text_field("tagValues", keyword.clone()),
        free_of_rights: b.add_text_field("freeOfRights", keyword.clone()),
        open_to_public: b.add_text_field("openToPublic", keyword.clone()),
        status: b.add_text_field("status", keyword.clone()),
        visibility: b.add_text_field("visibility", keyword),
        starts_at: b.add_i64_field("startsAt", INDEXED | FAST),
        hash: b.add_text_field("hash", STRING | FAST | STORED),
    };
    (b.build(), fields)
}

/// The keyword column a facet counts: the document attribute's name, but for tags, whose
/// `tags` field is searchable text and `tagValues` the keywords.
fn facet_column(facet: Facet) -> &'static str {
    match facet {
        Facet::Tag => "tagValues",
        other => other.attribute(),
    }
}

impl Fields {
    fn document(&self, d: &Document) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.id, &d.id);
        doc.add_text(self.ty, &d.record_type);
        doc.add_text(self.record_id, &d.record_id);
        doc.add_text(self.title, &d.title);
        doc.add_text(self.organisation, &d.organisation);
        doc.add_text(self.tags_text, d.tags.join(", "));
        doc.add_text(self.place, &d.place);
        doc.add_text(self.body, &d.body);
        let tags = d.tags.join(", ");
        for (field, value) in self
            .written
            .into_iter()
            .zip([&d.title, &d.organisation, &tags, &d.place, &d.body])
        {
            doc.add_text(field, value);
        }
        let keywords = [
            (self.organisation_id, &d.organisation_id),
            (self.kind, &d.kind),
            (self.region, &d.region),
            (self.departement, &d.departement),
            (self.city, &d.city),
            (self.status, &d.status),
        ];
        for (field, value) in keywords {
            if let Some(v) = value {
                doc.add_text(field, v);
            }
        }
        for a in &d.audiences {
            doc.add_text(self.audiences, a);
        }
        for t in &d.tags {
            doc.add_text(self.tags, t);
        }
        if let Some(v) = d.free_of_rights {
            doc.add_text(self.free_of_rights, if v { "true" } else { "false" });
        }
        if let Some(v) = d.open_to_public {
            doc.add_text(self.open_to_public, if v { "true" } else { "false" });
        }
        doc.add_text(self.visibility, &d.visibility);
        if let Some(v) = d.starts_at {
            doc.add_i64(self.starts_at, v);
        }
        doc.add_text(self.hash, &d.hash);
        doc
    }
}

struct Inner {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// Serialises this process's writers (tantivy's lock file serialises processes).
    writing: std::sync::Mutex<()>,
    /// Whether `open` created the index (it must then be filled from the database).
    created: bool,
    /// The French analyzer, cloned for each use (its stop words and stemmer are built once).
    analyzer: TextAnalyzer,
    /// The analyzer of the words as written.
    words_analyzer: TextAnalyzer,
}

/// The embedded engine.
#[derive(Clone)]
pub struct Embedded(Arc<Inner>);

impl Embedded {
    /// Opens the index in `dir`, creating it when absent and recreating it when it was built
    /// with another schema (the hub then refills it from the database, see `prepare`).
    pub fn open(dir: &Path) -> anyhow::Result<Embedded> {
        use anyhow::Context;
        let version_file = dir.join("passerelle-schema-version");
        let current = std::fs::read_to_string(&version_file).ok();
        let mut created = false;
        if current.as_deref().map(str::trim) != Some(SCHEMA_VERSION) {
            if dir.exists() {
                tracing::warn!(dir = %dir.display(), "the search index has another schema version: rebuilding it");
                std::fs::remove_dir_all(dir)
                    .with_context(|| format!("cannot remove the old search index {}", dir.display()))?;
            }
            created = true;
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create the search index {}", dir.display()))?;
        let (schema, fields) = schema();
        let directory =
            MmapDirectory::open(dir).with_context(|| format!("cannot open the search index {}", dir.display()))?;
        let index = Index::open_or_create(directory, schema).context("cannot open the search index")?;
        index.tokenizers().register(FRENCH, french_analyzer());
        index.tokenizers().register(FRENCH_WORDS, words_analyzer());
        std::fs::write(&version_file, SCHEMA_VERSION)
            .with_context(|| format!("cannot write {}", version_file.display()))?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .context("cannot read the search index")?;
        Ok(Embedded(Arc::new(Inner {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields,
            writing: std::sync::Mutex::new(()),
            created,
            analyzer: french_analyzer(),
            words_analyzer: words_analyzer(),
        })))
    }

    /// Runs blocking index work off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Inner) -> SearchResult<T> + Send + 'static,
    ) -> SearchResult<T> {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || work(&inner))
            .await
            .map_err(|e| SearchError::Failed(format!("the search task failed: {e}")))?
    }
}

fn failed(e: impl std::fmt::Display) -> SearchError {
    SearchError::Failed(e.to_string())
}

impl Inner {
    /// Opens the index writer, waiting a little for another process that holds it.
    fn writer(&self) -> SearchResult<IndexWriter> {
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        loop {
            match self.index.writer_with_num_threads(1, WRITER_MEMORY) {
                Ok(w) => return Ok(w),
                Err(tantivy::TantivyError::LockFailure(..)) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(tantivy::TantivyError::LockFailure(..)) => {
                    return Err(SearchError::Unavailable(format!(
                        "the search index {} is held by another process",
                        self.dir.display()
                    )));
                }
                Err(e) => return Err(failed(e)),
            }
        }
    }

    /// Commits, waits for merges, and makes the change visible to searches.
    fn commit(&self, mut writer: IndexWriter) -> SearchResult<()> {
        writer.commit().map_err(failed)?;
        writer.wait_merging_threads().map_err(failed)?;
        self.reader.reload().map_err(failed)
    }

    fn apply(&self, upserts: &[Document], deletes: &[String]) -> SearchResult<()> {
        let _guard = self.writing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let writer = self.writer()?;
        for id in deletes.iter().chain(upserts.iter().map(|d| &d.id)) {
            writer.delete_term(Term::from_field_text(self.fields.id, id));
        }
        for d in upserts {
            writer.add_document(self.fields.document(d)).map_err(failed)?;
        }
        self.commit(writer)
    }

    fn filter_clauses(&self, q: &Query) -> Vec<Box<dyn tantivy::query::Query>> {
        let f = &self.fields;
        let any = |field: Field, values: &[String]| -> Box<dyn tantivy::query::Query> {
            Box::new(TermSetQuery::new(
                values.iter().map(|v| Term::from_field_text(field, v)),
            ))
        };
        let mut clauses: Vec<Box<dyn tantivy::query::Query>> = Vec::new();
        let filter = &q.filter;
        if !filter.types.is_empty() {
            let types: Vec<String> = filter.types.iter().map(|t| t.as_str().to_string()).collect();
            clauses.push(any(f.ty, &types));
        }
        if !filter.organisation_ids.is_empty() {
            let ids: Vec<String> = filter.organisation_ids.iter().map(|id| id.to_string()).collect();
            clauses.push(any(f.organisation_id, &ids));
        }
        for (field, values) in [
            (f.kind, &filter.kinds),
            (f.region, &filter.regions),
            (f.departement, &filter.departements),
            (f.city, &filter.cities),
            (f.audiences, &filter.audiences),
            (f.tags, &filter.tags),
            (f.status, &filter.statuses),
        ] {
            if !values.is_empty() {
                clauses.push(any(field, values));
            }
        }
        for (field, value) in [
            (f.free_of_rights, filter.free_of_rights),
            (f.open_to_public, filter.open_to_public),
        ] {
            if let Some(v) = value {
                let term = Term::from_field_text(field, if v { "true" } else { "false" });
                clauses.push(Box::new(TermQuery::new(term, IndexRecordOption::Basic)));
            }
        }
        if filter.starts_after.is_some() || filter.starts_before.is_some() {
            let lower = filter.starts_after.map_or(Bound::Unbounded, |v| {
                Bound::Included(Term::from_field_i64(f.starts_at, v))
            });
            let upper = filter.starts_before.map_or(Bound::Unbounded, |v| {
                Bound::Excluded(Term::from_field_i64(f.starts_at, v))
            });
            clauses.push(Box::new(RangeQuery::new(lower, upper)));
        }
        let term = |value: &str| -> Box<dyn tantivy::query::Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(f.visibility, value),
                IndexRecordOption::Basic,
            ))
        };
        match q.scope {
            Scope::All => {}
            Scope::Public => clauses.push(term("public")),
            Scope::Partner { organisation } => {
                let mut visible: Vec<(Occur, Box<dyn tantivy::query::Query>)> =
                    vec![(Occur::Should, term("public")), (Occur::Should, term("partners"))];
                if let Some(org) = organisation {
                    let own = BooleanQuery::new(vec![
                        (Occur::Must, term("organisation")),
                        (
                            Occur::Must,
                            Box::new(TermQuery::new(
                                Term::from_field_text(f.organisation_id, &org.to_string()),
                                IndexRecordOption::Basic,
                            )),
                        ),
                    ]);
                    visible.push((Occur::Should, Box::new(own)));
                }
                clauses.push(Box::new(BooleanQuery::new(visible)));
            }
        }
        clauses
    }

    /// The query words, analysed: each word's stem and the word as typed.
    fn words(&self, text: &str) -> Vec<QueryWord> {
        query_words(&mut self.analyzer.clone(), &mut self.words_analyzer.clone(), text)
    }

    fn text_query(&self, words: &[QueryWord]) -> Option<Box<dyn tantivy::query::Query>> {
        if words.is_empty() {
            return None;
        }
        let schema = self.index.schema();
        let fields: Vec<(Field, Field, f32)> = SEARCHED
            .iter()
            .zip(self.fields.written)
            .filter_map(|((name, boost), written)| schema.get_field(name).ok().map(|f| (f, written, *boost)))
            .collect();
        let mut must: Vec<(Occur, Box<dyn tantivy::query::Query>)> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let last = i + 1 == words.len();
            let stem_typos = Typos::of(&word.stem).map(Arc::new);
            let typed_typos = Typos::of(&word.typed).map(Arc::new);
            let mut any: Vec<(Occur, Box<dyn tantivy::query::Query>)> = Vec::new();
            let mut add = |query: Box<dyn tantivy::query::Query>, boost: f32| {
                any.push((Occur::Should, Box::new(BoostQuery::new(query, boost))));
            };
            for &(field, written, boost) in &fields {
                let stem = Term::from_field_text(field, &word.stem);
                let typed = Term::from_field_text(written, &word.typed);
                // Exact words rank above typos and prefixes.
                add(
                    Box::new(TermQuery::new(stem.clone(), IndexRecordOption::WithFreqs)),
                    boost * 2.0,
                );
                if let Some(t) = &typed_typos {
                    add(Box::new(TypoQuery::new(written, t.clone())), boost);
                }
                if let Some(t) = &stem_typos {
                    add(Box::new(TypoQuery::new(field, t.clone())), boost);
                }
                if last {
                    add(Box::new(FuzzyTermQuery::new_prefix(stem, 0, true)), boost);
                    add(Box::new(FuzzyTermQuery::new_prefix(typed, 0, true)), boost);
                }
            }
            must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        Some(Box::new(BooleanQuery::new(must)))
    }

    fn search(&self, q: &Query) -> SearchResult<Hits> {
        let words = self.words(&q.text);
        let mut clauses: Vec<(Occur, Box<dyn tantivy::query::Query>)> = Vec::new();
        if let Some(text) = self.text_query(&words) {
            clauses.push((Occur::Must, text));
        }
        for filter in self.filter_clauses(q) {
            // Filters narrow; they do not rank.
            clauses.push((Occur::Must, Box::new(BoostQuery::new(filter, 0.0))));
        }
        let query: Box<dyn tantivy::query::Query> = if clauses.is_empty() {
            Box::new(AllQuery)
        } else if words.is_empty() {
            // Only filters: every document they keep, in index order (ranked by the sort).
            clauses.push((Occur::Must, Box::new(BoostQuery::new(Box::new(AllQuery), 1.0))));
            Box::new(BooleanQuery::new(clauses))
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        let searcher = self.reader.searcher();
        let total = searcher.search(query.as_ref(), &Count).map_err(failed)?;
        let addresses: Vec<DocAddress> = if q.limit == 0 || q.offset >= total {
            Vec::new()
        } else {
            let top = TopDocs::with_limit(q.limit).and_offset(q.offset);
            match q.sort {
                Sort::Relevance => searcher
                    .search(query.as_ref(), &top.order_by_score())
                    .map_err(failed)?
                    .into_iter()
                    .map(|(_, a)| a)
                    .collect(),
                Sort::StartsAtAsc | Sort::StartsAtDesc => {
                    let ascending = q.sort == Sort::StartsAtAsc;
                    let by_start = top.tweak_score(move |segment: &SegmentReader| {
                        let column = segment.fast_fields().i64("startsAt").ok();
                        move |doc: tantivy::DocId, _score: tantivy::Score| -> i64 {
                            // Documents without a start come last either way.
                            match column.as_ref().and_then(|c| c.first(doc)) {
                                Some(v) if ascending => v.saturating_neg(),
                                Some(v) => v,
                                None => i64::MIN,
                            }
                        }
                    });
                    searcher
                        .search(query.as_ref(), &by_start)
                        .map_err(failed)?
                        .into_iter()
                        .map(|(_, a)| a)
                        .collect()
                }
            }
        };
        let mut hits = Vec::with_capacity(addresses.len());
        let mut highlighter = Highlighter::new(&words, self.analyzer.clone(), self.words_analyzer.clone());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address).map_err(failed)?;
            let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let Some((record_type, record_id)) = RecordType::parse_document_id(&text(self.fields.id)) else {
                continue;
            };
            let mut highlights = Vec::new();
            for (name, field, crop) in [
                ("title", self.fields.title, false),
                ("organisation", self.fields.organisation, false),
                ("place", self.fields.place, false),
                ("body", self.fields.body, true),
            ] {
                if let Some(snippet) = highlighter.mark(&text(field), crop) {
                    highlights.push(Highlight { field: name, snippet });
                }
            }
            hits.push(Hit {
                record_type,
                record_id,
                highlights,
            });
        }
        let facets = if q.facets.is_empty() {
            Vec::new()
        } else {
            self.facets(&searcher, query.as_ref(), &q.facets)?
        };
        Ok(Hits {
            hits,
            estimated_total: total as u64,
            facets,
        })
    }

    fn facets(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn tantivy::query::Query,
        facets: &[Facet],
    ) -> SearchResult<Vec<FacetCounts>> {
        let mut request = serde_json::Map::new();
        for facet in facets {
            let name = facet_column(*facet);
            request.insert(
                name.to_string(),
                serde_json::json!({ "terms": { "field": name, "size": super::MAX_FACET_VALUES, "min_doc_count": 1 } }),
            );
        }
        let aggs: Aggregations = serde_json::from_value(serde_json::Value::Object(request)).map_err(failed)?;
        let collector = AggregationCollector::from_aggs(aggs, AggContextParams::default());
        let results = searcher.search(query, &collector).map_err(failed)?;
        let json = serde_json::to_value(results).map_err(failed)?;
        Ok(facets
            .iter()
            .map(|facet| {
                let name = facet_column(*facet);
                let buckets = json[name]["buckets"].as_array().cloned().unwrap_or_default();
                let values = buckets.iter().filter_map(|b| {
                    let key = match &b["key"] {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    Some((key, b["doc_count"].as_u64()?))
                });
                FacetCounts {
                    facet: *facet,
                    values: sorted_counts(values),
                }
            })
            .collect())
    }

    fn hashes(&self) -> SearchResult<HashMap<String, String>> {
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let (Some(ids), Some(hashes)) = (fast.str("id").map_err(failed)?, fast.str("hash").map_err(failed)?) else {
                continue;
            };
            let (mut id, mut hash) = (String::new(), String::new());
            for doc in segment.doc_ids_alive() {
                let (Some(i), Some(h)) = (ids.term_ords(doc).next(), hashes.term_ords(doc).next()) else {
                    continue;
                };
                ids.ord_to_str(i, &mut id).map_err(failed)?;
                hashes.ord_to_str(h, &mut hash).map_err(failed)?;
                out.insert(id.clone(), hash.clone());
            }
        }
        Ok(out)
    }
}

/// Marks the words of a text that a query's words match, as the query matched them.
struct Highlighter {
    words: Vec<(QueryWord, Option<Typos>, Option<Typos>, bool)>,
    analyzer: TextAnalyzer,
    words_analyzer: TextAnalyzer,
}

/// The words of `text`, stemmed and as written, with their byte offsets. The two analyzers
/// keep the same words in the same order (they differ only by the stemmer).
fn query_words(stems: &mut TextAnalyzer, written: &mut TextAnalyzer, text: &str) -> Vec<QueryWord> {
    tokens(stems, text)
        .into_iter()
        .zip(tokens(written, text))
        .map(|((stem, _, _), (typed, _, _))| QueryWord { stem, typed })
        .collect()
}

impl Highlighter {
    fn new(words: &[QueryWord], analyzer: TextAnalyzer, words_analyzer: TextAnalyzer) -> Highlighter {
        let words = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), Typos::of(&w.stem), Typos::of(&w.typed), i + 1 == words.len()))
            .collect();
        Highlighter {
            words,
            analyzer,
            words_analyzer,
        }
    }

    /// Whether a word of a text (its stem and as written) matches a query word, by the rule
    /// the query applies.
    fn matches(&self, stem: &str, written: &str) -> bool {
        self.words.iter().any(|(word, stem_typos, typed_typos, last)| {
            stem == word.stem
                || (*last && (stem.starts_with(word.stem.as_str()) || written.starts_with(word.typed.as_str())))
                || stem_typos.as_ref().is_some_and(|t| t.matches(stem))
                || typed_typos.as_ref().is_some_and(|t| t.matches(written))
        })
    }

    /// `text` with matched words marked, cropped around the first match when `crop`; none
    /// when nothing matches.
    fn mark(&mut self, text: &str, crop: bool) -> Option<String> {
        if self.words.is_empty() || text.is_empty() {
            return None;
        }
        let matched: Vec<(usize, usize)> = tokens(&mut self.analyzer, text)
            .into_iter()
            .zip(tokens(&mut self.words_analyzer, text))
            .filter(|((stem, _, _), (written, _, _))| self.matches(stem, written))
            .map(|((_, from, to), _)| (from, to))
            .collect();
        let first = matched.first()?.0;
        let (start, end) = if crop {
            window(text, first, SNIPPET_CHARS)
        } else {
            (0, text.len())
        };
        let mut out = String::new();
        if start > 0 {
            out.push('…');
        }
        let mut at = start;
        for (from, to) in matched.into_iter().filter(|(f, t)| *f >= start && *t <= end) {
            out.push_str(&text[at..from]);
            out.push_str(MARK_START);
            out.push_str(&text[from..to]);
            out.push_str(MARK_END);
            at = to;
        }
        out.push_str(&text[at..end]);
        if end < text.len() {
            out.push('…');
        }
        Some(super::render_snippet(out.trim()))
    }
}

/// A window of about `chars` characters of `text` starting a little before byte `at`, cut on
/// spaces and character boundaries.
fn window(text: &str, at: usize, chars: usize) -> (usize, usize) {
    let before = chars / 4;
    let mut start = text[..at].char_indices().rev().nth(before).map_or(0, |(i, _)| i);
    if start > 0 {
        start = text[start..at].find(' ').map_or(start, |s| start + s + 1);
    }
    let mut end = text[start..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| start + i);
    if end < text.len() {
        end = text[at..end].rfind(' ').map_or(end, |e| at + e);
    }
    (start, end.max(at))
}

#[async_trait::async_trait]
impl Backend for Embedded {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn prepare(&self) -> SearchResult<bool> {
        Ok(self.0.created)
    }

    async fn apply(&self, upserts: Vec<Document>, deletes: Vec<String>) -> SearchResult<()> {
        if upserts.is_empty() && deletes.is_empty() {
            return Ok(());
        }
        self.blocking(move |inner| inner.apply(&upserts, &deletes)).await
    }

    async fn search(&self, query: &Query) -> SearchResult<Hits> {
        let query = query.clone();
        self.blocking(move |inner| inner.search(&query)).await
    }

    async fn hashes(&self) -> SearchResult<HashMap<String, String>> {
        self.blocking(|inner| inner.hashes()).await
    }

    async fn rebuild(&self) -> SearchResult<Box<dyn Rebuild + '_>> {
        let inner = self.0.clone();
        // The writer's lock keeps every other writer out (this process's batches wait for it,
        // then fail and are retried) until `finish` or `abort`.
        let writer = tokio::task::spawn_blocking(move || {
            let writer = inner.writer()?;
            writer.delete_all_documents().map_err(failed)?;
            Ok::<_, SearchError>(writer)
        })
        .await
        .map_err(failed)??;
        Ok(Box::new(EmbeddedRebuild {
            engine: self.clone(),
            writer: Some(writer),
        }))
    }
}

/// A rebuild holds the writer: the documents it adds and the deletion of the old ones become
/// visible together at commit.
struct EmbeddedRebuild {
    engine: Embedded,
    writer: Option<IndexWriter>,
}

#[async_trait::async_trait]
impl Rebuild for EmbeddedRebuild {
    async fn add(&mut self, docs: Vec<Document>) -> SearchResult<()> {
        let writer = self.writer.as_ref().ok_or_else(|| failed("the rebuild is over"))?;
        for d in &docs {
            writer.add_document(self.engine.0.fields.document(d)).map_err(failed)?;
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> SearchResult<()> {
        let writer = self.writer.take().ok_or_else(|| failed("the rebuild is over"))?;
        self.engine.blocking(move |inner| inner.commit(writer)).await
    }

    async fn abort(mut self: Box<Self>) {
        if let Some(mut writer) = self.writer.take() {
            let _ = tokio::task::spawn_blocking(move || writer.rollback()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokens(&mut french_analyzer(), text)
            .into_iter()
            .map(|(t, _, _)| t)
            .collect()
    }

    #[test]
    fn analysis_folds_accents_drops_stop_words_and_stems() {
        assert_eq!(words("Féminisation"), words("feminisation"));
        assert_eq!(words("ingénieures"), words("ingenieur"));
        assert_eq!(words("la mallette pour le collège"), words("mallette college"));
        assert_eq!(words("l'industrie à Besançon"), words("industrie besancon"));
    }

    fn highlighter(query: &str) -> Highlighter {
        let words = query_words(&mut french_analyzer(), &mut words_analyzer(), query);
        Highlighter::new(&words, french_analyzer(), words_analyzer())
    }

    #[test]
    fn the_two_analyses_keep_the_same_words() {
        let text = "L'exposition « Femmes et Microtechniques » au collège, à Besançon";
        let words = query_words(&mut french_analyzer(), &mut words_analyzer(), text);
        let typed: Vec<&str> = words.iter().map(|w| w.typed.as_str()).collect();
        assert_eq!(
            typed,
            ["exposition", "femmes", "microtechniques", "college", "besancon"]
        );
        assert_eq!(words.len(), tokens(&mut french_analyzer(), text).len());
    }

    #[test]
    fn highlights_follow_the_typo_rule_on_the_word_as_typed() {
        let mut h = highlighter("feminisatoin");
        assert_eq!(
            h.mark("La féminisation des métiers", false).as_deref(),
            Some("La <mark>féminisation</mark> des métiers")
        );
        let mut h = highlighter("amllette");
        assert_eq!(h.mark("Une mallette", false), None, "a first-letter typo costs two");
    }

    #[test]
    fn snippets_mark_matches_and_crop_long_text() {
        let mut h = highlighter("ingenieur");
        assert_eq!(
            h.mark("Portrait d'une ingénieure <vidéo>", false).as_deref(),
            Some("Portrait d'une <mark>ingénieure</mark> &lt;vidéo&gt;")
        );
        let long = format!("{} ingénieure {}", "début ".repeat(100), "suite ".repeat(100));
        let snippet = h.mark(&long, true).expect("a snippet");
        assert!(snippet.starts_with('…') && snippet.ends_with('…'), "{snippet}");
        assert!(snippet.contains("<mark>ingénieure</mark>"));
        assert!(snippet.chars().count() < 260, "{snippet}");
        assert_eq!(h.mark("rien à voir", true), None);
    }
}
