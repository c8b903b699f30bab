//! The only module that uses async-graphql. One module per feature (`event`: its type, filter,
//! root fields and, in `event::mutation`, its writes), the shared machinery beside them
//! (`connection`, `write`, `loaders`, `enums`, `node`), and the merged roots here.

pub mod account;
pub mod action;
pub mod batch;
pub mod calendar;
pub mod connection;
pub mod contact;
pub mod cost;
pub mod documents;
pub mod enums;
pub mod error;
pub mod event;
pub mod exec;
pub mod experience_report;
pub mod federation;
pub mod feed;
pub mod guard;
pub mod import;
pub mod indicators;
pub mod kit;
pub mod loaders;
pub mod mail;
pub mod node;
mod observe;
pub mod organisation;
pub mod resource;
pub mod search;
pub mod subscription;
pub mod write;
pub mod ws;

use async_graphql::{MergedObject, Schema};
use sea_orm::DatabaseConnection;

// Each feature's root fields, in the order the schema lists them.
/// The root query: records and lists, accounts and the audit log.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    organisation::OrganisationQuery,
    event::EventQuery,
    resource::ResourceQuery,
    contact::ContactQuery,
    action::ActionQuery,
    experience_report::ExperienceReportQuery,
    account::AccountQuery,
    feed::FeedQuery,
    federation::EntityQuery,
    calendar::CalendarQuery,
    search::SearchQuery,
    kit::KitQuery,
    indicators::IndicatorQuery,
    mail::MailQuery,
);

// The root mutation: each feature's `createX(input)`, `updateX(id, input)`, `deleteX(id)`
// and other writes, each one transaction.
#[derive(MergedObject, Default)]
pub struct Mutation(
    account::AccountMutation,
    feed::FeedMutation,
    import::ImportMutation,
    calendar::CalendarMutation,
    mail::MailMutation,
    organisation::mutation::OrganisationMutation,
    contact::mutation::ContactMutation,
    resource::mutation::ResourceMutation,
    event::mutation::EventMutation,
    action::mutation::ActionMutation,
    experience_report::mutation::ExperienceReportMutation,
    kit::mutation::KitMutation,
);

pub type AppSchema = Schema<Query, Mutation, subscription::Subscription>;

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
    mail: mail::MailPolicy,
    documents: std::sync::Arc<documents::Documents>,
) -> AppSchema {
    Schema::build(Query::default(), Mutation::default(), subscription::Subscription)
        .enable_federation()
        .data(db)
        .data(puller)
        .data(search)
        .data(changes)
        .data(SyncWait(limits.sync_wait))
        .data(mail)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(32)
        .limit_directives(50)
        // The budget is spent on validation's complexity, remembered or not: the cache inside.
        .extension(cost::CostExtension(cost))
        .extension(documents::ValidationCache(documents))
        .finish()
}

/// The SDL of the schema, as committed in `schema.graphql`: the subgraph SDL that
/// `_service { sdl }` answers, so the contract is what a federation gateway composes.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), subscription::Subscription)
        .enable_federation()
        .finish()
        .sdl_with_options(federation::sdl_options())
}
