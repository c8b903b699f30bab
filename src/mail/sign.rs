//! Signed links: a record id and an HMAC-SHA256 of it under a purpose, so that a link can be
//! checked without signing in and without a secret stored per link. The key is the hub's
//! (`store::mail::signing_key`, shared by every instance); the purpose keeps a signature made
//! for one use from being accepted for another.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// What a signed link opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Ends a digest subscription.
    Unsubscribe,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Unsubscribe => b"passerelle/unsubscribe/v1",
        }
    }
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key` (the `hmac` crate); `None` never
/// happens in practice, since HMAC takes keys of any length.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> Option<[u8; 32]> {
    let mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    Some(mac.chain_update(message).finalize().into_bytes().into())
}

fn tag(key: &[u8], purpose: Purpose, id: Uuid) -> Option<[u8; 32]> {
    let mut message = purpose.label().to_vec();
    message.push(0);
    message.extend_from_slice(id.as_bytes());
    hmac_sha256(key, &message)
}

/// `<id>.<signature>`: the token of a link for `id`.
pub fn sign(key: &[u8], purpose: Purpose, id: Uuid) -> String {
    // Without a tag (which HMAC never refuses) the token has an empty signature, which
    // `verify` never accepts.
    let signature = tag(key, purpose, id)
        .map(|t| URL_SAFE_NO_PAD.encode(t))
        .unwrap_or_default();
    format!("{}.{signature}", id.simple())
}

/// The id a token was signed for with `key` and `purpose`; `None` when it was not (the
/// signature is compared in constant time).
pub fn verify(key: &[u8], purpose: Purpose, token: &str) -> Option<Uuid> {
    let (id, signature) = token.trim().split_once('.')?;
    let id = Uuid::try_parse(id).ok()?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let expected = tag(key, purpose, id)?;
    bool::from(expected.as_slice().ct_eq(&signature)).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test cases 2 and 6 of RFC 4231 (a short key; a key longer than the block).
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?").expect("a tag")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First").expect("a tag")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn a_signed_token_opens_its_id_only_with_its_key() {
        let key = b"0123456789abcdef0123456789abcdef";
        let id = Uuid::new_v4();
        let token = sign(key, Purpose::Unsubscribe, id);
        assert_eq!(verify(key, Purpose::Unsubscribe, &token), Some(id));
        assert_eq!(verify(b"another key", Purpose::Unsubscribe, &token), None);
        // Another id with this signature, a changed signature, garbage: refused.
        let (_, signature) = token.split_once('.').expect("a dot");
        let other = format!("{}.{signature}", Uuid::new_v4().simple());
        assert_eq!(verify(key, Purpose::Unsubscribe, &other), None);
        let mut tampered = token.clone();
        let last = tampered.pop();
        tampered.push(if last == Some('A') { 'B' } else { 'A' });
        assert_eq!(verify(key, Purpose::Unsubscribe, &tampered), None);
        assert_eq!(verify(key, Purpose::Unsubscribe, &token[..token.len() - 4]), None);
        assert_eq!(verify(key, Purpose::Unsubscribe, "nonsense"), None);
        assert_eq!(verify(key, Purpose::Unsubscribe, ""), None);
        // The token is URL-safe as it is.
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
    }
}
