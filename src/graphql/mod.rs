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
pub mod fast;
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
pub mod refusal;
pub mod resource;
pub mod scalars;
pub mod search;
pub mod subscription;
pub mod write;
pub mod ws;

use async_graphql::{MergedObject, Schema};
use sea_orm::DatabaseConnection;

// Each feature's root fields, in the order the schema lists them.
/// The root query: records and lists, accounts and the audit log. Every read goes through
/// the caller's visibility: a record it may not see is absent (`null`, left out of lists and
/// counts). Fields reserved to a role are nullable: refused, they answer `null` with an error
/// at their path, and the rest of the answer stands.
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

/// The root mutation: each feature's `createX(input)`, `updateX(id, input)` (only the fields
/// given change; `null` clears an optional one) and `deleteX(id)` (answering `deletedId`), and
/// other writes. Each runs in one transaction and is logged in the audit log; a refusal
/// carries `extensions.code` (see the README's list).
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
) -> Schemas {
    let base = || {
        builder()
            .data(db.clone())
            .data(puller.clone())
            .data(search.clone())
            .data(changes.clone())
            .data(SyncWait(limits.sync_wait))
            .data(mail)
            .limit_depth(limits.max_depth)
            .limit_complexity(limits.max_complexity)
            .limit_recursive_depth(32)
            .limit_directives(50)
    };
    let full = base()
        // The budget is spent on validation's complexity, remembered or not: the cache inside.
        .extension(cost::CostExtension(cost.clone()))
        .extension(documents::ValidationCache(documents.clone()))
        .extension(refusal::Explain)
        .finish();
    Schemas {
        full,
        lean: base().finish(),
        documents,
        cost,
    }
}

/// The schema twice, over the same data. `full` has the extensions: the validation cache, the
/// query budget and the refusals' explanations. `lean` has none, and runs a document already
/// validated with the same operation and variables: async-graphql resolves each field of a
/// schema without extensions directly, where each extension otherwise wraps every field's
/// resolution in a boxed future and builds its `ResolveInfo` (a list's type name formatted
/// each time), more than half of a page of 50 events in the profile. What the extensions do
/// is then done around the execution (`exec`): the budget spent from the remembered
/// complexity, the refusals explained, the cost reported. (`lean` validates again, which is
/// cheaper than the extensions' toll on every field.)
#[derive(Clone)]
pub struct Schemas {
    pub full: AppSchema,
    pub lean: AppSchema,
    pub documents: std::sync::Arc<documents::Documents>,
    pub cost: std::sync::Arc<cost::CostLimits>,
}

/// The SDL of the schema, as committed in `schema.graphql`: the subgraph SDL that
/// `_service { sdl }` answers, so the contract is what a federation gateway composes.
pub fn sdl() -> String {
    builder().finish().sdl_with_options(federation::sdl_options())
}

/// The schema's types, as both the server and `sdl` build it.
fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, subscription::Subscription> {
    Schema::build(Query::default(), Mutation::default(), subscription::Subscription)
        .enable_federation()
        .override_input_type_description::<async_graphql::Upload>(
            "A file sent as a part of a GraphQL multipart request \
             (https://github.com/jaydenseric/graphql-multipart-request-spec): the operation's \
             variable is null in `operations` and `map` names the part that holds the file.",
        )
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

    /// Every type, field, argument, input field and enum value of `sdl` that has no
    /// description. Federation's own (`_Service`, `_Any`, `_entities`…) and the built-in
    /// directives keep their specifications' words.
    fn undescribed(sdl: &str) -> Vec<String> {
        let doc = async_graphql::parser::parse_schema(sdl).expect("the SDL parses");
        let mut missing = Vec::new();
        for def in doc.definitions {
            let TypeSystemDefinition::Type(ty) = def else { continue };
            let ty = ty.node;
            let name = ty.name.node.to_string();
            if name.starts_with('_') {
                continue;
            }
            if ty.description.is_none() {
                missing.push(format!("type {name}"));
            }
            let mut inputs = Vec::new();
            match &ty.kind {
                TypeKind::Object(o) => {
                    for field in &o.fields {
                        let field = &field.node;
                        let path = format!("{name}.{}", field.name.node);
                        if field.name.node.starts_with('_') {
                            continue;
                        }
                        if field.description.is_none() {
                            missing.push(path.clone());
                        }
                        inputs.extend(
                            field
                                .arguments
                                .iter()
                                .map(|a| (format!("{path}({})", a.node.name.node), a)),
                        );
                    }
                }
                TypeKind::Interface(i) => {
                    for field in &i.fields {
                        if field.node.description.is_none() {
                            missing.push(format!("{name}.{}", field.node.name.node));
                        }
                    }
                }
                TypeKind::InputObject(i) => {
                    inputs.extend(i.fields.iter().map(|f| (format!("{name}.{}", f.node.name.node), f)));
                }
                TypeKind::Enum(e) => {
                    for value in &e.values {
                        if value.node.description.is_none() {
                            missing.push(format!("{name}::{}", value.node.value.node));
                        }
                    }
                }
                TypeKind::Scalar | TypeKind::Union(_) => {}
            }
            missing.extend(
                inputs
                    .into_iter()
                    .filter(|(_, input)| input.node.description.is_none())
                    .map(|(path, _)| path),
            );
        }
        missing
    }

    #[test]
    fn every_type_field_argument_and_value_is_described() {
        // The committed SDL (the subgraph's) and the whole schema with its subscriptions.
        for sdl in [super::sdl(), super::builder().finish().sdl()] {
            let missing = undescribed(&sdl);
            assert!(
                missing.is_empty(),
                "{} without a description: {missing:#?}",
                missing.len()
            );
        }
        // The check sees what it should.
        assert_eq!(
            undescribed("\"\"\"A.\"\"\" type A { b(c: Int): Int } enum E { X }"),
            ["A.b", "A.b(c)", "type E", "E::X"]
        );
    }

    #[test]
    fn the_scalars_have_the_api_s_names_and_descriptions() {
        let sdl = super::sdl();
        assert!(
            !sdl.contains("NaiveDate") && !sdl.contains("Implement the"),
            "Rust's names are gone"
        );
        assert!(sdl.contains("\nscalar Date\n") && sdl.contains("\nscalar DateTime\n"));
    }
}
