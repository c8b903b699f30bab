//! `GET` and `POST /graphql`, following the GraphQL-over-HTTP specification: media type
//! negotiation between `application/graphql-response+json` and `application/json`, status
//! codes for request errors, no mutations over GET, and GraphiQL for browsers.
//!
//! Written here rather than taken from async-graphql-poem because that integration answers
//! request errors with the wrong status codes and media types for the specification.

use std::sync::Arc;

use poem::http::{Method, StatusCode, header};
use poem::web::Data;
use poem::{Body, Request, Response, handler};
use serde_json::{Map, Value, json};

use super::AppState;
use super::persisted::{PersistedError, PersistedQueries};
use crate::error::AppError;
use crate::graphql::exec::{self, Caller, Params};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const APPLICATION_JSON: &str = "application/json";

/// The media type the response is written in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flavour {
    GraphqlResponse,
    Json,
}

impl Flavour {
    fn content_type(self) -> &'static str {
        match self {
            Flavour::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Flavour::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response media type from `Accept`: the first supported type listed wins;
/// no header, `*/*` or `application/*` mean `application/json`.
fn negotiate(accept: Option<&str>) -> Option<Flavour> {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return Some(Flavour::Json);
    };
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            let p = p.trim().replace(' ', "");
            p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
        });
        if refused {
            continue;
        }
        match media.as_str() {
            GRAPHQL_RESPONSE_JSON => return Some(Flavour::GraphqlResponse),
            APPLICATION_JSON | "*/*" | "application/*" => return Some(Flavour::Json),
            _ => {}
        }
    }
    None
}

fn wants_html(req: &Request) -> bool {
    req.header(header::ACCEPT)
        .is_some_and(|a| a.split(',').any(|m| m.trim().starts_with("text/html")))
}

fn plain_error(status: StatusCode, flavour: Flavour, message: &str) -> Response {
    coded_error(status, flavour, message, "BAD_REQUEST")
}

fn coded_error(status: StatusCode, flavour: Flavour, message: &str, code: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    Response::builder()
        .status(status)
        .content_type(flavour.content_type())
        .body(body.to_string())
}

fn not_acceptable() -> Response {
    Response::builder()
        .status(StatusCode::NOT_ACCEPTABLE)
        .content_type("application/json; charset=utf-8")
        .body(
            json!({ "errors": [{ "message": "accept application/graphql-response+json or application/json" }] })
                .to_string(),
        )
}

/// Why request parameters were refused.
#[derive(Debug, PartialEq, Eq)]
enum ParamsError {
    Bad(&'static str),
    /// APQ: the hash is unknown; the client resends with the query.
    PersistedQueryNotFound,
}

impl From<&'static str> for ParamsError {
    fn from(message: &'static str) -> Self {
        ParamsError::Bad(message)
    }
}

fn params_from_map(mut map: Map<String, Value>, persisted: &PersistedQueries) -> Result<Params, ParamsError> {
    let query = match map.remove("query") {
        Some(Value::String(q)) => Some(q),
        None | Some(Value::Null) => None,
        Some(_) => return Err("query must be a string".into()),
    };
    let operation_name = match map.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return Err("operationName must be a string".into()),
    };
    let variables = match map.remove("variables") {
        None | Some(Value::Null) => None,
        Some(Value::Object(v)) => Some(v),
        Some(_) => return Err("variables must be a map".into()),
    };
    let extensions = match map.remove("extensions") {
        None | Some(Value::Null) => None,
        Some(Value::Object(v)) => Some(v),
        Some(_) => return Err("extensions must be a map".into()),
    };
    let query = persisted
        .resolve(query, extensions.as_ref().and_then(|e| e.get("persistedQuery")))
        .map_err(|e| match e {
            PersistedError::NotFound => ParamsError::PersistedQueryNotFound,
            PersistedError::HashMismatch => ParamsError::Bad("provided sha does not match query"),
            PersistedError::Invalid(message) => ParamsError::Bad(message),
        })?
        .ok_or(ParamsError::Bad("the request has no query"))?;
    Ok(Params {
        query,
        operation_name,
        variables,
        extensions,
    })
}

/// Reads GET parameters; `variables` and `extensions` are JSON-encoded strings.
fn params_from_query_string(raw: &str, persisted: &PersistedQueries) -> Result<Params, ParamsError> {
    let mut map = Map::new();
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let value = match key.as_ref() {
            "variables" | "extensions" => {
                serde_json::from_str::<Value>(&value).map_err(|_| "variables and extensions must be JSON maps")?
            }
            _ => Value::String(value.into_owned()),
        };
        map.insert(key.into_owned(), value);
    }
    params_from_map(map, persisted)
}

/// The answer to refused parameters: a refusal, except APQ's `PersistedQueryNotFound`, a
/// request error like the others with the message and code Apollo clients look for, and the
/// first step of every persisted query, which costs nothing.
fn refused_params(flavour: Flavour, err: ParamsError) -> Answer {
    match err {
        ParamsError::PersistedQueryNotFound => Ok(params_error(flavour, err)),
        ParamsError::Bad(_) => Err(Refused::new(params_error(flavour, err))),
    }
}

fn params_error(flavour: Flavour, err: ParamsError) -> Response {
    let status = match flavour {
        Flavour::GraphqlResponse => StatusCode::BAD_REQUEST,
        Flavour::Json => StatusCode::OK,
    };
    match err {
        ParamsError::Bad(message) => plain_error(StatusCode::BAD_REQUEST, flavour, message),
        ParamsError::PersistedQueryNotFound => {
            coded_error(status, flavour, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
        }
    }
}

/// How long the door holds a request before answering it 429 (at most the wait itself).
const DOOR_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

/// An anonymous request from an address whose budget is spent: answered 429 before its body
/// (or its query string) is read, after a delay (a client that ignores `Retry-After` and
/// sends again at once is slowed to one request per connection per second, which costs the
/// hub a sleeping task, not work). Signed-in callers come in and spend their own budget.
async fn kept_at_door(req: &Request, state: &AppState, flavour: Flavour) -> Option<Response> {
    if req.header(header::AUTHORIZATION).is_some() {
        return None;
    }
    let wait = state.cost.door(super::client_address(req, state.trusted_proxies))?;
    tokio::time::sleep(DOOR_DELAY.min(std::time::Duration::from_secs(wait))).await;
    let message = format!("query budget spent: try again in {wait} s");
    let mut resp = coded_error(StatusCode::TOO_MANY_REQUESTS, flavour, &message, "RATE_LIMITED");
    if let Ok(value) = wait.to_string().parse() {
        resp.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Some(resp)
}

/// The answer to a request refused before it ran (over a limit, unreadable, invalid, a bad
/// token): charged to the client's address by [`settle`].
///
/// Boxed: an `Err` as large as a whole response would weigh on every `Result` that carries one.
struct Refused(Box<Response>);

impl Refused {
    fn new(resp: Response) -> Self {
        Refused(Box::new(resp))
    }
}

/// What a GraphQL request is answered: a response, or a refusal to charge.
type Answer = Result<Response, Refused>;

/// The response to `answer`, a refusal charged to the client's address: the one place
/// refusals spend the budget.
fn settle(req: &Request, state: &AppState, answer: Answer) -> Response {
    answer.unwrap_or_else(|Refused(resp)| {
        state
            .cost
            .charge_refusal(super::client_address(req, state.trusted_proxies));
        *resp
    })
}

/// Who is calling: a bad, expired or revoked token is answered 401 before anything runs.
async fn caller(req: &Request, state: &AppState, flavour: Flavour) -> Result<Caller, Answer> {
    let sessions = state.changes.sessions();
    let viewer = match crate::auth::authenticate(&state.db, sessions, req.header(header::AUTHORIZATION)).await {
        Ok(viewer) => viewer,
        Err(err @ AppError::Unauthenticated) => {
            let mut resp = coded_error(StatusCode::UNAUTHORIZED, flavour, &err.to_string(), err.code());
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            // A bad token is a refusal too.
            return Err(Err(Refused::new(resp)));
        }
        Err(err @ AppError::Unavailable { retry_after_secs }) => {
            let mut resp = coded_error(StatusCode::SERVICE_UNAVAILABLE, flavour, &err.to_string(), err.code());
            if let Ok(value) = retry_after_secs.to_string().parse() {
                resp.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return Err(Ok(resp));
        }
        Err(err) => {
            return Err(Ok(coded_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                flavour,
                "internal error",
                err.code(),
            )));
        }
    };
    Ok(Caller {
        viewer,
        address: super::client_address(req, state.trusted_proxies),
        base_url: state.public_url.clone(),
    })
}

async fn respond(req: &Request, state: &AppState, flavour: Flavour, checked: exec::Checked) -> Answer {
    let caller = match caller(req, state, flavour).await {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    let outcome = exec::execute(&state.schema, &state.db, caller, checked).await;
    // Invalid for the schema (validation, variables): a refusal as the others.
    let refused = outcome.request_error && outcome.retry.is_none();
    let resp = executed(flavour, outcome);
    if refused { Err(Refused::new(resp)) } else { Ok(resp) }
}

/// The response to an executed request: request errors are 400 under
/// `application/graphql-response+json`, 200 under `application/json`.
fn executed(flavour: Flavour, outcome: exec::Outcome) -> Response {
    if let Some(retry) = outcome.retry {
        // Retryable, and said so to every client: the database was busy or out of reach, or
        // the caller's query budget is spent.
        let status = if retry.rate_limited {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        return Response::builder()
            .status(status)
            .header(header::RETRY_AFTER, retry.after_secs.to_string())
            .content_type(flavour.content_type())
            .body(outcome.body);
    }
    let status = if outcome.request_error && flavour == Flavour::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Response::builder()
        .status(status)
        .content_type(flavour.content_type())
        .body(outcome.body)
}

#[handler]
pub async fn get(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    let raw = req.uri().query().unwrap_or("");
    if raw.is_empty() && wants_html(req) {
        return super::console::graphiql(req).await;
    }
    let Some(flavour) = negotiate(req.header(header::ACCEPT)) else {
        return not_acceptable();
    };
    if let Some(resp) = kept_at_door(req, state, flavour).await {
        return resp;
    }
    let answer = async {
        let params = match params_from_query_string(raw, &state.persisted) {
            Ok(p) => p,
            Err(err) => return refused_params(flavour, err),
        };
        let checked = check(params, state, flavour)?;
        if checked.is_non_query() {
            checked.refused();
            let mut resp = plain_error(
                StatusCode::METHOD_NOT_ALLOWED,
                flavour,
                "mutations are only accepted over POST",
            );
            if let Ok(allow) = "POST".parse() {
                resp.headers_mut().insert(header::ALLOW, allow);
            }
            return Ok(resp);
        }
        respond(req, state, flavour, checked).await
    };
    settle(req, state, answer.await)
}

/// `params` checked against the document limits; over one, a refusal.
fn check(params: exec::Params, state: &AppState, flavour: Flavour) -> Result<exec::Checked, Refused> {
    exec::check_cached(params, &state.documents).map_err(|err| Refused::new(executed(flavour, exec::refused(err))))
}

#[handler]
pub async fn post(req: &Request, body: Body, Data(state): Data<&Arc<AppState>>) -> Response {
    debug_assert_eq!(req.method(), Method::POST);
    let Some(flavour) = negotiate(req.header(header::ACCEPT)) else {
        return not_acceptable();
    };
    if let Some(resp) = kept_at_door(req, state, flavour).await {
        return resp;
    }
    let content_type = req.header(header::CONTENT_TYPE).unwrap_or("").to_ascii_lowercase();
    let mut parts = content_type.split(';');
    let media = parts.next().unwrap_or("").trim();
    if media == "multipart/form-data" {
        return multipart(req, body, state, flavour).await;
    }
    if media != APPLICATION_JSON {
        return plain_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            flavour,
            "send the request as application/json",
        );
    }
    let charset_ok = parts.all(|p| match p.trim().split_once('=') {
        Some((k, v)) if k.trim() == "charset" => {
            let v = v.trim().trim_matches('"');
            v == "utf-8" || v == "utf8"
        }
        _ => true,
    });
    if !charset_ok {
        return plain_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, flavour, "the request must be UTF-8");
    }
    let answer = post_json(req, body, state, flavour).await;
    settle(req, state, answer)
}

/// A JSON request: its body read and checked, then run.
async fn post_json(req: &Request, body: Body, state: &AppState, flavour: Flavour) -> Answer {
    let bytes = read_body(body, state.max_body_bytes, state, flavour)
        .await
        .map_err(Refused::new)?;
    let map = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => map,
        Ok(Value::Array(_)) => {
            return Err(Refused::new(coded_error(
                StatusCode::BAD_REQUEST,
                flavour,
                "batched operations are not supported: send one operation per request",
                "BATCH_NOT_SUPPORTED",
            )));
        }
        Ok(_) => {
            let resp = plain_error(StatusCode::BAD_REQUEST, flavour, "the request body must be a JSON map");
            return Err(Refused::new(resp));
        }
        Err(_) => {
            let resp = plain_error(StatusCode::BAD_REQUEST, flavour, "the request body is not valid JSON");
            return Err(Refused::new(resp));
        }
    };
    let params = match params_from_map(map, &state.persisted) {
        Ok(params) => params,
        Err(err) => return refused_params(flavour, err),
    };
    let checked = check(params, state, flavour)?;
    respond(req, state, flavour, checked).await
}

/// Reads a body of at most `limit` bytes within the body read timeout: a client that sends
/// it slowly is answered 408 and loses the connection.
async fn read_body(body: Body, limit: usize, state: &AppState, flavour: Flavour) -> Result<Vec<u8>, Response> {
    match tokio::time::timeout(state.body_read_timeout, body.into_bytes_limit(limit)).await {
        Ok(Ok(b)) => Ok(b.to_vec()),
        Ok(Err(poem::error::ReadBodyError::PayloadTooLarge)) => Err(coded_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            flavour,
            "the request body is too large",
            "PAYLOAD_TOO_LARGE",
        )),
        Ok(Err(_)) => Err(plain_error(
            StatusCode::BAD_REQUEST,
            flavour,
            "the request body could not be read",
        )),
        Err(_) => {
            let mut resp = coded_error(
                StatusCode::REQUEST_TIMEOUT,
                flavour,
                "the request body was not sent in time",
                "REQUEST_TIMEOUT",
            );
            resp.headers_mut()
                .insert(header::CONNECTION, header::HeaderValue::from_static("close"));
            Err(resp)
        }
    }
}

/// A request with file uploads (the GraphQL multipart request specification), under the
/// upload size limit rather than the JSON body limit.
async fn multipart(req: &Request, body: Body, state: &AppState, flavour: Flavour) -> Response {
    let caller = match caller(req, state, flavour).await {
        Ok(caller) => caller,
        Err(answer) => return settle(req, state, answer),
    };
    // Uploads are for signed-in editors: an anonymous caller is refused before its body is read.
    if caller.viewer.is_anonymous() {
        let mut resp = coded_error(
            StatusCode::UNAUTHORIZED,
            flavour,
            "sign in to upload files",
            AppError::Unauthenticated.code(),
        );
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        return resp;
    }
    let bytes = match read_body(body, state.max_upload_bytes, state, flavour).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    // The original header: the boundary is case-sensitive.
    let content_type = req.header(header::CONTENT_TYPE).unwrap_or_default();
    let outcome = exec::execute_multipart(
        &state.schema,
        &state.db,
        caller,
        content_type,
        bytes,
        state.max_upload_bytes,
        &state.limits,
        state.max_body_bytes,
    )
    .await;
    executed(flavour, outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_the_response_media_type() {
        assert_eq!(negotiate(None), Some(Flavour::Json));
        assert_eq!(negotiate(Some("*/*")), Some(Flavour::Json));
        assert_eq!(negotiate(Some(GRAPHQL_RESPONSE_JSON)), Some(Flavour::GraphqlResponse));
        assert_eq!(
            negotiate(Some("application/json, application/graphql-response+json")),
            Some(Flavour::Json)
        );
        assert_eq!(
            negotiate(Some("application/graphql-response+json;q=0, application/json")),
            Some(Flavour::Json)
        );
        assert_eq!(negotiate(Some("text/plain")), None);
    }
}
