//! Serialisers of the exports, with no database and no HTTP: models in, bytes out.
//!
//! - `ics`: iCalendar (RFC 5545) of events, with the `VTIMEZONE`s they use;
//! - `atom`: Atom feeds (RFC 4287) of events and resources;
//! - `vcard`: vCard 4.0 (RFC 6350) of contacts;
//! - `csv`: CSV files of events, resources and contacts (UTF-8 with BOM, formulas neutralised).

pub mod atom;
pub mod csv;
pub mod ics;
pub mod indicators;
pub mod vcard;

use std::collections::HashMap;

use uuid::Uuid;

/// Organisations by id, to name the owner of each exported record.
pub type Organisations = HashMap<Uuid, entity::organisation::Model>;

/// Plain text from stored (sanitised) HTML: block ends and `<br>` become line breaks, list
/// items get a dash, tags go, entities are decoded, and runs of blank lines shrink to one.
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

/// The one-line address of an event: place, street, postal code and city.
pub fn event_location(event: &entity::event::Model) -> Option<String> {
    let town = [event.postal_code.as_deref(), event.city.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let parts: Vec<String> = [
        event.location_name.as_deref(),
        event.address.as_deref(),
        Some(town.as_str()),
    ]
    .into_iter()
    .flatten()
    .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
    .filter(|s| !s.is_empty())
    .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Who organises an event: its organiser organisation, else the name given.
pub fn organiser_name(event: &entity::event::Model, organisations: &Organisations) -> Option<String> {
    event
        .organiser_id
        .and_then(|id| organisations.get(&id))
        .map(|o| o.name.clone())
        .or_else(|| event.organiser_name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_paragraphs_and_decodes_entities() {
        let html = "<p>Atelier <strong>soudure</strong> &amp; robotique</p><ul><li>un</li><li>deux</li></ul><p>Fin<br>ligne</p>";
        assert_eq!(
            plain_text(html),
            "Atelier soudure & robotique\n- un\n- deux\nFin\nligne"
        );
        assert_eq!(plain_text("a &lt; b"), "a < b");
        assert_eq!(plain_text("  one\r\n\r\n\r\ntwo "), "one\n\ntwo");
    }
}
