//! `search`: one ranked list across events, resources, organisations, contacts and actions.
//!
//! The engine is asked with the caller's scope as a filter, and each hit is read back from
//! the database through the request's loaders, which apply the same visibility policy as every
//! other read: a hit the caller may not see (an index behind the database) is dropped. When
//! the engine is unreachable the hub searches the database instead and says `degraded: true`.

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject, Union};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::action::Action;
use super::connection::{PageInfo, item_selections, light, unread};
use super::contact::Contact;
use super::enums::{ActionStatus, Audience, EventStatus, OrganisationKind, Region, ResourceKind};
use super::error::{IntoGql, alone};
use super::event::{EVENT_COLUMNS, Event};
use super::exec::{db, viewer};
use super::loaders::loaders;
use super::organisation::{ORGANISATION_COLUMNS, Organisation};
use super::resource::Resource;
use crate::error::{AppError, AppResult};
use crate::search::{self, Facet, RecordType};
use crate::store::page::Omit;

/// Longest query text accepted.
const MAX_QUERY_CHARS: usize = 500;
/// A page's default size, which `search`'s complexity also counts when `first` is left out.
const DEFAULT_FIRST: usize = crate::store::page::DEFAULT_PAGE_SIZE as usize;

/// The searchable record types.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchType {
    /// Events of the agenda.
    Event,
    /// Resources of the shared file.
    Resource,
    /// Partner organisations.
    Organisation,
    /// Contacts of the address book (searched without their e-mail, phone or notes).
    Contact,
    /// Actions.
    Action,
}

impl From<SearchType> for RecordType {
    fn from(t: SearchType) -> Self {
        match t {
            SearchType::Event => RecordType::Event,
            SearchType::Resource => RecordType::Resource,
            SearchType::Organisation => RecordType::Organisation,
            SearchType::Contact => RecordType::Contact,
            SearchType::Action => RecordType::Action,
        }
    }
}

/// What search results can be counted by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchFacet {
    /// `EVENT`, `RESOURCE`, …
    Type,
    /// A resource's or an organisation's kind (`VIDEO`, `CMQ`, …).
    Kind,
    /// The région (`BRETAGNE`, …).
    Region,
    /// The département code (`25`, …).
    Departement,
    /// The city, as written.
    City,
    /// The owning organisation's id.
    Organisation,
    /// The audiences (`COLLEGE`, …).
    Audience,
    /// The tags.
    Tag,
    /// A resource's `freeOfRights` (`true`, `false`).
    FreeOfRights,
    /// An event's `openToPublic` (`true`, `false`).
    OpenToPublic,
    /// An event's or an action's status.
    Status,
}

impl From<SearchFacet> for Facet {
    fn from(f: SearchFacet) -> Self {
        match f {
            SearchFacet::Type => Facet::Type,
            SearchFacet::Kind => Facet::Kind,
            SearchFacet::Region => Facet::Region,
            SearchFacet::Departement => Facet::Departement,
            SearchFacet::City => Facet::City,
            SearchFacet::Organisation => Facet::Organisation,
            SearchFacet::Audience => Facet::Audience,
            SearchFacet::Tag => Facet::Tag,
            SearchFacet::FreeOfRights => Facet::FreeOfRights,
            SearchFacet::OpenToPublic => Facet::OpenToPublic,
            SearchFacet::Status => Facet::Status,
        }
    }
}

impl SearchFacet {
    fn of(f: Facet) -> Option<SearchFacet> {
        Some(match f {
            Facet::Type => SearchFacet::Type,
            Facet::Kind => SearchFacet::Kind,
            Facet::Region => SearchFacet::Region,
            Facet::Departement => SearchFacet::Departement,
            Facet::City => SearchFacet::City,
            Facet::Organisation => SearchFacet::Organisation,
            Facet::Audience => SearchFacet::Audience,
            Facet::Tag => SearchFacet::Tag,
            Facet::FreeOfRights => SearchFacet::FreeOfRights,
            Facet::OpenToPublic => SearchFacet::OpenToPublic,
            Facet::Status => SearchFacet::Status,
            Facet::Visibility => return None,
        })
    }

    /// Whether its values are enum names (shown as GraphQL spells them: `BOURGOGNE_FRANCHE_COMTE`).
    fn is_enum(self) -> bool {
        matches!(
            self,
            SearchFacet::Type | SearchFacet::Kind | SearchFacet::Region | SearchFacet::Audience | SearchFacet::Status
        )
    }
}

/// How results are ordered.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SearchSort {
    /// Best match first (the default).
    #[default]
    Relevance,
    /// Earliest start first; records without a start (not events) come last.
    StartsAtAsc,
    /// Latest start first; records without a start (not events) come last.
    StartsAtDesc,
}

/// What a search is narrowed to: each list keeps records having any of its values; the
/// fields combine with AND.
#[derive(InputObject, Default)]
pub struct SearchFilter {
    /// Records of these organisations (ids; `BAD_USER_INPUT` for one that is not a UUID):
    /// an event's organiser, a record's owner, an organisation itself.
    pub organisation_ids: Option<Vec<ID>>,
    /// Records in these régions.
    pub regions: Option<Vec<Region>>,
    /// Records in these départements (`25`, `2A`).
    pub departements: Option<Vec<String>>,
    /// Records in these cities (as written, trimmed).
    pub cities: Option<Vec<String>>,
    /// Records for these audiences.
    pub audiences: Option<Vec<Audience>>,
    /// Records with these tags (compared lowercase).
    pub tags: Option<Vec<String>>,
    /// Resources of these kinds (other types are left out when given).
    pub resource_kinds: Option<Vec<ResourceKind>>,
    /// Organisations of these kinds (other types are left out when given).
    pub organisation_kinds: Option<Vec<OrganisationKind>>,
    /// Events with these statuses.
    pub event_statuses: Option<Vec<EventStatus>>,
    /// Actions with these statuses.
    pub action_statuses: Option<Vec<ActionStatus>>,
    /// Only resources free of rights (true), or not (false).
    pub free_of_rights: Option<bool>,
    /// Only events open to the public (true), or not (false).
    pub open_to_public: Option<bool>,
    /// Events starting at or after this instant (a date alone: from midnight, Paris time);
    /// records without a start are left out.
    pub starts_after: Option<DateTime>,
    /// Events starting before this instant (a date alone: before midnight, Paris time).
    pub starts_before: Option<DateTime>,
    /// Events that have not started yet (the same as `startsAfter: now`).
    pub upcoming: Option<bool>,
}

fn strings<T>(values: Option<Vec<T>>, f: impl Fn(T) -> String) -> Vec<String> {
    values.unwrap_or_default().into_iter().map(f).collect()
}

impl SearchFilter {
    fn into_filter(self, types: Vec<RecordType>) -> AppResult<search::Filter> {
        let organisation_ids = self
            .organisation_ids
            .unwrap_or_default()
            .iter()
            .map(|id| {
                uuid::Uuid::parse_str(id.as_str().trim())
                    .map_err(|_| AppError::bad_input("filter.organisationIds", "not a valid id"))
            })
            .collect::<AppResult<Vec<_>>>()?;
        let mut kinds = strings(self.resource_kinds, |k| {
            entity::ResourceKind::from(k).as_str().to_string()
        });
        kinds.extend(strings(self.organisation_kinds, |k| {
            entity::OrganisationKind::from(k).as_str().to_string()
        }));
        let mut statuses = strings(self.event_statuses, |s| {
            entity::EventStatus::from(s).as_str().to_string()
        });
        statuses.extend(strings(self.action_statuses, |s| {
            entity::ActionStatus::from(s).as_str().to_string()
        }));
        let mut starts_after = self.starts_after.map(|t| t.instant().timestamp());
        if self.upcoming == Some(true) {
            let now = chrono::Utc::now().timestamp();
            starts_after = Some(starts_after.map_or(now, |t| t.max(now)));
        }
        Ok(search::Filter {
            types,
            organisation_ids,
            kinds,
            regions: strings(self.regions, |r| entity::Region::from(r).as_str().to_string()),
            departements: strings(self.departements, |d| d.trim().to_uppercase()),
            cities: strings(self.cities, |c| c.trim().to_string()),
            audiences: strings(self.audiences, |a| entity::Audience::from(a).as_str().to_string()),
            tags: strings(self.tags, |t| t.trim().to_lowercase()),
            statuses,
            free_of_rights: self.free_of_rights,
            open_to_public: self.open_to_public,
            starts_after,
            starts_before: self.starts_before.map(|t| t.instant().timestamp()),
        })
    }
}

/// A record a search found.
#[derive(Union, Clone)]
pub enum SearchResult {
    Event(Event),
    Resource(Resource),
    Organisation(Organisation),
    Contact(Contact),
    Action(Action),
}

/// A matched part of a record: HTML-escaped text with the matched words in `<mark>`.
#[derive(SimpleObject, Clone)]
pub struct SearchHighlight {
    /// `title`, `organisation`, `place` or `body`.
    pub field: String,
    /// The matched part, cut around the matches: text with `<`, `>` and `&` escaped and the
    /// matched words in `<mark>…</mark>`, safe to insert as HTML.
    pub snippet: String,
}

/// One search result, with its cursor and its highlights.
#[derive(SimpleObject, Clone)]
pub struct SearchEdge {
    /// An opaque cursor: give it as `after` to read the results that follow, for the same
    /// query, filter and sort.
    pub cursor: String,
    /// The record found, read through the caller's visibility.
    pub node: SearchResult,
    /// The fields where words of the query matched.
    pub highlights: Vec<SearchHighlight>,
}

/// One value of a facet and how many results carry it.
#[derive(SimpleObject, Clone)]
pub struct FacetValue {
    /// The value: an enum value as GraphQL spells it (`BRETAGNE`), an id, a code, a city,
    /// a tag, or `true`/`false`.
    pub value: String,
    /// The number of matching records that carry it (an estimate, as `estimatedTotal`).
    pub count: i64,
}

/// The counts of one facet.
#[derive(SimpleObject, Clone)]
pub struct SearchFacetCount {
    /// The facet counted.
    pub facet: SearchFacet,
    /// Most frequent first, at most 100.
    pub values: Vec<FacetValue>,
}

/// One page of search results.
#[derive(SimpleObject, Clone)]
pub struct SearchConnection {
    /// The page's results with their cursors and highlights, best first (or in `sort` order).
    pub edges: Vec<SearchEdge>,
    /// The page's results without cursors.
    pub nodes: Vec<SearchResult>,
    /// Where the page stands (results go 1,000 deep at most).
    pub page_info: PageInfo,
    /// The engine's estimate of the number of matching records.
    pub estimated_total: i64,
    /// The counts asked for with `facets`.
    pub facets: Vec<SearchFacetCount>,
    /// True when the search engine could not be reached and a basic database search (no typo
    /// tolerance, no highlights) answered instead.
    pub degraded: bool,
}

fn cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("search:{offset}"))
}

fn offset_of(after: &str) -> AppResult<usize> {
    let bad = || AppError::bad_input("after", "not a cursor of this search");
    let raw = URL_SAFE_NO_PAD.decode(after.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let n: usize = text
        .strip_prefix("search:")
        .ok_or_else(bad)?
        .parse()
        .map_err(|_| bad())?;
    // `usize::MAX + 1` would wrap to offset 0 in release builds (and panic in debug ones).
    n.checked_add(1)
        .ok_or_else(|| AppError::bad_input("after", "this search cursor is out of range"))
}

/// SCREAMING_SNAKE_CASE, as GraphQL spells the enum values stored in snake_case.
fn enum_name(stored: &str) -> String {
    stored.to_uppercase()
}

/// The search engine and its outbox (administrators).
#[derive(SimpleObject, Clone)]
pub struct SearchStatus {
    /// `embedded` or `meilisearch`.
    pub engine: String,
    /// Outbox rows waiting to be indexed.
    pub pending: i64,
    /// Rows whose indexing failed at least once (retried with backoff).
    pub failing: i64,
    /// When the oldest waiting row was written; null when none waits.
    pub oldest_pending_at: Option<DateTime>,
    /// The error of the last failed batch; null when none failed.
    pub last_error: Option<String>,
}

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Full-text search across the records the caller may see, with typo and accent
    /// tolerance, ranked by relevance (or by start time with `sort`).
    // Counted as a page is: its size times one result's cost. The query budget follows it,
    // and so does the switch to the lean schema.
    #[graphql(complexity = "super::connection::page_cost(first, None, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The words to find, at most 500 characters: a typo is forgiven in words of 5 to 8 letters, two in longer ones (one on the first letter counts two), accents and case are ignored, French stop words skipped, and the last word may be a prefix. Empty: every record, by the filter."
        )]
        query: String,
        #[graphql(desc = "The record types to search; left out, all.")] types: Option<Vec<SearchType>>,
        #[graphql(
            desc = "Narrows the results (each list keeps records having any of its values; the fields combine with AND); left out, every record the caller may see."
        )]
        filter: Option<SearchFilter>,
        #[graphql(desc = "How many results to return: 0 to 100; default 20.")] first: Option<i32>,
        #[graphql(desc = "The cursor of a result of this same search: the page starts after it.")] after: Option<
            String,
        >,
        #[graphql(desc = "The facets to count over all the results (most frequent values first).")] facets: Option<
            Vec<SearchFacet>,
        >,
        #[graphql(desc = "How results are ordered; default `RELEVANCE`.")] sort: Option<SearchSort>,
    ) -> Result<SearchConnection> {
        let args = SearchArgs {
            text: query,
            types,
            filter,
            first,
            after,
            facets,
            sort,
        };
        run(ctx, args).await.gql()
    }

    /// The search engine and the backlog of its outbox: a stalled indexer shows here
    /// (administrators only; null, with a `FORBIDDEN` error at this field, for anyone else).
    async fn search_status(&self, ctx: &Context<'_>) -> Result<Option<SearchStatus>> {
        alone(ctx, async {
            viewer(ctx).require_admin(crate::auth::Task::ReadSearchStatus).gql()?;
            let backlog = crate::store::outbox::backlog(db(ctx)).await.gql()?;
            Ok(SearchStatus {
                engine: super::exec::search_backend(ctx).name().to_string(),
                pending: backlog.pending as i64,
                failing: backlog.failing as i64,
                oldest_pending_at: backlog.oldest.map(Into::into),
                last_error: backlog.last_error,
            })
        })
        .await
    }
}

/// The arguments of `search`, as the client gave them.
struct SearchArgs {
    text: String,
    types: Option<Vec<SearchType>>,
    filter: Option<SearchFilter>,
    first: Option<i32>,
    after: Option<String>,
    facets: Option<Vec<SearchFacet>>,
    sort: Option<SearchSort>,
}

async fn run(ctx: &Context<'_>, args: SearchArgs) -> AppResult<SearchConnection> {
    let text = args.text;
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::bad_input(
            "query",
            format!("query is longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    let limit = match args.first {
        None => DEFAULT_FIRST,
        Some(n) if (0..=search::MAX_PAGE as i32).contains(&n) => n as usize,
        Some(_) => {
            return Err(AppError::bad_input(
                "first",
                format!("first must be between 0 and {}", search::MAX_PAGE),
            ));
        }
    };
    let offset = args.after.as_deref().map(offset_of).transpose()?.unwrap_or(0);
    if offset > search::MAX_OFFSET {
        return Err(AppError::bad_input(
            "after",
            format!("search results go {} deep; narrow the search", search::MAX_OFFSET),
        ));
    }
    let types: Vec<RecordType> = args.types.unwrap_or_default().into_iter().map(Into::into).collect();
    let filter = args.filter.unwrap_or_default().into_filter(types)?;
    let mut facets: Vec<Facet> = args.facets.unwrap_or_default().into_iter().map(Into::into).collect();
    facets.sort();
    facets.dedup();
    let query = search::Query {
        text: text.trim().to_string(),
        filter,
        scope: viewer(ctx).scope(),
        facets,
        sort: match args.sort.unwrap_or_default() {
            SearchSort::Relevance => search::Sort::Relevance,
            SearchSort::StartsAtAsc => search::Sort::StartsAtAsc,
            SearchSort::StartsAtDesc => search::Sort::StartsAtDesc,
        },
        offset,
        limit,
    };
    let backend = super::exec::search_backend(ctx);
    let started = std::time::Instant::now();
    let (hits, degraded) = match backend.search(&query).await {
        Ok(hits) => (hits, false),
        Err(e) => {
            tracing::warn!(engine = backend.name(), error = %e, "search falls back to the database");
            (database_search(ctx, &query).await?, true)
        }
    };
    let engine = if degraded { "degraded" } else { backend.name() };
    crate::metrics::search(engine, started.elapsed());
    let reads = Reads::of(ctx);
    let nodes = futures_util::future::join_all(
        hits.hits
            .iter()
            .map(|hit| hydrate(ctx, &reads, hit.record_type, hit.record_id)),
    )
    .await;
    let mut edges = Vec::new();
    for (i, (hit, node)) in hits.hits.iter().zip(nodes).enumerate() {
        // Hidden or gone since it was indexed: the index is behind the database.
        let Some(node) = node? else { continue };
        edges.push(SearchEdge {
            cursor: cursor(offset + i),
            node,
            highlights: hit
                .highlights
                .iter()
                .map(|h| SearchHighlight {
                    field: h.field.to_string(),
                    snippet: h.snippet.clone(),
                })
                .collect(),
        });
    }
    let reached = offset + hits.hits.len();
    let page_info = PageInfo {
        has_next_page: hits.hits.len() == limit
            && (reached as u64) < hits.estimated_total
            && reached <= search::MAX_OFFSET,
        has_previous_page: offset > 0,
        start_cursor: edges.first().map(|e| e.cursor.clone()),
        end_cursor: edges.last().map(|e| e.cursor.clone()),
    };
    let facets = hits
        .facets
        .into_iter()
        .filter_map(|counts| {
            let facet = SearchFacet::of(counts.facet)?;
            Some(SearchFacetCount {
                facet,
                values: counts
                    .values
                    .into_iter()
                    .map(|(value, count)| FacetValue {
                        value: if facet.is_enum() { enum_name(&value) } else { value },
                        count: count as i64,
                    })
                    .collect(),
            })
        })
        .collect();
    Ok(SearchConnection {
        nodes: edges.iter().map(|e| e.node.clone()).collect(),
        edges,
        page_info,
        estimated_total: hits.estimated_total as i64,
        facets,
        degraded,
    })
}

/// What the hits' reads leave out, as a page of the same selection would: the long texts
/// unless a result's selection shows one, and the event and organisation columns it does not
/// show (a field of one type's fragment counts for all, which only reads more).
struct Reads {
    light: bool,
    event: Omit,
    organisation: Omit,
}

impl Reads {
    fn of(ctx: &Context<'_>) -> Reads {
        let items = item_selections(ctx);
        Reads {
            light: light(&items),
            event: unread(&items, &EVENT_COLUMNS),
            organisation: unread(&items, &ORGANISATION_COLUMNS),
        }
    }
}

/// Reads a hit through the request's loaders (the caller's scope).
async fn hydrate(ctx: &Context<'_>, reads: &Reads, ty: RecordType, id: uuid::Uuid) -> AppResult<Option<SearchResult>> {
    let l = &loaders(ctx).searched;
    let whole = (reads.light, Omit::default());
    Ok(match ty {
        RecordType::Event => l
            .events
            .load_one((id, (reads.light, reads.event)))
            .await?
            .map(|m| SearchResult::Event(Event(m))),
        RecordType::Resource => l
            .resources
            .load_one((id, whole))
            .await?
            .map(|m| SearchResult::Resource(Resource(m))),
        RecordType::Organisation => l
            .organisations
            .load_one((id, (reads.light, reads.organisation)))
            .await?
            .map(|m| SearchResult::Organisation(Organisation(m))),
        RecordType::Contact => l
            .contacts
            .load_one((id, whole))
            .await?
            .map(|m| SearchResult::Contact(Contact(m))),
        RecordType::Action => l
            .actions
            .load_one((id, whole))
            .await?
            .map(|m| SearchResult::Action(Action(m))),
    })
}

/// The degraded search: records whose main texts hold every word, read with the caller's
/// scope, then filtered, counted and sorted like the engine would.
async fn database_search(ctx: &Context<'_>, query: &search::Query) -> AppResult<search::Hits> {
    let words: Vec<String> = query.text.split_whitespace().map(str::to_string).collect();
    let types = if query.filter.types.is_empty() {
        RecordType::ALL.to_vec()
    } else {
        query.filter.types.clone()
    };
    let mut candidates = Vec::new();
    for ty in types {
        candidates.extend(crate::store::documents::candidates(db(ctx), ty, query.scope, &words).await?);
    }
    Ok(search::fallback(query, candidates))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_offsets() {
        assert_eq!(offset_of(&cursor(0)).ok(), Some(1));
        assert_eq!(offset_of(&cursor(41)).ok(), Some(42));
        assert!(offset_of("bm9wZQ").is_err());
        assert!(offset_of("!!").is_err());
    }

    #[test]
    fn out_of_range_cursors_are_refused() {
        let max = URL_SAFE_NO_PAD.encode(format!("search:{}", usize::MAX));
        assert!(matches!(offset_of(&max), Err(AppError::BadUserInput { field, .. }) if field == "after"));
        let beyond = URL_SAFE_NO_PAD.encode("search:18446744073709551616");
        assert!(matches!(offset_of(&beyond), Err(AppError::BadUserInput { .. })));
        let negative = URL_SAFE_NO_PAD.encode("search:-1");
        assert!(offset_of(&negative).is_err());
        assert_eq!(offset_of(&cursor(usize::MAX - 1)).ok(), Some(usize::MAX));
    }
}
