//! Bytes to text.

use crate::feeds::text::{self, NotUtf8};

/// The document's text, unfolded. Unfolding works on bytes, before decoding, so a fold
/// splitting a multi-byte character (or an escape sequence) is joined first; only a UTF-16
/// document, whose line breaks are two bytes, is decoded before.
pub(super) fn unfolded_text(body: &[u8], warnings: &mut Vec<String>) -> String {
    let utf16;
    let body = if body.starts_with(&[0xFF, 0xFE]) || body.starts_with(&[0xFE, 0xFF]) {
        utf16 = text::decode(body, NotUtf8::Replaced).text;
        utf16.as_bytes()
    } else {
        body
    };
    let decoded = text::decode(&unfold(body), NotUtf8::Replaced);
    if decoded.replaced {
        warnings.push("the calendar is not valid UTF-8: undecodable bytes were replaced by U+FFFD".to_string());
    }
    decoded.text
}

/// Joins folded lines; CRLF, LF and lone CR all end a line, and become LF.
fn unfold(body: &[u8]) -> Vec<u8> {
    let mut unfolded = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let byte = body[i];
        if byte != b'\r' && byte != b'\n' {
            unfolded.push(byte);
            i += 1;
            continue;
        }
        let break_len = if byte == b'\r' && body.get(i + 1) == Some(&b'\n') {
            2
        } else {
            1
        };
        if matches!(body.get(i + break_len), Some(b' ' | b'\t')) {
            i += break_len + 1;
        } else {
            unfolded.push(b'\n');
            i += break_len;
        }
    }
    unfolded
}
