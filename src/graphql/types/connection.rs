//! Relay connections: `edges { cursor node }`, `nodes`, `pageInfo`, and a `totalCount` that is
//! only counted when a client asks for it.

use std::sync::Arc;

use async_graphql::SimpleObject;
use futures_util::future::BoxFuture;

use crate::error::AppResult;

/// Counts the whole list behind a connection, lazily.
pub type CountFn = Arc<dyn Fn() -> BoxFuture<'static, AppResult<u64>> + Send + Sync>;

#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
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

/// Declares `<Type>Connection` and `<Type>Edge` for a node type wrapping a model.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ident, $model:ty) => {
        #[derive(async_graphql::SimpleObject, Clone)]
        pub struct $edge {
            pub cursor: String,
            pub node: $node,
        }

        pub struct $conn {
            pub page: $crate::store::page::Page<$model>,
            pub count: $crate::graphql::types::connection::CountFn,
        }

        #[async_graphql::Object]
        impl $conn {
            async fn edges(&self) -> Vec<$edge> {
                self.page
                    .rows
                    .iter()
                    .map(|m| $edge {
                        cursor: self.page.cursor(m),
                        node: $node(m.clone()),
                    })
                    .collect()
            }

            async fn nodes(&self) -> Vec<$node> {
                self.page.rows.iter().map(|m| $node(m.clone())).collect()
            }

            async fn page_info(&self) -> $crate::graphql::types::connection::PageInfo {
                $crate::graphql::types::connection::PageInfo::of(&self.page)
            }

            /// The number of records in the whole list (counted only when asked for).
            async fn total_count(&self) -> async_graphql::Result<i64> {
                use $crate::graphql::error::IntoGql;
                let n = (self.count)().await.gql()?;
                Ok(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    };
}
pub(crate) use connection;
