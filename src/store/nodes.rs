//! Resolving a bare id to the type of record it names, for the Relay `node(id:)` field.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, UnionType};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::error::AppResult;

/// The tables whose rows are Relay nodes, with the GraphQL type of each.
pub const NODE_TABLES: [(&str, &str); 8] = [
    ("organisations", "Organisation"),
    ("contacts", "Contact"),
    ("resources", "Resource"),
    ("events", "Event"),
    ("actions", "Action"),
    ("experience_reports", "ExperienceReport"),
    ("kits", "Kit"),
    ("kit_loans", "KitLoan"),
];

#[derive(FromQueryResult)]
struct NodeType {
    node_type: String,
}

/// The GraphQL type name of the record with this id, in one statement.
pub async fn type_of(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<&'static str>> {
    let select = |table: &str, name: &str| {
        Query::select()
            .expr_as(Expr::val(name.to_string()), Alias::new("node_type"))
            .from(Alias::new(table))
            .and_where(Expr::col(Alias::new("id")).eq(id))
            .to_owned()
    };
    let (first_table, first_name) = NODE_TABLES[0];
    let mut query = select(first_table, first_name);
    for (table, name) in &NODE_TABLES[1..] {
        query.union(UnionType::All, select(table, name));
    }
    let stmt = db.get_database_backend().build(&query);
    let row = NodeType::find_by_statement(stmt).one(db).await?;
    Ok(row.and_then(|r| NODE_TABLES.iter().find(|(_, n)| *n == r.node_type).map(|(_, n)| *n)))
}
