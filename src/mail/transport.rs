//! Handing a composed message over: to the SMTP server through lettre (tokio, rustls), or,
//! without `PASSERELLE_SMTP_URL`, to an `.eml` file under `<data dir>/mail/`.
//!
//! lettre builds the message: it parses every address, encodes non-ASCII names and subjects
//! (RFC 2047) and folds headers, so nothing a person typed can start a header of its own
//! (subjects and names are also put on one line first, see `compose::one_line`).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::{AsyncSmtpTransport, authentication::Credentials};
use lettre::{Address, AsyncTransport, Tokio1Executor};
use uuid::Uuid;

use super::compose::{Composed, one_line};
use super::smtp_url::{Security, SmtpUrl};
use crate::config::MailSettings;

/// A message to hand over.
pub struct Outgoing<'a> {
    /// The outbox row's id: the message's `Message-ID`, so that a message sent twice (see
    /// the README) carries the same id both times.
    pub id: Uuid,
    pub to: &'a str,
    pub to_name: Option<&'a str>,
    pub composed: &'a Composed,
    /// A one-click unsubscribe URL (`List-Unsubscribe`, RFC 8058).
    pub unsubscribe: Option<&'a str>,
}

/// Why a message was not handed over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendError {
    /// Refused for good (an SMTP 5xx reply, an address that cannot be written): not retried.
    pub permanent: bool,
    /// What to show the administrators (no secret: lettre's errors hold the server's reply).
    pub message: String,
}

impl SendError {
    fn transient(message: impl Into<String>) -> SendError {
        SendError {
            permanent: false,
            message: message.into(),
        }
    }

    fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            permanent: true,
            message: message.into(),
        }
    }
}

/// Where a message went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivered {
    /// The SMTP server answered 250.
    Smtp,
    /// Written to this file.
    File(PathBuf),
}

enum Transport {
    Smtp {
        inner: AsyncSmtpTransport<Tokio1Executor>,
        shown: String,
    },
    Files(PathBuf),
}

/// This instance's way of sending mail.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// The domain of `Message-ID`s: the public host.
    domain: String,
}

/// `Passerelle <passerelle@host>`, or any mailbox lettre reads.
pub fn parse_from(raw: &str) -> anyhow::Result<Mailbox> {
    Mailbox::from_str(raw.trim()).map_err(|e| anyhow::anyhow!("PASSERELLE_MAIL_FROM={raw:?} is not a mailbox: {e}"))
}

/// The host of the public URL, when it is a domain (an address literal cannot name a sender).
fn public_domain(public_url: &str) -> Option<String> {
    match url::Url::parse(public_url).ok()?.host()? {
        url::Host::Domain(d) if d.contains('.') || d == "localhost" => Some(d.to_ascii_lowercase()),
        _ => None,
    }
}

impl Mailer {
    /// The mailer `settings` describe; links and ids name `public_url`'s host.
    pub fn new(settings: &MailSettings, data_dir: &Path, public_url: &str) -> anyhow::Result<Mailer> {
        let domain = public_domain(public_url).unwrap_or_else(|| "localhost".into());
        let from = match &settings.from {
            Some(raw) => parse_from(raw)?,
            None => Mailbox::new(
                Some("Passerelle".into()),
                Address::new("passerelle", &domain).map_err(|e| anyhow::anyhow!("no default sender: {e}"))?,
            ),
        };
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp {
                inner: smtp_transport(url, settings, public_url)?,
                shown: url.redacted(),
            },
            None => Transport::Files(data_dir.join("mail")),
        };
        Ok(Mailer {
            transport,
            from,
            domain,
        })
    }

    /// Where mail goes, as the log says it.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp { shown, .. } => format!("SMTP {shown}"),
            Transport::Files(dir) => format!("files in {}", dir.display()),
        }
    }

    /// The directory messages are written to, without SMTP.
    pub fn directory(&self) -> Option<&Path> {
        match &self.transport {
            Transport::Files(dir) => Some(dir),
            Transport::Smtp { .. } => None,
        }
    }

    /// Whether mail can be handed over now: the SMTP server answers and accepts this hub
    /// (connection, TLS, authentication), or the directory can be written. Checked before a
    /// batch, so that a refusal during a batch is about its message, not about the server.
    pub async fn check(&self) -> Result<(), SendError> {
        match &self.transport {
            Transport::Smtp { inner, .. } => match inner.test_connection().await {
                Ok(true) => Ok(()),
                Ok(false) => Err(SendError::transient(
                    "le serveur SMTP ne répond pas / the SMTP server does not answer",
                )),
                Err(e) => Err(SendError::transient(format!(
                    "le serveur SMTP est injoignable ou refuse le hub / the SMTP server is unreachable or refuses the hub: {e}"
                ))),
            },
            Transport::Files(dir) => tokio::fs::create_dir_all(dir).await.map_err(|e| {
                SendError::transient(format!(
                    "le dossier {} ne peut être créé / the directory cannot be created: {e}",
                    dir.display()
                ))
            }),
        }
    }

    /// The message as lettre writes it.
    pub fn message(&self, out: &Outgoing<'_>) -> Result<lettre::Message, SendError> {
        let address = Address::from_str(out.to.trim()).map_err(|e| {
            SendError::permanent(format!(
                "adresse du destinataire illisible / the recipient's address cannot be written: {e}"
            ))
        })?;
        let name = out.to_name.map(one_line).filter(|n| !n.is_empty());
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(name, address))
            .subject(one_line(&out.composed.subject))
            .date_now()
            .message_id(Some(format!("<{}@{}>", out.id.simple(), self.domain)))
            .header(AutoSubmitted);
        if let Some(url) = out.unsubscribe {
            builder = builder
                .header(ListUnsubscribe(format!("<{url}>")))
                .header(ListUnsubscribePost);
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                out.composed.text.clone(),
                out.composed.html.clone(),
            ))
            .map_err(|e| {
                SendError::permanent(format!(
                    "message impossible à écrire / the message cannot be written: {e}"
                ))
            })
    }

    /// Hands `out` over once.
    pub async fn send(&self, out: &Outgoing<'_>) -> Result<Delivered, SendError> {
        let message = self.message(out)?;
        match &self.transport {
            Transport::Smtp { inner, .. } => match inner.send(message).await {
                Ok(_) => Ok(Delivered::Smtp),
                Err(e) if e.is_permanent() => Err(SendError::permanent(format!(
                    "refusé par le serveur SMTP / refused by the SMTP server: {e}"
                ))),
                Err(e) => Err(SendError::transient(format!(
                    "le serveur SMTP n’a pas pris le message / the SMTP server did not take the message: {e}"
                ))),
            },
            Transport::Files(dir) => {
                let path = dir.join(format!("{}.eml", out.id.simple()));
                write_file(dir, &path, &message.formatted())
                    .await
                    .map_err(|e| SendError::transient(format!("{} : {e}", path.display())))?;
                tracing::info!(
                    path = %path.display(),
                    "message written to a file (no PASSERELLE_SMTP_URL) / message écrit dans un fichier"
                );
                Ok(Delivered::File(path))
            }
        }
    }
}

/// Writes `bytes` to `path` whole or not at all (a temporary name, then a rename), readable by
/// its owner only: the file may hold a temporary password.
async fn write_file(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let temporary = path.with_extension("eml.part");
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&temporary).await?;
    tokio::io::AsyncWriteExt::write_all(&mut file, bytes).await?;
    file.sync_all().await?;
    drop(file);
    tokio::fs::rename(&temporary, path).await
}

fn smtp_transport(
    url: &SmtpUrl,
    settings: &MailSettings,
    public_url: &str,
) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    // The ring provider, as reqwest and sqlx use (installing it twice is harmless).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls = || TlsParameters::new(url.host.clone()).map_err(|e| anyhow::anyhow!("SMTP TLS: {e}"));
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host.as_str())
        .port(url.port)
        .timeout(Some(settings.timeout));
    builder = match url.security {
        Security::Tls => builder.tls(Tls::Wrapper(tls()?)),
        Security::StartTls => builder.tls(Tls::Required(tls()?)),
        Security::Clear => builder.tls(Tls::None),
    };
    if let Some((user, password)) = &url.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    builder = builder.hello_name(hello_name(public_url));
    Ok(builder.build())
}

/// The name the hub gives itself in `EHLO`: its public host.
fn hello_name(public_url: &str) -> ClientId {
    match url::Url::parse(public_url)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Domain(d)) => ClientId::Domain(d),
        Some(url::Host::Ipv4(ip)) => ClientId::Ipv4(ip),
        Some(url::Host::Ipv6(ip)) => ClientId::Ipv6(ip),
        None => ClientId::Domain("localhost".into()),
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): automatic replies are not sent back.
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

/// `List-Unsubscribe: <https://…>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): mail readers unsubscribe
/// with one POST, without opening a page.
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer() -> Mailer {
        Mailer::new(
            &MailSettings::default(),
            Path::new("/nonexistent"),
            "https://passerelle.example.org",
        )
        .expect("a mailer")
    }

    fn composed(subject: &str) -> Composed {
        Composed {
            subject: subject.into(),
            text: "Bonjour,\n\nvoici votre accès.\n".into(),
            html: "<p>Bonjour,</p>".into(),
        }
    }

    #[test]
    fn names_and_subjects_cannot_start_headers() {
        let composed = composed("Bienvenue\r\nBcc: victim@example.org");
        let out = Outgoing {
            id: Uuid::nil(),
            to: "camille@example.org",
            to_name: Some("Camille\r\nBcc: other@example.org"),
            composed: &composed,
            unsubscribe: Some("https://passerelle.example.org/mail/unsubscribe?token=abc.def"),
        };
        let message = mailer().message(&out).expect("a message");
        let raw = String::from_utf8(message.formatted()).expect("ASCII headers");
        let headers = raw.split("\r\n\r\n").next().unwrap_or_default();
        assert!(
            !headers.lines().any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{headers}"
        );
        assert_eq!(message.envelope().to().len(), 1);
        assert!(
            headers.contains("From: Passerelle <passerelle@passerelle.example.org>"),
            "{headers}"
        );
        assert!(headers.contains("Message-ID: <00000000000000000000000000000000@passerelle.example.org>"));
        assert!(headers.contains("Auto-Submitted: auto-generated"));
        assert!(headers.contains("List-Unsubscribe: <https://passerelle.example.org/mail/unsubscribe?token=abc.def>"));
        assert!(headers.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(headers.contains("multipart/alternative"));
    }

    #[test]
    fn addresses_lettre_cannot_write_are_refused_for_good() {
        let composed = composed("Bonjour");
        let out = Outgoing {
            id: Uuid::nil(),
            to: "not an address",
            to_name: None,
            composed: &composed,
            unsubscribe: None,
        };
        let err = mailer().message(&out).expect_err("refused");
        assert!(err.permanent);
    }

    // lettre's connection pool starts a task: a runtime is needed.
    #[tokio::test]
    async fn tls_transports_are_built_and_described_without_their_password() {
        for (raw, shown) in [
            (
                "smtps://hub:secret@mail.example.org",
                "SMTP smtps://hub:***@mail.example.org:465 (TLS)",
            ),
            (
                "smtp://hub:secret@mail.example.org",
                "SMTP smtp://hub:***@mail.example.org:587 (STARTTLS)",
            ),
            ("smtp://relay.internal:25", "SMTP smtp://relay.internal:25 (clear)"),
        ] {
            let settings = MailSettings {
                smtp_url: Some(SmtpUrl::parse(raw).expect("a URL")),
                ..MailSettings::default()
            };
            let mailer = Mailer::new(&settings, Path::new("/tmp"), "https://passerelle.example.org").expect("built");
            assert_eq!(mailer.describe(), shown);
            assert!(mailer.directory().is_none());
        }
    }

    #[test]
    fn the_sender_defaults_to_the_public_host() {
        assert_eq!(
            public_domain("https://Hub.Example.org/x"),
            Some("hub.example.org".into())
        );
        assert_eq!(public_domain("http://127.0.0.1:8080"), None);
        let local =
            Mailer::new(&MailSettings::default(), Path::new("/tmp"), "http://127.0.0.1:8080").expect("a mailer");
        assert_eq!(local.from.email.to_string(), "passerelle@localhost");
        assert!(parse_from("Passerelle <hub@example.org>").is_ok());
        assert!(parse_from("hub at example").is_err());
    }
}
