//! vCard 4.0 (RFC 6350) of contacts, written with the `vcard4` crate (it escapes values and
//! folds lines at 75 octets).

use std::sync::Arc;

use entity::contact::Model as Contact;
use vcard4::property::DeliveryAddress;
use vcard4::{Uri, VcardBuilder};

use super::Organisations;

/// Newlines as LF only (a bare CR would break a content line), trimmed.
fn text(value: &str) -> String {
    value.replace("\r\n", "\n").replace('\r', "\n").trim().to_string()
}

fn some_text(value: Option<&str>) -> Option<String> {
    value.map(text).filter(|v| !v.is_empty())
}

/// One vCard per contact, in the order given.
pub fn cards(contacts: &[Arc<Contact>], organisations: &Organisations) -> Vec<u8> {
    let mut out = String::with_capacity(contacts.len() * 400);
    for contact in contacts {
        let first = text(&contact.first_name);
        let last = text(&contact.last_name);
        let full = [first.as_str(), last.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let mut card = VcardBuilder::new(if full.is_empty() { "?".to_string() } else { full })
            // Family, given, additional names, prefixes, suffixes.
            .name([last, first, String::new(), String::new(), String::new()]);
        if let Ok(uid) = format!("urn:uuid:{}", contact.id).parse::<Uri>() {
            card = card.uid(uid);
        }
        if let Some(email) = some_text(contact.email.as_deref()) {
            card = card.email(email);
        }
        if let Some(phone) = some_text(contact.phone.as_deref()) {
            card = card.telephone(phone);
        }
        if let Some(org) = contact.organisation_id.and_then(|id| organisations.get(&id)) {
            card = card.org(vec![text(&org.name)]);
        }
        if let Some(title) = some_text(contact.job_title.as_deref()) {
            card = card.title(title);
        }
        if let Some(city) = some_text(contact.city.as_deref()) {
            card = card.address(DeliveryAddress {
                locality: Some(city),
                ..Default::default()
            });
        }
        // vCard's NOTE is text: the notes' plain half of the one HTML rule.
        if let Some(note) = some_text(contact.notes.as_deref().map(super::plain_text).as_deref()) {
            card = card.note(note);
        }
        if !contact.tags.0.is_empty() {
            card = card.categories(contact.tags.0.iter().map(|t| text(t)).collect());
        }
        if let Ok(rev) = vcard4::time::OffsetDateTime::from_unix_timestamp(contact.updated_at.timestamp()) {
            card = card.rev(rev.into());
        }
        out.push_str(
            &card
                .prod_id("-//Passerelle//Passerelle//FR".to_string())
                .finish()
                .to_string(),
        );
    }
    out.into_bytes()
}
