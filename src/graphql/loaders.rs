//! DataLoaders, made per request: every relation is read in one statement per batch,
//! so the statement count of a query does not depend on page sizes.

use std::collections::HashMap;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Context;
use sea_orm::{DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use super::batch::{BatchLoad, Batcher};
use super::connection::CountFn;
use crate::domain::Scope;
use crate::error::AppResult;
use crate::store::list::{Filter, Relation, Row};
use crate::store::page::{Listed, Omit, Page, PageArgs};
use crate::store::{actions, contacts, events, experience_reports, feeds, kit_loans, kits, resources};

/// Loads the records of `E` the caller may see, by id.
pub struct ById<E>(DatabaseConnection, Scope, PhantomData<fn() -> E>);

impl<E> BatchLoad<Uuid, Arc<E::Model>> for ById<E>
where
    E: Listed + Send + Sync + 'static,
    E::Model: FromQueryResult + Send + Sync + 'static,
{
    async fn load(&self, keys: &[Uuid]) -> AppResult<HashMap<Uuid, Arc<E::Model>>> {
        let rows = crate::store::page::by_ids::<E>(&self.0, keys, self.1).await?;
        Ok(rows.into_iter().map(|(id, m)| (id, Arc::new(m))).collect())
    }
}

/// The ids of `keys` by what their read leaves out: one statement for each.
fn grouped<R: Copy + Eq + Hash>(keys: &[(Uuid, R)]) -> HashMap<R, Vec<Uuid>> {
    let mut groups: HashMap<R, Vec<Uuid>> = HashMap::new();
    for (id, reading) in keys {
        groups.entry(*reading).or_default().push(*id);
    }
    groups
}

/// What a read by id leaves out, as a page's arguments say it: the long texts (`light`) and
/// the columns of `Omit`.
pub type Reading = (bool, Omit);

/// Loads the records of `E` the caller may see, by id, each key with what its read leaves out
/// (a search's hits, read with only the columns its selection shows).
pub struct ByIdReading<E>(DatabaseConnection, Scope, PhantomData<fn() -> E>);

impl<E> BatchLoad<(Uuid, Reading), Arc<E::Model>> for ByIdReading<E>
where
    E: Listed + Send + Sync + 'static,
    E::Model: FromQueryResult + Send + Sync + 'static,
{
    async fn load(&self, keys: &[(Uuid, Reading)]) -> AppResult<HashMap<(Uuid, Reading), Arc<E::Model>>> {
        let mut out = HashMap::with_capacity(keys.len());
        for ((light, omit), ids) in grouped(keys) {
            let rows = crate::store::page::by_ids_reading::<E>(&self.0, &ids, self.1, light, omit).await?;
            out.extend(rows.into_iter().map(|(id, m)| ((id, (light, omit)), Arc::new(m))));
        }
        Ok(out)
    }
}

/// Loads the events the caller may see by id, each with its organiser in the same statement;
/// the organisers go to `organisers` (the key's `Omit`: the organisation columns left out).
pub struct EventsWithOrganiser(DatabaseConnection, Scope, Arc<Joined<entity::organisation::Model>>);

impl BatchLoad<(Uuid, Omit), Arc<entity::event::Model>> for EventsWithOrganiser {
    async fn load(&self, keys: &[(Uuid, Omit)]) -> AppResult<HashMap<(Uuid, Omit), Arc<entity::event::Model>>> {
        let mut out = HashMap::with_capacity(keys.len());
        for (omit, ids) in grouped(keys) {
            let join = events::organiser_join(self.1, omit);
            let (rows, organisers) =
                crate::store::page::by_ids_joined::<_, entity::organisation::Entity>(&self.0, &ids, self.1, &join)
                    .await?;
            self.2.put(organisers, omit);
            out.extend(rows.into_iter().map(|(id, m)| ((id, omit), Arc::new(m))));
        }
        Ok(out)
    }
}

/// Rows read in the statement of the rows that name them (the organisers joined to a page of
/// events), by id, each with the columns its read left out: a resolver takes one only when
/// it lacks nothing the resolver shows, and otherwise loads it.
pub struct Joined<M>(Mutex<HashMap<Uuid, JoinedRow<M>>>);

/// A joined row (`None`: the id names nothing the caller may see) and the columns its read left out.
type JoinedRow<M> = (Option<Arc<M>>, Omit);

impl<M> Default for Joined<M> {
    fn default() -> Self {
        Joined(Mutex::new(HashMap::new()))
    }
}

impl<M> Joined<M> {
    /// Keeps `found` (`None`: the id names nothing the caller may see), read without `omit`.
    pub fn put(&self, found: Vec<(Uuid, Option<M>)>, omit: Omit) {
        let mut rows = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for (id, row) in found {
            let fuller = rows.get(&id).is_none_or(|(_, had)| !had.within(omit));
            if fuller {
                rows.insert(id, (row.map(Arc::new), omit));
            }
        }
    }

    /// The row of `id`, if one was read that lacks only columns in `allowed`.
    pub fn get(&self, id: Uuid, allowed: Omit) -> Option<Option<Arc<M>>> {
        let rows = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        rows.get(&id)
            .filter(|(_, omit)| omit.within(allowed))
            .map(|(row, _)| row.clone())
    }

    fn clear(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

/// Feed names by id, for events' provenance (not scoped: see `store::feeds::names`).
pub struct FeedNames(DatabaseConnection);

impl BatchLoad<Uuid, String> for FeedNames {
    async fn load(&self, keys: &[Uuid]) -> AppResult<HashMap<Uuid, String>> {
        feeds::names(&self.0, keys).await
    }
}

/// The key of one nested page: parent, filter, order and page arguments.
pub type PageKey<F> = (Uuid, F, <F as Filter>::Sort, PageArgs);

/// Loads nested pages, one statement per distinct (filter, order, page) in the batch.
pub struct ChildPages<F: Filter>(DatabaseConnection, Relation<F>);

impl<F: Filter> BatchLoad<PageKey<F>, Page<Row<F>>> for ChildPages<F> {
    async fn load(&self, keys: &[PageKey<F>]) -> AppResult<HashMap<PageKey<F>, Page<Row<F>>>> {
        let mut groups: HashMap<(F, F::Sort, PageArgs), Vec<Uuid>> = HashMap::new();
        for (parent, filter, sort, args) in keys {
            groups
                .entry((filter.clone(), *sort, args.clone()))
                .or_default()
                .push(*parent);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for ((filter, sort, args), parents) in groups {
            for (parent, page) in self.1.pages(&self.0, &parents, &filter, sort, &args).await? {
                out.insert((parent, filter.clone(), sort, args.clone()), page);
            }
        }
        Ok(out)
    }
}

/// Counts nested lists, one statement per distinct filter in the batch.
pub struct ChildCounts<F: Filter>(DatabaseConnection, Relation<F>);

impl<F: Filter> BatchLoad<(Uuid, F), u64> for ChildCounts<F> {
    async fn load(&self, keys: &[(Uuid, F)]) -> AppResult<HashMap<(Uuid, F), u64>> {
        let mut groups: HashMap<F, Vec<Uuid>> = HashMap::new();
        for (parent, filter) in keys {
            groups.entry(filter.clone()).or_default().push(*parent);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (filter, parents) in groups {
            for (parent, n) in self.1.counts(&self.0, &parents, &filter).await? {
                out.insert((parent, filter.clone()), n);
            }
        }
        Ok(out)
    }
}

fn loader<K, V, L>(inner: L) -> Arc<Batcher<K, V, L>>
where
    K: Clone + Eq + Hash + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    L: BatchLoad<K, V>,
{
    Arc::new(Batcher::new(inner))
}

type ByIdLoader<E> = Arc<Batcher<Uuid, Arc<<E as sea_orm::EntityTrait>::Model>, ById<E>>>;
type ByIdReadingLoader<E> = Arc<Batcher<(Uuid, Reading), Arc<<E as sea_orm::EntityTrait>::Model>, ByIdReading<E>>>;

/// The records a search found, read with the columns its selection shows.
pub struct Searched {
    pub events: ByIdReadingLoader<entity::event::Entity>,
    pub resources: ByIdReadingLoader<entity::resource::Entity>,
    pub organisations: ByIdReadingLoader<entity::organisation::Entity>,
    pub contacts: ByIdReadingLoader<entity::contact::Entity>,
    pub actions: ByIdReadingLoader<entity::action::Entity>,
}

impl Searched {
    fn new(db: &DatabaseConnection, scope: Scope) -> Self {
        Searched {
            events: loader(ByIdReading(db.clone(), scope, PhantomData)),
            resources: loader(ByIdReading(db.clone(), scope, PhantomData)),
            organisations: loader(ByIdReading(db.clone(), scope, PhantomData)),
            contacts: loader(ByIdReading(db.clone(), scope, PhantomData)),
            actions: loader(ByIdReading(db.clone(), scope, PhantomData)),
        }
    }

    fn clear(&self) {
        self.events.clear();
        self.resources.clear();
        self.organisations.clear();
        self.contacts.clear();
        self.actions.clear();
    }
}

type PagesLoader<F> = Arc<Batcher<PageKey<F>, Page<Row<F>>, ChildPages<F>>>;

/// The pages and the counts of one relation's nested lists.
pub struct Nested<F: Filter> {
    pages: PagesLoader<F>,
    counts: Arc<Batcher<(Uuid, F), u64, ChildCounts<F>>>,
}

impl<F: Filter> Nested<F> {
    fn new(db: &DatabaseConnection, relation: Relation<F>) -> Self {
        Nested {
            pages: loader(ChildPages(db.clone(), relation)),
            counts: loader(ChildCounts(db.clone(), relation)),
        }
    }

    /// The page of `parent`'s list, batched with the other parents' pages of this request,
    /// and its total, counted (batched too) only when asked for.
    pub async fn page(
        &self,
        parent: Uuid,
        filter: F,
        sort: F::Sort,
        args: PageArgs,
    ) -> AppResult<(Page<Row<F>>, CountFn)> {
        let page = self
            .pages
            .load_one((parent, filter.clone(), sort, args))
            .await?
            .unwrap_or_else(Page::empty);
        let counts = self.counts.clone();
        let count: CountFn = Arc::new(move || {
            let counts = counts.clone();
            let filter = filter.clone();
            Box::pin(async move { Ok(counts.load_one((parent, filter)).await?.unwrap_or(0)) })
        });
        Ok((page, count))
    }

    fn clear(&self) {
        self.pages.clear();
        self.counts.clear();
    }
}

/// The columns each field of the document leaves unread (`connection::unread_once`), by the
/// address of the field in the document and of the `ColumnsRead` asked: both live as long as
/// the request (or the subscription) that holds these loaders.
#[derive(Default)]
pub struct Omits(Mutex<Vec<((usize, usize), Omit)>>);

impl Omits {
    /// The columns remembered for `key`, or those `work` finds, then remembered.
    pub fn get_or(&self, key: (usize, usize), work: impl FnOnce() -> Omit) -> Omit {
        if let Some((_, omit)) = self.lock().iter().find(|(k, _)| *k == key) {
            return *omit;
        }
        let omit = work();
        self.lock().push((key, omit));
        omit
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<((usize, usize), Omit)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The loaders of one request.
pub struct Loaders {
    /// The columns each field of the document leaves unread.
    pub omits: Omits,
    pub organisations: ByIdLoader<entity::organisation::Entity>,
    pub events: ByIdLoader<entity::event::Entity>,
    /// Events by id with their organiser joined, when the selection shows the organiser.
    pub events_with_organiser: Arc<Batcher<(Uuid, Omit), Arc<entity::event::Model>, EventsWithOrganiser>>,
    /// The organisers read with their events.
    pub organisers: Arc<Joined<entity::organisation::Model>>,
    pub actions: ByIdLoader<entity::action::Entity>,
    pub resources: ByIdLoader<entity::resource::Entity>,
    pub contacts: ByIdLoader<entity::contact::Entity>,
    pub experience_reports: ByIdLoader<entity::experience_report::Entity>,
    pub kits: ByIdLoader<entity::kit::Entity>,
    pub kit_loans: ByIdLoader<entity::kit_loan::Entity>,
    /// The hits of a search.
    pub searched: Searched,
    pub organisation_events: Nested<events::EventFilter>,
    pub organisation_resources: Nested<resources::ResourceFilter>,
    pub organisation_contacts: Nested<contacts::ContactFilter>,
    pub organisation_actions: Nested<actions::ActionFilter>,
    pub action_experience_reports: Nested<experience_reports::ExperienceReportFilter>,
    pub event_experience_reports: Nested<experience_reports::ExperienceReportFilter>,
    pub feed_runs: Nested<feeds::FeedRunFilter>,
    pub organisation_kits: Nested<kits::KitFilter>,
    pub resource_kits: Nested<kits::KitFilter>,
    pub kit_loans_of_kit: Nested<kit_loans::KitLoanFilter>,
    pub organisation_borrowed_loans: Nested<kit_loans::KitLoanFilter>,
    pub organisation_lent_loans: Nested<kit_loans::KitLoanFilter>,
    pub kit_loan_experience_reports: Nested<experience_reports::ExperienceReportFilter>,
    pub feed_names: Arc<Batcher<Uuid, String, FeedNames>>,
}

impl Loaders {
    /// Loaders reading what `scope` may see.
    pub fn new(db: &DatabaseConnection, scope: Scope) -> Self {
        let organisers = Arc::new(Joined::default());
        Loaders {
            omits: Omits::default(),
            organisations: loader(ById(db.clone(), scope, PhantomData)),
            events: loader(ById(db.clone(), scope, PhantomData)),
            events_with_organiser: loader(EventsWithOrganiser(db.clone(), scope, organisers.clone())),
            organisers,
            actions: loader(ById(db.clone(), scope, PhantomData)),
            resources: loader(ById(db.clone(), scope, PhantomData)),
            contacts: loader(ById(db.clone(), scope, PhantomData)),
            experience_reports: loader(ById(db.clone(), scope, PhantomData)),
            kits: loader(ById(db.clone(), scope, PhantomData)),
            kit_loans: loader(ById(db.clone(), scope, PhantomData)),
            searched: Searched::new(db, scope),
            organisation_events: Nested::new(db, events::BY_ORGANISER),
            organisation_resources: Nested::new(db, resources::BY_ORGANISATION),
            organisation_contacts: Nested::new(db, contacts::BY_ORGANISATION),
            organisation_actions: Nested::new(db, actions::BY_ORGANISATION),
            action_experience_reports: Nested::new(db, experience_reports::BY_ACTION),
            event_experience_reports: Nested::new(db, experience_reports::BY_EVENT),
            feed_runs: Nested::new(db, feeds::RUNS_BY_FEED),
            organisation_kits: Nested::new(db, kits::BY_ORGANISATION),
            resource_kits: Nested::new(db, kits::BY_RESOURCE),
            kit_loans_of_kit: Nested::new(db, kit_loans::BY_KIT),
            organisation_borrowed_loans: Nested::new(db, kit_loans::BY_BORROWER),
            organisation_lent_loans: Nested::new(db, kit_loans::BY_LENDER),
            kit_loan_experience_reports: Nested::new(db, experience_reports::BY_KIT_LOAN),
            feed_names: loader(FeedNames(db.clone())),
        }
    }

    /// Forgets every value loaded so far: a subscription lives for hours, and each of its
    /// notifications must read the relations as they are then, not as they were first read.
    pub fn clear(&self) {
        self.organisations.clear();
        self.events.clear();
        self.events_with_organiser.clear();
        self.organisers.clear();
        self.omits.lock().clear();
        self.actions.clear();
        self.resources.clear();
        self.contacts.clear();
        self.experience_reports.clear();
        self.organisation_events.clear();
        self.organisation_resources.clear();
        self.organisation_contacts.clear();
        self.organisation_actions.clear();
        self.action_experience_reports.clear();
        self.event_experience_reports.clear();
        self.feed_runs.clear();
        self.kits.clear();
        self.kit_loans.clear();
        self.searched.clear();
        self.organisation_kits.clear();
        self.resource_kits.clear();
        self.kit_loans_of_kit.clear();
        self.organisation_borrowed_loans.clear();
        self.organisation_lent_loans.clear();
        self.kit_loan_experience_reports.clear();
        self.feed_names.clear();
    }
}

/// The loaders of the current request.
pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}
