//! An experience report's (REX) write rules: what was learnt from an action or an event.

use chrono::NaiveDate;
use uuid::Uuid;

use super::validate::{self, LONG_TEXT_MAX, TITLE_MAX};
use super::{Checks, Invalid, Patch, put};
use crate::error::{AppError, AppResult};

/// What a report is about: exactly one action, one event or one kit loan (a school's
/// « retour » on the kit it borrowed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExperienceReportSubject {
    Action(Uuid),
    Event(Uuid),
    KitLoan(Uuid),
}

impl ExperienceReportSubject {
    /// The input field that names it.
    pub fn field(self) -> &'static str {
        match self {
            ExperienceReportSubject::Action(_) => "actionId",
            ExperienceReportSubject::Event(_) => "eventId",
            ExperienceReportSubject::KitLoan(_) => "kitLoanId",
        }
    }
}

/// Every field of a report a user can set, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct ExperienceReportFields {
    pub subject: ExperienceReportSubject,
    /// The account that wrote it (none for imported reports).
    pub author_user_id: Option<Uuid>,
    pub author: String,
    pub text: String,
    pub rating: Option<i16>,
    pub people_reached: Option<i32>,
    pub reported_on: NaiveDate,
}

impl From<&entity::experience_report::Model> for ExperienceReportFields {
    fn from(m: &entity::experience_report::Model) -> Self {
        let subject = match (m.action_id, m.event_id, m.kit_loan_id) {
            (Some(a), _, _) => ExperienceReportSubject::Action(a),
            (None, Some(e), _) => ExperienceReportSubject::Event(e),
            (None, None, Some(l)) => ExperienceReportSubject::KitLoan(l),
            // The table's CHECK constraint makes this unreachable; fall back to a nil action.
            (None, None, None) => ExperienceReportSubject::Action(Uuid::nil()),
        };
        ExperienceReportFields {
            subject,
            author_user_id: m.author_user_id,
            author: m.author.clone(),
            text: m.text.clone(),
            rating: m.rating,
            people_reached: m.people_reached,
            reported_on: m.reported_on,
        }
    }
}

/// A new report as an entry point has it: it names one action, one event or one kit loan.
#[derive(Clone, Debug)]
pub struct ExperienceReportDraft {
    pub action_id: Option<Uuid>,
    pub event_id: Option<Uuid>,
    pub kit_loan_id: Option<Uuid>,
    pub author_user_id: Option<Uuid>,
    pub author: String,
    pub text: String,
    /// From 1 to 5.
    pub rating: Option<i32>,
    pub people_reached: Option<i32>,
    pub reported_on: NaiveDate,
}

/// A change to a report, field by field (what it is about stays).
#[derive(Clone, Debug, Default)]
pub struct ExperienceReportPatch {
    pub author: Patch<String>,
    pub text: Patch<String>,
    pub rating: Patch<i32>,
    pub people_reached: Patch<i32>,
    pub reported_on: Patch<NaiveDate>,
}

/// A validated change: the new value of each field it changes.
#[derive(Clone, Debug)]
pub struct ExperienceReportChange {
    author: Option<String>,
    text: Option<String>,
    rating: Option<Option<i16>>,
    people_reached: Option<Option<i32>>,
    reported_on: Option<NaiveDate>,
}

fn subject(action: Option<Uuid>, event: Option<Uuid>, loan: Option<Uuid>) -> AppResult<ExperienceReportSubject> {
    match (action, event, loan) {
        (Some(a), None, None) => Ok(ExperienceReportSubject::Action(a)),
        (None, Some(e), None) => Ok(ExperienceReportSubject::Event(e)),
        (None, None, Some(l)) => Ok(ExperienceReportSubject::KitLoan(l)),
        (None, None, None) | (Some(_), Some(_), None) => Err(AppError::bad_input(
            "actionId",
            "give exactly one of actionId and eventId",
        )),
        _ => Err(AppError::bad_input(
            "kitLoanId",
            "give exactly one of actionId, eventId and kitLoanId",
        )),
    }
}

fn author(value: &str) -> AppResult<String> {
    validate::text("author", value, TITLE_MAX)
}

fn text(value: &str) -> AppResult<String> {
    validate::rich_text("text", value, LONG_TEXT_MAX)
}

fn rating(value: Option<i32>) -> AppResult<Option<i16>> {
    validate::rating("rating", value)
}

fn people_reached(value: Option<i32>) -> AppResult<Option<i32>> {
    validate::count("peopleReached", value)
}

impl ExperienceReportFields {
    /// A new report, or every field it refuses.
    pub fn parse(d: ExperienceReportDraft) -> Result<ExperienceReportFields, Invalid> {
        let mut c = Checks::default();
        // Checked in the order written. A refused subject's stand-in is never used: the
        // report is refused.
        let subject = c
            .ok(subject(d.action_id, d.event_id, d.kit_loan_id))
            .unwrap_or(ExperienceReportSubject::Action(Uuid::nil()));
        let fields = ExperienceReportFields {
            subject,
            author_user_id: d.author_user_id,
            author: c.value(author(&d.author)),
            text: c.value(text(&d.text)),
            rating: c.value(rating(d.rating)),
            people_reached: c.value(people_reached(d.people_reached)),
            reported_on: d.reported_on,
        };
        c.finish(fields)
    }
}

impl ExperienceReportChange {
    /// A change, or every field it refuses.
    pub fn parse(p: ExperienceReportPatch) -> Result<ExperienceReportChange, Invalid> {
        let mut c = Checks::default();
        // Checked in the order written.
        let change = ExperienceReportChange {
            author: c.required("author", p.author, |v| author(&v)),
            text: c.required("text", p.text, |v| text(&v)),
            rating: c.optional(p.rating, rating),
            people_reached: c.optional(p.people_reached, people_reached),
            reported_on: c.required("reportedOn", p.reported_on, Ok),
        };
        c.finish(change)
    }

    pub fn apply(self, f: &mut ExperienceReportFields) {
        put(&mut f.author, self.author);
        put(&mut f.text, self.text);
        put(&mut f.rating, self.rating);
        put(&mut f.people_reached, self.people_reached);
        put(&mut f.reported_on, self.reported_on);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ExperienceReportDraft {
        ExperienceReportDraft {
            action_id: Some(Uuid::now_v7()),
            event_id: None,
            kit_loan_id: None,
            author_user_id: None,
            author: "Camille".into(),
            text: " Une belle rencontre. ".into(),
            rating: Some(5),
            people_reached: None,
            reported_on: NaiveDate::from_ymd_opt(2026, 3, 14).expect("a date"),
        }
    }

    #[test]
    fn a_report_names_exactly_one_subject() {
        let f = ExperienceReportFields::parse(draft()).expect("valid");
        assert!(matches!(f.subject, ExperienceReportSubject::Action(_)));
        assert_eq!((f.text.as_str(), f.rating), ("Une belle rencontre.", Some(5)));
        for (action_id, event_id) in [(None, None), (Some(Uuid::now_v7()), Some(Uuid::now_v7()))] {
            let invalid = ExperienceReportFields::parse(ExperienceReportDraft {
                action_id,
                event_id,
                rating: Some(6),
                ..draft()
            })
            .expect_err("refused");
            let messages: Vec<String> = invalid.errors().map(ToString::to_string).collect();
            assert_eq!(
                messages,
                [
                    "give exactly one of actionId and eventId",
                    "rating must be between 1 and 5"
                ]
            );
        }
    }

    #[test]
    fn a_report_may_be_about_a_kit_loan() {
        let loan = Uuid::now_v7();
        let f = ExperienceReportFields::parse(ExperienceReportDraft {
            action_id: None,
            kit_loan_id: Some(loan),
            ..draft()
        })
        .expect("valid");
        assert_eq!(f.subject, ExperienceReportSubject::KitLoan(loan));
        assert_eq!(f.subject.field(), "kitLoanId");
        let refused = ExperienceReportFields::parse(ExperienceReportDraft {
            kit_loan_id: Some(loan),
            ..draft()
        })
        .expect_err("refused");
        assert_eq!(
            refused.first().to_string(),
            "give exactly one of actionId, eventId and kitLoanId"
        );
    }

    #[test]
    fn a_change_keeps_the_text_required() {
        let refused = ExperienceReportChange::parse(ExperienceReportPatch {
            text: Patch::Clear,
            ..Default::default()
        })
        .expect_err("refused");
        assert_eq!(refused.first().to_string(), "text cannot be null");
        let mut f = ExperienceReportFields::parse(draft()).expect("valid");
        ExperienceReportChange::parse(ExperienceReportPatch {
            rating: Patch::Clear,
            ..Default::default()
        })
        .expect("valid")
        .apply(&mut f);
        assert_eq!(f.rating, None);
    }
}
