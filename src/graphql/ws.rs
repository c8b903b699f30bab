//! GraphQL over WebSocket with the `graphql-transport-ws` protocol (the graphql-ws library's),
//! free of WebSocket types: `http/` moves the text frames in and out.
//!
//! Written here rather than taken from async-graphql's `WebSocket`: that one closes a refused
//! `connection_init` with 1002 where the protocol asks for 4403, and runs every operation on
//! one shared request data, where each operation here gets its own loaders and the session's
//! viewer, and passes the same password-change gate as over HTTP.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use async_graphql::Response;
use futures_util::{Stream, StreamExt};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::AppSchema;
use super::exec::{self, Caller, Params, ResponseBody};
use super::observe;
use super::subscription::Listening;
use crate::auth::Viewer;
use crate::changes::Changes;
use crate::error::AppError;

/// The `Sec-WebSocket-Protocol` this module speaks.
pub const PROTOCOL: &str = "graphql-transport-ws";
/// A client that sends no `connection_init` this long after connecting is closed (4408).
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the session of a connection is checked again: a revoked or expired session
/// loses its subscriptions within this delay.
const RECHECK_EVERY: Duration = Duration::from_secs(60);
/// The longest a subscription may take to start listening before the next message is read.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);

/// A frame from the client.
pub enum Inbound {
    Text(String),
    /// The protocol only speaks text.
    Binary,
}

/// A frame to the client.
#[derive(Debug, PartialEq, Eq)]
pub enum Outbound {
    Text(String),
    /// Closes the connection with this code and reason.
    Close(u16, String),
}

/// One WebSocket connection, as the HTTP layer hands it over.
pub struct Connection {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub changes: Changes,
    /// The `Authorization` header of the upgrade request, used when `connection_init` has none.
    pub authorization: Option<String>,
    pub address: Option<IpAddr>,
    /// Where clients reach this hub, for links the API hands out.
    pub base_url: String,
    /// The bounds of each operation's document.
    pub limits: super::guard::DocumentLimits,
    /// Operations running at once on this connection.
    pub max_operations: usize,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {
        #[serde(default)]
        payload: Option<Value>,
    },
    /// Its payload, if any, is read past: a pong answers nothing.
    Pong {},
    Subscribe {
        id: String,
        payload: SubscribePayload,
    },
    Complete {
        id: String,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscribePayload {
    query: String,
    #[serde(default)]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<Map<String, Value>>,
    #[serde(default)]
    extensions: Option<Map<String, Value>>,
}

/// The credentials `connection_init` carries: `{"authorization": "Bearer …"}` or
/// `{"token": "…"}` (also under `headers`), else the upgrade request's header. `Err` for
/// credentials that are there but not a string.
fn credentials(payload: Option<Value>, header: Option<&str>) -> Result<Option<String>, ()> {
    let map = match payload {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(()),
    };
    let field = |map: &Map<String, Value>, name: &str| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let headers = field(&map, "headers")
        .and_then(|h| h.as_object().cloned())
        .unwrap_or_default();
    let authorization = field(&map, "authorization").or_else(|| field(&headers, "authorization"));
    if let Some(value) = authorization {
        return match value {
            Value::String(s) => Ok(Some(s)),
            _ => Err(()),
        };
    }
    if let Some(value) = field(&map, "token") {
        return match value {
            Value::String(s) => Ok(Some(format!("Bearer {s}"))),
            _ => Err(()),
        };
    }
    Ok(header.map(str::to_string))
}

/// The signed-in (or anonymous) side of an acknowledged connection.
struct Session {
    viewer: Viewer,
    credentials: Option<String>,
}

/// What to do after a message.
enum Flow {
    Continue,
    Close(u16, String),
}

struct State {
    conn: Connection,
    out: mpsc::Sender<Outbound>,
    session: Option<Session>,
    init_received: bool,
    /// Running operations by client id, with a generation so that the end of an old operation
    /// never removes a newer one that reused its id.
    operations: HashMap<String, (u64, JoinHandle<()>)>,
    generation: u64,
    done: mpsc::UnboundedSender<(String, u64)>,
}

/// Serves one connection until the client leaves, breaks the protocol, loses its session,
/// or the instance stops.
pub async fn serve<S>(conn: Connection, mut incoming: S, out: mpsc::Sender<Outbound>)
where
    S: Stream<Item = Inbound> + Unpin,
{
    let (done, mut finished) = mpsc::unbounded_channel();
    let stopped = conn.changes.stopped();
    tokio::pin!(stopped);
    let mut state = State {
        conn,
        out,
        session: None,
        init_received: false,
        operations: HashMap::new(),
        generation: 0,
        done,
    };
    let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
    tokio::pin!(init_deadline);
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK_EVERY, RECHECK_EVERY);
    let close = loop {
        let signed_in = state.session.as_ref().is_some_and(|s| s.credentials.is_some());
        tokio::select! {
            // Ended operations first: a client may reuse an id once it got its `complete`.
            biased;
            Some((id, generation)) = finished.recv() => {
                if state.operations.get(&id).is_some_and(|(g, _)| *g == generation) {
                    state.operations.remove(&id);
                }
            }
            _ = &mut stopped => break Some((1001, "the server is stopping".to_string())),
            _ = &mut init_deadline, if state.session.is_none() => {
                break Some((4408, "Connection initialisation timeout".to_string()));
            }
            _ = recheck.tick(), if signed_in => {
                if let Flow::Close(code, reason) = state.recheck().await {
                    break Some((code, reason));
                }
            }
            message = incoming.next() => match message {
                None => break None,
                Some(Inbound::Binary) => break Some((4400, "Invalid message".to_string())),
                Some(Inbound::Text(text)) => {
                    if let Flow::Close(code, reason) = state.handle(&text).await {
                        break Some((code, reason));
                    }
                }
            },
        }
    };
    for (_, task) in state.operations.values() {
        task.abort();
    }
    if let Some((code, reason)) = close {
        let _ = state.out.send(Outbound::Close(code, reason)).await;
    }
}

impl State {
    async fn send(&self, message: Value) {
        let _ = self.out.send(Outbound::Text(message.to_string())).await;
    }

    async fn handle(&mut self, text: &str) -> Flow {
        let Ok(message) = serde_json::from_str::<ClientMessage>(text) else {
            return Flow::Close(4400, "Invalid message".into());
        };
        match message {
            ClientMessage::ConnectionInit { payload } => self.init(payload).await,
            ClientMessage::Ping { payload } => {
                let pong = match payload {
                    Some(payload) => json!({ "type": "pong", "payload": payload }),
                    None => json!({ "type": "pong" }),
                };
                self.send(pong).await;
                Flow::Continue
            }
            ClientMessage::Pong {} => Flow::Continue,
            ClientMessage::Subscribe { id, payload } => self.subscribe(id, payload).await,
            ClientMessage::Complete { id } => {
                if let Some((_, task)) = self.operations.remove(&id) {
                    task.abort();
                }
                Flow::Continue
            }
        }
    }

    /// Authenticates as over HTTP: no credentials is anonymous; bad, expired or revoked ones
    /// close the connection with 4403, never fall back to anonymous.
    async fn init(&mut self, payload: Option<Value>) -> Flow {
        if self.init_received {
            return Flow::Close(4429, "Too many initialisation requests".into());
        }
        self.init_received = true;
        let Ok(credentials) = credentials(payload, self.conn.authorization.as_deref()) else {
            return Flow::Close(4403, "Forbidden".into());
        };
        match crate::auth::authenticate(&self.conn.db, self.conn.changes.sessions(), credentials.as_deref()).await {
            Ok(viewer) => {
                let credentials = credentials.filter(|_| !viewer.is_anonymous());
                self.session = Some(Session { viewer, credentials });
                self.send(json!({ "type": "connection_ack" })).await;
                Flow::Continue
            }
            Err(AppError::Unauthenticated) => Flow::Close(4403, "Forbidden".into()),
            Err(_) => Flow::Close(4500, "Internal error".into()),
        }
    }

    /// Checks the session again; a database hiccup keeps the connection.
    async fn recheck(&self) -> Flow {
        let Some(credentials) = self.session.as_ref().and_then(|s| s.credentials.as_deref()) else {
            return Flow::Continue;
        };
        match crate::auth::authenticate(&self.conn.db, self.conn.changes.sessions(), Some(credentials)).await {
            Ok(_) => Flow::Continue,
            Err(AppError::Unauthenticated) => Flow::Close(4403, "Forbidden".into()),
            Err(_) => Flow::Continue,
        }
    }

    async fn subscribe(&mut self, id: String, payload: SubscribePayload) -> Flow {
        let Some(session) = &self.session else {
            return Flow::Close(4401, "Unauthorized".into());
        };
        if self.operations.contains_key(&id) {
            return Flow::Close(4409, format!("Subscriber for {id} already exists"));
        }
        let refuse = |err: AppError| json!({ "id": id, "type": "error", "payload": [exec::server_error(err)] });
        if self.operations.len() >= self.conn.max_operations {
            let err = AppError::Conflict(format!(
                "at most {} operations at once per connection",
                self.conn.max_operations
            ));
            self.send(refuse(err)).await;
            return Flow::Continue;
        }
        let caller = Caller {
            viewer: session.viewer.clone(),
            address: self.conn.address,
            base_url: self.conn.base_url.clone(),
        };
        let params = Params {
            query: payload.query,
            operation_name: payload.operation_name,
            variables: payload.variables,
            extensions: payload.extensions,
        };
        let (request, parse_failed, timer) = match exec::prepare(&self.conn.db, caller, params, &self.conn.limits) {
            Ok(prepared) => prepared,
            Err(err) => {
                self.send(refuse(err)).await;
                return Flow::Continue;
            }
        };
        let (listening, ready) = Listening::new();
        let stream = self.conn.schema.execute_stream(request.data(listening));
        self.generation += 1;
        let task = tokio::spawn(run(
            id.clone(),
            self.generation,
            parse_failed,
            stream,
            timer,
            self.out.clone(),
            self.done.clone(),
        ));
        self.operations.insert(id, (self.generation, task));
        // The next message is read once the subscription listens (or the operation ended):
        // a client that sends `ping` after `subscribe` and gets its `pong` misses no change.
        let _ = tokio::time::timeout(LISTEN_TIMEOUT, ready).await;
        Flow::Continue
    }
}

/// Runs one operation: `next` per result then `complete`, or `error` alone when the request
/// is refused before execution (syntax, validation, variables).
async fn run(
    id: String,
    generation: u64,
    parse_failed: bool,
    mut stream: impl Stream<Item = Response> + Unpin,
    mut timer: observe::StreamTimer,
    out: mpsc::Sender<Outbound>,
    done: mpsc::UnboundedSender<(String, u64)>,
) {
    let mut first = true;
    while let Some(mut response) = stream.next().await {
        if first {
            exec::code_request_errors(&mut response, parse_failed);
        }
        timer.result(&response, first);
        if first && exec::is_request_error(&response) {
            let _ = done.send((id.clone(), generation));
            let message = json!({ "id": id, "type": "error", "payload": response.errors });
            let _ = out.send(Outbound::Text(message.to_string())).await;
            return;
        }
        first = false;
        let message = json!({ "id": id, "type": "next", "payload": ResponseBody::of(&response) });
        if out.send(Outbound::Text(message.to_string())).await.is_err() {
            return;
        }
    }
    let _ = done.send((id.clone(), generation));
    let _ = out
        .send(Outbound::Text(json!({ "id": id, "type": "complete" }).to_string()))
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_come_from_the_payload_then_the_header() {
        let header = Some("Bearer from-header");
        assert_eq!(credentials(None, header), Ok(Some("Bearer from-header".into())));
        assert_eq!(credentials(None, None), Ok(None));
        assert_eq!(
            credentials(Some(json!({ "authorization": "Bearer a" })), header),
            Ok(Some("Bearer a".into()))
        );
        assert_eq!(
            credentials(Some(json!({ "Authorization": "Bearer b" })), None),
            Ok(Some("Bearer b".into()))
        );
        assert_eq!(
            credentials(Some(json!({ "token": "c" })), None),
            Ok(Some("Bearer c".into()))
        );
        assert_eq!(
            credentials(Some(json!({ "headers": { "Authorization": "Bearer d" } })), None),
            Ok(Some("Bearer d".into()))
        );
        assert_eq!(credentials(Some(json!({ "token": 42 })), None), Err(()));
        assert_eq!(credentials(Some(json!("text")), None), Err(()));
    }
}
