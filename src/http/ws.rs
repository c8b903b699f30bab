//! GraphQL over WebSocket on `/graphql` (the same path as queries, for upgrade requests) and
//! `/graphql/ws`: the upgrade and the frames. The protocol itself is `graphql::ws`.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt, future};
use poem::http::{StatusCode, header};
use poem::web::websocket::{Message, WebSocket, WebSocketConfig};
use poem::{Endpoint, FromRequest, IntoResponse, Request, Response, handler};
use tokio::sync::mpsc;

use super::AppState;
use crate::graphql::ws::{self, Connection, Inbound, Outbound, PROTOCOL};

/// Frames waiting to be written to one client.
const OUTGOING: usize = 64;

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
    let address = super::graphql::client_address(&req, &state);
    let base_url = super::export::base_url(&req, &state);
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
                schema: state.schema.clone(),
                db: state.db.clone(),
                changes: state.changes.clone(),
                authorization,
                address,
                base_url,
            };
            ws::serve(conn, Box::pin(incoming), tx).await;
            let _ = writer.await;
        })
        .into_response()
}
