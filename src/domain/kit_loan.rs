//! A kit loan's write rules: the period, the steps of its life and who takes each, and what a
//! kit's bookings leave free.
//!
//! A loan holds its kit over `[from, until)`: the kit leaves on `from` and is back on `until`,
//! when another loan may start. Loan-days are `until - from`.
//!
//! ```text
//! REQUESTED ──confirm──▶ CONFIRMED ──hand out──▶ OUT ──take back──▶ RETURNED
//!     │  └──decline──▶ DECLINED     │
//!     └──────cancel──────┴──────────▶ CANCELLED
//! ```
//!
//! Anyone of a partner organisation may ask for a loan; the kit owner's editors confirm,
//! decline, hand out and take back; either side cancels before the kit goes out. Two
//! `CONFIRMED` or `OUT` loans of one kit never overlap: the database refuses it (see the
//! `create_kits` migration), and the store names the loan a confirmation collides with.

use chrono::NaiveDate;
use entity::KitLoanStatus;
use uuid::Uuid;

use super::validate;
use super::{Checks, Invalid, Patch, put};
use crate::error::{AppError, AppResult};

/// The longest loan, in days.
pub const MAX_LOAN_DAYS: i64 = 366;

/// The days a loan holds its kit: from `from` (included) to `until` (excluded, the day it is
/// back).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LoanPeriod {
    pub from: NaiveDate,
    pub until: NaiveDate,
}

impl LoanPeriod {
    /// A period of one day at least and `MAX_LOAN_DAYS` at most.
    pub fn parse(from: NaiveDate, until: NaiveDate) -> AppResult<LoanPeriod> {
        if until <= from {
            return Err(AppError::bad_input(
                "until",
                "until doit suivre from : c'est le jour du retour / until must come after from: it is the day the kit is back",
            ));
        }
        let period = LoanPeriod { from, until };
        if period.days() > MAX_LOAN_DAYS {
            return Err(AppError::bad_input(
                "until",
                format!("un prêt dure au plus {MAX_LOAN_DAYS} jours / a loan lasts at most {MAX_LOAN_DAYS} days"),
            ));
        }
        Ok(period)
    }

    /// Loan-days: the days the kit is away.
    pub fn days(&self) -> i64 {
        (self.until - self.from).num_days()
    }

    /// Whether the two periods share a day (a loan that ends the day another starts does not).
    pub fn overlaps(&self, other: &LoanPeriod) -> bool {
        self.from < other.until && other.from < self.until
    }
}

/// Every field of a loan its parties set, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct KitLoanFields {
    pub kit_id: Uuid,
    /// Who borrows: often a school.
    pub borrower_organisation_id: Uuid,
    pub borrower_contact_id: Option<Uuid>,
    pub period: LoanPeriod,
    pub notes: Option<String>,
}

impl From<&entity::kit_loan::Model> for KitLoanFields {
    fn from(m: &entity::kit_loan::Model) -> Self {
        KitLoanFields {
            kit_id: m.kit_id,
            borrower_organisation_id: m.borrower_organisation_id,
            borrower_contact_id: m.borrower_contact_id,
            period: LoanPeriod {
                from: m.starts_on,
                until: m.ends_on,
            },
            notes: m.notes.clone(),
        }
    }
}

/// A new loan as an entry point has it.
#[derive(Clone, Debug)]
pub struct KitLoanDraft {
    pub kit_id: Uuid,
    pub borrower_organisation_id: Uuid,
    pub borrower_contact_id: Option<Uuid>,
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub notes: Option<String>,
}

/// A change to a loan, field by field (its kit and borrower stay).
#[derive(Clone, Debug, Default)]
pub struct KitLoanPatch {
    pub borrower_contact_id: Patch<Uuid>,
    pub from: Patch<NaiveDate>,
    pub until: Patch<NaiveDate>,
    pub notes: Patch<String>,
}

/// A validated change: the new value of each field it changes. Its period is checked once
/// applied (`KitLoanChange::apply`), where both ends are known.
#[derive(Clone, Debug)]
pub struct KitLoanChange {
    borrower_contact_id: Option<Option<Uuid>>,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    notes: Option<Option<String>>,
}

fn notes(value: Option<String>) -> AppResult<Option<String>> {
    validate::opt_rich_text("notes", value)
}

impl KitLoanFields {
    /// A new loan, or every field it refuses.
    pub fn parse(d: KitLoanDraft) -> Result<KitLoanFields, Invalid> {
        let mut c = Checks::default();
        let period = c.ok(LoanPeriod::parse(d.from, d.until));
        let notes = c.value(notes(d.notes));
        c.finish(KitLoanFields {
            kit_id: d.kit_id,
            borrower_organisation_id: d.borrower_organisation_id,
            borrower_contact_id: d.borrower_contact_id,
            // A refused period's stand-in is never used: the loan is refused.
            period: period.unwrap_or(LoanPeriod {
                from: d.from,
                until: d.until,
            }),
            notes,
        })
    }
}

impl KitLoanChange {
    /// A change, or every field it refuses.
    pub fn parse(p: KitLoanPatch) -> Result<KitLoanChange, Invalid> {
        let mut c = Checks::default();
        let change = KitLoanChange {
            borrower_contact_id: c.optional(p.borrower_contact_id, Ok),
            from: c.required("from", p.from, Ok),
            until: c.required("until", p.until, Ok),
            notes: c.optional(p.notes, notes),
        };
        c.finish(change)
    }

    /// Whether the change moves the loan's period.
    pub fn moves_period(&self) -> bool {
        self.from.is_some() || self.until.is_some()
    }

    /// Applies the change; the period it leaves must be one.
    pub fn apply(self, f: &mut KitLoanFields) -> AppResult<()> {
        let moves = self.moves_period();
        put(&mut f.borrower_contact_id, self.borrower_contact_id);
        put(&mut f.notes, self.notes);
        if moves {
            f.period = LoanPeriod::parse(self.from.unwrap_or(f.period.from), self.until.unwrap_or(f.period.until))?;
        }
        Ok(())
    }
}

/// A step of a loan's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoanStep {
    Confirm,
    Decline,
    HandOut,
    TakeBack,
    Cancel,
}

/// Who takes a step: the kit's owner, or the side that borrows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The kit owner's editors (and administrators).
    Lender,
    /// The borrowing and requesting organisations' people, and whoever asked.
    Borrower,
}

/// A status in French and in English, for messages.
pub fn status_words(status: KitLoanStatus) -> (&'static str, &'static str) {
    match status {
        KitLoanStatus::Requested => ("demandé", "requested"),
        KitLoanStatus::Confirmed => ("confirmé", "confirmed"),
        KitLoanStatus::Out => ("sorti", "out"),
        KitLoanStatus::Returned => ("rendu", "returned"),
        KitLoanStatus::Cancelled => ("annulé", "cancelled"),
        KitLoanStatus::Declined => ("refusé", "declined"),
    }
}

impl LoanStep {
    /// The status the step leads to.
    pub fn target(self) -> KitLoanStatus {
        match self {
            LoanStep::Confirm => KitLoanStatus::Confirmed,
            LoanStep::Decline => KitLoanStatus::Declined,
            LoanStep::HandOut => KitLoanStatus::Out,
            LoanStep::TakeBack => KitLoanStatus::Returned,
            LoanStep::Cancel => KitLoanStatus::Cancelled,
        }
    }

    /// The statuses the step may start from.
    pub fn from_statuses(self) -> &'static [KitLoanStatus] {
        match self {
            LoanStep::Confirm | LoanStep::Decline => &[KitLoanStatus::Requested],
            LoanStep::HandOut => &[KitLoanStatus::Confirmed],
            LoanStep::TakeBack => &[KitLoanStatus::Out],
            LoanStep::Cancel => &[KitLoanStatus::Requested, KitLoanStatus::Confirmed],
        }
    }

    /// Who may take the step.
    pub fn parties(self) -> &'static [Party] {
        match self {
            LoanStep::Cancel => &[Party::Lender, Party::Borrower],
            _ => &[Party::Lender],
        }
    }

    /// Whether the step leaves the kit held (so the no-overlap rule applies to it).
    pub fn holds_kit(self) -> bool {
        matches!(self.target(), KitLoanStatus::Confirmed | KitLoanStatus::Out)
    }

    /// The status after the step, or `CONFLICT` when the loan is not where the step starts.
    pub fn apply(self, current: KitLoanStatus) -> AppResult<KitLoanStatus> {
        if self.from_statuses().contains(&current) {
            return Ok(self.target());
        }
        let (fr, en) = match self {
            LoanStep::Confirm => ("confirmé", "confirmed"),
            LoanStep::Decline => ("refusé", "declined"),
            LoanStep::HandOut => ("remis", "handed out"),
            LoanStep::TakeBack => ("repris", "taken back"),
            LoanStep::Cancel => ("annulé", "cancelled"),
        };
        let (now_fr, now_en) = status_words(current);
        Err(AppError::Conflict(format!(
            "ce prêt est {now_fr} : il ne peut pas être {fr} / this loan is {now_en}: it cannot be {en}"
        )))
    }
}

/// Who may change a loan's dates in each status: either side while it is asked for, the lender
/// once it is confirmed (the kit's other bookings are checked again), nobody after.
pub fn who_moves_dates(status: KitLoanStatus) -> &'static [Party] {
    match status {
        KitLoanStatus::Requested => &[Party::Lender, Party::Borrower],
        KitLoanStatus::Confirmed => &[Party::Lender],
        _ => &[],
    }
}

/// For a kit held over `holds` (its confirmed and out loans, in any order), whether it is free
/// over all of `period`, and if not, the first day on or after the period's start from which
/// it is free again: the end of the run of bookings, one starting the day the last ends, that
/// holds it within the period.
pub fn free_again(period: &LoanPeriod, holds: &[LoanPeriod]) -> Option<NaiveDate> {
    let mut sorted: Vec<&LoanPeriod> = holds.iter().collect();
    sorted.sort_by_key(|p| (p.from, p.until));
    let first = sorted.iter().position(|h| h.overlaps(period))?;
    let mut free = sorted[first].until;
    for hold in &sorted[first + 1..] {
        if hold.from <= free {
            free = free.max(hold.until);
        } else if hold.from < period.until {
            // A later booking within the period: the kit is busy until it ends, and maybe more.
            free = hold.until;
        } else {
            break;
        }
    }
    Some(free)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    fn period(from: &str, until: &str) -> LoanPeriod {
        LoanPeriod::parse(day(from), day(until)).expect("a period")
    }

    #[test]
    fn a_period_is_one_day_to_a_year_and_touching_periods_do_not_overlap() {
        assert!(LoanPeriod::parse(day("2027-03-01"), day("2027-03-01")).is_err());
        assert!(LoanPeriod::parse(day("2027-03-02"), day("2027-03-01")).is_err());
        assert!(LoanPeriod::parse(day("2027-01-01"), day("2028-01-03")).is_err());
        let a = period("2027-03-01", "2027-03-10");
        assert_eq!(a.days(), 9);
        assert!(!a.overlaps(&period("2027-03-10", "2027-03-20")));
        assert!(!period("2027-02-20", "2027-03-01").overlaps(&a));
        assert!(a.overlaps(&period("2027-03-09", "2027-03-11")));
        assert!(a.overlaps(&period("2027-02-01", "2027-04-01")));
    }

    #[test]
    fn steps_follow_the_status_flow() {
        use KitLoanStatus::*;
        assert_eq!(LoanStep::Confirm.apply(Requested).ok(), Some(Confirmed));
        assert_eq!(LoanStep::HandOut.apply(Confirmed).ok(), Some(Out));
        assert_eq!(LoanStep::TakeBack.apply(Out).ok(), Some(Returned));
        assert_eq!(LoanStep::Cancel.apply(Confirmed).ok(), Some(Cancelled));
        assert_eq!(LoanStep::Decline.apply(Requested).ok(), Some(Declined));
        for (step, status) in [
            (LoanStep::Confirm, Confirmed),
            (LoanStep::HandOut, Requested),
            (LoanStep::Cancel, Out),
            (LoanStep::TakeBack, Returned),
            (LoanStep::Confirm, Cancelled),
        ] {
            let refused = step.apply(status).expect_err("refused");
            assert_eq!(refused.code(), "CONFLICT", "{step:?} from {status:?}");
        }
        assert_eq!(
            LoanStep::Confirm.apply(Cancelled).expect_err("refused").to_string(),
            "ce prêt est annulé : il ne peut pas être confirmé / this loan is cancelled: it cannot be confirmed"
        );
        assert!(LoanStep::Confirm.holds_kit() && LoanStep::HandOut.holds_kit());
        assert!(!LoanStep::Cancel.holds_kit());
        assert_eq!(LoanStep::Cancel.parties(), [Party::Lender, Party::Borrower]);
        assert_eq!(LoanStep::Confirm.parties(), [Party::Lender]);
    }

    #[test]
    fn a_change_of_dates_is_checked_on_the_whole_period() {
        let mut f = KitLoanFields::parse(KitLoanDraft {
            kit_id: Uuid::now_v7(),
            borrower_organisation_id: Uuid::now_v7(),
            borrower_contact_id: None,
            from: day("2027-03-01"),
            until: day("2027-03-10"),
            notes: Some(" ".into()),
        })
        .expect("valid");
        assert_eq!(f.notes, None);
        let change = KitLoanChange::parse(KitLoanPatch {
            from: Patch::Set(day("2027-03-12")),
            ..Default::default()
        })
        .expect("valid");
        assert!(change.moves_period());
        assert!(change.apply(&mut f).is_err(), "from after until");
        let refused = KitLoanFields::parse(KitLoanDraft {
            kit_id: Uuid::now_v7(),
            borrower_organisation_id: Uuid::now_v7(),
            borrower_contact_id: None,
            from: day("2027-03-10"),
            until: day("2027-03-01"),
            notes: None,
        })
        .expect_err("refused");
        assert!(refused.first().to_string().starts_with("until doit suivre from"));
    }

    #[test]
    fn a_busy_kit_is_free_again_at_the_end_of_its_run_of_bookings() {
        let want = period("2027-03-05", "2027-03-12");
        assert_eq!(free_again(&want, &[]), None);
        // Bookings that end the day the period starts, or start the day it ends, leave it free.
        assert_eq!(
            free_again(
                &want,
                &[period("2027-03-01", "2027-03-05"), period("2027-03-12", "2027-03-20")]
            ),
            None
        );
        assert_eq!(
            free_again(&want, &[period("2027-03-01", "2027-03-08")]),
            Some(day("2027-03-08"))
        );
        // A booking that follows on the same day extends the run.
        assert_eq!(
            free_again(
                &want,
                &[
                    period("2027-03-08", "2027-03-15"),
                    period("2027-03-01", "2027-03-08"),
                    period("2027-03-15", "2027-03-18"),
                    period("2027-04-01", "2027-04-10"),
                ]
            ),
            Some(day("2027-03-18"))
        );
        // Two bookings within the period with a gap: free after the last one in it.
        assert_eq!(
            free_again(
                &want,
                &[period("2027-03-05", "2027-03-06"), period("2027-03-09", "2027-03-10")]
            ),
            Some(day("2027-03-10"))
        );
    }
}
