//! What may be shown of an address whose path or query may hold a secret: its site.
//! Private calendar links carry their token in the path or query, so members, run errors
//! and log lines name a feed by its site only.

/// The site of `url`: `scheme://host[:port]`, without user info, path, query or fragment.
pub fn site(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

/// The site of a raw address (`site`), or a placeholder when it is not a URL: an unparsable
/// address may still hold a secret, so none of it is shown.
pub fn site_of(raw: &str) -> String {
    match url::Url::parse(raw.trim()) {
        Ok(u) => site(&u),
        Err(_) => "an invalid address".into(),
    }
}

/// An address shown to someone who may not see it whole: its scheme and host only
/// (`https://calendar.example.org/…`), the ellipsis saying that the rest is withheld.
pub fn site_only(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(u) => format!("{}://{}/…", u.scheme(), u.host_str().unwrap_or_default()),
        Err(_) => "…".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_keeps_scheme_host_and_port_only() {
        assert_eq!(
            site_of("http://user:pw@127.0.0.1:8080/missing.ics?private=SECRET#x"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(site_of("https://example.org/a/b.ics"), "https://example.org");
        assert_eq!(site_of("http://[::1]:9/a"), "http://[::1]:9");
        assert_eq!(site_of("not a url SECRET"), "an invalid address");
        assert_eq!(
            site_only("https://calendar.example.org/x?token=1"),
            "https://calendar.example.org/…"
        );
    }
}
