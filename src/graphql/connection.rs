//! Relay connections: `edges { cursor node }`, `nodes`, `pageInfo`, and a `totalCount` that is
//! only counted when a client asks for it.

use std::sync::Arc;

use async_graphql::{Context, ID, Lookahead, Result, SimpleObject};
use futures_util::future::BoxFuture;
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::error::IntoGql;
use super::exec::{db, viewer};
use super::loaders::Nested;
use crate::error::AppResult;
use crate::store::list::{Filter, Row};
use crate::store::page::{DEFAULT_PAGE_SIZE, Found, Join, Listed, Omit, Page, PageArgs};

/// Counts the whole list behind a connection, lazily.
pub type CountFn = Arc<dyn Fn() -> BoxFuture<'static, AppResult<u64>> + Send + Sync>;

/// Where a page stands in its list (Relay's `PageInfo`).
#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    /// Whether records follow this page: ask for them with `after: endCursor`.
    pub has_next_page: bool,
    /// Whether records come before this page: ask for them with `before: startCursor`
    /// (and `last`).
    pub has_previous_page: bool,
    /// The cursor of the page's first record; null when the page is empty.
    pub start_cursor: Option<String>,
    /// The cursor of the page's last record; null when the page is empty.
    pub end_cursor: Option<String>,
}

impl PageInfo {
    pub fn of<M>(page: &crate::store::page::Page<M>) -> Self {
        PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            start_cursor: page.rows.first().map(|m| page.cursor(m)),
            end_cursor: page.rows.last().map(|m| page.cursor(m)),
        }
    }
}

/// Declares `<Type>Connection` and `<Type>Edge` for a node type wrapping a model; with `fast`,
/// its nodes are answered through `fast::Many` and `fast::Fast` (the node type is `fast::Plain`).
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ident, $model:ty) => {
        $crate::graphql::connection::connection!(@declare $conn, $edge, $node, $model, $node, Vec<$node>, (std::convert::identity), (std::convert::identity));
    };
    ($conn:ident, $edge:ident, $node:ident, $model:ty, fast) => {
        $crate::graphql::connection::connection!(
            @declare $conn, $edge, $node, $model,
            $crate::graphql::fast::Fast<$node>,
            $crate::graphql::fast::Many<$node>,
            ($crate::graphql::fast::Fast),
            ($crate::graphql::fast::Many)
        );
    };
    (@declare $conn:ident, $edge:ident, $node:ident, $model:ty, $one:ty, $many:ty, $wrap_one:tt, $wrap_many:tt) => {
        /// One record of a page, with the cursor that points at it.
        #[derive(async_graphql::SimpleObject, Clone)]
        pub struct $edge {
            /// An opaque cursor: give it as `after` (or `before`) to read the records that
            /// follow (or precede) this one, in the same order. A cursor is valid for the order
            /// it was read in only (`BAD_USER_INPUT` otherwise).
            pub cursor: String,
            /// The record.
            pub node: $one,
        }

        pub struct $conn {
            pub page: $crate::store::page::Page<$model>,
            pub count: $crate::graphql::connection::CountFn,
        }

        impl
            From<(
                $crate::store::page::Page<$model>,
                $crate::graphql::connection::CountFn,
            )> for $conn
        {
            fn from(
                (page, count): (
                    $crate::store::page::Page<$model>,
                    $crate::graphql::connection::CountFn,
                ),
            ) -> Self {
                $conn { page, count }
            }
        }

        /// A page of a list (a Relay connection), read by keyset: its records with their
        /// cursors (`edges`) or without (`nodes`), where the page stands (`pageInfo`), and the
        /// size of the whole list on request (`totalCount`). Only records the caller may see
        /// are in it.
        #[async_graphql::Object]
        impl $conn {
            /// The page's records with their cursors, in the list's order.
            async fn edges(&self) -> Vec<$edge> {
                self.page
                    .rows
                    .iter()
                    .map(|m| $edge {
                        cursor: self.page.cursor(m),
                        node: $wrap_one($node(m.clone())),
                    })
                    .collect()
            }

            /// The page's records, in the list's order (`edges` without the cursors).
            async fn nodes(&self) -> $many {
                $wrap_many(self.page.rows.iter().map(|m| $node(m.clone())).collect())
            }

            /// Where the page stands in the list.
            async fn page_info(&self) -> $crate::graphql::connection::PageInfo {
                $crate::graphql::connection::PageInfo::of(&self.page)
            }

            /// The number of records in the whole list that the caller may see, whatever the
            /// page (one more query, run only when this field is asked for).
            async fn total_count(&self) -> async_graphql::Result<i64> {
                use $crate::graphql::error::IntoGql;
                let n = (self.count)().await.gql()?;
                Ok(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    };
}
pub(crate) use connection;

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
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> PageArgs {
    PageArgs {
        first,
        after,
        last,
        before,
        light: light(&item_selections(ctx)),
        omit: Omit::default(),
    }
}

/// Whether `selections` ask for none of the long texts: their rows may then be read without.
pub fn light(selections: &[Lookahead<'_>]) -> bool {
    !HEAVY_FIELDS
        .iter()
        .any(|f| selections.iter().any(|look| look.field(f).exists()))
}

/// The selections of the items of the connection field being resolved (`nodes` and
/// `edges { node }`).
pub fn item_selections<'c>(ctx: &'c Context<'_>) -> [Lookahead<'c>; 2] {
    let look = ctx.look_ahead();
    [look.field("nodes"), look.field("edges").field("node")]
}

/// For each field of a type, the columns of `E` it reads (`location.city` for a field of a
/// nested object), as the bits of [`Omit`]. Columns it does not name are read whatever the
/// selection, so a field missing from it is still answered right; a field that reads a named
/// column must be listed with it; `unshown` are columns no field reads (sort keys), always left
/// out (but the sort column, which a page always reads). Built once (a `LazyLock`): finding a
/// column's bit compares its name with each of the entity's, which the organiser of every event
/// of a page would otherwise pay again.
pub struct ColumnsRead {
    fields: Vec<(&'static str, u64)>,
    named: u64,
}

impl ColumnsRead {
    pub fn of<E: EntityTrait>(fields: &[(&'static str, &[E::Column])], unshown: &[E::Column]) -> ColumnsRead {
        let bits = |columns: &[E::Column]| columns.iter().fold(0, |bits, c| bits | Omit::of::<E>(*c).0);
        let fields: Vec<(&'static str, u64)> = fields.iter().map(|(path, columns)| (*path, bits(columns))).collect();
        let named = fields.iter().fold(bits(unshown), |named, (_, b)| named | b);
        ColumnsRead { fields, named }
    }
}

/// The columns of `read` that the field `ctx` (an object, or a connection whose rows are
/// `selections`) leaves unread, worked out once per field of the document and request: every
/// event of a page asks it of the same `organiser` field, every organisation of a page of the
/// same `events` field.
pub fn unread_once<'c, const N: usize>(
    ctx: &'c Context<'_>,
    read: &ColumnsRead,
    selections: impl FnOnce() -> [Lookahead<'c>; N],
) -> Omit {
    let key = (std::ptr::from_ref(ctx.item) as usize, std::ptr::from_ref(read) as usize);
    super::loaders::loaders(ctx)
        .omits
        .get_or(key, || unread(&selections(), read))
}

/// The columns that no field of `selections` reads, of those `read` names.
pub fn unread(selections: &[Lookahead<'_>], read: &ColumnsRead) -> Omit {
    let mut needed = 0;
    for (path, bits) in &read.fields {
        if needed & bits == *bits {
            continue;
        }
        let selected = selections.iter().any(|look| {
            let mut parts = path.split('.');
            let first = look.field(parts.next().unwrap_or_default());
            parts.fold(first, |look, part| look.field(part)).exists()
        });
        if selected {
            needed |= bits;
        }
    }
    Omit(read.named & !needed)
}

/// As [`root_list`], with a to-one relation of each row read in the same statement: `found`
/// receives the related rows.
pub(crate) async fn root_list_joined<F, C, P>(
    ctx: &Context<'_>,
    filter: F,
    sort: F::Sort,
    args: PageArgs,
    join: Join<F::Entity>,
    found: impl FnOnce(Found<P>),
) -> Result<C>
where
    F: Filter,
    C: From<(Page<Row<F>>, CountFn)>,
    P: Listed<Model: sea_orm::FromQueryResult + Send + Sync>,
{
    let db = db(ctx).clone();
    let (page, related) = filter.list_joined::<_, P>(&db, sort, &args, &join).await.gql()?;
    found(related);
    let count: CountFn = Arc::new(move || {
        let (db, filter) = (db.clone(), filter.clone());
        Box::pin(async move { filter.count(&db).await })
    });
    Ok(C::from((page, count)))
}

/// The store filter of a list: the client's filter, narrowed to what the caller may see.
pub fn scoped<F, I>(ctx: &Context<'_>, input: Option<I>) -> F
where
    F: Filter,
    I: Into<F>,
{
    input.map(Into::into).unwrap_or_default().scoped(viewer(ctx).scope())
}

/// Ids in filters that are not UUIDs match nothing rather than failing the query.
pub fn id_filter(id: Option<ID>) -> Option<Uuid> {
    id.map(|id| Uuid::parse_str(id.as_str().trim()).unwrap_or(Uuid::nil()))
}

/// One page of a root list, with a `totalCount` counted on the pool only when asked for: the
/// body of every root connection field.
pub(crate) async fn root_list<F, C>(ctx: &Context<'_>, filter: F, sort: F::Sort, args: PageArgs) -> Result<C>
where
    F: Filter,
    C: From<(Page<Row<F>>, CountFn)>,
{
    let db = db(ctx).clone();
    let page = filter.list(&db, sort, &args).await.gql()?;
    let count: CountFn = Arc::new(move || {
        let (db, filter) = (db.clone(), filter.clone());
        Box::pin(async move { filter.count(&db).await })
    });
    Ok(C::from((page, count)))
}

/// One page of a nested list (the events of an organisation), batched with the same list of
/// the other parents in the request: the body of every nested connection field.
pub(crate) async fn nested_list<F, C>(
    nested: &Nested<F>,
    parent: Uuid,
    filter: F,
    sort: F::Sort,
    args: PageArgs,
) -> Result<C>
where
    F: Filter,
    C: From<(Page<Row<F>>, CountFn)>,
{
    Ok(C::from(nested.page(parent, filter, sort, args).await.gql()?))
}
