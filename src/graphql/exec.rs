//! Executing one GraphQL request for the HTTP layer, without HTTP types.

use async_graphql::parser::types::OperationType;
use async_graphql::{Request as GqlRequest, Variables};
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

/// The operation a request selects: the only one, or the one named `operation_name`.
fn selected_operation<'d>(
    doc: &'d async_graphql::parser::types::ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'d async_graphql::Positioned<async_graphql::parser::types::OperationDefinition>> {
    use async_graphql::parser::types::DocumentOperations;
    match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        _ => None,
    }
}

/// Whether the operation the request selects is a mutation (or a subscription).
pub fn selects_non_query(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    let ty = selected_operation(&doc, operation_name).map(|op| op.node.ty);
    matches!(ty, Some(OperationType::Mutation | OperationType::Subscription))
}

/// The JSON body of a GraphQL response, and whether the request failed before execution
/// (parse, validation or variable errors), in which case the body has no `data`.
pub struct Outcome {
    pub body: String,
    pub request_error: bool,
}

#[derive(serde::Serialize)]
pub(super) struct ResponseBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

impl<'a> ResponseBody<'a> {
    /// The body of `response`; without `data` when the request failed before execution.
    pub(super) fn of(response: &'a async_graphql::Response) -> Self {
        ResponseBody {
            data: (!is_request_error(response)).then_some(&response.data),
            errors: &response.errors,
            extensions: &response.extensions,
        }
    }
}

/// Parse, validation and variable errors stop a request before execution: the response has
/// no data, and none of its errors has a path (field errors always do).
pub(super) fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null && response.errors.iter().all(|e| e.path.is_empty())
}

/// Root fields a session may use before it has changed its temporary password.
const BEFORE_PASSWORD_CHANGE: [&str; 4] = ["changePassword", "logout", "me", "__typename"];

/// Whether the selected operation asks only for fields allowed before a password change.
fn only_password_change_fields(query: &str, operation_name: Option<&str>) -> bool {
    use async_graphql::parser::types::Selection;
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        // Let the schema report the syntax error.
        return true;
    };
    let Some(op) = selected_operation(&doc, operation_name) else {
        return true;
    };
    op.node.selection_set.node.items.iter().all(|item| match &item.node {
        Selection::Field(field) => BEFORE_PASSWORD_CHANGE.contains(&field.node.name.node.as_str()),
        // Fragments could hide any field: refuse them here.
        _ => false,
    })
}

/// What the HTTP layer knows of the caller.
pub struct Caller {
    pub viewer: crate::auth::Viewer,
    pub address: Option<std::net::IpAddr>,
    /// Where clients reach this hub (`scheme://host`), for the links the API hands out.
    pub base_url: String,
}

/// `err` as a GraphQL error, as responses carry it.
pub(super) fn server_error(err: crate::error::AppError) -> async_graphql::ServerError {
    super::error::to_gql(err).into_server_error(async_graphql::Pos::default())
}

fn error_body(err: crate::error::AppError) -> String {
    let server = server_error(err);
    serde_json::to_string(&ResponseBody {
        data: None,
        errors: std::slice::from_ref(&server),
        extensions: &std::collections::BTreeMap::new(),
    })
    .unwrap_or_default()
}

/// Executes one GraphQL request for `caller`, with fresh loaders.
pub async fn execute(schema: &AppSchema, db: &DatabaseConnection, caller: Caller, params: Params) -> Outcome {
    match prepare(db, caller, params) {
        Ok(request) => run(schema, request).await,
        Err(err) => Outcome {
            body: error_body(err),
            request_error: false,
        },
    }
}

async fn run(schema: &AppSchema, request: GqlRequest) -> Outcome {
    let response = schema.execute(request).await;
    let request_error = is_request_error(&response);
    // Serialised straight from the response, without an intermediate JSON tree.
    let body = serde_json::to_string(&ResponseBody::of(&response)).unwrap_or_else(|_| {
        r#"{"errors":[{"message":"the response could not be serialised","extensions":{"code":"INTERNAL"}}]}"#.into()
    });
    Outcome { body, request_error }
}

/// The request `params` make for `caller`, with fresh loaders; refused while a session must
/// change its temporary password (unless it asks only for what it may).
pub(super) fn prepare(
    db: &DatabaseConnection,
    caller: Caller,
    params: Params,
) -> Result<GqlRequest, crate::error::AppError> {
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
    with_caller(db, caller, request)
}

/// `request` with the caller's data and fresh loaders.
fn with_caller(
    db: &DatabaseConnection,
    caller: Caller,
    request: GqlRequest,
) -> Result<GqlRequest, crate::error::AppError> {
    if caller.viewer.must_change_password()
        && !only_password_change_fields(&request.query, request.operation_name.as_deref())
    {
        return Err(crate::error::AppError::PasswordChangeRequired);
    }
    let scope = caller.viewer.scope();
    Ok(request
        .data(Loaders::new(db, scope))
        .data(caller.viewer)
        .data(ClientAddress(caller.address))
        .data(BaseUrl(caller.base_url)))
}

/// Executes a GraphQL multipart request (the GraphQL multipart request specification: an
/// `operations` part, a `map` part and the files), which carries file uploads.
pub async fn execute_multipart(
    schema: &AppSchema,
    db: &DatabaseConnection,
    caller: Caller,
    content_type: &str,
    body: Vec<u8>,
    max_file_bytes: usize,
) -> Outcome {
    let options = async_graphql::http::MultipartOptions::default()
        .max_file_size(max_file_bytes)
        .max_num_files(4);
    let reader = futures_util::io::Cursor::new(body);
    let request = match async_graphql::http::receive_body(Some(content_type), reader, options).await {
        Ok(request) => request,
        Err(e) => {
            return Outcome {
                body: error_body(crate::error::AppError::bad_input(
                    "file",
                    format!("the multipart request could not be read: {e}"),
                )),
                request_error: true,
            };
        }
    };
    match with_caller(db, caller, request) {
        Ok(request) => run(schema, request).await,
        Err(err) => Outcome {
            body: error_body(err),
            request_error: false,
        },
    }
}

/// The client's network address, for login throttling.
pub struct ClientAddress(pub Option<std::net::IpAddr>);

/// Where clients reach this hub (`scheme://host`, no trailing slash).
pub struct BaseUrl(pub String);

/// The database pool.
pub fn db<'a>(ctx: &async_graphql::Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

/// The caller of the current request.
pub fn viewer<'a>(ctx: &async_graphql::Context<'a>) -> &'a crate::auth::Viewer {
    ctx.data_unchecked::<crate::auth::Viewer>()
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
