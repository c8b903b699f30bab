//! DataLoaders, made per request: every relation is read in one statement per batch,
//! so the statement count of a query does not depend on page sizes.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{Condition, DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::store::page::{Listed, Page, PageArgs};
use crate::store::{actions, contacts, events, reports, resources};

/// Loads records of `E` by id.
pub struct ById<E>(DatabaseConnection, PhantomData<fn() -> E>);

impl<E> Loader<Uuid> for ById<E>
where
    E: Listed + Send + Sync + 'static,
    E::Model: FromQueryResult + Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, E::Model>, AppError> {
        crate::store::page::by_ids::<E>(&self.0, keys, Condition::all()).await
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

impl<R: Children> Loader<PageKey<R>> for ChildPages<R> {
    type Value = Page<R::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[PageKey<R>]) -> Result<HashMap<PageKey<R>, Page<R::Model>>, AppError> {
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

impl<R: Children> Loader<(Uuid, R::Filter)> for ChildCounts<R> {
    type Value = u64;
    type Error = AppError;

    async fn load(&self, keys: &[(Uuid, R::Filter)]) -> Result<HashMap<(Uuid, R::Filter), u64>, AppError> {
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

fn loader<T: Send + Sync + 'static>(inner: T) -> Arc<DataLoader<T>> {
    Arc::new(DataLoader::new(inner, tokio::spawn))
}

/// The loaders of one request.
pub struct Loaders {
    pub organisations: Arc<DataLoader<ById<entity::organisation::Entity>>>,
    pub events: Arc<DataLoader<ById<entity::event::Entity>>>,
    pub actions: Arc<DataLoader<ById<entity::action::Entity>>>,
    pub resources: Arc<DataLoader<ById<entity::resource::Entity>>>,
    pub contacts: Arc<DataLoader<ById<entity::contact::Entity>>>,
    pub reports: Arc<DataLoader<ById<entity::experience_report::Entity>>>,
    pub organisation_events: Arc<DataLoader<ChildPages<OrganisationEvents>>>,
    pub organisation_events_count: Arc<DataLoader<ChildCounts<OrganisationEvents>>>,
    pub organisation_resources: Arc<DataLoader<ChildPages<OrganisationResources>>>,
    pub organisation_resources_count: Arc<DataLoader<ChildCounts<OrganisationResources>>>,
    pub organisation_contacts: Arc<DataLoader<ChildPages<OrganisationContacts>>>,
    pub organisation_contacts_count: Arc<DataLoader<ChildCounts<OrganisationContacts>>>,
    pub organisation_actions: Arc<DataLoader<ChildPages<OrganisationActions>>>,
    pub organisation_actions_count: Arc<DataLoader<ChildCounts<OrganisationActions>>>,
    pub action_reports: Arc<DataLoader<ChildPages<ActionReports>>>,
    pub action_reports_count: Arc<DataLoader<ChildCounts<ActionReports>>>,
    pub event_reports: Arc<DataLoader<ChildPages<EventReports>>>,
    pub event_reports_count: Arc<DataLoader<ChildCounts<EventReports>>>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Loaders {
            organisations: loader(ById(db.clone(), PhantomData)),
            events: loader(ById(db.clone(), PhantomData)),
            actions: loader(ById(db.clone(), PhantomData)),
            resources: loader(ById(db.clone(), PhantomData)),
            contacts: loader(ById(db.clone(), PhantomData)),
            reports: loader(ById(db.clone(), PhantomData)),
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
        }
    }
}

/// The loaders of the current request.
pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// Reads one nested page through the loaders, with a lazily counted total.
pub async fn nested_page<R: Children>(
    pages: &Arc<DataLoader<ChildPages<R>>>,
    counts: &Arc<DataLoader<ChildCounts<R>>>,
    parent: Uuid,
    filter: R::Filter,
    sort: R::Sort,
    args: PageArgs,
) -> AppResult<(Page<R::Model>, crate::graphql::types::connection::CountFn)> {
    let page = pages
        .load_one((parent, filter.clone(), sort, args))
        .await?
        .unwrap_or_default();
    let counts = counts.clone();
    let count: crate::graphql::types::connection::CountFn = Arc::new(move || {
        let counts = counts.clone();
        let filter = filter.clone();
        Box::pin(async move { Ok(counts.load_one((parent, filter)).await?.unwrap_or(0)) })
    });
    Ok((page, count))
}
