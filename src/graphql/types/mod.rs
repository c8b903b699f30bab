//! GraphQL object types. Each wraps a model and converts it at the edge.

pub mod action;
pub mod connection;
pub mod contact;
pub mod enums;
pub mod event;
pub mod filters;
pub mod node;
pub mod organisation;
pub mod report;
pub mod resource;

use crate::store::page::{DEFAULT_PAGE_SIZE, PageArgs};

/// The complexity of a connection field: its page size times the cost of one item.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let size = first.or(last).map_or(DEFAULT_PAGE_SIZE as usize, |n| n.max(1) as usize);
    size.saturating_mul(child).max(1)
}

/// Long text fields a page reads only when the query selects one of them.
const HEAVY_FIELDS: [&str; 11] = [
    "description",
    "content",
    "notes",
    "summary",
    "findings",
    "objectives",
    "achievements",
    "stakeholders",
    "obstacles",
    "indicators",
    "feedback",
];

/// The page arguments of the connection field being resolved; the page is read light when
/// its items' selection asks for none of the long texts.
pub fn page_args(
    ctx: &async_graphql::Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> PageArgs {
    let look = ctx.look_ahead();
    let (nodes, edges) = (look.field("nodes"), look.field("edges").field("node"));
    let light = !HEAVY_FIELDS
        .iter()
        .any(|f| nodes.field(f).exists() || edges.field(f).exists());
    PageArgs {
        first,
        after,
        last,
        before,
        light,
    }
}

/// The store filter of a list: the client's filter, narrowed to what the caller may see.
pub fn scoped_filter<F, I>(ctx: &async_graphql::Context<'_>, input: Option<I>) -> F
where
    F: crate::store::Scoped + Default,
    I: Into<F>,
{
    let scope = crate::graphql::exec::viewer(ctx).scope();
    input.map(Into::into).unwrap_or_default().scoped(scope)
}
