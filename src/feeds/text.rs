//! Text in and out of the parsers: the one decoding of a document's bytes ([`decode`]), and the
//! clean-up every parsed event goes through before it is stored: HTML entities decoded, text
//! trimmed and NFC-normalised, descriptions put under the hub's one HTML rule
//! (`domain::rich_text`), links limited to http(s).

use unicode_normalization::UnicodeNormalization;

use super::FeedEvent;
use crate::domain::{rich_text, validate};

/// How [`decode`] reads bytes that are not UTF-8 and name no encoding by a BOM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotUtf8 {
    /// As Windows-1252: what Excel writes in France, and what browsers read `iso-8859-1`
    /// pages as.
    Windows1252,
    /// As UTF-8, each undecodable sequence replaced by U+FFFD: for formats that are UTF-8 by
    /// definition (iCalendar).
    Replaced,
}

/// A document's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// Whether undecodable bytes were replaced by U+FFFD.
    pub replaced: bool,
}

/// The text of `body`: in the encoding its BOM names (UTF-8, UTF-16LE or UTF-16BE; the BOM
/// removed), else UTF-8, else read as `otherwise` says.
pub fn decode(body: &[u8], otherwise: NotUtf8) -> Decoded {
    if let Some((encoding, bom_length)) = encoding_rs::Encoding::for_bom(body) {
        let (text, replaced) = encoding.decode_without_bom_handling(&body[bom_length..]);
        return Decoded {
            text: text.into_owned(),
            replaced,
        };
    }
    if let Ok(text) = std::str::from_utf8(body) {
        return Decoded {
            text: text.to_string(),
            replaced: false,
        };
    }
    let encoding = match otherwise {
        NotUtf8::Windows1252 => encoding_rs::WINDOWS_1252,
        NotUtf8::Replaced => encoding_rs::UTF_8,
    };
    let (text, replaced) = encoding.decode_without_bom_handling(body);
    Decoded {
        text: text.into_owned(),
        replaced,
    }
}

/// Cleans every text field of `event` in place.
pub fn clean(event: &mut FeedEvent) {
    event.uid = normalise(&event.uid);
    event.title = one_line(&plain(&event.title));
    event.description = event
        .description
        .as_deref()
        .and_then(|d| non_empty(rich_text::sanitise(d)));
    for field in [
        &mut event.location_name,
        &mut event.address,
        &mut event.postal_code,
        &mut event.city,
        &mut event.author,
        &mut event.organiser,
    ] {
        *field = field.as_deref().and_then(|v| non_empty(multi_line(&plain(v))));
    }
    event.url = event.url.as_deref().and_then(link);
    event.categories = event
        .categories
        .iter()
        .filter_map(|c| non_empty(one_line(&plain(c))))
        .collect();
    event.timezone = event.timezone.trim().to_string();
}

/// Text with markup removed, entities decoded (`W&#252;rttemberg` → `Württemberg`) and
/// bidirectional controls dropped.
pub fn plain(raw: &str) -> String {
    let text = if raw.contains('<') {
        // Drop the tags (and the content of script/style), keep the text.
        ammonia::Builder::empty().clean(raw).to_string()
    } else {
        raw.to_string()
    };
    // Partners' feeds are taken as they come: the bidirectional controls that names and titles
    // typed into the hub refuse are removed rather than failing the event. Decoded entities
    // (`&#x202E;`) are caught too, being removed after decoding.
    validate::without_bidi_controls(&normalise(&html_escape::decode_html_entities(&text)))
}

/// An http(s) link, or nothing.
pub fn link(raw: &str) -> Option<String> {
    let trimmed = html_escape::decode_html_entities(raw.trim()).to_string();
    let url = url::Url::parse(&trimmed).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

fn normalise(text: &str) -> String {
    text.nfc().collect::<String>().trim().to_string()
}

/// Whitespace runs (newlines included) become one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Each line trimmed, blank lines at the ends dropped, line breaks kept.
fn multi_line(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines.join("\n").trim().to_string()
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_decoded_by_bom_then_utf8_then_the_fallback() {
        let text = |body: &[u8], otherwise| decode(body, otherwise).text;
        let windows = NotUtf8::Windows1252;
        assert_eq!(text(b"\xef\xbb\xbfCaf\xc3\xa9", windows), "Café");
        assert_eq!(text(b"\xff\xfeC\x00a\x00f\x00\xe9\x00", windows), "Café");
        assert_eq!(text(b"\xfe\xff\x00C\x00a\x00f\x00\xe9", windows), "Café");
        assert_eq!(text(b"Caf\xc3\xa9", windows), "Café");
        assert_eq!(text(b"Caf\xe9 \x80", windows), "Café €");
        assert!(!decode(b"Caf\xe9", windows).replaced);
        let replaced = decode(b"Caf\xe9 ", NotUtf8::Replaced);
        assert_eq!((replaced.text.as_str(), replaced.replaced), ("Caf\u{FFFD} ", true));
        // After a UTF-8 BOM the bytes are UTF-8 whatever the fallback, and said to be replaced.
        assert!(decode(b"\xef\xbb\xbfCaf\xe9", windows).replaced);
    }

    #[test]
    fn entities_are_decoded_and_text_normalised() {
        assert_eq!(plain("Baden-W&#252;rttemberg, Bavaria "), "Baden-Württemberg, Bavaria");
        // "e" + combining acute becomes one "é".
        assert_eq!(plain("Cafe\u{301}"), "Café");
        assert_eq!(plain("Bar &amp; Kitchen"), "Bar & Kitchen");
        assert_eq!(plain("<b>Forum</b> métiers"), "Forum métiers");
    }

    #[test]
    fn bidirectional_controls_are_stripped() {
        assert_eq!(plain("Forum\u{202E} métiers\u{202C}"), "Forum métiers");
        assert_eq!(plain("\u{2067}Forum&#x202E;\u{200F}"), "Forum");
        let mut event = FeedEvent {
            title: "\u{202E}Atelier\u{202C} robotique".into(),
            city: Some("Besan\u{200E}çon".into()),
            categories: vec!["\u{2066}stage\u{2069}".into()],
            ..FeedEvent::default()
        };
        clean(&mut event);
        assert_eq!(event.title, "Atelier robotique");
        assert_eq!(event.city.as_deref(), Some("Besançon"));
        assert_eq!(event.categories, vec!["stage".to_string()]);
        // What is left passes the strict validator the hub's own forms use.
        assert!(validate::text("title", &event.title, validate::TITLE_MAX).is_ok());
    }

    #[test]
    fn only_web_links_are_kept() {
        assert_eq!(
            link(" https://example.org/a?b=1&amp;c=2 ").as_deref(),
            Some("https://example.org/a?b=1&c=2")
        );
        assert_eq!(link("javascript:alert(1)"), None);
        assert_eq!(link("N/A"), None);
    }

    #[test]
    fn events_are_cleaned_field_by_field() {
        let mut event = FeedEvent {
            title: "  TEST\n Syd ".into(),
            location_name: Some("Roadstar 16 \n12764 Happyville\nDenmark".into()),
            organiser: Some("   ".into()),
            categories: vec![" FSS event ".into(), String::new()],
            ..FeedEvent::default()
        };
        clean(&mut event);
        assert_eq!(event.title, "TEST Syd");
        assert_eq!(
            event.location_name.as_deref(),
            Some("Roadstar 16\n12764 Happyville\nDenmark")
        );
        assert_eq!(event.organiser, None);
        assert_eq!(event.categories, vec!["FSS event".to_string()]);
    }
}
