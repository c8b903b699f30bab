//! `PASSERELLE_SMTP_URL`: where mail is handed over, and how safely.
//!
//! - `smtps://user:pass@host[:465]` — TLS from the first byte (implicit TLS);
//! - `smtp://user:pass@host[:587]` — STARTTLS, required: a server that does not offer it is
//!   refused rather than spoken to in clear;
//! - `smtp://host:25` — in clear, for a relay on the same machine or network (a local
//!   Postfix, a test sink); `?tls=none` asks for clear on another port, `?tls=starttls` for
//!   STARTTLS on port 25.
//!
//! A password is never sent in clear to a host other than the machine itself: such a URL is
//! refused when the settings are read. The URL is only ever printed with its password masked.

use std::fmt;

use anyhow::bail;

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// TLS from the start (`smtps://`, port 465).
    Tls,
    /// STARTTLS, required (`smtp://`, port 587).
    StartTls,
    /// No TLS (a local relay on port 25).
    Clear,
}

/// A parsed `PASSERELLE_SMTP_URL`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// User name and password, percent-decoded.
    pub credentials: Option<(String, String)>,
}

impl fmt::Debug for SmtpUrl {
    // The password is a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl SmtpUrl {
    pub fn parse(raw: &str) -> anyhow::Result<SmtpUrl> {
        let shown = crate::config::redact_url(raw.trim());
        let url = url::Url::parse(raw.trim()).map_err(|e| anyhow::anyhow!("PASSERELLE_SMTP_URL={shown}: {e}"))?;
        let host = match url.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => bail!("PASSERELLE_SMTP_URL={shown} names no host"),
        };
        if !(url.path().is_empty() || url.path() == "/") || url.fragment().is_some() {
            bail!("PASSERELLE_SMTP_URL={shown}: only smtp[s]://[user:password@]host[:port][?tls=none|starttls]");
        }
        let mut tls = None;
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "tls" => tls = Some(value.to_ascii_lowercase()),
                other => bail!("PASSERELLE_SMTP_URL={shown}: unknown parameter {other:?} (only tls=none|starttls)"),
            }
        }
        let (port, security) = match (url.scheme(), tls.as_deref()) {
            ("smtps", None) => (url.port().unwrap_or(465), Security::Tls),
            ("smtp", None) => match url.port() {
                Some(25) => (25, Security::Clear),
                port => (port.unwrap_or(587), Security::StartTls),
            },
            ("smtp", Some("starttls" | "required")) => (url.port().unwrap_or(587), Security::StartTls),
            ("smtp", Some("none")) => (url.port().unwrap_or(25), Security::Clear),
            ("smtp" | "smtps", Some(other)) => {
                bail!("PASSERELLE_SMTP_URL={shown}: tls={other:?} is not one of none, starttls")
            }
            (scheme, _) => bail!("PASSERELLE_SMTP_URL must start with smtp:// or smtps:// (got {scheme}://)"),
        };
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| anyhow::anyhow!("PASSERELLE_SMTP_URL={shown}: the user or password is not UTF-8"))
        };
        let credentials = match url.password() {
            Some(password) => Some((decode(url.username())?, decode(password)?)),
            None if !url.username().is_empty() => {
                bail!("PASSERELLE_SMTP_URL={shown}: a user without a password")
            }
            None => None,
        };
        let parsed = SmtpUrl {
            host,
            port,
            security,
            credentials,
        };
        if parsed.security == Security::Clear && parsed.credentials.is_some() && !parsed.is_loopback() {
            bail!(
                "PASSERELLE_SMTP_URL={shown} would send its password in clear over the network: \
                 use smtps:// (port 465) or smtp:// with STARTTLS (port 587)"
            );
        }
        Ok(parsed)
    }

    /// Whether the server is this machine.
    fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self.host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// The URL as it may be printed: the password masked, the protection said.
    pub fn redacted(&self) -> String {
        let scheme = match self.security {
            Security::Tls => "smtps",
            Security::StartTls | Security::Clear => "smtp",
        };
        let user = match &self.credentials {
            Some((user, _)) => format!("{}:***@", percent_encoding::utf8_percent_encode(user, USERINFO)),
            None => String::new(),
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let how = match self.security {
            Security::Tls => "TLS",
            Security::StartTls => "STARTTLS",
            Security::Clear => "clear",
        };
        format!("{scheme}://{user}{host}:{} ({how})", self.port)
    }
}

/// What a URL's user part must escape.
const USERINFO: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> SmtpUrl {
        SmtpUrl::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
    }

    #[test]
    fn schemes_and_ports_choose_the_protection() {
        let submission = parse("smtp://hub%40example.org:p%40ss@mail.example.org");
        assert_eq!((submission.port, submission.security), (587, Security::StartTls));
        assert_eq!(
            submission.credentials,
            Some(("hub@example.org".to_string(), "p@ss".to_string()))
        );
        let implicit = parse("smtps://u:p@mail.example.org");
        assert_eq!((implicit.port, implicit.security), (465, Security::Tls));
        let relay = parse("smtp://relay.internal:25");
        assert_eq!((relay.port, relay.security), (25, Security::Clear));
        let sink = parse("smtp://127.0.0.1:2525?tls=none");
        assert_eq!((sink.port, sink.security), (2525, Security::Clear));
        let forced = parse("smtp://relay.internal:25?tls=starttls");
        assert_eq!(forced.security, Security::StartTls);
        assert_eq!(parse("smtp://[::1]:25").host, "::1");
    }

    #[test]
    fn passwords_never_travel_in_clear_and_are_never_printed() {
        let err = SmtpUrl::parse("smtp://u:secret@relay.example.org:25").expect_err("refused");
        assert!(err.to_string().contains("in clear"), "{err}");
        assert!(!err.to_string().contains("secret"), "{err}");
        // The machine itself may be spoken to in clear.
        assert!(SmtpUrl::parse("smtp://u:secret@localhost:25").is_ok());
        let url = parse("smtps://hub:secret@mail.example.org:465");
        assert_eq!(url.redacted(), "smtps://hub:***@mail.example.org:465 (TLS)");
        assert!(!format!("{url:?}").contains("secret"));
        let err = SmtpUrl::parse("http://u:secret@mail.example.org").expect_err("refused");
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(SmtpUrl::parse("smtp://mail.example.org/path").is_err());
        assert!(SmtpUrl::parse("smtp://mail.example.org?tls=maybe").is_err());
        assert!(SmtpUrl::parse("smtp://user@mail.example.org").is_err());
    }
}
