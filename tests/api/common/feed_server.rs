//! A local HTTP server on 127.0.0.1 that serves feed fixtures and misbehaves on demand.

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use poem::http::{HeaderMap, StatusCode};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::{Data, Path};
use poem::{Body, EndpointExt, Response, Route, Server, get, handler};

/// What the server answers on a path.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A body, with an ETag answered by 304 when the client sends it back.
    Body {
        content_type: String,
        body: Vec<u8>,
        etag: Option<String>,
    },
    /// An error status, with an optional `Retry-After`.
    Status { code: u16, retry_after: Option<String> },
    /// Answers after this long.
    Sleep(Duration),
    /// Sends `chunks` bytes one at a time, `every` apart.
    Trickle { every: Duration, chunks: usize },
    /// A body sent gzip-encoded (already compressed).
    Gzip { content_type: String, compressed: Vec<u8> },
    /// A 302 to this location.
    Redirect(String),
}

impl Reply {
    pub fn file(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Body {
            content_type: content_type.into(),
            body: body.into(),
            etag: None,
        }
    }
}

#[derive(Default)]
struct State {
    replies: Mutex<HashMap<String, Reply>>,
    hits: Mutex<HashMap<String, u32>>,
    headers: Mutex<HashMap<String, HeaderMap>>,
}

pub struct FeedServer {
    pub addr: SocketAddr,
    state: Arc<State>,
}

#[handler]
async fn serve(Path(path): Path<String>, headers: &HeaderMap, Data(state): Data<&Arc<State>>) -> Response {
    let path = format!("/{path}");
    *state.hits.lock().expect("lock").entry(path.clone()).or_default() += 1;
    state
        .headers
        .lock()
        .expect("lock")
        .insert(path.clone(), headers.clone());
    let reply = state.replies.lock().expect("lock").get(&path).cloned();
    match reply {
        None => Response::builder().status(StatusCode::NOT_FOUND).body("no such feed"),
        Some(Reply::Body {
            content_type,
            body,
            etag,
        }) => {
            if let Some(etag) = &etag {
                let sent = headers.get("if-none-match").and_then(|v| v.to_str().ok());
                if sent == Some(etag.as_str()) {
                    return Response::builder().status(StatusCode::NOT_MODIFIED).finish();
                }
            }
            let mut builder = Response::builder().content_type(content_type);
            if let Some(etag) = etag {
                builder = builder.header("etag", etag);
            }
            builder.body(body)
        }
        Some(Reply::Status { code, retry_after }) => {
            let mut builder = Response::builder().status(StatusCode::from_u16(code).expect("a status"));
            if let Some(wait) = retry_after {
                builder = builder.header("retry-after", wait);
            }
            builder.body("error")
        }
        Some(Reply::Sleep(d)) => {
            tokio::time::sleep(d).await;
            Response::builder()
                .content_type("text/calendar")
                .body("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        }
        Some(Reply::Trickle { every, chunks }) => {
            let stream = futures_util::stream::unfold(0usize, move |n| async move {
                if n >= chunks {
                    return None;
                }
                tokio::time::sleep(every).await;
                Some((Ok::<_, std::io::Error>(vec![b'x']), n + 1))
            });
            Response::builder()
                .content_type("text/calendar")
                .body(Body::from_bytes_stream(stream))
        }
        Some(Reply::Gzip {
            content_type,
            compressed,
        }) => Response::builder()
            .content_type(content_type)
            .header("content-encoding", "gzip")
            .body(compressed),
        Some(Reply::Redirect(to)) => Response::builder()
            .status(StatusCode::FOUND)
            .header("location", to)
            .finish(),
    }
}

impl FeedServer {
    pub async fn start() -> FeedServer {
        let state = Arc::new(State::default());
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("the feed server binds");
        let addr = *acceptor.local_addr()[0].as_socket_addr().expect("an address");
        let app = Route::new().at("/*path", get(serve)).data(state.clone());
        tokio::spawn(async move {
            let _ = Server::new_with_acceptor(acceptor).run(app).await;
        });
        FeedServer { addr, state }
    }

    /// Sets what `path` answers.
    pub fn set(&self, path: &str, reply: Reply) {
        self.state.replies.lock().expect("lock").insert(path.to_string(), reply);
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Requests received on `path`.
    pub fn hits(&self, path: &str) -> u32 {
        self.state.hits.lock().expect("lock").get(path).copied().unwrap_or(0)
    }

    /// Headers of the last request on `path`.
    pub fn last_headers(&self, path: &str) -> Option<HeaderMap> {
        self.state.headers.lock().expect("lock").get(path).cloned()
    }
}

/// `data` gzip-compressed.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}
