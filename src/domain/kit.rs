//! A kit's write rules: a physical copy of a resource (the « Femmes et Microtechniques »
//! mallette exists as 24 of them), owned and lent by an organisation.

use entity::{KitStatus, Visibility};
use uuid::Uuid;

use super::validate;
use super::{Checks, Invalid, Patch, put};
use crate::error::AppResult;

/// Characters of an inventory code at most.
pub const INVENTORY_CODE_MAX: usize = 64;
const LOCATION_MAX: usize = 300;

/// Every field of a kit a user can set, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct KitFields {
    /// The owner, who lends it. Set at creation and never changed: its loans name it.
    pub organisation_id: Uuid,
    /// The resource that describes it.
    pub resource_id: Uuid,
    /// Unique per organisation, whatever the case.
    pub inventory_code: String,
    /// Where it is kept.
    pub location: Option<String>,
    pub condition_notes: Option<String>,
    pub status: KitStatus,
    pub visibility: Visibility,
}

impl From<&entity::kit::Model> for KitFields {
    fn from(m: &entity::kit::Model) -> Self {
        KitFields {
            organisation_id: m.organisation_id,
            resource_id: m.resource_id,
            inventory_code: m.inventory_code.clone(),
            location: m.location.clone(),
            condition_notes: m.condition_notes.clone(),
            status: m.status,
            visibility: m.visibility,
        }
    }
}

/// A new kit as an entry point has it.
#[derive(Clone, Debug)]
pub struct KitDraft {
    pub organisation_id: Uuid,
    pub resource_id: Uuid,
    pub inventory_code: String,
    pub location: Option<String>,
    pub condition_notes: Option<String>,
    pub status: KitStatus,
    pub visibility: Visibility,
}

/// A change to a kit, field by field (its owner and its resource stay).
#[derive(Clone, Debug, Default)]
pub struct KitPatch {
    pub inventory_code: Patch<String>,
    pub location: Patch<String>,
    pub condition_notes: Patch<String>,
    pub status: Patch<KitStatus>,
    pub visibility: Patch<Visibility>,
}

/// A validated change: the new value of each field it changes.
#[derive(Clone, Debug)]
pub struct KitChange {
    inventory_code: Option<String>,
    location: Option<Option<String>>,
    condition_notes: Option<Option<String>>,
    status: Option<KitStatus>,
    visibility: Option<Visibility>,
}

fn inventory_code(value: &str) -> AppResult<String> {
    validate::text("inventoryCode", value, INVENTORY_CODE_MAX)
}

fn location(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_text("location", value, LOCATION_MAX)
}

fn condition_notes(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_rich_text("conditionNotes", value)
}

impl KitFields {
    /// A new kit, or every field it refuses.
    pub fn parse(d: KitDraft) -> Result<KitFields, Invalid> {
        let mut c = Checks::default();
        // Checked in the order written.
        let fields = KitFields {
            organisation_id: d.organisation_id,
            resource_id: d.resource_id,
            inventory_code: c.value(inventory_code(&d.inventory_code)),
            location: c.value(location(d.location)),
            condition_notes: c.value(condition_notes(d.condition_notes)),
            status: d.status,
            visibility: d.visibility,
        };
        c.finish(fields)
    }

    /// Whether it can be lent now.
    pub fn lendable(&self) -> bool {
        self.status == KitStatus::Available
    }
}

impl KitChange {
    /// A change, or every field it refuses.
    pub fn parse(p: KitPatch) -> Result<KitChange, Invalid> {
        let mut c = Checks::default();
        let change = KitChange {
            inventory_code: c.required("inventoryCode", p.inventory_code, |v| inventory_code(&v)),
            location: c.optional(p.location, location),
            condition_notes: c.optional(p.condition_notes, condition_notes),
            status: c.required("status", p.status, Ok),
            visibility: c.required("visibility", p.visibility, Ok),
        };
        c.finish(change)
    }

    pub fn apply(self, f: &mut KitFields) {
        put(&mut f.inventory_code, self.inventory_code);
        put(&mut f.location, self.location);
        put(&mut f.condition_notes, self.condition_notes);
        put(&mut f.status, self.status);
        put(&mut f.visibility, self.visibility);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> KitDraft {
        KitDraft {
            organisation_id: Uuid::now_v7(),
            resource_id: Uuid::now_v7(),
            inventory_code: " FMT-01 ".into(),
            location: Some("CMQ MSI, Besançon".into()),
            condition_notes: Some("  ".into()),
            status: KitStatus::Available,
            visibility: Visibility::Public,
        }
    }

    #[test]
    fn a_kit_is_normalised_and_its_code_required() {
        let f = KitFields::parse(draft()).expect("valid");
        assert_eq!(f.inventory_code, "FMT-01");
        assert_eq!(f.condition_notes, None);
        assert!(f.lendable());
        let refused = KitFields::parse(KitDraft {
            inventory_code: "x".repeat(INVENTORY_CODE_MAX + 1),
            location: Some("a\nb".into()),
            ..draft()
        })
        .expect_err("refused");
        let messages: Vec<String> = refused.errors().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "inventoryCode must be at most 64 characters",
                "location must be a single line of text"
            ]
        );
    }

    #[test]
    fn a_change_keeps_the_code_and_status_required() {
        let refused = KitChange::parse(KitPatch {
            inventory_code: Patch::Clear,
            status: Patch::Clear,
            ..Default::default()
        })
        .expect_err("refused");
        assert_eq!(refused.errors().count(), 2);
        let mut f = KitFields::parse(draft()).expect("valid");
        KitChange::parse(KitPatch {
            status: Patch::Set(KitStatus::InRepair),
            location: Patch::Clear,
            ..Default::default()
        })
        .expect("valid")
        .apply(&mut f);
        assert!(!f.lendable());
        assert_eq!((f.status, f.location), (KitStatus::InRepair, None));
    }
}
