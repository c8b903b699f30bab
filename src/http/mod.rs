//! The only module that uses poem: routes, the GraphQL-over-HTTP endpoint, health checks.

mod export;
mod graphql;
pub mod persisted;
mod ws;

use std::sync::Arc;
use std::time::Instant;

use poem::http::StatusCode;
use poem::middleware::Cors;
use poem::web::Data;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, handler};
use sea_orm::DatabaseConnection;
use tracing::Instrument;

use crate::graphql::AppSchema;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub max_body_bytes: usize,
    /// Take the client address from `X-Forwarded-For` (behind a trusted proxy only).
    pub trust_forwarded_for: bool,
    /// Largest multipart request (file uploads).
    pub max_upload_bytes: usize,
    /// Automatic persisted queries known to this instance.
    pub persisted: Arc<persisted::PersistedQueries>,
    /// The change bus (WebSocket connections close when the instance stops).
    pub changes: crate::changes::Changes,
}

/// Builds the HTTP application.
pub fn app(state: AppState) -> impl Endpoint<Output = Response> {
    export::routes(Route::new())
        .at("/graphql", get(ws::UpgradeOr(graphql::get)).post(graphql::post))
        .at("/graphql/ws", get(ws::UpgradeOr(ws::upgrade_required)))
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .data(Arc::new(state))
        .with(Cors::new())
        .around(request_id)
        .map_to_response()
}

#[handler]
fn healthz() -> &'static str {
    "ok"
}

#[handler]
async fn readyz(Data(state): Data<&Arc<AppState>>) -> Response {
    if crate::store::ping(&state.db).await {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

fn valid_request_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// Gives every request an id (the client's `X-Request-Id` when sane), logs it on every line
/// of the request through a tracing span, and returns it in the response.
async fn request_id<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let id = req
        .header("x-request-id")
        .filter(|id| valid_request_id(id))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!("request", request_id = %id);
    async move {
        let started = Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let mut resp = match next.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        if let Ok(value) = id.parse() {
            resp.headers_mut().insert("x-request-id", value);
        }
        tracing::info!(
            %method,
            path,
            status = resp.status().as_u16(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "handled"
        );
        Ok(resp)
    }
    .instrument(span)
    .await
}
