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

/// Plain text from a stored long text, for the formats that carry text only (the one HTML
/// rule's plain half).
pub use crate::domain::rich_text::plain_text;

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
