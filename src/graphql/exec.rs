//! Executing one GraphQL request for the HTTP layer, without HTTP types.

use async_graphql::parser::types::{ExecutableDocument, OperationDefinition, OperationType};
use async_graphql::{Request as GqlRequest, Variables};
use sea_orm::DatabaseConnection;
use serde_json::{Map, Value};

use super::documents::{Documents, ValidationKey};
use super::guard::{self, DocumentLimits};
use super::loaders::Loaders;
use super::observe;
use super::{AppSchema, Schemas};
use crate::error::AppError;

/// The parameters of a GraphQL request, as the specification defines them.
pub struct Params {
    pub query: String,
    pub operation_name: Option<String>,
    pub variables: Option<Map<String, Value>>,
    pub extensions: Option<Map<String, Value>>,
}

/// A request whose document passed the limits, parsed once (the schema reuses the parse).
pub struct Checked {
    request: GqlRequest,
    /// The selected operation's type; `None` when the document did not parse or selects no
    /// operation (the schema then reports why).
    pub operation: Option<OperationType>,
    /// The selected operation's name, for the metrics.
    operation_name: Option<String>,
    /// The document is not GraphQL: the schema's errors get `GRAPHQL_PARSE_FAILED`.
    parse_failed: bool,
    /// What the outcome of validation is remembered under (documents read through
    /// [`check_cached`]).
    validation: Option<ValidationKey>,
}

impl Checked {
    /// Whether the selected operation is a mutation or a subscription (refused over GET).
    pub fn is_non_query(&self) -> bool {
        matches!(
            self.operation,
            Some(OperationType::Mutation | OperationType::Subscription)
        )
    }

    /// Counts the request as refused before execution (a mutation over GET).
    pub fn refused(&self) {
        observe::refused(self.operation_name.as_deref(), self.operation);
    }

    /// `inspect` applied to the selected operation of the parsed document; `None` when the
    /// document did not parse or selects no operation. Only the paths that need it (a session
    /// before its password change, an upload) look: most requests never do.
    fn selected<T>(&mut self, inspect: impl FnOnce(&ExecutableDocument, &OperationDefinition) -> T) -> Option<T> {
        if self.parse_failed {
            return None;
        }
        let name = self.request.operation_name.clone();
        // Already parsed by `check_request`: this reads the cached document.
        let doc = self.request.parsed_query().ok()?;
        let op = guard::selected_operation(doc, name.as_deref())?;
        Some(inspect(doc, &op.node))
    }
}

/// Checks `request`'s document against `limits` before anything parses it without bounds,
/// then parses it once and measures every operation and fragment.
fn check_request(request: GqlRequest, limits: &DocumentLimits) -> Result<Checked, AppError> {
    let doc = match guard::parse(&request.query, limits) {
        Ok(doc) => doc,
        Err(guard::ParseRefusal::Limit(err)) => {
            observe::refused(request.operation_name.as_deref(), None);
            return Err(err);
        }
        // The schema reports the syntax error in its own words and positions; the text is
        // bounded, so parsing it again costs little.
        Err(guard::ParseRefusal::Syntax(_)) => {
            return Ok(Checked {
                operation_name: request.operation_name.clone(),
                request,
                operation: None,
                parse_failed: true,
                validation: None,
            });
        }
    };
    if let Err(err) = guard::check_document(&doc, limits) {
        let operation = guard::selected_operation(&doc, request.operation_name.as_deref()).map(|op| op.node.ty);
        observe::refused(
            observe::operation_name(&doc, request.operation_name.as_deref()).as_deref(),
            operation,
        );
        return Err(err);
    }
    Ok(checked_parse(request, doc))
}

/// `request` with its document `doc`, parsed and within the limits.
fn checked_parse(mut request: GqlRequest, doc: ExecutableDocument) -> Checked {
    let operation_name = observe::operation_name(&doc, request.operation_name.as_deref());
    let operation = guard::selected_operation(&doc, request.operation_name.as_deref()).map(|op| op.node.ty);
    request.set_parsed_query(doc);
    Checked {
        request,
        operation,
        operation_name,
        parse_failed: false,
        validation: None,
    }
}

/// Gives every error of a request refused by the schema before execution a code: the limits
/// async-graphql checks itself (depth, complexity, recursion, directives) get the hub's codes,
/// a syntax error `GRAPHQL_PARSE_FAILED`, anything else (unknown fields, bad variables…)
/// `GRAPHQL_VALIDATION_FAILED`. Errors that carry a code keep it.
pub fn code_request_errors(response: &mut async_graphql::Response, parse_failed: bool) {
    if !is_request_error(response) {
        return;
    }
    for error in &mut response.errors {
        let coded = error.extensions.as_ref().is_some_and(|ext| ext.get("code").is_some());
        if coded {
            continue;
        }
        let message = error.message.as_str();
        let code = if parse_failed {
            "GRAPHQL_PARSE_FAILED"
        } else if message.contains("nested too deep") || message.contains("recursion depth") {
            "QUERY_TOO_DEEP"
        } else if message.contains("too complex") || message.contains("number of directives") {
            "QUERY_TOO_COMPLEX"
        } else {
            "GRAPHQL_VALIDATION_FAILED"
        };
        error.extensions.get_or_insert_with(Default::default).set("code", code);
    }
}

/// Checks the parameters of a request (see [`check_request`]), with the parse and the
/// validation outcome of a document seen before taken from `documents`, so that a repeated
/// operation is neither parsed, measured nor validated again.
pub fn check_cached(params: Params, documents: &Documents) -> Result<Checked, AppError> {
    let hash = super::documents::hash(&params.query);
    let key = ValidationKey::of(&hash, params.operation_name.as_deref(), params.variables.as_ref());
    let seen = documents.parsed(&hash);
    let request = request_of(params).data(key);
    let Some(doc) = seen else {
        let mut checked = check_request(request, documents.limits())?;
        if !checked.parse_failed
            && let Ok(doc) = checked.request.parsed_query()
        {
            let doc = doc.clone();
            documents.keep_parsed(hash, &checked.request.query, doc);
        }
        checked.validation = Some(key);
        return Ok(checked);
    };
    let mut checked = checked_parse(request, ExecutableDocument::clone(&doc));
    checked.validation = Some(key);
    Ok(checked)
}

/// Checks the parameters of a request (see [`check_request`]).
pub fn check(params: Params, limits: &DocumentLimits) -> Result<Checked, AppError> {
    check_request(request_of(params), limits)
}

/// The async-graphql request of `params`.
fn request_of(params: Params) -> GqlRequest {
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
    request
}

/// The JSON body of a GraphQL response, and whether the request failed before execution
/// (parse, validation or variable errors), in which case the body has no `data`.
pub struct Outcome {
    pub body: String,
    pub request_error: bool,
    /// Set when the request may be sent again later: the database was busy or out of reach
    /// (`UNAVAILABLE`, HTTP 503), or the caller's query budget is spent (`RATE_LIMITED` before
    /// execution, HTTP 429).
    pub retry: Option<Retry>,
}

/// When and why a request may be sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    pub rate_limited: bool,
    pub after_secs: u64,
}

/// The retry an `UNAVAILABLE` error, or a request-level `RATE_LIMITED` one, asks for.
fn retry(errors: &[async_graphql::ServerError], request_error: bool) -> Option<Retry> {
    errors.iter().find_map(|e| {
        let ext = e.extensions.as_ref()?;
        let code = match ext.get("code") {
            Some(async_graphql::Value::String(code)) => code.as_str(),
            _ => return None,
        };
        let after_secs = match ext.get("retryAfter") {
            Some(async_graphql::Value::Number(n)) => n.as_u64().unwrap_or(1),
            _ => 1,
        };
        match code {
            "UNAVAILABLE" => Some(Retry {
                rate_limited: false,
                after_secs,
            }),
            "RATE_LIMITED" if request_error => Some(Retry {
                rate_limited: true,
                after_secs,
            }),
            _ => None,
        }
    })
}

fn retry_of(err: &AppError, request_error: bool) -> Option<Retry> {
    match err {
        AppError::Unavailable { retry_after_secs } => Some(Retry {
            rate_limited: false,
            after_secs: *retry_after_secs,
        }),
        AppError::RateLimited { retry_after_secs } if request_error => Some(Retry {
            rate_limited: true,
            after_secs: *retry_after_secs,
        }),
        _ => None,
    }
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

/// What the HTTP layer knows of the caller.
pub struct Caller {
    pub viewer: crate::auth::Viewer,
    pub address: Option<std::net::IpAddr>,
    /// Where clients reach this hub (`scheme://host`), for the links the API hands out.
    pub base_url: String,
}

/// `err` as a GraphQL error, as responses carry it.
/// A refusal about the whole request has no place in the document: no `locations`.
pub(super) fn server_error(err: AppError) -> async_graphql::ServerError {
    let gql = super::error::to_gql(err);
    let mut server = async_graphql::ServerError::new(gql.message, None);
    server.extensions = gql.extensions;
    server
}

fn error_body(err: AppError) -> String {
    let server = server_error(err);
    serde_json::to_string(&ResponseBody {
        data: None,
        errors: std::slice::from_ref(&server),
        extensions: &std::collections::BTreeMap::new(),
    })
    .unwrap_or_default()
}

/// The complexity (about the number of fields resolved) from which a validated document runs
/// on the lean schema. Below it the full schema, whose validation cache skips validation,
/// costs less: the extensions' toll is about 2,400 instructions a field, validating again
/// 70,000 to 110,000 (callgrind, BENCHMARKS.md: an event by id, complexity 18, took 10 % more
/// on the lean schema; a page of 50 events, complexity 450, 35 % less).
const LEAN_FROM_COMPLEXITY: usize = 50;

/// Executes one checked request for `caller`, with fresh loaders.
pub async fn execute(schemas: &Schemas, db: &DatabaseConnection, caller: Caller, checked: Checked) -> Outcome {
    let timer = observe::Timer::start(checked.operation_name.clone(), checked.operation);
    execute_timed(schemas, db, caller, checked, timer).await
}

/// Executes `checked` for `caller` under `timer`: refused before execution when the session
/// may not run it, else run by the schema: the lean one when the document, operation and
/// variables passed validation before (see [`Schemas`]).
async fn execute_timed(
    schemas: &Schemas,
    db: &DatabaseConnection,
    caller: Caller,
    checked: Checked,
    timer: observe::Timer,
) -> Outcome {
    let parse_failed = checked.parse_failed;
    let validated = checked.validation.and_then(|key| schemas.documents.validated(&key.0));
    match with_caller(db, caller, checked) {
        Ok(attached) => match validated {
            Some(validated) if validated.complexity >= LEAN_FROM_COMPLEXITY => {
                let lean = Lean {
                    db,
                    complexity: validated.complexity,
                    spender: attached.spender,
                    scope: attached.scope,
                };
                run_lean(schemas, lean, attached.request, timer).await
            }
            _ => run(&schemas.full, attached.request, timer, parse_failed).await,
        },
        Err(err) => {
            timer.refused();
            Outcome {
                retry: retry_of(&err, false),
                body: error_body(err),
                request_error: false,
            }
        }
    }
}

/// The answer to a request refused before execution (over a limit).
pub fn refused(err: AppError) -> Outcome {
    Outcome {
        retry: retry_of(&err, true),
        body: error_body(err),
        request_error: true,
    }
}

async fn run(schema: &AppSchema, request: GqlRequest, timer: observe::Timer, parse_failed: bool) -> Outcome {
    let response = schema.execute(request).await;
    finish(response, timer, parse_failed)
}

/// What a request run by the lean schema needs for what the extensions would have done.
struct Lean<'a> {
    db: &'a DatabaseConnection,
    /// The complexity validation measured (the query budget's cost).
    complexity: usize,
    spender: Option<super::cost::Spender>,
    scope: crate::domain::Scope,
}

/// Runs a request already validated on the lean schema, doing around it what the full
/// schema's extensions do: the budget is spent before (a refusal has no data), the
/// refusals are explained and the cost reported after.
async fn run_lean(schemas: &Schemas, lean: Lean<'_>, request: GqlRequest, timer: observe::Timer) -> Outcome {
    let spent = match lean.spender.as_ref().map(|s| schemas.cost.spend(s, lean.complexity)) {
        Some(Err(err)) => {
            let response = async_graphql::Response::from_errors(vec![server_error(err)]);
            return finish(response, timer, false);
        }
        Some(Ok(spent)) => spent,
        None => None,
    };
    let mut response = schemas.lean.execute(request).await;
    if !response.errors.is_empty() && !is_request_error(&response) {
        super::refusal::explain(&Loaders::new(lean.db, lean.scope), &mut response.errors).await;
    }
    if let Some(spent) = spent {
        super::cost::report(&mut response, spent);
    }
    finish(response, timer, false)
}

/// The outcome of `response`, counted by `timer`.
fn finish(mut response: async_graphql::Response, timer: observe::Timer, parse_failed: bool) -> Outcome {
    code_request_errors(&mut response, parse_failed);
    timer.finish(&response);
    let request_error = is_request_error(&response);
    // Serialised straight from the response, without an intermediate JSON tree.
    let body = serde_json::to_string(&ResponseBody::of(&response)).unwrap_or_else(|_| {
        r#"{"errors":[{"message":"the response could not be serialised","extensions":{"code":"INTERNAL"}}]}"#.into()
    });
    Outcome {
        body,
        request_error,
        retry: retry(&response.errors, request_error),
    }
}

/// The request `params` make for `caller`, checked against `limits`, with fresh loaders, and
/// the count of its results; refused (and counted) while a session must change its temporary
/// password (unless it asks only for what it may).
pub(super) fn prepare(
    db: &DatabaseConnection,
    caller: Caller,
    params: Params,
    limits: &DocumentLimits,
) -> Result<(GqlRequest, bool, observe::StreamTimer), AppError> {
    let checked = check(params, limits)?;
    let parse_failed = checked.parse_failed;
    let timer = observe::Timer::start(checked.operation_name.clone(), checked.operation);
    match with_caller(db, caller, checked) {
        Ok(attached) => Ok((attached.request, parse_failed, observe::StreamTimer::new(timer))),
        Err(err) => {
            timer.refused();
            Err(err)
        }
    }
}

/// `checked` with the caller's data and fresh loaders.
fn with_caller(db: &DatabaseConnection, caller: Caller, mut checked: Checked) -> Result<Attached, AppError> {
    // A document that did not parse, or selects no operation, runs nothing: the schema says why.
    if caller.viewer.must_change_password() && !checked.selected(guard::only_before_password_change).unwrap_or(true) {
        return Err(AppError::PasswordChangeRequired);
    }
    let scope = caller.viewer.scope();
    let spender = super::cost::Spender::of(&caller.viewer, caller.address);
    let request = checked
        .request
        .data(spender.clone())
        .data(Loaders::new(db, scope))
        .data(caller.viewer)
        .data(ClientAddress(caller.address))
        .data(BaseUrl(caller.base_url));
    Ok(Attached {
        request,
        spender,
        scope,
    })
}

/// A request with its caller's data, and what of the caller the lean run still needs.
struct Attached {
    request: GqlRequest,
    spender: Option<super::cost::Spender>,
    scope: crate::domain::Scope,
}

/// The only operation a multipart request may carry: the spreadsheet upload.
const UPLOAD_FIELDS: [&str; 1] = ["importCsv"];

/// Executes a GraphQL multipart request (the GraphQL multipart request specification: an
/// `operations` part, a `map` part and the files), which carries file uploads.
pub async fn execute_multipart(
    schemas: &Schemas,
    db: &DatabaseConnection,
    caller: Caller,
    content_type: &str,
    body: Vec<u8>,
    max_file_bytes: usize,
    limits: &DocumentLimits,
    max_operations_bytes: usize,
) -> Outcome {
    let options = async_graphql::http::MultipartOptions::default()
        .max_file_size(max_file_bytes)
        .max_num_files(4);
    let reader = futures_util::io::Cursor::new(body);
    let request = match async_graphql::http::receive_body(Some(content_type), reader, options).await {
        Ok(request) => request,
        Err(e) => {
            observe::refused(None, None);
            return refused(AppError::bad_input(
                "file",
                format!("the multipart request could not be read: {e}"),
            ));
        }
    };
    // The operations part is held to the JSON body limit, whatever the files weigh.
    let operations_bytes =
        request.query.len() + serde_json::to_string(&request.variables).map_or(usize::MAX, |v| v.len());
    if operations_bytes > max_operations_bytes {
        observe::refused(request.operation_name.as_deref(), None);
        return refused(AppError::QueryTooLarge(format!(
            "the operations part is larger than {max_operations_bytes} bytes"
        )));
    }
    let mut checked = match check_request(request, limits) {
        Ok(checked) => checked,
        Err(err) => return refused(err),
    };
    let root_fields = checked.selected(guard::root_field_names).unwrap_or_default();
    let upload_only = checked.operation == Some(OperationType::Mutation)
        && !root_fields.is_empty()
        && root_fields.iter().all(|f| UPLOAD_FIELDS.contains(&f.as_str()));
    let timer = observe::Timer::start(checked.operation_name.clone(), checked.operation);
    if !upload_only {
        timer.refused();
        return refused(AppError::bad_input(
            "operations",
            "a multipart request carries only the importCsv mutation; send other operations as application/json",
        ));
    }
    execute_timed(schemas, db, caller, checked, timer).await
}

/// The client's network address, for login throttling.
pub struct ClientAddress(pub Option<std::net::IpAddr>);

/// Where clients reach this hub (`scheme://host`, no trailing slash).
pub struct BaseUrl(pub String);

/// The database pool.
pub fn db<'a>(ctx: &async_graphql::Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

/// The signed-in caller's own records (`read` with its account's id), each wrapped by `wrap`:
/// none for an API key, which has no account; `UNAUTHENTICATED` for anonymous callers.
pub(crate) async fn own<M, T>(
    ctx: &async_graphql::Context<'_>,
    read: impl AsyncFnOnce(&DatabaseConnection, uuid::Uuid) -> crate::error::AppResult<Vec<M>>,
    wrap: impl Fn(M) -> T,
) -> async_graphql::Result<Vec<T>> {
    use super::error::IntoGql;
    let viewer = viewer(ctx);
    viewer.require_signed_in().gql()?;
    let Some(user_id) = viewer.user_id() else {
        return Ok(Vec::new());
    };
    Ok(read(db(ctx), user_id).await.gql()?.into_iter().map(wrap).collect())
}

/// The caller of the current request.
pub fn viewer<'a>(ctx: &async_graphql::Context<'a>) -> &'a crate::auth::Viewer {
    ctx.data_unchecked::<crate::auth::Viewer>()
}

/// The change bus, for writers to announce their changes and subscriptions to hear them.
pub fn changes<'a>(ctx: &async_graphql::Context<'a>) -> &'a crate::changes::Changes {
    ctx.data_unchecked::<crate::changes::Changes>()
}

/// The search engine.
pub fn search_backend<'a>(ctx: &async_graphql::Context<'a>) -> &'a std::sync::Arc<dyn crate::search::Backend> {
    ctx.data_unchecked::<std::sync::Arc<dyn crate::search::Backend>>()
}

/// This instance's feed puller.
pub fn puller<'a>(ctx: &async_graphql::Context<'a>) -> &'a crate::jobs::pull_feeds::Puller {
    ctx.data_unchecked::<crate::jobs::pull_feeds::Puller>()
}

/// How long `syncFeed` waits for its run.
pub fn sync_wait(ctx: &async_graphql::Context<'_>) -> std::time::Duration {
    ctx.data_unchecked::<super::SyncWait>().0
}

/// The client's network address, when known.
pub fn client_address(ctx: &async_graphql::Context<'_>) -> Option<std::net::IpAddr> {
    ctx.data_unchecked::<ClientAddress>().0
}

/// What accounts and their e-mail promise (temporary passwords' lifetime).
pub fn mail_policy(ctx: &async_graphql::Context<'_>) -> super::mail::MailPolicy {
    *ctx.data_unchecked::<super::mail::MailPolicy>()
}

/// Where clients reach this hub.
pub fn base_url<'a>(ctx: &async_graphql::Context<'a>) -> &'a str {
    &ctx.data_unchecked::<BaseUrl>().0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn non_query(query: &str, operation_name: Option<&str>) -> bool {
        let params = Params {
            query: query.into(),
            operation_name: operation_name.map(str::to_string),
            variables: None,
            extensions: None,
        };
        check(params, &DocumentLimits::default()).is_ok_and(|c| c.is_non_query())
    }

    #[test]
    fn finds_mutations_in_get_requests() {
        assert!(non_query("mutation { deleteEvent(id: \"x\") { deletedId } }", None));
        assert!(!non_query("{ events { totalCount } }", None));
        assert!(non_query("query A { a } mutation B { b }", Some("B")));
        assert!(!non_query("query A { a } mutation B { b }", Some("A")));
    }
}
