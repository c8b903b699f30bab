//! An action's write rules: initiatives as the partners' fiches describe them.

use entity::{ActionStatus, Audience, Priority, Region, Visibility};
use uuid::Uuid;

use super::validate::{self, TITLE_MAX};
use super::{Checks, Invalid, Patch, put};
use crate::error::AppResult;

/// Every field of an action a user can set, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionFields {
    pub organisation_id: Uuid,
    pub title: String,
    pub summary: Option<String>,
    pub findings: Option<String>,
    pub objectives: Option<String>,
    pub achievements: Option<String>,
    pub stakeholders: Option<String>,
    pub obstacles: Option<String>,
    pub indicators: Option<String>,
    pub feedback: Option<String>,
    pub region: Option<Region>,
    pub status: ActionStatus,
    pub priority: Priority,
    pub audiences: Vec<Audience>,
    pub tags: Vec<String>,
    pub people_reached: Option<i32>,
    pub visibility: Visibility,
}

impl From<&entity::action::Model> for ActionFields {
    fn from(m: &entity::action::Model) -> Self {
        ActionFields {
            organisation_id: m.organisation_id,
            title: m.title.clone(),
            summary: m.summary.clone(),
            findings: m.findings.clone(),
            objectives: m.objectives.clone(),
            achievements: m.achievements.clone(),
            stakeholders: m.stakeholders.clone(),
            obstacles: m.obstacles.clone(),
            indicators: m.indicators.clone(),
            feedback: m.feedback.clone(),
            region: m.region,
            status: m.status,
            priority: m.priority,
            audiences: m.audiences.0.clone(),
            tags: m.tags.0.clone(),
            people_reached: m.people_reached,
            visibility: m.visibility,
        }
    }
}

/// A new action as an entry point has it.
#[derive(Clone, Debug)]
pub struct ActionDraft {
    pub organisation_id: Uuid,
    pub title: String,
    pub summary: Option<String>,
    pub findings: Option<String>,
    pub objectives: Option<String>,
    pub achievements: Option<String>,
    pub stakeholders: Option<String>,
    pub obstacles: Option<String>,
    pub indicators: Option<String>,
    pub feedback: Option<String>,
    pub region: Option<Region>,
    pub status: ActionStatus,
    pub priority: Priority,
    pub audiences: Vec<Audience>,
    pub tags: Vec<String>,
    pub people_reached: Option<i32>,
    pub visibility: Visibility,
}

/// A change to an action, field by field.
#[derive(Clone, Debug, Default)]
pub struct ActionPatch {
    pub organisation_id: Patch<Uuid>,
    pub title: Patch<String>,
    pub summary: Patch<String>,
    pub findings: Patch<String>,
    pub objectives: Patch<String>,
    pub achievements: Patch<String>,
    pub stakeholders: Patch<String>,
    pub obstacles: Patch<String>,
    pub indicators: Patch<String>,
    pub feedback: Patch<String>,
    pub region: Patch<Region>,
    pub status: Patch<ActionStatus>,
    pub priority: Patch<Priority>,
    pub audiences: Patch<Vec<Audience>>,
    pub tags: Patch<Vec<String>>,
    pub people_reached: Patch<i32>,
    pub visibility: Patch<Visibility>,
}

/// A validated change: the new value of each field it changes.
#[derive(Clone, Debug)]
pub struct ActionChange {
    organisation_id: Option<Uuid>,
    title: Option<String>,
    summary: Option<Option<String>>,
    findings: Option<Option<String>>,
    objectives: Option<Option<String>>,
    achievements: Option<Option<String>>,
    stakeholders: Option<Option<String>>,
    obstacles: Option<Option<String>>,
    indicators: Option<Option<String>>,
    feedback: Option<Option<String>>,
    region: Option<Option<Region>>,
    status: Option<ActionStatus>,
    priority: Option<Priority>,
    audiences: Option<Vec<Audience>>,
    tags: Option<Vec<String>>,
    people_reached: Option<Option<i32>>,
    visibility: Option<Visibility>,
}

fn title(value: &str) -> AppResult<String> {
    validate::text("title", value, TITLE_MAX)
}

/// The fiche's sections are free texts, each named after its field.
fn section(field: &'static str) -> impl FnOnce(Option<String>) -> AppResult<Option<String>> {
    move |value| validate::opt_rich_text(field, value)
}

fn audiences(values: Vec<Audience>) -> Vec<Audience> {
    validate::dedup(values)
}

fn tags(values: Vec<String>) -> AppResult<Vec<String>> {
    validate::tags("tags", values)
}

fn people_reached(value: Option<i32>) -> AppResult<Option<i32>> {
    validate::count("peopleReached", value)
}

impl ActionFields {
    /// A new action, or every field it refuses.
    pub fn parse(d: ActionDraft) -> Result<ActionFields, Invalid> {
        let mut c = Checks::default();
        // Checked in the order written.
        let fields = ActionFields {
            organisation_id: d.organisation_id,
            title: c.value(title(&d.title)),
            summary: c.value(section("summary")(d.summary)),
            findings: c.value(section("findings")(d.findings)),
            objectives: c.value(section("objectives")(d.objectives)),
            achievements: c.value(section("achievements")(d.achievements)),
            stakeholders: c.value(section("stakeholders")(d.stakeholders)),
            obstacles: c.value(section("obstacles")(d.obstacles)),
            indicators: c.value(section("indicators")(d.indicators)),
            feedback: c.value(section("feedback")(d.feedback)),
            region: d.region,
            status: d.status,
            priority: d.priority,
            audiences: audiences(d.audiences),
            tags: c.value(tags(d.tags)),
            people_reached: c.value(people_reached(d.people_reached)),
            visibility: d.visibility,
        };
        c.finish(fields)
    }
}

impl ActionChange {
    /// A change, or every field it refuses.
    pub fn parse(p: ActionPatch) -> Result<ActionChange, Invalid> {
        let mut c = Checks::default();
        // Checked in the order written.
        let change = ActionChange {
            organisation_id: c.required("organisationId", p.organisation_id, Ok),
            title: c.required("title", p.title, |v| title(&v)),
            summary: c.optional(p.summary, section("summary")),
            findings: c.optional(p.findings, section("findings")),
            objectives: c.optional(p.objectives, section("objectives")),
            achievements: c.optional(p.achievements, section("achievements")),
            stakeholders: c.optional(p.stakeholders, section("stakeholders")),
            obstacles: c.optional(p.obstacles, section("obstacles")),
            indicators: c.optional(p.indicators, section("indicators")),
            feedback: c.optional(p.feedback, section("feedback")),
            region: c.optional(p.region, Ok),
            status: c.required("status", p.status, Ok),
            priority: c.required("priority", p.priority, Ok),
            audiences: c.required("audiences", p.audiences, |v| Ok(audiences(v))),
            tags: c.required("tags", p.tags, tags),
            people_reached: c.optional(p.people_reached, people_reached),
            visibility: c.required("visibility", p.visibility, Ok),
        };
        c.finish(change)
    }

    pub fn apply(self, f: &mut ActionFields) {
        put(&mut f.organisation_id, self.organisation_id);
        put(&mut f.title, self.title);
        put(&mut f.summary, self.summary);
        put(&mut f.findings, self.findings);
        put(&mut f.objectives, self.objectives);
        put(&mut f.achievements, self.achievements);
        put(&mut f.stakeholders, self.stakeholders);
        put(&mut f.obstacles, self.obstacles);
        put(&mut f.indicators, self.indicators);
        put(&mut f.feedback, self.feedback);
        put(&mut f.region, self.region);
        put(&mut f.status, self.status);
        put(&mut f.priority, self.priority);
        put(&mut f.audiences, self.audiences);
        put(&mut f.tags, self.tags);
        put(&mut f.people_reached, self.people_reached);
        put(&mut f.visibility, self.visibility);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ActionDraft {
        ActionDraft {
            organisation_id: Uuid::now_v7(),
            title: " Collectif femmes ".into(),
            summary: Some("Des rencontres\nen lycée".into()),
            findings: None,
            objectives: None,
            achievements: None,
            stakeholders: None,
            obstacles: None,
            indicators: None,
            feedback: None,
            region: None,
            status: ActionStatus::Planned,
            priority: Priority::Medium,
            audiences: Vec::new(),
            tags: Vec::new(),
            people_reached: Some(40),
            visibility: Visibility::Public,
        }
    }

    #[test]
    fn a_draft_is_checked_field_by_field() {
        let f = ActionFields::parse(draft()).expect("valid");
        assert_eq!(f.title, "Collectif femmes");
        assert_eq!(f.summary.as_deref(), Some("Des rencontres\nen lycée"));
        let invalid = ActionFields::parse(ActionDraft {
            obstacles: Some("a\u{7}b".into()),
            people_reached: Some(-1),
            ..draft()
        })
        .expect_err("refused");
        let messages: Vec<String> = invalid.errors().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "obstacles contains control characters",
                "peopleReached must not be negative"
            ]
        );
    }

    #[test]
    fn the_organisation_cannot_be_cleared() {
        let refused = ActionChange::parse(ActionPatch {
            organisation_id: Patch::Clear,
            ..Default::default()
        })
        .expect_err("refused");
        assert_eq!(refused.first().to_string(), "organisationId cannot be null");
        let mut f = ActionFields::parse(draft()).expect("valid");
        ActionChange::parse(ActionPatch {
            people_reached: Patch::Clear,
            status: Patch::Set(ActionStatus::Completed),
            ..Default::default()
        })
        .expect("valid")
        .apply(&mut f);
        assert_eq!((f.people_reached, f.status), (None, ActionStatus::Completed));
    }
}
