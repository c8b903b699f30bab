//! Executing one GraphQL request for the HTTP layer, without HTTP types.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::parser::types::OperationType;
use async_graphql::{Request as GqlRequest, Response as GqlResponse, Variables};
use sea_orm::DatabaseConnection;
use serde_json::{Map, Value};

use super::AppSchema;
use super::loaders::Loaders;

/// The parameters of a GraphQL request, as the specification defines them.
pub struct Params {
    pub query: String,
    pub operation_name: Option<String>,
    pub variables: Option<Map<String, Value>>,
    pub extensions: Option<Map<String, Value>>,
}

/// Whether the operation the request selects is a mutation (or a subscription).
pub fn selects_non_query(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    let ty = match (&doc.operations, operation_name) {
        (async_graphql::parser::types::DocumentOperations::Single(op), _) => Some(op.node.ty),
        (async_graphql::parser::types::DocumentOperations::Multiple(ops), Some(name)) => {
            ops.get(name).map(|op| op.node.ty)
        }
        (async_graphql::parser::types::DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        _ => None,
    };
    matches!(ty, Some(OperationType::Mutation | OperationType::Subscription))
}

/// Set by the schema extension below once a request passes parsing, validation and
/// variable coercion; a response without it is a request error.
struct Executed(AtomicBool);

pub struct ExecutionMarker;

impl ExtensionFactory for ExecutionMarker {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ExecutionMarkerExtension)
    }
}

struct ExecutionMarkerExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for ExecutionMarkerExtension {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> GqlResponse {
        if let Some(flag) = ctx.data_opt::<Arc<Executed>>() {
            flag.0.store(true, Ordering::Relaxed);
        }
        next.run(ctx, operation_name).await
    }
}

/// The JSON body of a GraphQL response, and whether the request failed before execution
/// (parse, validation or variable errors), in which case the body has no `data`.
pub struct Outcome {
    pub body: Value,
    pub request_error: bool,
}

/// Executes one GraphQL request with fresh loaders.
pub async fn execute(schema: &AppSchema, db: &DatabaseConnection, params: Params) -> Outcome {
    let mut request = GqlRequest::new(params.query);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(vars) = params.variables {
        request = request.variables(Variables::from_json(Value::Object(vars)));
    }
    if let Some(ext) = params.extensions {
        for (k, v) in ext {
            if let Ok(v) = async_graphql::Value::from_json(v) {
                request.extensions.insert(k, v);
            }
        }
    }
    let executed = Arc::new(Executed(AtomicBool::new(false)));
    let request = request.data(Loaders::new(db)).data(executed.clone());
    let response = schema.execute(request).await;
    let request_error = !executed.0.load(Ordering::Relaxed);

    let mut body = Map::new();
    if !request_error {
        body.insert(
            "data".into(),
            serde_json::to_value(&response.data).unwrap_or(Value::Null),
        );
    }
    if !response.errors.is_empty() {
        body.insert(
            "errors".into(),
            serde_json::to_value(&response.errors).unwrap_or(Value::Array(Vec::new())),
        );
    }
    if !response.extensions.is_empty() {
        body.insert(
            "extensions".into(),
            serde_json::to_value(&response.extensions).unwrap_or(Value::Null),
        );
    }
    Outcome {
        body: Value::Object(body),
        request_error,
    }
}

/// The GraphiQL page for browsers.
pub fn graphiql_page(endpoint: &str) -> String {
    async_graphql::http::GraphiQLSource::build()
        .endpoint(endpoint)
        .title("Passerelle")
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_mutations_in_get_requests() {
        assert!(selects_non_query(
            "mutation { deleteEvent(id: \"x\") { deletedId } }",
            None
        ));
        assert!(!selects_non_query("{ events { totalCount } }", None));
        assert!(selects_non_query("query A { a } mutation B { b }", Some("B")));
        assert!(!selects_non_query("query A { a } mutation B { b }", Some("A")));
    }
}
