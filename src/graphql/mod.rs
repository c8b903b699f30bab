//! The only module that uses async-graphql: schema, types, loaders, queries and mutations.

pub mod account;
pub mod batch;
pub mod calendar;
pub mod cost;
pub mod error;
pub mod exec;
pub mod federation;
pub mod feed;
pub mod guard;
pub mod import;
pub mod loaders;
pub mod mutation;
mod observe;
pub mod query;
pub mod search;
pub mod subscription;
pub mod types;
pub mod ws;

use async_graphql::Schema;
use sea_orm::DatabaseConnection;

pub type AppSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// Limits applied to every request (from the configuration, see `startup`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    /// How long `syncFeed` waits for the run before answering it `RUNNING`.
    pub sync_wait: std::time::Duration,
}

/// `Limits::sync_wait`, in the schema's data.
#[derive(Clone, Copy, Debug)]
pub struct SyncWait(pub std::time::Duration);

/// Builds the schema over a database pool.
pub fn build_schema(
    db: DatabaseConnection,
    puller: crate::jobs::pull_feeds::Puller,
    search: std::sync::Arc<dyn crate::search::Backend>,
    changes: crate::changes::Changes,
    limits: Limits,
    cost: std::sync::Arc<cost::CostLimits>,
) -> AppSchema {
    Schema::build(
        query::Query::default(),
        mutation::Mutation::default(),
        subscription::Subscription,
    )
    .enable_federation()
    .data(db)
    .data(puller)
    .data(search)
    .data(changes)
    .data(SyncWait(limits.sync_wait))
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .limit_recursive_depth(32)
    .limit_directives(50)
    .extension(cost::CostExtension(cost))
    .finish()
}

/// The SDL of the schema, as committed in `schema.graphql`: the subgraph SDL that
/// `_service { sdl }` answers, so the contract is what a federation gateway composes.
pub fn sdl() -> String {
    Schema::build(
        query::Query::default(),
        mutation::Mutation::default(),
        subscription::Subscription,
    )
    .enable_federation()
    .finish()
    .sdl_with_options(federation::sdl_options())
}
