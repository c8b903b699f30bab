//! The HTTP server: accepts connections and serves the application over hyper.
//!
//! poem's own `Server` sets no header read timeout (hyper enforces one only when it is given
//! a timer), so a client sending its headers a byte at a time holds a connection forever.
//! Serving through hyper directly, as poem's server does underneath, gives hyper the timer
//! and the timeout; the rest (upgrades for WebSockets, graceful shutdown) is the same.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, Endpoint, EndpointExt};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::{AppState, app};

/// How the server treats connections.
#[derive(Clone, Copy, Debug)]
pub struct ServeOptions {
    /// A request's headers must arrive within this time, or the connection is closed.
    pub header_read_timeout: Duration,
    /// At shutdown, requests in flight get this long to finish.
    pub grace: Duration,
}

/// Serves `state`'s application on `listener` until `signal` resolves, then lets requests in
/// flight finish (at most `options.grace`) and returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    options: ServeOptions,
    signal: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let endpoint = Arc::new(app(state).boxed());
    let local = listener
        .local_addr()
        .map(|a| LocalAddr(Addr::SocketAddr(a)))
        .unwrap_or_else(|_| LocalAddr(Addr::Custom("tcp", "unknown".into())));
    let (closing, closed) = tokio::sync::watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(signal);
    loop {
        tokio::select! {
            _ = &mut signal => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, remote) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a little rather than spin.
                        tracing::warn!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let endpoint = endpoint.clone();
                let local = local.clone();
                let mut closed = closed.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                        let endpoint = endpoint.clone();
                        let req: poem::Request =
                            (req, local.clone(), RemoteAddr(Addr::SocketAddr(remote)), Scheme::HTTP).into();
                        async move {
                            let resp = endpoint.get_response(req).await;
                            Ok::<_, Infallible>(hyper::Response::from(resp))
                        }
                    });
                    // HTTP/1.1 only: what proxies speak to an upstream, and the one protocol
                    // whose header read hyper times (HTTP/2 detection would wait untimed).
                    let conn = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(options.header_read_timeout)
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades();
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => return,
                        _ = closed.changed() => {}
                    }
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                });
            }
        }
    }
    drop(listener);
    let _ = closing.send(true);
    let drained = tokio::time::timeout(options.grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = connections.len(),
            "requests still running after the shutdown grace period were cut"
        );
    }
    connections.abort_all();
    Ok(())
}
