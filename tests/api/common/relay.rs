//! A TCP relay in front of a server (PostgreSQL, Meilisearch) that a test can cut, open
//! connections included, and restore: an outage without touching the server itself, so that
//! the other tests using it go on.

pub struct Relay {
    /// Where clients connect instead of the server (`127.0.0.1:port`).
    pub addr: std::net::SocketAddr,
    up: tokio::sync::watch::Sender<bool>,
}

impl Relay {
    /// Relays to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> Relay {
        let upstream = upstream.to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr = listener.local_addr().expect("an address");
        let (up, watch) = tokio::sync::watch::channel(true);
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !*watch.borrow() {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                let mut cut = watch.clone();
                tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await {
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                            _ = cut.wait_for(|up| !*up) => {}
                        }
                    }
                });
            }
        });
        Relay { addr, up }
    }

    /// Cuts (`false`) or restores (`true`) the server.
    pub fn set(&self, up: bool) {
        let _ = self.up.send(up);
    }
}
