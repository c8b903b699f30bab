//! A real SMTP server on 127.0.0.1 for the mail tests: it speaks enough of RFC 5321 for a
//! client (EHLO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), keeps every message
//! it accepted, refuses the recipients it is told to with a permanent `550`, and can be taken
//! down (open connections cut, new ones closed at once) and brought back.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A message the sink accepted.
#[derive(Clone, Debug)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message as sent, after dot-unstuffing (CRLF line ends).
    pub data: Vec<u8>,
}

impl Received {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    refused: HashSet<String>,
}

pub struct SmtpSink {
    pub addr: std::net::SocketAddr,
    state: Arc<Mutex<State>>,
    up: watch::Sender<bool>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("the sink binds");
        let addr = listener.local_addr().expect("an address");
        let state = Arc::new(Mutex::new(State::default()));
        let (up, watch) = watch::channel(true);
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                if !*watch.borrow() {
                    drop(socket);
                    continue;
                }
                let (state, mut cut) = (shared.clone(), watch.clone());
                tokio::spawn(async move {
                    tokio::select! {
                        _ = session(socket, state) => {}
                        _ = cut.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        SmtpSink { addr, state, up }
    }

    /// `PASSERELLE_SMTP_URL` for this sink (in clear: it is on this machine).
    pub fn url(&self) -> String {
        format!("smtp://{}?tls=none", self.addr)
    }

    /// Takes the server down (`false`: connections cut and refused) or back up.
    pub fn set_up(&self, up: bool) {
        let _ = self.up.send(up);
    }

    /// Refuses `address` for good (`550` to its `RCPT TO`).
    pub fn refuse(&self, address: &str) {
        self.lock().refused.insert(address.to_ascii_lowercase());
    }

    /// Every message accepted so far.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// The messages accepted for `address`.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(address)))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The address in `MAIL FROM:<a>` / `RCPT TO:<a>` (parameters after it ignored).
fn path(argument: &str) -> String {
    let start = argument.find('<').map_or(0, |i| i + 1);
    let end = argument[start..].find('>').map_or(argument.len(), |i| start + i);
    argument[start..end].trim().to_string()
}

async fn session(socket: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP Passerelle test sink\r\n").await?;
    let (mut from, mut rcpt) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end_matches(['\r', '\n']);
        let upper = command.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink.test\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n"
        } else if upper.starts_with("HELO") {
            b"250 sink.test\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = path(&command[10..]);
            rcpt.clear();
            b"250 2.1.0 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            let to = path(&command[8..]);
            let refused = state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .refused
                .contains(&to.to_ascii_lowercase());
            if refused {
                b"550 5.1.1 no such mailbox here\r\n"
            } else {
                rcpt.push(to);
                b"250 2.1.5 OK\r\n"
            }
        } else if upper == "DATA" {
            if rcpt.is_empty() {
                b"554 5.5.1 no valid recipients\r\n"
            } else {
                write.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut data = Vec::new();
                loop {
                    let mut raw = Vec::new();
                    if lines.read_until(b'\n', &mut raw).await? == 0 {
                        return Ok(());
                    }
                    if raw == b".\r\n" || raw == b".\n" {
                        break;
                    }
                    let unstuffed = if raw.starts_with(b"..") { &raw[1..] } else { &raw[..] };
                    data.extend_from_slice(unstuffed);
                }
                state.lock().unwrap_or_else(|e| e.into_inner()).received.push(Received {
                    mail_from: std::mem::take(&mut from),
                    rcpt_to: std::mem::take(&mut rcpt),
                    data,
                });
                b"250 2.0.0 queued\r\n"
            }
        } else if upper == "RSET" {
            from.clear();
            rcpt.clear();
            b"250 2.0.0 OK\r\n"
        } else if upper.starts_with("NOOP") {
            b"250 2.0.0 OK\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 5.5.2 command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}
