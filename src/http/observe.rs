//! What operators look at: `GET /metrics` (Prometheus text), `GET /readyz` (JSON), and the
//! request series recorded for every answer.

use std::sync::Arc;
use std::time::Duration;

use poem::http::{Method, StatusCode, header};
use poem::web::Data;
use poem::{Request, Response, handler};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::AppState;

/// How long `/readyz` waits for the search engine.
const SEARCH_CHECK: Duration = Duration::from_secs(2);

/// Records one answered request under its route pattern (never its path, which may hold a
/// calendar token); a request no route matched counts as `other`.
pub(super) fn record(method: &Method, resp: &Response, elapsed: Duration) {
    let route = resp.data::<poem::PathPattern>().map(|p| &*p.0);
    crate::metrics::http_request(route, method.as_str(), resp.status().as_u16(), elapsed);
}

/// The Prometheus text of every series, the gauges read from the database first. Behind a
/// bearer token when `PASSERELLE_METRICS_TOKEN` is set.
#[handler]
pub(super) async fn metrics(req: &Request, Data(state): Data<&Arc<AppState>>) -> Response {
    if let Some(expected) = &state.metrics_token {
        let given = req
            .header(header::AUTHORIZATION)
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map_or("", |(_, token)| token.trim());
        if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            return Response::builder()
                .status(StatusCode::UNAUTHORIZED)
                .header(header::WWW_AUTHENTICATE, "Bearer")
                .content_type("text/plain; charset=utf-8")
                .body("a bearer token is required");
        }
    }
    match crate::store::outbox::backlog(&state.db).await {
        Ok(backlog) => {
            let age = backlog
                .oldest
                .map(|oldest| (crate::store::now() - oldest).to_std().unwrap_or_default());
            crate::metrics::search_outbox(backlog.pending, age);
        }
        // The other series still tell something; the gauges keep their last values.
        Err(e) => tracing::warn!(error = %e, "the search outbox could not be read for the metrics"),
    }
    match crate::store::mail::summary(&state.db).await {
        Ok(mail) => crate::metrics::mail_outbox(mail.waiting, mail.failing, mail.refused),
        Err(e) => tracing::warn!(error = %e, "the mail outbox could not be read for the metrics"),
    }
    if let Some((idle, in_use)) = crate::store::pool_connections(&state.db) {
        crate::metrics::db_pool(idle, in_use);
    }
    Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::metrics::render())
}

/// Ready when the database answers (200); the search engine's health and the outbox backlog
/// are reported but do not make the hub unready, since searches then fall back to the
/// database. 503 when the database does not answer.
#[handler]
pub(super) async fn readyz(Data(state): Data<&Arc<AppState>>) -> Response {
    let database = crate::store::ping(&state.db).await;
    let backlog = if database {
        crate::store::outbox::backlog(&state.db).await.ok().map(|b| b.pending)
    } else {
        None
    };
    let search = tokio::time::timeout(SEARCH_CHECK, state.search.healthy())
        .await
        .unwrap_or(false);
    let body = json!({
        "status": if database { "ready" } else { "unavailable" },
        "database": { "ok": database },
        "search": { "engine": state.search.name(), "ok": search, "backlog": backlog },
    });
    Response::builder()
        .status(if database {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        })
        .content_type("application/json; charset=utf-8")
        .body(body.to_string())
}
