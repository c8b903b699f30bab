//! GraphQL over WebSocket on `/graphql` (the same path as queries, for upgrade requests) and
//! `/graphql/ws`: the upgrade and the frames. The protocol itself is `graphql::ws`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt, future};
use poem::http::{StatusCode, header};
use poem::web::websocket::{Message, WebSocket, WebSocketConfig};
use poem::{Endpoint, FromRequest, IntoResponse, Request, Response, handler};
use tokio::sync::mpsc;

use super::AppState;
use crate::graphql::ws::{self, Connection, Inbound, Outbound, PROTOCOL};

/// Frames waiting to be written to one client.
const OUTGOING: usize = 64;

/// The WebSocket caps of one instance, and the connections open per client address.
pub struct Caps {
    /// Connections one address may hold open (0: no cap).
    pub per_address: usize,
    /// Operations at once on one connection.
    pub subscriptions: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl Caps {
    pub fn new(per_address: usize, subscriptions: usize) -> Caps {
        Caps {
            per_address,
            subscriptions,
            open: Mutex::default(),
        }
    }

    /// A place for one more connection from `address`, or `None` when it holds its cap.
    fn admit(self: &Arc<Self>, address: Option<IpAddr>) -> Option<Admitted> {
        let Some(address) = address.filter(|_| self.per_address > 0) else {
            return Some(Admitted { caps: None });
        };
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = open.entry(address).or_default();
        if *count >= self.per_address {
            return None;
        }
        *count += 1;
        Some(Admitted {
            caps: Some((self.clone(), address)),
        })
    }
}

/// A counted connection; dropping it frees its place.
struct Admitted {
    caps: Option<(Arc<Caps>, IpAddr)>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        if let Some((caps, address)) = &self.caps {
            let mut open = caps.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(count) = open.get_mut(address) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    open.remove(address);
                }
            }
        }
    }
}

/// Serves WebSocket upgrade requests, and hands every other request to the endpoint it wraps.
pub struct UpgradeOr<E>(pub E);

impl<E: Endpoint> Endpoint for UpgradeOr<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let upgrade = req
            .header(header::UPGRADE)
            .is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
        if upgrade {
            return Ok(accept(req).await);
        }
        Ok(self.0.call(req).await?.into_response())
    }
}

/// `/graphql/ws` without an upgrade.
#[handler]
pub fn upgrade_required() -> Response {
    Response::builder()
        .status(StatusCode::BAD_REQUEST)
        .content_type("text/plain; charset=utf-8")
        .body(format!("connect with a WebSocket speaking {PROTOCOL}"))
}

async fn accept(req: Request) -> Response {
    let Some(state) = req.data::<Arc<AppState>>().cloned() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let offered = req
        .header(header::SEC_WEBSOCKET_PROTOCOL)
        .is_some_and(|p| p.split(',').any(|p| p.trim() == PROTOCOL));
    if !offered {
        return Response::builder()
            .status(StatusCode::BAD_REQUEST)
            .content_type("text/plain; charset=utf-8")
            .body(format!("ask for the {PROTOCOL} subprotocol (Sec-WebSocket-Protocol)"));
    }
    let authorization = req.header(header::AUTHORIZATION).map(str::to_string);
    let address = super::client_address(&req, state.trusted_proxies);
    let base_url = state.public_url.clone();
    let Some(admitted) = state.websockets.admit(address) else {
        return Response::builder()
            .status(StatusCode::TOO_MANY_REQUESTS)
            .header(header::RETRY_AFTER, "60")
            .content_type("text/plain; charset=utf-8")
            .body(format!(
                "at most {} WebSocket connections per client address",
                state.websockets.per_address
            ));
    };
    let (req, mut body) = req.split();
    let socket = match WebSocket::from_request(&req, &mut body).await {
        Ok(socket) => socket,
        Err(e) => return e.into_response(),
    };
    // A message is bounded like a request body.
    let config = WebSocketConfig::default()
        .max_message_size(Some(state.max_body_bytes))
        .max_frame_size(Some(state.max_body_bytes));
    socket
        .protocols([PROTOCOL])
        .config(config)
        .on_upgrade(move |socket| async move {
            let (mut sink, stream) = socket.split();
            // Control frames are answered by the WebSocket layer; a close or a broken
            // connection ends the stream.
            let incoming = stream
                .take_while(|m| future::ready(matches!(m, Ok(m) if !m.is_close())))
                .filter_map(|m| {
                    future::ready(match m {
                        Ok(Message::Text(text)) => Some(Inbound::Text(text)),
                        Ok(Message::Binary(_)) => Some(Inbound::Binary),
                        _ => None,
                    })
                });
            let (tx, mut rx) = mpsc::channel(OUTGOING);
            let writer = tokio::spawn(async move {
                while let Some(frame) = rx.recv().await {
                    let (message, last) = match frame {
                        Outbound::Text(text) => (Message::Text(text), false),
                        Outbound::Close(code, reason) => (Message::Close(Some((code.into(), reason))), true),
                    };
                    if sink.send(message).await.is_err() || last {
                        break;
                    }
                }
                let _ = sink.close().await;
            });
            let conn = Connection {
                schema: state.schema.full.clone(),
                db: state.db.clone(),
                changes: state.changes.clone(),
                authorization,
                address,
                base_url,
                limits: state.limits,
                max_operations: state.websockets.subscriptions,
            };
            ws::serve(conn, Box::pin(incoming), tx).await;
            let _ = writer.await;
            drop(admitted);
        })
        .into_response()
}
