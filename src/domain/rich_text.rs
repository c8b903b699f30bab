//! The one HTML rule for long texts: descriptions (organisations, resources, events), a
//! resource's content, the sections of an action, an experience report's text and a
//! contact's notes. Every write path — GraphQL, spreadsheet imports, feeds, the demo data, the
//! command line — stores what [`sanitise`] makes of its text, and every export reads it back
//! as stored (GraphQL, CSV, Atom) or as the plain text [`plain_text`] derives from it
//! (iCalendar, vCard, search).
//!
//! A long text is read as HTML: entities are decoded, and markup is kept only within ammonia's
//! default allow-list (text formatting, lists, tables, links and images; never a script, a
//! style, an event handler, or a `javascript:` link). Text without markup stays text, its line
//! breaks kept. The rule is idempotent: what it stores, given again, comes back unchanged, so
//! an export imports back as it was.
//!
//! Changing the rule changes what is stored: bump [`RULE_VERSION`] so that the stored texts
//! are sanitised again at the next start (`store::data_passes`).

use unicode_normalization::UnicodeNormalization;

use super::validate::without_bidi_controls;

/// The version of the rule the stored texts went through (see `store::data_passes`).
pub const RULE_VERSION: u32 = 1;

/// A long text under the hub's rule: safe HTML when it holds markup, else plain text, in both
/// cases with entities decoded, NFC-normalised, trimmed, and without bidirectional controls.
pub fn sanitise(raw: &str) -> String {
    let decoded = html_escape::decode_html_entities(raw);
    let cleaned = if looks_like_html(raw) {
        ammonia::clean(raw)
    } else if looks_like_html(&decoded) {
        // Markup hidden behind entities (`&lt;script&gt;`), as feeds often send it.
        ammonia::clean(&decoded)
    } else {
        decoded.into_owned()
    };
    // The bidirectional controls reorder what a reader sees: long texts lose them.
    without_bidi_controls(cleaned.nfc().collect::<String>().trim())
}

/// Whether `text` holds something a browser would read as a tag.
fn looks_like_html(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
}

/// Plain text from a stored long text, for the formats that carry text only (iCalendar's
/// `DESCRIPTION`, vCard's `NOTE`): block ends and `<br>` become line breaks, list items get a
/// dash, tags go, entities are decoded, and runs of blank lines shrink to one.
///
/// Hand-written on top of ammonia (which drops the tags) because the HTML is ammonia's own
/// normalised output, whose few block tags are spelt one way; an HTML-to-text crate would add a
/// second HTML stack for this.
pub fn plain_text(html: &str) -> String {
    let text = if html.contains('<') {
        let mut marked = ammonia::clean(html).replace("<br>", "\n").replace("<li>", "<li>- ");
        for tag in [
            "</p>",
            "</div>",
            "</li>",
            "</h1>",
            "</h2>",
            "</h3>",
            "</h4>",
            "</h5>",
            "</h6>",
            "</tr>",
            "</blockquote>",
            "</pre>",
        ] {
            marked = marked.replace(tag, &format!("{tag}\n"));
        }
        ammonia::Builder::empty().clean(&marked).to_string()
    } else {
        html.to_string()
    };
    let text = html_escape::decode_html_entities(&text)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line.trim_start());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_script_links_never_survive() {
        let cleaned = sanitise("<p onclick=\"x()\">Salut</p><script>alert(1)</script><a href=\"javascript:x\">l</a>");
        assert!(!cleaned.contains("script"), "{cleaned}");
        assert!(!cleaned.contains("onclick"), "{cleaned}");
        assert!(!cleaned.contains("javascript"), "{cleaned}");
        assert!(cleaned.contains("<p>Salut</p>"), "{cleaned}");
        // Markup hidden behind entities is sanitised too.
        let escaped = sanitise("&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;ok&lt;/p&gt;");
        assert!(!escaped.contains("script"), "{escaped}");
        assert_eq!(sanitise("<p>Salut\u{202E}</p>"), "<p>Salut</p>");
    }

    #[test]
    fn text_stays_text_and_formatting_stays() {
        assert_eq!(sanitise("Ligne 1\nLigne 2 "), "Ligne 1\nLigne 2");
        assert_eq!(sanitise("Sciences &amp; techniques"), "Sciences & techniques");
        assert_eq!(sanitise("2 < 3 & 5 > 4"), "2 < 3 & 5 > 4");
        assert_eq!(sanitise("Cafe\u{301}"), "Café");
        let html = "<p>Atelier <strong>soudure</strong> &amp; <a href=\"https://example.org/\">robotique</a></p><ul><li>un</li></ul>";
        let kept = sanitise(html);
        assert!(
            kept.starts_with("<p>Atelier <strong>soudure</strong> &amp; <a href=\"https://example.org/\""),
            "{kept}"
        );
        assert!(kept.ends_with("<ul><li>un</li></ul>"), "{kept}");
    }

    #[test]
    fn the_rule_is_idempotent() {
        for raw in [
            "<p onclick=\"x()\">Salut &amp; bienvenue</p><script>alert(1)</script><img src=x onerror=alert(1)>",
            "Ligne 1\n\nLigne 2 — « guillemets » & co",
            "&lt;b&gt;gras&lt;/b&gt;",
            "<table><tr><td>a</td></tr></table><a href=\"https://example.org/?a=1&amp;b=2\">lien</a>",
            "<p>Fin<br>ligne</p>",
        ] {
            let once = sanitise(raw);
            assert_eq!(sanitise(&once), once, "{raw}");
        }
    }

    #[test]
    fn plain_text_keeps_paragraphs_and_decodes_entities() {
        let html = "<p>Atelier <strong>soudure</strong> &amp; robotique</p><ul><li>un</li><li>deux</li></ul><p>Fin<br>ligne</p>";
        assert_eq!(
            plain_text(html),
            "Atelier soudure & robotique\n- un\n- deux\nFin\nligne"
        );
        assert_eq!(plain_text("a &lt; b"), "a < b");
        assert_eq!(plain_text("  one\r\n\r\n\r\ntwo "), "one\n\ntwo");
        assert_eq!(plain_text(&sanitise("<p>ok</p><script>alert(1)</script>")), "ok");
    }
}
