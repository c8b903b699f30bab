//! Keyset (cursor) pagination shared by every list, at the top level and nested.
//!
//! A page is read with `WHERE (sort, id) > (cursor)` on an index of `(sort, id)`, so its cost
//! does not grow with its position. Nested lists (the events of each of 20 organisations) are
//! read in one statement per list: a page per parent, joined `LATERAL` on PostgreSQL and by
//! `UNION ALL` on SQLite (`fetch_by_parents`). `store::list` reads every filter through these.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, JoinType, Order, Query, WindowStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Value,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// The value a list is sorted by, as carried in a cursor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
pub enum SortValue {
    Text(String),
    Time(DateTime<Utc>),
    Date(NaiveDate),
    /// A collation key (`entity::sort_key`): names and titles in French order.
    #[serde(with = "key_text")]
    Key(Vec<u8>),
}

/// A collation key in a cursor: base64 rather than a JSON array of numbers.
mod key_text {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(key: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&URL_SAFE_NO_PAD.encode(key))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        URL_SAFE_NO_PAD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// The kind of value a sort reads, to refuse a cursor made for another sort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKind {
    Text,
    Time,
    Date,
    Key,
}

impl SortValue {
    fn kind(&self) -> SortKind {
        match self {
            SortValue::Text(_) => SortKind::Text,
            SortValue::Time(_) => SortKind::Time,
            SortValue::Date(_) => SortKind::Date,
            SortValue::Key(_) => SortKind::Key,
        }
    }

    fn into_value(self) -> Value {
        match self {
            SortValue::Text(v) => v.into(),
            SortValue::Time(v) => v.into(),
            SortValue::Date(v) => v.into(),
            SortValue::Key(v) => v.into(),
        }
    }
}

/// One order a list can be read in: a non-null column, a direction, the id as tie-breaker.
pub trait SortKey<E: EntityTrait>: Copy + Eq + Hash + Send + Sync + std::fmt::Debug + 'static {
    fn column(self) -> E::Column;
    fn descending(self) -> bool;
    /// A stable name written into cursors.
    fn name(self) -> &'static str;
    fn kind(self) -> SortKind;
    fn value(self, model: &E::Model) -> SortValue;
}

/// An entity that can be listed: it has a UUID `id` column and a visibility rule.
pub trait Listed: EntityTrait {
    fn id_column() -> Self::Column;
    fn id_of(model: &Self::Model) -> Uuid;
    /// The rows `scope` may see.
    fn visible(scope: super::Scope) -> Condition;
    /// Nullable long texts a light read leaves out (see `PageArgs::light`).
    fn heavy_columns() -> Vec<Self::Column> {
        Vec::new()
    }
    /// Columns that are never NULL but that a read may still leave out (as NULL): the type's
    /// reader by position (`store::rows`) reads them as their default, which no field shows,
    /// since a field that reads one asks for it (`graphql::connection::ColumnsRead`).
    fn omittable_columns() -> Vec<Self::Column> {
        Vec::new()
    }
    /// The columns a read may leave out: the nullable ones and `omittable_columns`.
    fn omittable() -> Omit {
        use sea_orm::{ColumnTrait, Iterable};
        let nullable = Self::Column::iter()
            .enumerate()
            .filter(|(_, c)| c.def().is_null())
            .fold(0, |bits, (i, _)| bits | 1 << i);
        let named = Self::omittable_columns()
            .into_iter()
            .fold(0, |bits, c| bits | Omit::of::<Self>(c).0);
        Omit(nullable | named)
    }
    /// The model from the columns of `row` at `at`, `at + 1`… in column order, when the type
    /// has a reader by position (`store::rows`); `None`: read it by name.
    fn read_row(_row: &sea_orm::QueryResult, _at: usize) -> Option<Result<Self::Model, sea_orm::DbErr>> {
        None
    }
}

/// `query` with its last parameter, the LIMIT that ends it (a page, or the page of each
/// parent in the `LATERAL` read, which ends the statement), written into the SQL on
/// PostgreSQL.
///
/// A bound LIMIT keeps PostgreSQL from ever choosing its generic plan for a page: not knowing
/// how many rows are wanted, it prices the generic plan dearer than one planned for the value,
/// so it planned every page again. With the policy's values written in too
/// (`store::constant`), the page of (a) went from 3,561 to 6,425–7,536 statements/s under
/// pgbench (BENCHMARKS.md).
/// sea-query always binds a LIMIT, hence this. Page sizes are few (1 to `MAX_PAGE_SIZE` + 1),
/// so each connection's statement cache keeps one statement per size used. Anything else
/// than a trailing `LIMIT $n` bound to the last value is left as it is (still correct).
struct LiteralLimit<'a> {
    query: &'a sea_orm::sea_query::SelectStatement,
}

impl sea_orm::StatementBuilder for LiteralLimit<'_> {
    fn build(&self, backend: &sea_orm::DbBackend) -> sea_orm::Statement {
        let mut statement = sea_orm::StatementBuilder::build(self.query, backend);
        if *backend == sea_orm::DatabaseBackend::Postgres {
            inline_last_limit(&mut statement);
        }
        statement
    }
}

/// Writes a statement's trailing `LIMIT $n`, `$n` its last value, as `LIMIT <value>`.
fn inline_last_limit(statement: &mut sea_orm::Statement) {
    let Some(values) = statement.values.as_mut() else {
        return;
    };
    let placeholder = format!(" LIMIT ${}", values.0.len());
    let Some(at) = statement.sql.rfind(&placeholder) else {
        return;
    };
    // Only a closing parenthesis (the `LATERAL` page's) and its alias may follow.
    let rest = &statement.sql[at + placeholder.len()..];
    if rest.chars().next().is_some_and(|c| c.is_ascii_digit()) || rest.contains('$') {
        return;
    }
    let limit = match values.0.last() {
        Some(Value::BigUnsigned(Some(n))) => *n,
        _ => return,
    };
    values.0.pop();
    statement
        .sql
        .replace_range(at..at + placeholder.len(), &format!(" LIMIT {limit}"));
}

/// Runs `query`, whose first columns are those of `E` in column order, and reads each row.
async fn read_all<E>(db: &impl ConnectionTrait, query: &impl sea_orm::StatementBuilder) -> AppResult<Vec<E::Model>>
where
    E: Listed,
    E::Model: FromQueryResult,
{
    let rows = db.query_all(query).await?;
    let mut models = Vec::with_capacity(rows.len());
    for row in &rows {
        models.push(read_one::<E>(row, 0, "")?);
    }
    Ok(models)
}

/// The model of `E` in `row` at position `at`, or by name with `prefix`.
fn read_one<E>(row: &sea_orm::QueryResult, at: usize, prefix: &str) -> Result<E::Model, sea_orm::DbErr>
where
    E: Listed,
    E::Model: FromQueryResult,
{
    E::read_row(row, at).unwrap_or_else(|| E::Model::from_query_result(row, prefix))
}

/// The columns a read leaves out (they come back as NULL): bit `i` stands for the `i`-th column
/// of the entity, in `Iterable` order. Only nullable columns, and those a reader by position
/// reads as their default (`Listed::omittable_columns`), are ever left out, so every row still
/// makes a model; the GraphQL layer leaves out what the selection does not show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Omit(pub u64);

impl Omit {
    /// The bit of `column`.
    pub fn of<E: EntityTrait>(column: E::Column) -> Omit {
        use sea_orm::{IdenStatic, Iterable};
        let at = E::Column::iter().position(|c| c.as_str() == column.as_str());
        Omit(at.map_or(0, |i| 1 << i))
    }

    /// Whether a row read without `self`'s columns has everything a reader that may go without
    /// `allowed` needs.
    pub fn within(self, allowed: Omit) -> bool {
        self.0 & !allowed.0 == 0
    }
}

/// Selects every column of `E`, but the columns `omit` names and, for a light read, the long
/// texts, as NULL: a page that shows titles need not carry descriptions.
fn select<E: Listed>(light: bool, omit: Omit) -> sea_orm::Select<E> {
    use sea_orm::{IdenStatic, Iterable};
    let heavy = if light { E::heavy_columns() } else { Vec::new() };
    if heavy.is_empty() && omit.0 == 0 {
        return E::find();
    }
    let may = E::omittable();
    let mut select = E::find().select_only();
    for (i, column) in E::Column::iter().enumerate() {
        let left_out = omit.0 & (1 << i) != 0 || heavy.iter().any(|h| h.as_str() == column.as_str());
        if left_out && may.0 & (1 << i) != 0 {
            select = select.column_as(Expr::cust("NULL"), column.as_str());
        } else {
            select = select.column(column);
        }
    }
    select
}

/// A to-one relation read in the statement of its rows (the organiser of each event): `key`,
/// a column of `E`, names a row of `P`, which is read too when `scope` may see it, with the
/// columns `omit` leaves out.
pub struct Join<E: EntityTrait> {
    pub key: E::Column,
    pub key_of: fn(&E::Model) -> Option<Uuid>,
    pub scope: super::Scope,
    pub omit: Omit,
}

/// The rows of `P` a joined read found, by the key of each row read: `None` when the key names
/// no row `scope` may see.
pub type Found<P> = Vec<(Uuid, Option<<P as EntityTrait>::Model>)>;

/// The prefix of the joined table's columns in a joined read.
const JOINED: &str = "j_";

/// `query` (rows of `E`, read from `from`: the table or the alias of a subquery) with the
/// columns of `P` that `join` names, prefixed with `JOINED`.
fn add_join<E: Listed, P: Listed>(query: &mut sea_orm::sea_query::SelectStatement, from: Alias, join: &Join<E>) {
    use sea_orm::{IdenStatic, Iterable};
    let on = Condition::all()
        .add(Expr::col((P::default(), P::id_column())).equals((from, join.key)))
        .add(P::visible(join.scope));
    query.join(JoinType::LeftJoin, P::default(), on);
    let left_out = join.omit.0 & P::omittable().0;
    for (i, column) in P::Column::iter().enumerate() {
        let alias = Alias::new(format!("{JOINED}{}", column.as_str()));
        if left_out & (1 << i) != 0 {
            query.expr_as(Expr::cust("NULL"), alias);
        } else {
            query.expr_as(Expr::col((P::default(), column)), alias);
        }
    }
}

/// Runs a joined read: each row of `E` and the row of `P` its key names.
async fn joined_rows<E, P>(
    db: &impl ConnectionTrait,
    query: &sea_orm::sea_query::SelectStatement,
    join: &Join<E>,
) -> AppResult<(Vec<E::Model>, Found<P>)>
where
    E: Listed,
    E::Model: FromQueryResult,
    P: Listed,
    P::Model: FromQueryResult,
{
    use sea_orm::{IdenStatic, Iterable};
    let rows = db.query_all(&LiteralLimit { query }).await?;
    // The joined columns follow those of `E`.
    let at = E::Column::iter().count();
    let mut models = Vec::with_capacity(rows.len());
    let mut found = Vec::with_capacity(rows.len());
    for row in &rows {
        let model = read_one::<E>(row, 0, "")?;
        if let Some(key) = (join.key_of)(&model) {
            // The LEFT JOIN found nothing when the id is NULL.
            let id: Option<Uuid> = row.try_get(JOINED, P::id_column().as_str())?;
            let parent = match id {
                Some(_) => Some(read_one::<P>(row, at, JOINED)?),
                None => None,
            };
            found.push((key, parent));
        }
        models.push(model);
    }
    Ok((models, found))
}

/// Relay pagination arguments as the client sent them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
    /// Leave out the long texts (`Listed::heavy_columns`): the client did not ask for them.
    pub light: bool,
    /// Leave out these columns too: no field the client selected reads them.
    pub omit: Omit,
}

#[derive(Serialize, Deserialize)]
struct CursorData {
    o: String,
    k: SortValue,
    i: Uuid,
}

fn encode_cursor(order: &str, key: SortValue, id: Uuid) -> String {
    let data = CursorData {
        o: order.to_string(),
        k: key,
        i: id,
    };
    // Serialising plain strings, dates and UUIDs cannot fail.
    let json = serde_json::to_vec(&data).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

fn decode_cursor<E: EntityTrait, S: SortKey<E>>(field: &str, raw: &str, sort: S) -> AppResult<(SortValue, Uuid)> {
    let invalid = || AppError::bad_input(field, format!("{field} is not a cursor of this list in this order"));
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| invalid())?;
    let data: CursorData = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if data.o != sort.name() || data.k.kind() != sort.kind() {
        return Err(invalid());
    }
    Ok((data.k, data.i))
}

/// A validated request for one page.
#[derive(Debug)]
struct Plan {
    limit: u64,
    backward: bool,
    after: Option<(SortValue, Uuid)>,
    before: Option<(SortValue, Uuid)>,
}

fn size(field: &str, value: i32) -> AppResult<u64> {
    if value < 0 {
        return Err(AppError::bad_input(field, format!("{field} must not be negative")));
    }
    let value = value as u64;
    if value > MAX_PAGE_SIZE {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be at most {MAX_PAGE_SIZE}"),
        ));
    }
    Ok(value)
}

fn plan<E: EntityTrait, S: SortKey<E>>(args: &PageArgs, sort: S) -> AppResult<Plan> {
    if args.first.is_some() && args.last.is_some() {
        return Err(AppError::bad_input("last", "pass either first or last, not both"));
    }
    let after = args
        .after
        .as_deref()
        .map(|c| decode_cursor("after", c, sort))
        .transpose()?;
    let before = args
        .before
        .as_deref()
        .map(|c| decode_cursor("before", c, sort))
        .transpose()?;
    let (limit, backward) = match (args.first, args.last) {
        (_, Some(last)) => (size("last", last)?, true),
        (Some(first), None) => (size("first", first)?, false),
        (None, None) => (DEFAULT_PAGE_SIZE, false),
    };
    Ok(Plan {
        limit,
        backward,
        after,
        before,
    })
}

/// `(sort, id) > cursor` (or `<`), following the list's direction.
///
/// On PostgreSQL the cursor's sort value is read through a scalar subquery,
/// `(sort, id) > ((SELECT $1), $2)`. The planner cannot see into it, so every cursor gets the
/// same estimate, the plan it would cache; after its five trial plans PostgreSQL keeps that
/// plan rather than planning each page again (the bare `$1` made each cursor's own plan look
/// cheaper by its estimate, so it was planned at every execution: twice the statement's own
/// time). The plan is the same index range scan on `(sort, id)`.
fn beyond<E: Listed, S: SortKey<E>>(
    backend: DbBackend,
    sort: S,
    cursor: (SortValue, Uuid),
    forward: bool,
) -> Condition {
    let left = Expr::tuple([
        Expr::col((E::default(), sort.column())),
        Expr::col((E::default(), E::id_column())),
    ]);
    let key = Expr::val(cursor.0.into_value());
    let key = if backend == DbBackend::Postgres {
        Expr::SubQuery(None, Box::new(Query::select().expr(key).to_owned().into()))
    } else {
        key
    };
    let right = Expr::tuple([key, Expr::val(cursor.1)]);
    let greater = forward != sort.descending();
    Condition::all().add(if greater { left.gt(right) } else { left.lt(right) })
}

impl Plan {
    fn cursor_condition<E: Listed, S: SortKey<E>>(&self, backend: DbBackend, sort: S) -> Condition {
        let mut cond = Condition::all();
        if let Some(after) = self.after.clone() {
            cond = cond.add(beyond::<E, S>(backend, sort, after, true));
        }
        if let Some(before) = self.before.clone() {
            cond = cond.add(beyond::<E, S>(backend, sort, before, false));
        }
        cond
    }

    /// The order rows are read in: the list's order, reversed when reading backward.
    fn read_order<E: EntityTrait, S: SortKey<E>>(&self, sort: S) -> Order {
        if sort.descending() != self.backward {
            Order::Desc
        } else {
            Order::Asc
        }
    }

    fn finish<E: Listed, S: SortKey<E>>(&self, sort: S, mut rows: Vec<E::Model>) -> Page<E::Model>
    where
        E::Model: Send + Sync,
    {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(self.limit as usize);
        if self.backward {
            rows.reverse();
        }
        let (has_next_page, has_previous_page) = if self.backward {
            (self.before.is_some(), more)
        } else {
            (more, self.after.is_some())
        };
        Page {
            rows: rows.into_iter().map(Arc::new).collect(),
            has_next_page,
            has_previous_page,
            cursor: Arc::new(move |m: &E::Model| encode_cursor(sort.name(), sort.value(m), E::id_of(m))),
        }
    }
}

/// One page of a list, in list order. Cursors are encoded only when asked for.
pub struct Page<M> {
    pub rows: Vec<Arc<M>>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    cursor: Arc<dyn Fn(&M) -> String + Send + Sync>,
}

impl<M> Clone for Page<M> {
    fn clone(&self) -> Self {
        Page {
            rows: self.rows.clone(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            cursor: self.cursor.clone(),
        }
    }
}

impl<M> Page<M> {
    /// The cursor of a row of this page.
    pub fn cursor(&self, row: &M) -> String {
        (self.cursor)(row)
    }

    /// An empty page of a list that has nothing to show.
    pub fn empty() -> Self {
        Page {
            rows: Vec::new(),
            has_next_page: false,
            has_previous_page: false,
            cursor: Arc::new(|_| String::new()),
        }
    }
}

/// Reads one page of `E` matching `condition`.
pub async fn fetch<E, S>(
    db: &impl ConnectionTrait,
    condition: Condition,
    sort: S,
    args: &PageArgs,
) -> AppResult<Page<E::Model>>
where
    E: Listed,
    E::Model: FromQueryResult + Send + Sync,
    S: SortKey<E>,
{
    let plan = plan::<E, S>(args, sort)?;
    if plan.limit == 0 {
        return Ok(plan.finish::<E, S>(sort, Vec::new()));
    }
    let query = page_query::<E, S>(db.get_database_backend(), &plan, condition, sort, args).into_query();
    let rows = read_all::<E>(db, &LiteralLimit { query: &query }).await?;
    Ok(plan.finish::<E, S>(sort, rows))
}

/// One page of `E` matching `condition`, and in the same statement the row of `P` that
/// `join.key` names for each of its rows.
pub async fn fetch_joined<E, S, P>(
    db: &impl ConnectionTrait,
    condition: Condition,
    sort: S,
    args: &PageArgs,
    join: &Join<E>,
) -> AppResult<(Page<E::Model>, Found<P>)>
where
    E: Listed,
    E::Model: FromQueryResult + Send + Sync,
    S: SortKey<E>,
    P: Listed,
    P::Model: FromQueryResult + Send + Sync,
{
    let plan = plan::<E, S>(args, sort)?;
    if plan.limit == 0 {
        return Ok((plan.finish::<E, S>(sort, Vec::new()), Vec::new()));
    }
    let mut query = page_query::<E, S>(db.get_database_backend(), &plan, condition, sort, args).into_query();
    add_join::<E, P>(&mut query, Alias::new(E::default().table_name()), join);
    let (rows, found) = joined_rows::<E, P>(db, &query, join).await?;
    Ok((plan.finish::<E, S>(sort, rows), found))
}

/// The statement of one page: at most `limit + 1` rows past the cursors, in read order.
fn page_query<E: Listed, S: SortKey<E>>(
    backend: DbBackend,
    plan: &Plan,
    condition: Condition,
    sort: S,
    args: &PageArgs,
) -> sea_orm::Select<E> {
    let order = plan.read_order::<E, S>(sort);
    // The sort column makes the cursors: never left out.
    select::<E>(args.light, Omit(args.omit.0 & !Omit::of::<E>(sort.column()).0))
        .filter(condition)
        .filter(plan.cursor_condition::<E, S>(backend, sort))
        .order_by(sort.column(), order.clone())
        .order_by(E::id_column(), order)
        .limit(plan.limit + 1)
}

/// Counts the rows of `E` matching `condition`.
pub async fn count<E: EntityTrait>(db: &impl ConnectionTrait, condition: Condition) -> AppResult<u64>
where
    E::Model: Send + Sync,
{
    use sea_orm::PaginatorTrait;
    Ok(E::find().filter(condition).count(db).await?)
}

/// Reads one page of `E` for each parent id, in a single statement.
pub async fn fetch_by_parents<E, S>(
    db: &impl ConnectionTrait,
    parent: E::Column,
    parents: &[Uuid],
    condition: Condition,
    sort: S,
    args: &PageArgs,
    parent_of: fn(&E::Model) -> Option<Uuid>,
) -> AppResult<HashMap<Uuid, Page<E::Model>>>
where
    E: Listed,
    E::Model: FromQueryResult + Send + Sync,
    S: SortKey<E>,
{
    let plan = plan::<E, S>(args, sort)?;
    if plan.limit == 0 || parents.is_empty() {
        return Ok(parents
            .iter()
            .map(|id| (*id, plan.finish::<E, S>(sort, Vec::new())))
            .collect());
    }
    let order = plan.read_order::<E, S>(sort);
    let backend = db.get_database_backend();
    // The parent column tells the pages apart and the sort column makes the cursors: never
    // left out.
    let omit = Omit(args.omit.0 & !Omit::of::<E>(parent).0 & !Omit::of::<E>(sort.column()).0);
    // One page of one parent: an index range scan of at most `limit + 1` rows.
    let page_of = |parent_is: Expr| {
        select::<E>(args.light, omit)
            .filter(condition.clone())
            .filter(plan.cursor_condition::<E, S>(backend, sort))
            .filter(Expr::col((E::default(), parent)).eq(parent_is))
            .order_by(sort.column(), order.clone())
            .order_by(E::id_column(), order.clone())
            .limit(plan.limit + 1)
            .into_query()
    };
    let mut rows = Vec::new();
    if backend == sea_orm::DatabaseBackend::Postgres {
        // FROM (VALUES (p1), (p2) …) AS parents INNER JOIN LATERAL (… LIMIT n) AS page ON TRUE
        let inner = page_of(Expr::col((Alias::new("parents"), Alias::new("column1"))));
        let outer = Query::select()
            .column((Alias::new("page"), Asterisk))
            .from_values(
                parents
                    .iter()
                    .map(|id| sea_orm::sea_query::ValueTuple::One((*id).into())),
                Alias::new("parents"),
            )
            .join_lateral(JoinType::InnerJoin, inner, Alias::new("page"), Expr::cust("TRUE"))
            .to_owned();
        rows = read_all::<E>(db, &LiteralLimit { query: &outer }).await?;
    } else {
        // SQLite has no LATERAL: the same page per parent, joined by UNION ALL (ranking every
        // row of every parent with ROW_NUMBER reads all of them, which a parent with thousands
        // of rows makes slow). Each page is numbered so that its order survives the union; at
        // most PARENTS_PER_UNION members, under SQLite's limit of 500 per compound select.
        const PARENTS_PER_UNION: usize = 100;
        for chunk in parents.chunks(PARENTS_PER_UNION) {
            let mut members = chunk.iter().map(|id| {
                let mut window = WindowStatement::new();
                window.order_by((Alias::new("one"), sort.column()), order.clone());
                window.order_by((Alias::new("one"), E::id_column()), order.clone());
                let mut member = Query::select();
                member
                    .column((Alias::new("one"), Asterisk))
                    .from_subquery(page_of(Expr::val(*id)), Alias::new("one"))
                    .expr_window_as(Func::cust(Alias::new("ROW_NUMBER")), window, Alias::new("page_row"));
                member
            });
            let Some(mut union) = members.next() else { continue };
            for member in members {
                union.union(sea_orm::sea_query::UnionType::All, member);
            }
            let outer = Query::select()
                .column(Asterisk)
                .from_subquery(union, Alias::new("pages"))
                .order_by(Alias::new("page_row"), Order::Asc)
                .to_owned();
            rows.extend(read_all::<E>(db, &outer).await?);
        }
    }
    let mut grouped: HashMap<Uuid, Vec<E::Model>> = parents.iter().map(|id| (*id, Vec::new())).collect();
    for row in rows {
        if let Some(list) = parent_of(&row).and_then(|p| grouped.get_mut(&p)) {
            list.push(row);
        }
    }
    Ok(grouped
        .into_iter()
        .map(|(id, rows)| (id, plan.finish::<E, S>(sort, rows)))
        .collect())
}

/// Counts the rows of `E` for each parent id, in a single statement.
pub async fn count_by_parents<E>(
    db: &impl ConnectionTrait,
    parent: E::Column,
    parents: &[Uuid],
    condition: Condition,
) -> AppResult<HashMap<Uuid, u64>>
where
    E: Listed,
    E::Model: Send + Sync,
{
    let rows: Vec<(Option<Uuid>, i64)> = E::find()
        .select_only()
        .column(parent)
        .column_as(Expr::col((E::default(), E::id_column())).count(), "n")
        .filter(condition)
        .filter(parent.is_in(parents.iter().copied()))
        .group_by(parent)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<Uuid, u64> = parents.iter().map(|id| (*id, 0)).collect();
    for (id, n) in rows {
        if let Some(id) = id {
            counts.insert(id, u64::try_from(n).unwrap_or(0));
        }
    }
    Ok(counts)
}

/// Reads the rows of `E` with these ids that `scope` may see, in a single statement.
pub async fn by_ids<E>(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    scope: super::Scope,
) -> AppResult<HashMap<Uuid, E::Model>>
where
    E: Listed,
    E::Model: FromQueryResult + Send + Sync,
{
    by_ids_reading::<E>(db, ids, scope, false, Omit::default()).await
}

/// As [`by_ids`], with the columns `omit` names and, for a light read, the long texts left
/// out (they come back as NULL), as a page reads them.
pub async fn by_ids_reading<E>(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    scope: super::Scope,
    light: bool,
    omit: Omit,
) -> AppResult<HashMap<Uuid, E::Model>>
where
    E: Listed,
    E::Model: FromQueryResult + Send + Sync,
{
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let query = select::<E>(light, omit)
        .filter(E::id_column().is_in(ids.iter().copied()))
        .filter(E::visible(scope))
        .into_query();
    let rows = read_all::<E>(db, &query).await?;
    Ok(rows.into_iter().map(|m| (E::id_of(&m), m)).collect())
}

/// Reads the rows of `E` with these ids that `scope` may see and, in the same statement, the
/// row of `P` that `join.key` names for each.
pub async fn by_ids_joined<E, P>(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    scope: super::Scope,
    join: &Join<E>,
) -> AppResult<(HashMap<Uuid, E::Model>, Found<P>)>
where
    E: Listed,
    E::Model: FromQueryResult + Send + Sync,
    P: Listed,
    P::Model: FromQueryResult + Send + Sync,
{
    if ids.is_empty() {
        return Ok((HashMap::new(), Vec::new()));
    }
    let mut query = E::find()
        .filter(E::id_column().is_in(ids.iter().copied()))
        .filter(E::visible(scope))
        .into_query();
    add_join::<E, P>(&mut query, Alias::new(E::default().table_name()), join);
    let (rows, found) = joined_rows::<E, P>(db, &query, join).await?;
    Ok((rows.into_iter().map(|m| (E::id_of(&m), m)).collect(), found))
}

/// Declares the orders a list can be read in, each a non-null column and a direction.
macro_rules! sort_keys {
    ($name:ident for $entity:ty, $m:ident { $($variant:ident => $col:expr, $desc:expr, $kind:ident, $value:expr;)+ }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $crate::store::page::SortKey<$entity> for $name {
            fn column(self) -> <$entity as sea_orm::EntityTrait>::Column {
                match self { $(Self::$variant => $col,)+ }
            }
            fn descending(self) -> bool {
                match self { $(Self::$variant => $desc,)+ }
            }
            fn name(self) -> &'static str {
                match self { $(Self::$variant => stringify!($variant),)+ }
            }
            fn kind(self) -> $crate::store::page::SortKind {
                match self { $(Self::$variant => $crate::store::page::SortKind::$kind,)+ }
            }
            fn value(self, $m: &<$entity as sea_orm::EntityTrait>::Model) -> $crate::store::page::SortValue {
                match self { $(Self::$variant => $crate::store::page::SortValue::$kind($value),)+ }
            }
        }
    };
}
pub(crate) use sort_keys;

/// Declares that an entity has a UUID `id` column and can be listed.
macro_rules! listed {
    ($entity:ty, $id:expr, |$scope:ident| $visible:expr $(, heavy: [$($heavy:expr),+ $(,)?])? $(, read: $read:path $(, omittable: [$($omittable:expr),+ $(,)?])?)?) => {
        impl $crate::store::page::Listed for $entity {
            fn id_column() -> <$entity as sea_orm::EntityTrait>::Column {
                $id
            }
            fn id_of(model: &<$entity as sea_orm::EntityTrait>::Model) -> uuid::Uuid {
                model.id
            }
            fn visible($scope: $crate::store::Scope) -> sea_orm::Condition {
                $visible
            }
            $(
                fn heavy_columns() -> Vec<<$entity as sea_orm::EntityTrait>::Column> {
                    vec![$($heavy),+]
                }
            )?
            $(
                fn read_row(
                    row: &sea_orm::QueryResult,
                    at: usize,
                ) -> Option<Result<<$entity as sea_orm::EntityTrait>::Model, sea_orm::DbErr>> {
                    Some($read(row, at))
                }
                $(
                    fn omittable_columns() -> Vec<<$entity as sea_orm::EntityTrait>::Column> {
                        vec![$($omittable),+]
                    }
                )?
            )?
        }
    };
}
pub(crate) use listed;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_other_orders() {
        let id = Uuid::new_v4();
        let raw = encode_cursor("STARTS_AT_ASC", SortValue::Text("x".into()), id);
        let bytes = URL_SAFE_NO_PAD.decode(raw).unwrap_or_default();
        let data: CursorData = serde_json::from_slice(&bytes).expect("cursor is JSON");
        assert_eq!(data.o, "STARTS_AT_ASC");
        assert_eq!(data.i, id);
        assert_eq!(data.k, SortValue::Text("x".into()));
        let key = entity::sort_key::sort_key("École");
        let raw = encode_cursor("NAME_ASC", SortValue::Key(key.clone()), id);
        let bytes = URL_SAFE_NO_PAD.decode(raw).unwrap_or_default();
        let data: CursorData = serde_json::from_slice(&bytes).expect("cursor is JSON");
        assert_eq!(data.k, SortValue::Key(key));
    }

    #[test]
    fn a_page_s_limit_and_policy_are_written_into_its_statement_on_postgresql() {
        use sea_orm::{DbBackend, StatementBuilder};
        let query = entity::event::Entity::find()
            .filter(<entity::event::Entity as Listed>::visible(super::super::Scope::Public))
            .filter(entity::event::Column::Title.eq("Forum des métiers"))
            .order_by_asc(entity::event::Column::StartsAt)
            .limit(51)
            .into_query();
        let pg = LiteralLimit { query: &query }.build(&DbBackend::Postgres);
        assert!(pg.sql.ends_with(r#""events"."visibility" = 'public' AND "events"."title" = $1 ORDER BY "events"."starts_at" ASC LIMIT 51"#), "{}", pg.sql);
        assert_eq!(pg.values.map(|v| v.0), Some(vec![Value::from("Forum des métiers")]));
        // SQLite has no plans to keep: its statement is left as sea-query writes it.
        let lite = LiteralLimit { query: &query }.build(&DbBackend::Sqlite);
        assert!(lite.sql.ends_with(" LIMIT ?"), "{}", lite.sql);
        assert_eq!(lite.values.map(|v| v.0.len()), Some(2));
    }

    #[test]
    fn a_cursor_s_sort_value_is_read_through_a_subquery_on_postgresql_only() {
        use crate::store::events::EventSort;
        use sea_orm::StatementBuilder;
        let at = DateTime::parse_from_rfc3339("2023-04-21T09:00:00Z").map(|t| t.with_timezone(&Utc));
        let plan = Plan {
            limit: 20,
            backward: false,
            after: Some((SortValue::Time(at.unwrap_or_default()), Uuid::nil())),
            before: None,
        };
        let statement = |backend: DbBackend, sort: EventSort| {
            let query = page_query::<entity::event::Entity, EventSort>(
                backend,
                &plan,
                Condition::all(),
                sort,
                &PageArgs::default(),
            )
            .into_query();
            LiteralLimit { query: &query }.build(&backend)
        };
        let pg = statement(DbBackend::Postgres, EventSort::StartsAtAsc);
        assert!(
            pg.sql
                .contains(r#"("events"."starts_at", "events"."id") > ((SELECT $1), $2) ORDER BY"#),
            "{}",
            pg.sql
        );
        assert!(pg.sql.ends_with(" LIMIT 21"), "{}", pg.sql);
        // Reading back from a descending order, the comparison turns and the value is read the same way.
        let desc = statement(DbBackend::Postgres, EventSort::StartsAtDesc);
        assert!(desc.sql.contains(r#") < ((SELECT $1), $2)"#), "{}", desc.sql);
        assert_eq!(
            pg.values.map(|v| v.0),
            Some(vec![Value::from(at.unwrap_or_default()), Value::from(Uuid::nil())])
        );
        // SQLite keeps no plans: the cursor is compared as it is.
        let lite = statement(DbBackend::Sqlite, EventSort::StartsAtAsc);
        assert!(
            lite.sql.contains(r#"("events"."starts_at", "events"."id") > (?, ?)"#),
            "{}",
            lite.sql
        );
    }

    #[test]
    fn only_a_trailing_limit_bound_to_the_last_value_is_written_in() {
        let statement = |sql: &str, values: Vec<Value>| sea_orm::Statement {
            sql: sql.to_string(),
            values: Some(sea_orm::sea_query::Values(values)),
            db_backend: sea_orm::DbBackend::Postgres,
        };
        let id = Value::from(Uuid::nil());
        // The page of each parent, in the LATERAL read.
        let mut lateral = statement(
            r#"SELECT "page".* FROM (VALUES ($1), ($2)) AS "parents" INNER JOIN LATERAL (SELECT 1 FROM "events" WHERE "organiser_id" = "parents"."column1" LIMIT $3) AS "page" ON TRUE"#,
            vec![id.clone(), id.clone(), Value::BigUnsigned(Some(11))],
        );
        inline_last_limit(&mut lateral);
        assert!(
            lateral.sql.ends_with(r#"LIMIT 11) AS "page" ON TRUE"#),
            "{}",
            lateral.sql
        );
        assert_eq!(lateral.values.map(|v| v.0.len()), Some(2));
        for (sql, values) in [
            // An OFFSET after it.
            (
                "SELECT 1 LIMIT $1 OFFSET $2",
                vec![Value::BigUnsigned(Some(5)), Value::BigUnsigned(Some(5))],
            ),
            // A LIMIT that is not the last value.
            (
                "SELECT 1 WHERE a = $2 LIMIT $1",
                vec![Value::BigUnsigned(Some(5)), id.clone()],
            ),
            // A last value that is not a size.
            ("SELECT 1 LIMIT $1", vec![id.clone()]),
            ("SELECT 1 WHERE a = $1", vec![id.clone()]),
        ] {
            let mut kept = statement(sql, values.clone());
            inline_last_limit(&mut kept);
            assert_eq!((kept.sql.as_str(), kept.values.map(|v| v.0)), (sql, Some(values)));
        }
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert!(size("first", -1).is_err());
        assert!(size("first", 101).is_err());
        assert_eq!(size("first", 100).ok(), Some(100));
    }
}
