//! Atom feeds (RFC 4287) of events and resources, written with `atom_syndication`.

use std::sync::Arc;

use atom_syndication::{Category, Content, Entry, Feed, FixedDateTime, Link, Person, Text};
use chrono::{DateTime, Utc};

use super::Organisations;

/// What a feed says about itself.
pub struct FeedInfo<'a> {
    pub title: &'a str,
    /// The feed's own absolute address (its `id` and `rel="self"` link).
    pub self_url: &'a str,
    /// The hub's address (`rel="alternate"`).
    pub site_url: &'a str,
}

fn fixed(at: DateTime<Utc>) -> FixedDateTime {
    at.fixed_offset()
}

fn link(href: &str, rel: &str, mime: Option<&str>) -> Link {
    let mut link = Link::default();
    link.set_href(href);
    link.set_rel(rel);
    link.set_mime_type(mime.map(str::to_string));
    link
}

fn person(name: &str) -> Person {
    let mut person = Person::default();
    person.set_name(name);
    person
}

fn category(term: &str) -> Category {
    let mut category = Category::default();
    category.set_term(term);
    category
}

fn html(value: &str) -> Content {
    let mut content = Content::default();
    content.set_content_type("html".to_string());
    // Stored long texts are under the one HTML rule already; a row written before the rule
    // reached it goes through it here too (idempotent on what it produced).
    content.set_value(crate::domain::rich_text::sanitise(value));
    content
}

/// A feed whose `updated` is its newest entry's (a fixed date when empty), so that the same
/// records give the same bytes and the same ETag.
fn feed(info: &FeedInfo<'_>, entries: Vec<Entry>) -> Vec<u8> {
    let mut feed = Feed::default();
    feed.set_title(info.title);
    feed.set_id(info.self_url);
    let updated = entries
        .iter()
        .map(|e| *e.updated())
        .max()
        .unwrap_or_else(|| fixed(DateTime::UNIX_EPOCH));
    feed.set_updated(updated);
    feed.set_links(vec![
        link(info.self_url, "self", Some("application/atom+xml")),
        link(info.site_url, "alternate", None),
    ]);
    feed.set_authors(vec![person("Passerelle")]);
    feed.set_lang("fr".to_string());
    feed.set_entries(entries);
    match feed.write_to(Vec::with_capacity(4096)) {
        Ok(out) => out,
        // Writing into memory fails only on a bug: an empty feed is better than a broken one.
        Err(err) => {
            tracing::error!(error = %err, "an Atom feed could not be written");
            Vec::new()
        }
    }
}

/// The feed of `events`: one entry each, its summary the date and place, its content the
/// sanitised description.
pub fn events(info: &FeedInfo<'_>, events: &[Arc<entity::event::Model>], organisations: &Organisations) -> Vec<u8> {
    let entries = events
        .iter()
        .map(|event| {
            let mut entry = Entry::default();
            entry.set_id(format!("urn:uuid:{}", event.id));
            let mut title = event.title.clone();
            if event.status != entity::EventStatus::Scheduled {
                title = format!("[Annulé] {title}");
            }
            entry.set_title(Text::plain(title));
            entry.set_updated(fixed(event.updated_at));
            entry.set_published(Some(fixed(event.created_at)));
            let tz = event.timezone.parse::<chrono_tz::Tz>().unwrap_or(chrono_tz::Tz::UTC);
            let local = event.starts_at.with_timezone(&tz);
            let when = if event.all_day {
                local.format("%Y-%m-%d").to_string()
            } else {
                format!("{} ({})", local.format("%Y-%m-%d %H:%M"), tz.name())
            };
            let summary = match super::event_location(event) {
                Some(place) => format!("{when} — {place}"),
                None => when,
            };
            entry.set_summary(Some(Text::plain(summary)));
            if let Some(description) = event.description.as_deref().filter(|d| !d.trim().is_empty()) {
                entry.set_content(Some(html(description)));
            }
            if let Some(url) = event.url.as_deref() {
                entry.set_links(vec![link(url, "alternate", None)]);
            }
            let author = super::organiser_name(event, organisations).or_else(|| event.author.clone());
            entry.set_authors(vec![person(author.as_deref().unwrap_or("Passerelle"))]);
            entry.set_categories(event.tags.0.iter().map(|t| category(t)).collect::<Vec<_>>());
            entry
        })
        .collect();
    feed(info, entries)
}

/// The feed of `resources`: one entry each, its summary the description, its content the
/// resource's text.
pub fn resources(
    info: &FeedInfo<'_>,
    resources: &[Arc<entity::resource::Model>],
    organisations: &Organisations,
) -> Vec<u8> {
    let entries = resources
        .iter()
        .map(|resource| {
            let mut entry = Entry::default();
            entry.set_id(format!("urn:uuid:{}", resource.id));
            entry.set_title(Text::plain(resource.title.clone()));
            entry.set_updated(fixed(resource.updated_at));
            entry.set_published(Some(fixed(resource.created_at)));
            if let Some(description) = resource.description.as_deref().filter(|d| !d.trim().is_empty()) {
                entry.set_summary(Some(Text::plain(super::plain_text(description))));
            }
            if let Some(content) = resource.content.as_deref().filter(|c| !c.trim().is_empty()) {
                entry.set_content(Some(html(content)));
            }
            if let Some(url) = resource.url.as_deref() {
                entry.set_links(vec![link(url, "alternate", None)]);
            }
            let owner = resource
                .organisation_id
                .and_then(|id| organisations.get(&id))
                .map(|o| o.name.clone());
            let author = resource.author.clone().or(owner);
            entry.set_authors(vec![person(author.as_deref().unwrap_or("Passerelle"))]);
            let mut categories = vec![category(resource.kind.as_str())];
            categories.extend(resource.tags.0.iter().map(|t| category(t)));
            entry.set_categories(categories);
            entry
        })
        .collect();
    feed(info, entries)
}
