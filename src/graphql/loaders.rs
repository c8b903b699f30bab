//! DataLoaders, made per request: every relation is read in one statement per batch,
//! so the statement count of a query does not depend on page sizes.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::Context;
use sea_orm::{DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use super::batch::{BatchLoad, Batcher};
use crate::error::AppResult;
use crate::store::page::{Listed, Page, PageArgs};
use crate::store::{Scope, actions, contacts, events, feeds, reports, resources};

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

/// A one-to-many relation whose pages can be read for many parents at once.
pub trait Children: Send + Sync + 'static {
    type Model: Clone + Send + Sync + 'static;
    type Filter: Clone + Hash + Eq + Send + Sync + 'static;
    type Sort: Copy + Hash + Eq + Send + Sync + 'static;

    fn pages(
        db: &DatabaseConnection,
        parents: &[Uuid],
        filter: &Self::Filter,
        sort: Self::Sort,
        args: &PageArgs,
    ) -> impl Future<Output = AppResult<HashMap<Uuid, Page<Self::Model>>>> + Send;

    fn counts(
        db: &DatabaseConnection,
        parents: &[Uuid],
        filter: &Self::Filter,
    ) -> impl Future<Output = AppResult<HashMap<Uuid, u64>>> + Send;
}

/// The key of one nested page: parent, filter, order and page arguments.
pub type PageKey<R> = (Uuid, <R as Children>::Filter, <R as Children>::Sort, PageArgs);

/// Loads nested pages, one statement per distinct (filter, order, page) in the batch.
pub struct ChildPages<R>(DatabaseConnection, PhantomData<fn() -> R>);

impl<R: Children> BatchLoad<PageKey<R>, Page<R::Model>> for ChildPages<R> {
    async fn load(&self, keys: &[PageKey<R>]) -> AppResult<HashMap<PageKey<R>, Page<R::Model>>> {
        let mut groups: HashMap<(R::Filter, R::Sort, PageArgs), Vec<Uuid>> = HashMap::new();
        for (parent, filter, sort, args) in keys {
            groups
                .entry((filter.clone(), *sort, args.clone()))
                .or_default()
                .push(*parent);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for ((filter, sort, args), parents) in groups {
            for (parent, page) in R::pages(&self.0, &parents, &filter, sort, &args).await? {
                out.insert((parent, filter.clone(), sort, args.clone()), page);
            }
        }
        Ok(out)
    }
}

/// Counts nested lists, one statement per distinct filter in the batch.
pub struct ChildCounts<R>(DatabaseConnection, PhantomData<fn() -> R>);

impl<R: Children> BatchLoad<(Uuid, R::Filter), u64> for ChildCounts<R> {
    async fn load(&self, keys: &[(Uuid, R::Filter)]) -> AppResult<HashMap<(Uuid, R::Filter), u64>> {
        let mut groups: HashMap<R::Filter, Vec<Uuid>> = HashMap::new();
        for (parent, filter) in keys {
            groups.entry(filter.clone()).or_default().push(*parent);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (filter, parents) in groups {
            for (parent, n) in R::counts(&self.0, &parents, &filter).await? {
                out.insert((parent, filter.clone()), n);
            }
        }
        Ok(out)
    }
}

/// Declares a `Children` relation from two store functions.
macro_rules! children {
    ($name:ident, $model:ty, $filter:ty, $sort:ty, $pages:expr, $counts:expr) => {
        pub struct $name;

        impl Children for $name {
            type Model = $model;
            type Filter = $filter;
            type Sort = $sort;

            fn pages(
                db: &DatabaseConnection,
                parents: &[Uuid],
                filter: &Self::Filter,
                sort: Self::Sort,
                args: &PageArgs,
            ) -> impl Future<Output = AppResult<HashMap<Uuid, Page<Self::Model>>>> + Send {
                $pages(db, parents, filter, sort, args)
            }

            fn counts(
                db: &DatabaseConnection,
                parents: &[Uuid],
                filter: &Self::Filter,
            ) -> impl Future<Output = AppResult<HashMap<Uuid, u64>>> + Send {
                $counts(db, parents, filter)
            }
        }
    };
}

children!(
    OrganisationEvents,
    entity::event::Model,
    events::EventFilter,
    events::EventSort,
    events::list_by_organisers,
    events::count_by_organisers
);
children!(
    OrganisationResources,
    entity::resource::Model,
    resources::ResourceFilter,
    resources::ResourceSort,
    resources::list_by_organisations,
    resources::count_by_organisations
);
children!(
    OrganisationContacts,
    entity::contact::Model,
    contacts::ContactFilter,
    contacts::ContactSort,
    contacts::list_by_organisations,
    contacts::count_by_organisations
);
children!(
    OrganisationActions,
    entity::action::Model,
    actions::ActionFilter,
    actions::ActionSort,
    actions::list_by_organisations,
    actions::count_by_organisations
);
children!(
    ActionReports,
    entity::experience_report::Model,
    reports::ReportFilter,
    reports::ReportSort,
    |db, parents, filter, sort, args| reports::list_by_subjects(db, false, parents, filter, sort, args),
    |db, parents, filter| reports::count_by_subjects(db, false, parents, filter)
);
children!(
    EventReports,
    entity::experience_report::Model,
    reports::ReportFilter,
    reports::ReportSort,
    |db, parents, filter, sort, args| reports::list_by_subjects(db, true, parents, filter, sort, args),
    |db, parents, filter| reports::count_by_subjects(db, true, parents, filter)
);

children!(
    FeedRuns,
    entity::feed_run::Model,
    feeds::FeedRunFilter,
    feeds::FeedRunSort,
    feeds::runs_by_feeds,
    feeds::count_runs_by_feeds
);

fn loader<K, V, L>(inner: L) -> Arc<Batcher<K, V, L>>
where
    K: Clone + Eq + Hash + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    L: BatchLoad<K, V>,
{
    Arc::new(Batcher::new(inner))
}

type ByIdLoader<E> = Arc<Batcher<Uuid, Arc<<E as sea_orm::EntityTrait>::Model>, ById<E>>>;
type PagesLoader<R> = Arc<Batcher<PageKey<R>, Page<<R as Children>::Model>, ChildPages<R>>>;
type CountsLoader<R> = Arc<Batcher<(Uuid, <R as Children>::Filter), u64, ChildCounts<R>>>;

/// The loaders of one request.
pub struct Loaders {
    pub organisations: ByIdLoader<entity::organisation::Entity>,
    pub events: ByIdLoader<entity::event::Entity>,
    pub actions: ByIdLoader<entity::action::Entity>,
    pub resources: ByIdLoader<entity::resource::Entity>,
    pub contacts: ByIdLoader<entity::contact::Entity>,
    pub reports: ByIdLoader<entity::experience_report::Entity>,
    pub organisation_events: PagesLoader<OrganisationEvents>,
    pub organisation_events_count: CountsLoader<OrganisationEvents>,
    pub organisation_resources: PagesLoader<OrganisationResources>,
    pub organisation_resources_count: CountsLoader<OrganisationResources>,
    pub organisation_contacts: PagesLoader<OrganisationContacts>,
    pub organisation_contacts_count: CountsLoader<OrganisationContacts>,
    pub organisation_actions: PagesLoader<OrganisationActions>,
    pub organisation_actions_count: CountsLoader<OrganisationActions>,
    pub action_reports: PagesLoader<ActionReports>,
    pub action_reports_count: CountsLoader<ActionReports>,
    pub event_reports: PagesLoader<EventReports>,
    pub event_reports_count: CountsLoader<EventReports>,
    pub feed_runs: PagesLoader<FeedRuns>,
    pub feed_runs_count: CountsLoader<FeedRuns>,
}

impl Loaders {
    /// Loaders reading what `scope` may see.
    pub fn new(db: &DatabaseConnection, scope: Scope) -> Self {
        Loaders {
            organisations: loader(ById(db.clone(), scope, PhantomData)),
            events: loader(ById(db.clone(), scope, PhantomData)),
            actions: loader(ById(db.clone(), scope, PhantomData)),
            resources: loader(ById(db.clone(), scope, PhantomData)),
            contacts: loader(ById(db.clone(), scope, PhantomData)),
            reports: loader(ById(db.clone(), scope, PhantomData)),
            organisation_events: loader(ChildPages(db.clone(), PhantomData)),
            organisation_events_count: loader(ChildCounts(db.clone(), PhantomData)),
            organisation_resources: loader(ChildPages(db.clone(), PhantomData)),
            organisation_resources_count: loader(ChildCounts(db.clone(), PhantomData)),
            organisation_contacts: loader(ChildPages(db.clone(), PhantomData)),
            organisation_contacts_count: loader(ChildCounts(db.clone(), PhantomData)),
            organisation_actions: loader(ChildPages(db.clone(), PhantomData)),
            organisation_actions_count: loader(ChildCounts(db.clone(), PhantomData)),
            action_reports: loader(ChildPages(db.clone(), PhantomData)),
            action_reports_count: loader(ChildCounts(db.clone(), PhantomData)),
            event_reports: loader(ChildPages(db.clone(), PhantomData)),
            event_reports_count: loader(ChildCounts(db.clone(), PhantomData)),
            feed_runs: loader(ChildPages(db.clone(), PhantomData)),
            feed_runs_count: loader(ChildCounts(db.clone(), PhantomData)),
        }
    }
}

impl Loaders {
    /// Forgets every value loaded so far: a subscription lives for hours, and each of its
    /// notifications must read the relations as they are then, not as they were first read.
    pub fn clear(&self) {
        self.organisations.clear();
        self.events.clear();
        self.actions.clear();
        self.resources.clear();
        self.contacts.clear();
        self.reports.clear();
        self.organisation_events.clear();
        self.organisation_events_count.clear();
        self.organisation_resources.clear();
        self.organisation_resources_count.clear();
        self.organisation_contacts.clear();
        self.organisation_contacts_count.clear();
        self.organisation_actions.clear();
        self.organisation_actions_count.clear();
        self.action_reports.clear();
        self.action_reports_count.clear();
        self.event_reports.clear();
        self.event_reports_count.clear();
        self.feed_runs.clear();
        self.feed_runs_count.clear();
    }
}

/// The loaders of the current request.
pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// Reads one nested page through the loaders, with a lazily counted total.
pub async fn nested_page<R: Children>(
    pages: &PagesLoader<R>,
    counts: &CountsLoader<R>,
    parent: Uuid,
    filter: R::Filter,
    sort: R::Sort,
    args: PageArgs,
) -> AppResult<(Page<R::Model>, crate::graphql::types::connection::CountFn)> {
    let page = pages
        .load_one((parent, filter.clone(), sort, args))
        .await?
        .unwrap_or_else(Page::empty);
    let counts = counts.clone();
    let count: crate::graphql::types::connection::CountFn = Arc::new(move || {
        let counts = counts.clone();
        let filter = filter.clone();
        Box::pin(async move { Ok(counts.load_one((parent, filter)).await?.unwrap_or(0)) })
    });
    Ok((page, count))
}
