//! iCalendar (RFC 5545) feeds.
//!
//! The `icalendar` crate reads the component tree, unescapes TEXT values, splits text lists
//! and reads dates; its `rrule` re-export expands recurrences. What is written here is what
//! the crate does not do, one module per step:
//! - `unfold`: bytes to text, folds joined before decoding;
//! - `repair`: repairing real-world documents before the crate's strict parser sees them;
//! - `zones`: resolving `TZID`s to IANA zones (Windows names and custom VTIMEZONEs included);
//! - `events`: dates, durations, the mapping to [`FeedEvent`](super::FeedEvent), generated uids;
//! - `recurrence`: series expanded into the window, with their overrides.
//!
//! Local times are read by the rule every format shares ([`super::time::local`]).

mod events;
mod recurrence;
mod repair;
#[cfg(test)]
mod tests;
mod unfold;
mod zones;

use icalendar::CalendarComponent;

use super::{ParseOptions, Parsed};
use events::Reader;
use repair::normalise;
use unfold::unfolded_text;
use zones::Zones;

/// Reads an iCalendar document: every VEVENT, recurrences expanded into the window.
pub fn parse(body: &[u8], options: &ParseOptions) -> anyhow::Result<Parsed> {
    let mut warnings = Vec::new();
    let text = unfolded_text(body, &mut warnings);
    let document = normalise(&text, &mut warnings)?;

    let mut zones = Zones::new(options);
    let mut vevents = Vec::new();
    for block in &document.blocks {
        // Each top-level component is parsed on its own so one the crate rejects costs
        // only itself.
        let component = match icalendar::parser::read_components(&block.text) {
            Ok(mut components) if !components.is_empty() => components.swap_remove(0),
            Ok(_) => continue,
            Err(error) => {
                let reason = error.lines().map(str::trim).find(|l| !l.is_empty() && *l != "error:");
                warnings.push(format!(
                    "{} starting on line {} could not be read and was skipped: {}",
                    block.kind,
                    block.line,
                    reason.unwrap_or("syntax error")
                ));
                continue;
            }
        };
        if block.kind == "VTIMEZONE" {
            zones.add_vtimezone(&component);
        } else if let CalendarComponent::Event(event) = CalendarComponent::from(component) {
            vevents.push((block.line, event));
        }
    }
    zones.set_calendar_zone(document.calendar_timezone.as_deref(), &mut warnings);

    let events = Reader {
        options,
        zones,
        warnings: &mut warnings,
    }
    .read(vevents);
    Ok(Parsed {
        events,
        warnings,
        ..Parsed::default()
    })
}
