//! Fetching a feed politely and safely: a clear User-Agent, conditional GET, gzip, connect
//! and total timeouts, a body limit enforced while streaming, at most five redirects,
//! `Retry-After`, and an SSRF guard checked after DNS resolution and on every redirect.
//!
//! A feed URL may be a secret link, and members read a feed's errors: every error text names
//! the feed's site only (`domain::site`), in the hub's words, never the operating system's
//! (whose "connection refused" against "timed out" would let a member probe ports).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::redirect;

use crate::domain::site::site;

/// Limits of one fetch.
#[derive(Clone, Debug)]
pub struct Limits {
    pub connect_timeout: Duration,
    /// From the request to the last byte of the body.
    pub total_timeout: Duration,
    /// Decompressed body bytes; a larger body is refused while it streams.
    pub max_bytes: usize,
    pub max_redirects: usize,
    pub user_agent: String,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            user_agent: concat!(
                "Passerelle/",
                env!("CARGO_PKG_VERSION"),
                " (partner events hub; feed fetcher; polls each feed at most every 5 minutes)"
            )
            .to_string(),
        }
    }
}

/// The operator's exceptions to the SSRF guard (`PASSERELLE_FEEDS_ALLOW_HOSTS`): host names,
/// addresses or CIDR ranges that may be fetched even though they are private.
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    hosts: Vec<String>,
    nets: Vec<IpNet>,
}

impl FromStr for AllowList {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let mut list = AllowList::default();
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if let Ok(net) = entry.parse::<IpNet>() {
                list.nets.push(net);
            } else if let Ok(ip) = entry.parse::<IpAddr>() {
                list.nets.push(IpNet::from(ip));
            } else if entry.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
                list.hosts.push(entry.to_ascii_lowercase());
            } else {
                return Err(format!("{entry:?} is neither a host name, an address nor a CIDR range"));
            }
        }
        Ok(list)
    }
}

impl AllowList {
    fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.hosts.contains(&host)
    }

    fn allows_ip(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(&ip))
    }

    /// Whether `ip`, reached through `host`, may be fetched.
    pub fn permits(&self, host: &str, ip: IpAddr) -> bool {
        is_public(ip) || self.allows_host(host) || self.allows_ip(ip)
    }
}

/// The feed rules ask the guard whether a new address may be fetched.
impl crate::domain::feed::Reachable for AllowList {
    fn check(&self, url: &url::Url) -> Result<(), String> {
        check_url(url, self).map_err(|e| e.message)
    }
}

/// Whether an address is on the public internet: not loopback, private, link-local, shared,
/// multicast, documentation, benchmark or cloud-metadata space, nor an IPv6 address that
/// embeds or maps to such an IPv4 address. The resolver and the URL and redirect checks all
/// ask this one function.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let o = v4.octets();
    !(v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10 shared (CGNAT)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24 protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15 benchmarking
        || o[0] >= 240) // reserved
}

/// The IPv4 address in two 16-bit segments.
fn v4_of(high: u16, low: u16) -> Ipv4Addr {
    Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))
}

fn is_public_v6(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    match s {
        // IPv4-compatible ::/96 (:: and ::1 included), IPv4-mapped ::ffff:0:0/96, SIIT
        // ::ffff:0:0:0/96 and NAT64's well-known 64:ff9b::/96 all reach the IPv4 address in
        // their last 32 bits, through the kernel or a translator: that address decides.
        [0, 0, 0, 0, 0, 0 | 0xffff, high, low]
        | [0, 0, 0, 0, 0xffff, 0, high, low]
        | [0x64, 0xff9b, 0, 0, 0, 0, high, low] => is_public_v4(v4_of(high, low)),
        // 6to4 2002::/16 tunnels to the IPv4 address in bits 16..48.
        [0x2002, high, low, ..] => is_public_v4(v4_of(high, low)),
        // Teredo 2001::/32 reaches its server (bits 32..64) and its client (the last 32 bits,
        // inverted): both must be public.
        [0x2001, 0, server_high, server_low, _, _, client_high, client_low] => {
            is_public_v4(v4_of(server_high, server_low)) && is_public_v4(v4_of(!client_high, !client_low))
        }
        // Public IPv6 is global unicast 2000::/3. That leaves out loopback, unique local
        // fc00::/7 (fd00:ec2::254 metadata included), link-local fe80::/10, site-local
        // fec0::/10, multicast, discard-only 100::/64, and the rest of 64:ff9b::/32 (its local-use
        // 64:ff9b:1::/48 puts the IPv4 address wherever the operator's prefix length says).
        _ => {
            (s[0] & 0xe000) == 0x2000
                && !(s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                && !(s[0] == 0x2001 && (s[1] & 0xfff0) == 0x0020) // ORCHIDv2 2001:20::/28
                && !(s[0] == 0x2001 && (s[1] & 0xfff0) == 0x0010) // ORCHID 2001:10::/28
                && !(s[0] == 0x2001 && s[1] == 0x0002 && s[2] == 0) // benchmarking 2001:2::/48
                && !(s[0] == 0x3fff && (s[1] & 0xf000) == 0) // documentation 3fff::/20
        }
    }
}

/// Why a fetch failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// Not an http(s) URL, or no host.
    InvalidUrl,
    /// The SSRF guard refused the address.
    Blocked,
    /// The server answered with an error status.
    Status,
    Timeout,
    TooLarge,
    TooManyRedirects,
    /// Connection refused or reset, DNS failure, TLS failure, broken body…
    Network,
}

/// A failed fetch: what happened, the HTTP status if one came, and how long the server asked
/// us to wait (`Retry-After` on 429 and 503).
#[derive(Clone, Debug)]
pub struct FetchError {
    pub kind: FailureKind,
    pub status: Option<u16>,
    pub retry_after: Option<Duration>,
    /// In the hub's words, naming the site only: members read it.
    pub message: String,
    /// For the operator's log only: the libraries' cause chain (operating-system errors
    /// included), without any URL.
    pub cause: Option<String>,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FetchError {}

impl FetchError {
    fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        FetchError {
            kind,
            status: None,
            retry_after: None,
            message: message.into(),
            cause: None,
        }
    }
}

/// Validators of the last successful fetch, for a conditional GET.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What a successful fetch brought.
#[derive(Clone, Debug)]
pub enum Fetched {
    /// 304: nothing changed since the validators were issued.
    NotModified { status: u16 },
    Body {
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
        validators: Validators,
        /// After redirects.
        final_url: String,
    },
}

/// An HTTP client for feeds. Cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    limits: Limits,
    allow: Arc<AllowList>,
}

/// Refused by the redirect policy because of the SSRF guard.
#[derive(Debug)]
struct BlockedRedirect(String);

impl std::fmt::Display for BlockedRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BlockedRedirect {}

/// Resolves host names, then drops the addresses the guard refuses, so a name that points
/// at a private address (DNS rebinding included) is never connected to.
struct GuardedResolver(Arc<AllowList>);

#[derive(Debug)]
struct BlockedAddress(String);

impl std::fmt::Display for BlockedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BlockedAddress {}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addrs.is_empty() {
                return Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("{host} has no address"),
                )) as Box<dyn std::error::Error + Send + Sync>);
            }
            let permitted: Vec<SocketAddr> = addrs.iter().copied().filter(|a| allow.permits(&host, a.ip())).collect();
            if permitted.is_empty() {
                let shown: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
                return Err(Box::new(BlockedAddress(format!(
                    "{host} resolves to a private or reserved address ({}), which feeds may not point at \
                     unless the operator allows it in PASSERELLE_FEEDS_ALLOW_HOSTS",
                    shown.join(", ")
                ))) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(permitted.into_iter()) as Addrs)
        })
    }
}

/// Checks a URL before any connection: http(s), a host, and a literal address the guard
/// permits (literal addresses bypass DNS, so the resolver cannot check them).
pub fn check_url(url: &url::Url, allow: &AllowList) -> Result<(), FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::new(
            FailureKind::InvalidUrl,
            format!("only http and https feeds are fetched, not {}:", url.scheme()),
        ));
    }
    let ip = match url.host() {
        None => return Err(FetchError::new(FailureKind::InvalidUrl, "the feed URL has no host")),
        Some(url::Host::Domain(_)) => return Ok(()),
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
    };
    if allow.permits(&ip.to_string(), ip) {
        Ok(())
    } else {
        Err(FetchError::new(
            FailureKind::Blocked,
            format!(
                "{ip} is a private or reserved address, which feeds may not point at unless the operator \
                 allows it in PASSERELLE_FEEDS_ALLOW_HOSTS"
            ),
        ))
    }
}

impl Fetcher {
    pub fn new(limits: Limits, allow: AllowList) -> anyhow::Result<Self> {
        // reqwest is built without a bundled crypto provider: use ring, already compiled in
        // for the database driver. Installing twice is harmless (the first one stays).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let allow = Arc::new(allow);
        let max_redirects = limits.max_redirects;
        let redirect_allow = allow.clone();
        let policy = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                return attempt.error(TooManyRedirects(max_redirects));
            }
            match check_url(attempt.url(), &redirect_allow) {
                Ok(()) => attempt.follow(),
                Err(e) => {
                    // The target's path and query may hold a secret, as the feed's own may.
                    let message = format!("redirected to {}: {}", site(attempt.url()), e.message);
                    attempt.error(BlockedRedirect(message))
                }
            }
        });
        let client = reqwest::Client::builder()
            .user_agent(limits.user_agent.clone())
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.total_timeout)
            .redirect(policy)
            .dns_resolver(Arc::new(GuardedResolver(allow.clone())))
            .no_proxy()
            .gzip(true)
            .build()?;
        Ok(Fetcher { client, limits, allow })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Fetches `url`, conditionally when `validators` are known.
    pub async fn fetch(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        let parsed = url::Url::parse(url.trim())
            .map_err(|e| FetchError::new(FailureKind::InvalidUrl, format!("the feed URL is not valid: {e}")))?;
        check_url(&parsed, &self.allow)?;
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static(
                "text/calendar, application/rss+xml, application/atom+xml, application/feed+json, \
                 application/ld+json, application/json, text/csv, text/html;q=0.8, */*;q=0.5",
            ),
        );
        if let Some(etag) = validators.etag.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = validators
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(header::IF_MODIFIED_SINCE, lm);
        }
        let requested = site(&parsed);
        let response = self
            .client
            .get(parsed)
            .headers(headers)
            .send()
            .await
            .map_err(|e| self.transport_error(e, &requested))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified { status: 304 });
        }
        if !status.is_success() {
            let retry_after = matches!(status.as_u16(), 429 | 503)
                .then(|| retry_after(response.headers()))
                .flatten();
            // After redirects, the site that answered is the final one.
            let mut message = format!("the server at {} answered {status}", site(response.url()));
            if let Some(wait) = retry_after {
                message.push_str(&format!(" (Retry-After: {} s)", wait.as_secs()));
            }
            return Err(FetchError {
                kind: FailureKind::Status,
                status: Some(status.as_u16()),
                retry_after,
                message,
                cause: None,
            });
        }
        let header = |name: header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header(header::CONTENT_TYPE);
        let validators = Validators {
            etag: header(header::ETAG),
            last_modified: header(header::LAST_MODIFIED),
        };
        let final_url = response.url().to_string();
        let max = self.limits.max_bytes;
        // Content-Length is only a hint (and counts compressed bytes): the stream is counted too.
        if response.content_length().is_some_and(|n| n > max as u64) && header(header::CONTENT_ENCODING).is_none() {
            return Err(too_large(status.as_u16(), max));
        }
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                let mut err = self.transport_error(e, &requested);
                err.status = Some(status.as_u16());
                err
            })?;
            if body.len() + chunk.len() > max {
                return Err(too_large(status.as_u16(), max));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            status: status.as_u16(),
            content_type,
            body,
            validators,
            final_url,
        })
    }

    /// A failed request in the hub's words. reqwest's own text is not used: its `Display`
    /// names the whole URL and its causes are the operating system's words.
    fn transport_error(&self, err: reqwest::Error, requested: &str) -> FetchError {
        // After a redirect the failure may be another site's: name the one that failed.
        let at = err.url().map_or_else(|| requested.to_string(), site);
        let err = err.without_url();
        let mut failure = self.classify(&err, &at);
        failure.cause = Some(cause_chain(&err));
        failure
    }

    fn classify(&self, err: &reqwest::Error, at: &str) -> FetchError {
        use FailureKind::{Network, Timeout};
        if let Some(blocked) = find_source::<BlockedRedirect>(err) {
            return FetchError::new(FailureKind::Blocked, blocked.0.clone());
        }
        if let Some(blocked) = find_source::<BlockedAddress>(err) {
            return FetchError::new(FailureKind::Blocked, blocked.0.clone());
        }
        if let Some(too_many) = find_source::<TooManyRedirects>(err) {
            return FetchError::new(
                FailureKind::TooManyRedirects,
                format!("more than {} redirects", too_many.0),
            );
        }
        let secs = |d: Duration| d.as_secs_f64();
        if err.is_dns() {
            return FetchError::new(Network, format!("address not found for {at}"));
        }
        if err.is_connect() {
            if is_tls_failure(err, at) {
                return FetchError::new(Network, format!("TLS handshake failed with {at}"));
            }
            if err.is_timeout() {
                return FetchError::new(
                    Timeout,
                    format!(
                        "could not connect to {at}: timed out after {} s (PASSERELLE_FEEDS_CONNECT_TIMEOUT_SECONDS)",
                        secs(self.limits.connect_timeout)
                    ),
                );
            }
            return FetchError::new(Network, format!("could not connect to {at}"));
        }
        if err.is_timeout() {
            return FetchError::new(
                Timeout,
                format!(
                    "timed out: no complete answer within {} s (PASSERELLE_FEEDS_TIMEOUT_SECONDS)",
                    secs(self.limits.total_timeout)
                ),
            );
        }
        let message = if err.is_decode() {
            format!("the body from {at} could not be decompressed")
        } else if err.is_body() {
            format!("the connection to {at} broke while the body was read")
        } else if err.is_redirect() {
            format!("a redirect from {at} could not be followed")
        } else {
            format!("the request to {at} failed")
        };
        FetchError::new(Network, message)
    }
}

/// Every cause of `err`, including the errors an `io::Error` wraps (its `source` skips them,
/// and the TLS stack wraps its errors in two of them).
fn causes<'a>(err: &'a (dyn std::error::Error + 'static)) -> Vec<&'a (dyn std::error::Error + 'static)> {
    let mut found = Vec::new();
    let mut pending = vec![err];
    while let Some(e) = pending.pop() {
        found.push(e);
        if let Some(inner) = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            pending.push(inner);
        }
        if let Some(next) = e.source() {
            pending.push(next);
        }
    }
    found
}

/// Whether a connection failed in its TLS handshake rather than in reaching the host: rustls
/// refused, or an https server hung up before the handshake finished.
fn is_tls_failure(err: &reqwest::Error, at: &str) -> bool {
    causes(err).iter().any(|e| {
        e.is::<rustls::Error>()
            || (at.starts_with("https:")
                && e.downcast_ref::<std::io::Error>().is_some_and(|io| {
                    matches!(
                        io.kind(),
                        std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData
                    )
                }))
    })
}

/// The cause chain of an error whose URL was removed, for the log.
fn cause_chain(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[derive(Debug)]
struct TooManyRedirects(usize);

impl std::fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "more than {} redirects", self.0)
    }
}

impl std::error::Error for TooManyRedirects {}

fn find_source<'a, T: std::error::Error + 'static>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a T> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

fn too_large(status: u16, max: usize) -> FetchError {
    FetchError {
        kind: FailureKind::TooLarge,
        status: Some(status),
        retry_after: None,
        message: format!("the body is larger than the {max} byte limit (PASSERELLE_FEEDS_MAX_BYTES)"),
        cause: None,
    }
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_reserved_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(ip.parse().expect("valid in the test")), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111"] {
            assert!(is_public(ip.parse().expect("valid in the test")), "{ip}");
        }
    }

    /// Every IPv6 form that carries or reaches a private or reserved IPv4 address, and the
    /// IPv6 spaces that are not global unicast.
    const REFUSED_V6: &[&str] = &[
        "::7f00:1",                             // IPv4-compatible 127.0.0.1
        "::a9fe:a9fe",                          // IPv4-compatible 169.254.169.254
        "::",                                   // unspecified (IPv4-compatible 0.0.0.0)
        "::ffff:7f00:1",                        // IPv4-mapped 127.0.0.1
        "::ffff:a00:1",                         // IPv4-mapped 10.0.0.1
        "::ffff:0:7f00:1",                      // SIIT 127.0.0.1
        "::ffff:0:a9fe:a9fe",                   // SIIT 169.254.169.254
        "2002:7f00:1::",                        // 6to4 127.0.0.1
        "2002:a9fe:a9fe::1",                    // 6to4 169.254.169.254
        "2002:c0a8:101::",                      // 6to4 192.168.1.1
        "2001:0:7f00:1::",                      // Teredo, server 127.0.0.1
        "2001:0:a00:1:8000:63bf:f7f7:fbfb",     // Teredo, server 10.0.0.1 (client 8.8.4.4)
        "2001:0:4136:e378:8000:63bf:80ff:fffe", // Teredo, client 127.0.0.1
        "2001:0:4136:e378:8000:63bf:5601:5601", // Teredo, client 169.254.169.254
        "64:ff9b::7f00:1",                      // NAT64 127.0.0.1
        "64:ff9b::a9fe:a9fe",                   // NAT64 169.254.169.254
        "64:ff9b:1::a00:1",                     // local-use NAT64
        "64:ff9b:1:7f00:1::",                   // local-use NAT64, /48 layout
        "fec0::1",                              // site-local
        "feff::1",                              // site-local, top of fec0::/10
        "fe80::1",                              // link-local
        "fd00:ec2::254",                        // unique local (cloud metadata)
        "ff02::1",                              // multicast
        "100::1",                               // discard-only
        "2001:db8::1",                          // documentation
        "3fff::1",                              // documentation
    ];

    #[test]
    fn ipv6_forms_of_private_ipv4_and_non_global_ipv6_are_refused() {
        for ip in REFUSED_V6 {
            let parsed: IpAddr = ip.parse().expect("valid in the test");
            assert!(!is_public(parsed), "{ip}");
            // The literal check (URLs, redirects) asks the same question as the resolver.
            let url = url::Url::parse(&format!("http://[{ip}]:8080/x.ics")).expect("valid in the test");
            let err = check_url(&url, &AllowList::default()).expect_err(ip);
            assert_eq!(err.kind, FailureKind::Blocked, "{ip}");
        }
    }

    #[test]
    fn public_ipv6_and_ipv4_are_allowed_embedded_or_not() {
        for ip in [
            "8.8.8.8",
            "93.184.216.34",
            "2606:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450:4007:80e::200e",
            "::ffff:808:808",                       // IPv4-mapped 8.8.8.8
            "64:ff9b::808:808",                     // NAT64 8.8.8.8 (IPv6-only hosts need it)
            "2002:808:808::1",                      // 6to4 8.8.8.8
            "2001:0:4136:e378:8000:63bf:f7f7:fbfb", // Teredo, server 65.54.227.120, client 8.8.4.4
        ] {
            assert!(is_public(ip.parse().expect("valid in the test")), "{ip}");
        }
        let url = url::Url::parse("http://[2606:4700::1111]/agenda.ics").expect("valid in the test");
        assert!(check_url(&url, &AllowList::default()).is_ok());
    }

    #[test]
    fn the_allow_list_still_opens_an_embedded_address_by_range() {
        let list: AllowList = "::ffff:0:0/96".parse().expect("valid in the test");
        assert!(list.permits("x", "::ffff:7f00:1".parse().expect("valid in the test")));
        assert!(!list.permits("x", "::ffff:0:7f00:1".parse().expect("valid in the test")));
    }

    /// A server on 127.0.0.1 that answers every connection with `reply` once it has read the
    /// request, or holds the connection open without a word when `reply` is empty.
    async fn raw_server(reply: &'static [u8]) -> SocketAddr {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr = listener.local_addr().expect("an address");
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut request = [0u8; 4096];
                    let _ = socket.read(&mut request).await;
                    if reply.is_empty() {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    } else {
                        let _ = socket.write_all(reply).await;
                    }
                });
            }
        });
        addr
    }

    fn local_fetcher() -> Fetcher {
        let limits = Limits {
            connect_timeout: Duration::from_secs(2),
            total_timeout: Duration::from_secs(1),
            ..Limits::default()
        };
        Fetcher::new(limits, "127.0.0.1".parse().expect("valid in the test")).expect("a client")
    }

    /// Fetches `url` expecting a failure, and checks that neither the member's message nor
    /// the log's cause shows the secret, nor the member's message the operating system's words.
    async fn failure(url: &str) -> FetchError {
        let err = match local_fetcher().fetch(url, &Validators::default()).await {
            Ok(_) => panic!("{url} was fetched"),
            Err(e) => e,
        };
        for secret in ["SECRET", "private=", "/feed.ics", "key=abc"] {
            assert!(!err.message.contains(secret), "{url}: {}", err.message);
            assert!(
                !err.cause.as_deref().unwrap_or_default().contains(secret),
                "{url}: {:?}",
                err.cause
            );
        }
        for os_words in [
            "os error",
            "error sending request",
            "refused",
            "tcp connect",
            "dns error",
        ] {
            assert!(!err.message.contains(os_words), "{url}: {}", err.message);
        }
        err
    }

    #[tokio::test]
    async fn failures_are_told_in_the_hubs_words_naming_the_site_only() {
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
            listener.local_addr().expect("an address").port()
        };
        let err = failure(&format!("http://127.0.0.1:{closed}/feed.ics?private=SECRET-1")).await;
        assert_eq!(err.message, format!("could not connect to http://127.0.0.1:{closed}"));
        assert_eq!(err.kind, FailureKind::Network);
        // The operator still reads what the system said.
        assert!(
            err.cause.as_deref().is_some_and(|c| c.contains("refused")),
            "{:?}",
            err.cause
        );

        let err = failure("http://no-such-feed-host.invalid/feed.ics?private=SECRET-2").await;
        assert_eq!(err.message, "address not found for http://no-such-feed-host.invalid");

        let plain = raw_server(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n").await;
        let err = failure(&format!("https://{plain}/feed.ics?private=SECRET-3")).await;
        assert_eq!(err.message, format!("TLS handshake failed with https://{plain}"));

        let silent = raw_server(b"").await;
        let err = failure(&format!("http://{silent}/feed.ics?private=SECRET-4")).await;
        assert_eq!(
            err.message,
            "timed out: no complete answer within 1 s (PASSERELLE_FEEDS_TIMEOUT_SECONDS)"
        );
        assert_eq!(err.kind, FailureKind::Timeout);

        let missing = raw_server(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n").await;
        let err = failure(&format!("http://{missing}/feed.ics?private=SECRET-5")).await;
        assert_eq!(
            err.message,
            format!("the server at http://{missing} answered 404 Not Found")
        );
        assert_eq!(err.status, Some(404));

        let to_metadata = raw_server(
            b"HTTP/1.1 302 Found\r\nlocation: http://169.254.169.254/private/SECRETTOKEN123?key=abc\r\n\
              content-length: 0\r\n\r\n",
        )
        .await;
        let err = failure(&format!("http://{to_metadata}/feed.ics?private=SECRET-6")).await;
        assert_eq!(err.kind, FailureKind::Blocked);
        assert_eq!(
            err.message,
            "redirected to http://169.254.169.254: 169.254.169.254 is a private or reserved address, \
             which feeds may not point at unless the operator allows it in PASSERELLE_FEEDS_ALLOW_HOSTS"
        );
    }

    #[test]
    fn the_allow_list_takes_hosts_addresses_and_ranges() {
        let list: AllowList = "127.0.0.1, 10.0.0.0/8 ,feeds.internal"
            .parse()
            .expect("valid in the test");
        assert!(list.permits("127.0.0.1", "127.0.0.1".parse().expect("valid in the test")));
        assert!(list.permits("x", "10.9.8.7".parse().expect("valid in the test")));
        assert!(list.permits("Feeds.Internal", "192.168.0.2".parse().expect("valid in the test")));
        assert!(!list.permits("other", "192.168.0.2".parse().expect("valid in the test")));
        assert!("not a host!".parse::<AllowList>().is_err());
    }

    #[test]
    fn urls_are_checked_before_any_connection() {
        let none = AllowList::default();
        let check = |u: &str| check_url(&url::Url::parse(u).expect("valid in the test"), &none).map_err(|e| e.kind);
        assert_eq!(check("ftp://example.org/feed"), Err(FailureKind::InvalidUrl));
        assert_eq!(
            check("http://169.254.169.254/latest/meta-data"),
            Err(FailureKind::Blocked)
        );
        assert_eq!(check("http://[::1]:8080/"), Err(FailureKind::Blocked));
        assert_eq!(check("https://example.org/agenda.ics"), Ok(()));
    }
}
