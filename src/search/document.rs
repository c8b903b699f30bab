//! The indexed form of each searchable record, and its content hash.
//!
//! A document holds what every caller who may see the record may read, and the attributes
//! searches filter on. Never indexed: a contact's e-mail, phone and notes.

use entity::EventStatus;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::RecordType;

/// Characters of a long text kept in the index: enough for any snippet and for ranking.
const BODY_CHARS: usize = 20_000;

/// One document, the same in both engines. Text attributes are plain text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// `<type>-<record id>`.
    pub id: String,
    #[serde(rename = "type")]
    pub record_type: String,
    pub record_id: String,
    pub title: String,
    /// The name of the owning organisation (the organiser of an event).
    pub organisation: String,
    pub tags: Vec<String>,
    /// Where: venue, address, postal code, city.
    pub place: String,
    pub body: String,
    /// The owning organisation's id: the filter on organisation, and the owner the
    /// `ORGANISATION` visibility refers to.
    pub organisation_id: Option<String>,
    pub kind: Option<String>,
    pub region: Option<String>,
    pub departement: Option<String>,
    pub city: Option<String>,
    pub audiences: Vec<String>,
    pub free_of_rights: Option<bool>,
    pub open_to_public: Option<bool>,
    pub status: Option<String>,
    pub visibility: String,
    /// Unix seconds.
    pub starts_at: Option<i64>,
    /// A hash of everything above: `search check` compares it with the database's.
    pub hash: String,
}

impl Document {
    fn new(ty: RecordType, id: Uuid, title: &str, visibility: entity::Visibility) -> Document {
        Document {
            id: ty.document_id(id),
            record_type: ty.as_str().to_string(),
            record_id: id.to_string(),
            title: plain(title),
            visibility: visibility.as_str().to_string(),
            ..Default::default()
        }
    }

    /// Sets the content hash; call it last.
    pub fn sealed(mut self) -> Document {
        self.hash = String::new();
        // Serialising strings, numbers and options cannot fail.
        let json = serde_json::to_vec(&self).unwrap_or_default();
        let digest = Sha256::digest(&json);
        self.hash = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        self
    }

    /// The record the document stands for.
    pub fn record(&self) -> Option<(RecordType, Uuid)> {
        RecordType::parse_document_id(&self.id)
    }

    /// An event; none for events their feed removed (they are hidden from lists too).
    pub fn event(m: &entity::event::Model, organisation: Option<&str>) -> Option<Document> {
        if m.status == EventStatus::RemovedUpstream {
            return None;
        }
        let mut d = Document::new(RecordType::Event, m.id, &m.title, m.visibility);
        d.organisation = organisation
            .or(m.organiser_name.as_deref())
            .map(plain)
            .unwrap_or_default();
        d.organisation_id = m.organiser_id.map(|id| id.to_string());
        d.tags = m.tags.0.clone();
        d.place = joined([
            m.location_name.as_deref(),
            m.address.as_deref(),
            m.postal_code.as_deref(),
            m.city.as_deref(),
        ]);
        d.body = body([m.description.as_deref()]);
        d.region = m.region.map(|r| r.as_str().to_string());
        d.departement = m.departement.clone();
        d.city = m.city.clone();
        d.audiences = m.audiences.0.iter().map(|a| a.as_str().to_string()).collect();
        d.open_to_public = Some(m.open_to_public);
        d.status = Some(m.status.as_str().to_string());
        d.starts_at = Some(m.starts_at.timestamp());
        Some(d.sealed())
    }

    pub fn resource(m: &entity::resource::Model, organisation: Option<&str>) -> Document {
        let mut d = Document::new(RecordType::Resource, m.id, &m.title, m.visibility);
        d.organisation = organisation.map(plain).unwrap_or_default();
        d.organisation_id = m.organisation_id.map(|id| id.to_string());
        d.tags = m.tags.0.clone();
        d.body = body([m.description.as_deref(), m.content.as_deref(), m.author.as_deref()]);
        d.kind = Some(m.kind.as_str().to_string());
        d.region = m.region.map(|r| r.as_str().to_string());
        d.audiences = m.audiences.0.iter().map(|a| a.as_str().to_string()).collect();
        d.free_of_rights = Some(m.free_of_rights);
        d.sealed()
    }

    pub fn organisation(m: &entity::organisation::Model) -> Document {
        let mut d = Document::new(RecordType::Organisation, m.id, &m.name, entity::Visibility::Public);
        d.organisation = plain(&m.name);
        d.organisation_id = Some(m.id.to_string());
        d.place = joined([m.city.as_deref()]);
        d.body = body([m.description.as_deref()]);
        d.kind = Some(m.kind.as_str().to_string());
        d.region = m.region.map(|r| r.as_str().to_string());
        d.departement = m.departement.clone();
        d.city = m.city.clone();
        d.sealed()
    }

    /// A contact: name, job title, organisation and places; never e-mail, phone or notes.
    pub fn contact(m: &entity::contact::Model, organisation: Option<&str>) -> Document {
        let name = format!("{} {}", m.first_name, m.last_name);
        let mut d = Document::new(RecordType::Contact, m.id, &name, m.visibility);
        d.organisation = organisation.map(plain).unwrap_or_default();
        d.organisation_id = m.organisation_id.map(|id| id.to_string());
        d.tags = m.tags.0.clone();
        d.place = joined([m.city.as_deref()]);
        d.body = body([m.job_title.as_deref()]);
        d.region = m.region.map(|r| r.as_str().to_string());
        d.city = m.city.clone();
        d.audiences = m.audiences.0.iter().map(|a| a.as_str().to_string()).collect();
        d.sealed()
    }

    pub fn action(m: &entity::action::Model, organisation: Option<&str>) -> Document {
        let mut d = Document::new(RecordType::Action, m.id, &m.title, m.visibility);
        d.organisation = organisation.map(plain).unwrap_or_default();
        d.organisation_id = Some(m.organisation_id.to_string());
        d.tags = m.tags.0.clone();
        d.body = body([
            m.summary.as_deref(),
            m.objectives.as_deref(),
            m.achievements.as_deref(),
            m.findings.as_deref(),
            m.feedback.as_deref(),
        ]);
        d.region = m.region.map(|r| r.as_str().to_string());
        d.audiences = m.audiences.0.iter().map(|a| a.as_str().to_string()).collect();
        d.status = Some(m.status.as_str().to_string());
        d.sealed()
    }
}

/// Plain text: markup removed, entities decoded, control characters (the snippet marks among
/// them) turned into spaces.
pub(crate) fn plain(raw: &str) -> String {
    crate::feeds::text::plain(raw)
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

/// The non-empty parts, as plain text, joined by `separator`.
fn joined_by<'a>(separator: &str, parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    parts
        .into_iter()
        .flatten()
        .map(plain)
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join(separator)
}

fn joined<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    joined_by(", ", parts)
}

fn body<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    crate::domain::validate::cut(&joined_by("\n", parts), BODY_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact() -> entity::contact::Model {
        let now = chrono::Utc::now();
        entity::contact::Model {
            id: Uuid::now_v7(),
            organisation_id: None,
            first_name: "Claire".into(),
            last_name: "Martin".into(),
            name_sort: entity::sort_key::sort_key_of(&["Martin", "Claire"]),
            job_title: Some("Ingénieure <b>procédés</b>".into()),
            email: Some("claire@example.org".into()),
            email_key: Some("claire@example.org".into()),
            phone: Some("+33 6 12 34 56 78".into()),
            region: None,
            departement: None,
            postal_code: None,
            city: Some("Besançon".into()),
            audiences: Default::default(),
            tags: Default::default(),
            notes: Some("private note".into()),
            visibility: entity::Visibility::Partners,
            consent_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn contacts_are_indexed_without_email_phone_or_notes() {
        let d = Document::contact(&contact(), Some("Elles Bougent"));
        let json = serde_json::to_string(&d).expect("json");
        assert!(!json.contains("claire@example.org") && !json.contains("12 34") && !json.contains("private"));
        assert_eq!(d.title, "Claire Martin");
        assert_eq!(d.body, "Ingénieure procédés");
        assert_eq!(d.organisation, "Elles Bougent");
        assert_eq!(d.visibility, "partners");
    }

    #[test]
    fn the_hash_follows_the_content() {
        let mut m = contact();
        let a = Document::contact(&m, None);
        assert_eq!(a.hash, Document::contact(&m, None).hash, "stable");
        m.city = Some("Dole".into());
        assert_ne!(a.hash, Document::contact(&m, None).hash);
        m.email = Some("other@example.org".into());
        let b = Document::contact(&m, None);
        m.email = None;
        assert_eq!(b.hash, Document::contact(&m, None).hash, "e-mail is not indexed");
    }

    #[test]
    fn control_characters_cannot_forge_marks() {
        assert_eq!(plain("a\u{2}b\u{3}c"), "a b c");
    }
}
