//! Opaque bearer tokens: `<kind>_<record id>_<secret>`. Only a SHA-256 of the secret is stored;
//! the record is found by its id and the hashes are compared in constant time.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// What a token opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Session,
    ApiKey,
    /// A private calendar link (`/calendar/<token>.ics`): it opens that calendar, nothing else.
    CalendarLink,
    /// A password reset link's token: it sets one password, once, within its hour.
    PasswordReset,
}

impl TokenKind {
    fn prefix(self) -> &'static str {
        match self {
            TokenKind::Session => "pss",
            TokenKind::ApiKey => "psk",
            TokenKind::CalendarLink => "psc",
            TokenKind::PasswordReset => "psr",
        }
    }
}

/// A freshly made token: the text shown once, and the hash to store.
pub struct NewToken {
    pub text: String,
    pub secret_hash: String,
}

pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes a token for record `id`, with 256 random bits.
pub fn issue(kind: TokenKind, id: Uuid) -> NewToken {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    NewToken {
        text: format!("{}_{}_{}", kind.prefix(), id.simple(), secret),
        secret_hash: hash_secret(&secret),
    }
}

/// A token as presented: its kind, record id and secret.
pub struct Presented<'a> {
    pub kind: TokenKind,
    pub id: Uuid,
    secret: &'a str,
}

impl Presented<'_> {
    /// Whether the secret matches the stored hash, compared in constant time.
    pub fn matches(&self, stored_hash: &str) -> bool {
        hash_secret(self.secret).as_bytes().ct_eq(stored_hash.as_bytes()).into()
    }
}

/// Reads a token; `None` when it is not one of ours.
pub fn parse(text: &str) -> Option<Presented<'_>> {
    let mut parts = text.trim().splitn(3, '_');
    let kind = match parts.next()? {
        "pss" => TokenKind::Session,
        "psk" => TokenKind::ApiKey,
        "psc" => TokenKind::CalendarLink,
        "psr" => TokenKind::PasswordReset,
        _ => return None,
    };
    let id = Uuid::parse_str(parts.next()?).ok()?;
    let secret = parts.next().filter(|s| s.len() == 43)?;
    Some(Presented { kind, id, secret })
}

/// `text` with its secret hidden (`psc_***.ics`) when it starts like one of our tokens, for
/// logs; `None` when it does not.
pub fn redact(text: &str) -> Option<String> {
    let prefix = ["pss_", "psk_", "psc_", "psr_"]
        .into_iter()
        .find(|p| text.starts_with(p))?;
    // Keep a file extension (`.ics`), which says what was asked for and is no secret.
    let extension = text
        .rfind('.')
        .map(|i| &text[i..])
        .filter(|e| e.len() <= 5 && e[1..].bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or("");
    Some(format!("{prefix}***{extension}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_parse_and_match_only_their_hash() {
        let id = Uuid::new_v4();
        let token = issue(TokenKind::ApiKey, id);
        let presented = parse(&token.text).expect("parses");
        assert_eq!(presented.kind, TokenKind::ApiKey);
        assert_eq!(presented.id, id);
        assert!(presented.matches(&token.secret_hash));
        assert!(!presented.matches(&issue(TokenKind::ApiKey, id).secret_hash));
        assert!(parse("Bearer nonsense").is_none());
        assert!(parse(&format!("pss_{}_short", id.simple())).is_none());
    }
}
