//! The only module that uses poem: routes, the GraphQL-over-HTTP endpoint, health checks.

mod console;
mod export;
mod graphql;
mod indicators;
mod kits;
mod mail;
mod observe;
pub mod persisted;
mod server;
mod ws;

pub use server::{ServeOptions, serve};
pub use ws::Caps as WebSocketCaps;

use std::sync::Arc;
use std::time::Instant;

use std::net::IpAddr;

use poem::http::header::{self, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::middleware::Cors;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, handler};
use sea_orm::DatabaseConnection;
use tracing::Instrument;

use crate::graphql::Schemas;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The schema with its extensions and without (see `graphql::Schemas`).
    pub schema: Schemas,
    pub db: DatabaseConnection,
    pub max_body_bytes: usize,
    /// Proxies in front of the hub whose `X-Forwarded-For` entries are believed.
    pub trusted_proxies: usize,
    /// Where clients reach the hub (`scheme://host[:port]`), for links in documents.
    pub public_url: String,
    /// The bounds of a GraphQL document.
    pub limits: crate::graphql::guard::DocumentLimits,
    /// How long a client may take to send a request body.
    pub body_read_timeout: std::time::Duration,
    /// WebSocket caps and the connections open per client address.
    pub websockets: Arc<WebSocketCaps>,
    /// The longest a request may run.
    pub request_timeout: std::time::Duration,
    /// Which origins browsers may call the API from.
    pub cors_origins: crate::config::CorsOrigins,
    /// Largest multipart request (file uploads).
    pub max_upload_bytes: usize,
    /// Automatic persisted queries known to this instance.
    pub persisted: Arc<persisted::PersistedQueries>,
    /// The documents this instance has seen, with their parses (the persisted queries' too).
    pub documents: Arc<crate::graphql::documents::Documents>,
    /// The change bus (WebSocket connections close when the instance stops).
    pub changes: crate::changes::Changes,
    /// The search engine, whose health `/readyz` reports.
    pub search: Arc<dyn crate::search::Backend>,
    /// When set, `/metrics` needs `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// The query budgets, also read at the door (`http::graphql`).
    pub cost: Arc<crate::graphql::cost::CostLimits>,
}

/// Builds the HTTP application.
pub fn app(state: AppState) -> impl Endpoint<Output = Response> {
    console::routes(indicators::routes(kits::routes(export::routes(Route::new()))))
        .at("/graphql", get(ws::UpgradeOr(graphql::get)).post(graphql::post))
        .at("/graphql/ws", get(ws::UpgradeOr(ws::upgrade_required)))
        .at("/healthz", get(healthz))
        .at("/readyz", get(observe::readyz))
        .at("/metrics", get(observe::metrics))
        .at("/password-reset", get(mail::reset_page).post(mail::reset_submit))
        .at(
            "/mail/unsubscribe",
            get(mail::unsubscribe_page).post(mail::unsubscribe_submit),
        )
        .with(cors(&state.cors_origins))
        .around(timeout)
        .data(Arc::new(state))
        .around(security_headers)
        .around(request_id)
        .map_to_response()
}

/// Ends a request that runs longer than `request_timeout` (`503`, code `TIMEOUT`). A WebSocket
/// is not cut: its handler returns once the upgrade is answered.
async fn timeout<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let Some(limit) = req.data::<Arc<AppState>>().map(|s| s.request_timeout) else {
        return next.call(req).await.map(IntoResponse::into_response);
    };
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(result) => result.map(IntoResponse::into_response),
        Err(_) => {
            let body = serde_json::json!({ "errors": [{
                "message": format!("the request ran longer than {} s", limit.as_secs()),
                "extensions": { "code": "TIMEOUT" },
            }] });
            Ok(Response::builder()
                .status(StatusCode::SERVICE_UNAVAILABLE)
                .content_type("application/json; charset=utf-8")
                .body(body.to_string()))
        }
    }
}

/// CORS for browsers: the configured origins (or any), the methods GraphQL over HTTP uses,
/// and `Vary: Origin` on every answer so that no cache serves one origin's headers to another.
fn cors(origins: &crate::config::CorsOrigins) -> Cors {
    let cors = Cors::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        // The headers a preflight asks for are allowed (client names, tracing headers…): the
        // API takes bearer tokens, never cookies, so no header opens more than a token does.
        .expose_headers(["x-request-id", "retry-after", "etag"])
        .max_age(600);
    match origins {
        crate::config::CorsOrigins::Any => cors.allow_origins_fn(|_| true),
        crate::config::CorsOrigins::Only(list) => cors.allow_origins(list.iter().map(String::as_str)),
    }
}

/// `nosniff` and `Vary: Origin` on every response; on HTML pages a content security policy
/// (the page's own, set by its handler as a `console::PagePolicy`, else the console's), no
/// framing and no referrer.
async fn security_headers<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let mut resp = match next.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    };
    let headers = resp.headers_mut();
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    let varies_on_origin = headers
        .get_all(header::VARY)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.to_ascii_lowercase().contains("origin")));
    if !varies_on_origin {
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        let policy = resp
            .extensions()
            .get::<console::PagePolicy>()
            .map_or(console::CONSOLE_POLICY, |p| p.0);
        let headers = resp.headers_mut();
        // A page that set its own (stricter) policy keeps it.
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
        }
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    }
    Ok(resp)
}

/// The client's address. Behind `trusted_proxies` proxies, each appending the address it was
/// reached from to `X-Forwarded-For`, the client is the right-most entry none of them added:
/// entries further left were written by the client itself and prove nothing. With fewer
/// entries than proxies, the left-most; an unreadable entry falls back to the nearest proxy.
pub(crate) fn client_address(req: &Request, trusted_proxies: usize) -> Option<IpAddr> {
    let peer = req.remote_addr().as_socket_addr().map(|a| a.ip());
    // Split as bytes: a client's non-ASCII garbage spoils only its own entry, never the
    // entry the proxy appended on the same line.
    let forwarded = req.headers().get_all("x-forwarded-for").iter().map(|v| v.as_bytes());
    pick_client(forwarded, peer, trusted_proxies).map(network)
}

/// The client among the `X-Forwarded-For` values (in header order) and the peer.
fn pick_client<'a>(
    forwarded: impl Iterator<Item = &'a [u8]>,
    peer: Option<IpAddr>,
    trusted_proxies: usize,
) -> Option<IpAddr> {
    if trusted_proxies == 0 {
        return peer;
    }
    let hops: Vec<&[u8]> = forwarded
        .flat_map(|v| v.split(|b| *b == b','))
        .map(<[u8]>::trim_ascii)
        .filter(|v| !v.is_empty())
        .collect();
    // The peer is the nearest proxy; the last `trusted_proxies - 1` entries are the others'.
    let client = match hops.len().checked_sub(trusted_proxies) {
        Some(index) => hops.get(index),
        None => hops.first(),
    };
    client
        .and_then(|h| std::str::from_utf8(h).ok())
        .and_then(parse_hop)
        .or(peer)
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`[::1]:443`, `1.2.3.4:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

/// The network a client address stands for: an IPv4 address itself (also when written as
/// IPv4-mapped IPv6), an IPv6 address its /64, which one subscriber usually holds whole, so
/// that per-address limits cannot be escaped by walking through one's own prefix.
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & (u128::MAX << 64);
                IpAddr::V6(std::net::Ipv6Addr::from(prefix))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(xff: &[&str], proxies: usize) -> Option<IpAddr> {
        pick_client(xff.iter().map(|v| v.as_bytes()), "10.0.0.9".parse().ok(), proxies)
    }

    #[test]
    fn garbage_spoils_only_its_own_entry_and_ipv6_counts_by_prefix() {
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        let line: &[u8] = b"\x80\xff, 198.51.100.2";
        assert_eq!(pick_client([line].into_iter(), ip("10.0.0.9"), 1), ip("198.51.100.2"));
        assert_eq!(
            network("2001:db8:1:2:aaaa::1".parse().expect("v6")),
            "2001:db8:1:2::".parse::<IpAddr>().expect("v6")
        );
        assert_eq!(
            network("::ffff:192.0.2.1".parse().expect("v6")),
            "192.0.2.1".parse::<IpAddr>().expect("v4")
        );
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        assert_eq!(address(&["203.0.113.7, 198.51.100.2"], 0), ip("10.0.0.9"));
        // nginx appended 198.51.100.2; the client wrote 203.0.113.7 itself.
        assert_eq!(address(&["203.0.113.7, 198.51.100.2"], 1), ip("198.51.100.2"));
        assert_eq!(
            address(&["203.0.113.7", "198.51.100.2, 192.0.2.1"], 2),
            ip("198.51.100.2")
        );
        assert_eq!(address(&[], 1), ip("10.0.0.9"));
        assert_eq!(address(&["192.0.2.1"], 3), ip("192.0.2.1"));
        assert_eq!(address(&["[2001:db8::1]:443"], 1), ip("2001:db8::1"));
        assert_eq!(address(&["unknown"], 1), ip("10.0.0.9"));
    }

    #[test]
    fn tokens_in_paths_are_redacted() {
        assert_eq!(
            redact_path("/calendar/psc_0192abcd_SECRETpart.ics"),
            "/calendar/psc_***.ics"
        );
        assert_eq!(redact_path("/events.ics"), "/events.ics");
    }
}

#[handler]
fn healthz() -> &'static str {
    "ok"
}

/// A request path as logged: the secret part of a token in it (a private calendar link
/// `/calendar/psc_…`, or any `pss_`/`psk_`/`psc_` token) replaced by `***`.
fn redact_path(path: &str) -> String {
    path.split('/')
        .map(|segment| match crate::auth::token::redact(segment) {
            Some(redacted) => redacted,
            None => segment.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
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
        let path = redact_path(req.uri().path());
        let mut resp = match next.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        if let Ok(value) = id.parse() {
            resp.headers_mut().insert("x-request-id", value);
        }
        observe::record(&method, &resp, started.elapsed());
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
