//! Every list is read the same way. A filter names its table, the rows it keeps and the orders
//! it can be read in (`Filter`); its page, its count and its nested pages (the events of each
//! of 20 organisations, through a `Relation`) come from the keyset machinery of `page`, written
//! once here for every filter.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;

use sea_orm::{Condition, ConnectionTrait, DatabaseBackend, EntityTrait};
use uuid::Uuid;

use super::Scope;
use super::page::{self, Found, Join, Listed, Page, PageArgs, SortKey};
use crate::error::AppResult;

/// The rows a filter lists.
pub type Row<F> = <<F as Filter>::Entity as EntityTrait>::Model;
/// A column of the table a filter lists.
pub type Column<F> = <<F as Filter>::Entity as EntityTrait>::Column;

/// What a list can be narrowed to, and how it is read.
pub trait Filter: Clone + Default + Eq + Hash + Send + Sync + 'static {
    type Entity: Listed<Model: Sync>;
    type Sort: SortKey<Self::Entity>;

    /// The rows this filter keeps, the caller's scope included.
    fn condition(&self, backend: DatabaseBackend) -> Condition;

    /// This filter narrowed to what `scope` may see. Required of every filter, so that a new
    /// one cannot forget the visibility policy: public lists say so by returning `self`.
    fn scoped(self, scope: Scope) -> Self;

    /// One page of the list.
    fn list<C: ConnectionTrait + Sync>(
        &self,
        db: &C,
        sort: Self::Sort,
        args: &PageArgs,
    ) -> impl Future<Output = AppResult<Page<Row<Self>>>> + Send {
        page::fetch::<Self::Entity, _>(db, self.condition(db.get_database_backend()), sort, args)
    }

    /// One page of the list, with the row of `P` that `join` names for each of its rows, in
    /// the same statement.
    fn list_joined<C: ConnectionTrait + Sync, P: Listed<Model: sea_orm::FromQueryResult + Send + Sync>>(
        &self,
        db: &C,
        sort: Self::Sort,
        args: &PageArgs,
        join: &Join<Self::Entity>,
    ) -> impl Future<Output = AppResult<(Page<Row<Self>>, Found<P>)>> + Send {
        page::fetch_joined::<Self::Entity, _, P>(db, self.condition(db.get_database_backend()), sort, args, join)
    }

    /// The number of rows in the whole list.
    fn count<C: ConnectionTrait + Sync>(&self, db: &C) -> impl Future<Output = AppResult<u64>> + Send {
        page::count::<Self::Entity>(db, self.condition(db.get_database_backend()))
    }
}

/// A one-to-many relation: the rows of `F`'s table whose `column` names their parent, read a
/// page per parent for many parents in one statement.
pub struct Relation<F: Filter> {
    column: Column<F>,
    parent_of: fn(&Row<F>) -> Option<Uuid>,
}

impl<F: Filter> Clone for Relation<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: Filter> Copy for Relation<F> {}

impl<F: Filter> Relation<F> {
    /// The relation through `column`; `parent_of` reads the same column from a row.
    pub const fn new(column: Column<F>, parent_of: fn(&Row<F>) -> Option<Uuid>) -> Self {
        Relation { column, parent_of }
    }

    /// One page of the list of each parent.
    pub async fn pages(
        &self,
        db: &impl ConnectionTrait,
        parents: &[Uuid],
        filter: &F,
        sort: F::Sort,
        args: &PageArgs,
    ) -> AppResult<HashMap<Uuid, Page<Row<F>>>> {
        let condition = filter.condition(db.get_database_backend());
        page::fetch_by_parents::<F::Entity, _>(db, self.column, parents, condition, sort, args, self.parent_of).await
    }

    /// The number of rows in the list of each parent.
    pub async fn counts(
        &self,
        db: &impl ConnectionTrait,
        parents: &[Uuid],
        filter: &F,
    ) -> AppResult<HashMap<Uuid, u64>> {
        let condition = filter.condition(db.get_database_backend());
        page::count_by_parents::<F::Entity>(db, self.column, parents, condition).await
    }
}
